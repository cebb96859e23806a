import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var FileOffer;
(function (FileOffer) {
    let _codec;
    FileOffer.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.transferId);
                }
                if ((obj.name != null && obj.name !== '')) {
                    w.uint32(26);
                    w.string(obj.name);
                }
                if ((obj.size != null && obj.size !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.size);
                }
                if ((obj.mimeType != null && obj.mimeType !== '')) {
                    w.uint32(42);
                    w.string(obj.mimeType);
                }
                if ((obj.shareRecord != null && obj.shareRecord.byteLength > 0)) {
                    w.uint32(50);
                    w.bytes(obj.shareRecord);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    transferId: uint8ArrayAlloc(0),
                    name: '',
                    size: 0n,
                    mimeType: '',
                    shareRecord: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.version = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.name = reader.string();
                            break;
                        }
                        case 4: {
                            obj.size = reader.uint64();
                            break;
                        }
                        case 5: {
                            obj.mimeType = reader.string();
                            break;
                        }
                        case 6: {
                            obj.shareRecord = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.version`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.name`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.size`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.mimeType`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.shareRecord`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, FileOffer.codec());
    }
    FileOffer.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileOffer.codec(), opts);
    }
    FileOffer.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileOffer.codec(), opts);
    }
    FileOffer.stream = stream;
})(FileOffer || (FileOffer = {}));
export var FileControl;
(function (FileControl) {
    let _codec;
    FileControl.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.transferId);
                }
                if ((obj.action != null && obj.action !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.action);
                }
                if ((obj.takenBy != null && obj.takenBy !== '')) {
                    w.uint32(34);
                    w.string(obj.takenBy);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    transferId: uint8ArrayAlloc(0),
                    action: 0,
                    takenBy: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.version = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.action = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.takenBy = reader.string();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.version`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.action`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.takenBy`,
                                value: reader.string()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, FileControl.codec());
    }
    FileControl.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileControl.codec(), opts);
    }
    FileControl.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileControl.codec(), opts);
    }
    FileControl.stream = stream;
})(FileControl || (FileControl = {}));
export var FileRequest;
(function (FileRequest) {
    let _codec;
    FileRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.transferId);
                }
                if ((obj.resumeFrom != null && obj.resumeFrom !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.resumeFrom);
                }
                if ((obj.proof != null && obj.proof.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.proof);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    transferId: uint8ArrayAlloc(0),
                    resumeFrom: 0n,
                    proof: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.version = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.resumeFrom = reader.uint64();
                            break;
                        }
                        case 4: {
                            obj.proof = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.version`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.resumeFrom`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.proof`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, FileRequest.codec());
    }
    FileRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileRequest.codec(), opts);
    }
    FileRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileRequest.codec(), opts);
    }
    FileRequest.stream = stream;
})(FileRequest || (FileRequest = {}));
export var SenderFrame;
(function (SenderFrame) {
    let _codec;
    SenderFrame.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.status != null && obj.status !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.status);
                }
                if ((obj.header != null && obj.header.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.header);
                }
                if ((obj.index != null && obj.index !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.index);
                }
                if ((obj.data != null && obj.data.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.data);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    status: 0,
                    header: uint8ArrayAlloc(0),
                    index: 0n,
                    data: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.status = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.header = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.index = reader.uint64();
                            break;
                        }
                        case 4: {
                            obj.data = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.status`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.header`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.index`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.data`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, SenderFrame.codec());
    }
    SenderFrame.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SenderFrame.codec(), opts);
    }
    SenderFrame.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SenderFrame.codec(), opts);
    }
    SenderFrame.stream = stream;
})(SenderFrame || (SenderFrame = {}));
export var ReceiverFrame;
(function (ReceiverFrame) {
    let _codec;
    ReceiverFrame.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.verified != null && obj.verified !== 0n)) {
                    w.uint32(8);
                    w.uint64(obj.verified);
                }
                if ((obj.complete != null && obj.complete !== false)) {
                    w.uint32(16);
                    w.bool(obj.complete);
                }
                if ((obj.status != null && obj.status !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.status);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    verified: 0n,
                    complete: false,
                    status: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.verified = reader.uint64();
                            break;
                        }
                        case 2: {
                            obj.complete = reader.bool();
                            break;
                        }
                        case 3: {
                            obj.status = reader.uint32();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.verified`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.complete`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.status`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, ReceiverFrame.codec());
    }
    ReceiverFrame.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, ReceiverFrame.codec(), opts);
    }
    ReceiverFrame.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, ReceiverFrame.codec(), opts);
    }
    ReceiverFrame.stream = stream;
})(ReceiverFrame || (ReceiverFrame = {}));
export var FileMailboxPiece;
(function (FileMailboxPiece) {
    let _codec;
    FileMailboxPiece.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.transferId != null && obj.transferId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.transferId);
                }
                if ((obj.header != null && obj.header.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.header);
                }
                if ((obj.firstChunk != null && obj.firstChunk !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.firstChunk);
                }
                if ((obj.data != null && obj.data.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.data);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    transferId: uint8ArrayAlloc(0),
                    header: uint8ArrayAlloc(0),
                    firstChunk: 0n,
                    data: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.version = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.transferId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.header = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.firstChunk = reader.uint64();
                            break;
                        }
                        case 5: {
                            obj.data = reader.bytes();
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
                return obj;
            }, function* (reader, length, prefix, opts = {}) {
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.version`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.header`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.firstChunk`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.data`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        default: {
                            reader.skipType(tag & 7);
                            break;
                        }
                    }
                }
            });
        }
        return _codec;
    };
    function encode(obj) {
        return encodeMessage(obj, FileMailboxPiece.codec());
    }
    FileMailboxPiece.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileMailboxPiece.codec(), opts);
    }
    FileMailboxPiece.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileMailboxPiece.codec(), opts);
    }
    FileMailboxPiece.stream = stream;
})(FileMailboxPiece || (FileMailboxPiece = {}));
