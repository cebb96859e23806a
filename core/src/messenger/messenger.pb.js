import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var InviteBody;
(function (InviteBody) {
    let _codec;
    InviteBody.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.displayName != null && obj.displayName !== '')) {
                    w.uint32(18);
                    w.string(obj.displayName);
                }
                if ((obj.prekeyBundle != null && obj.prekeyBundle.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.prekeyBundle);
                }
                if (obj.relays != null && obj.relays.length > 0) {
                    for (const value of obj.relays) {
                        w.uint32(34);
                        w.string(value);
                    }
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.mailboxCapability != null && obj.mailboxCapability.byteLength > 0)) {
                    w.uint32(50);
                    w.bytes(obj.mailboxCapability);
                }
                if ((obj.mailboxSealKey != null && obj.mailboxSealKey.byteLength > 0)) {
                    w.uint32(58);
                    w.bytes(obj.mailboxSealKey);
                }
                if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
                    w.uint32(64);
                    w.uint64(obj.expiresAt);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    displayName: '',
                    prekeyBundle: uint8ArrayAlloc(0),
                    relays: [],
                    mailboxId: uint8ArrayAlloc(0),
                    mailboxCapability: uint8ArrayAlloc(0),
                    mailboxSealKey: uint8ArrayAlloc(0),
                    expiresAt: 0n
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
                            obj.displayName = reader.string();
                            break;
                        }
                        case 3: {
                            obj.prekeyBundle = reader.bytes();
                            break;
                        }
                        case 4: {
                            if (opts.limits?.relays != null && obj.relays.length === opts.limits.relays) {
                                throw new MaxLengthError('Decode error - repeated field "relays" had too many elements');
                            }
                            obj.relays.push(reader.string());
                            break;
                        }
                        case 5: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 6: {
                            obj.mailboxCapability = reader.bytes();
                            break;
                        }
                        case 7: {
                            obj.mailboxSealKey = reader.bytes();
                            break;
                        }
                        case 8: {
                            obj.expiresAt = reader.uint64();
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
                const obj = {
                    relays: 0
                };
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
                                field: `${prefix}.displayName`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.prekeyBundle`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            if (opts.limits?.relays != null && obj.relays === opts.limits.relays) {
                                throw new MaxLengthError('Streaming decode error - repeated field "relays" had too many elements');
                            }
                            yield {
                                field: `${prefix}.relays[]`,
                                index: obj.relays,
                                value: reader.string()
                            };
                            obj.relays++;
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.mailboxCapability`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.mailboxSealKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.expiresAt`,
                                value: reader.uint64()
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
        return encodeMessage(obj, InviteBody.codec());
    }
    InviteBody.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, InviteBody.codec(), opts);
    }
    InviteBody.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, InviteBody.codec(), opts);
    }
    InviteBody.stream = stream;
})(InviteBody || (InviteBody = {}));
export var Invite;
(function (Invite) {
    let _codec;
    Invite.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.body != null && obj.body.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.body);
                }
                if ((obj.signature != null && obj.signature.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.signature);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    body: uint8ArrayAlloc(0),
                    signature: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.body = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.signature = reader.bytes();
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
                                field: `${prefix}.body`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.signature`,
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
        return encodeMessage(obj, Invite.codec());
    }
    Invite.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Invite.codec(), opts);
    }
    Invite.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Invite.codec(), opts);
    }
    Invite.stream = stream;
})(Invite || (Invite = {}));
export var Text;
(function (Text) {
    let _codec;
    Text.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.text != null && obj.text !== '')) {
                    w.uint32(10);
                    w.string(obj.text);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    text: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.text = reader.string();
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
                                field: `${prefix}.text`,
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
        return encodeMessage(obj, Text.codec());
    }
    Text.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Text.codec(), opts);
    }
    Text.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Text.codec(), opts);
    }
    Text.stream = stream;
})(Text || (Text = {}));
export var Receipt;
(function (Receipt) {
    let _codec;
    Receipt.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.kind != null && obj.kind !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.kind);
                }
                if (obj.messageIds != null && obj.messageIds.length > 0) {
                    for (const value of obj.messageIds) {
                        w.uint32(18);
                        w.bytes(value);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    kind: 0,
                    messageIds: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.kind = reader.uint32();
                            break;
                        }
                        case 2: {
                            if (opts.limits?.messageIds != null && obj.messageIds.length === opts.limits.messageIds) {
                                throw new MaxLengthError('Decode error - repeated field "messageIds" had too many elements');
                            }
                            obj.messageIds.push(reader.bytes());
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
                const obj = {
                    messageIds: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.kind`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            if (opts.limits?.messageIds != null && obj.messageIds === opts.limits.messageIds) {
                                throw new MaxLengthError('Streaming decode error - repeated field "messageIds" had too many elements');
                            }
                            yield {
                                field: `${prefix}.messageIds[]`,
                                index: obj.messageIds,
                                value: reader.bytes()
                            };
                            obj.messageIds++;
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
        return encodeMessage(obj, Receipt.codec());
    }
    Receipt.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Receipt.codec(), opts);
    }
    Receipt.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Receipt.codec(), opts);
    }
    Receipt.stream = stream;
})(Receipt || (Receipt = {}));
export var Hello;
(function (Hello) {
    let _codec;
    Hello.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.displayName != null && obj.displayName !== '')) {
                    w.uint32(10);
                    w.string(obj.displayName);
                }
                if (obj.relays != null && obj.relays.length > 0) {
                    for (const value of obj.relays) {
                        w.uint32(18);
                        w.string(value);
                    }
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.mailboxCapability != null && obj.mailboxCapability.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.mailboxCapability);
                }
                if ((obj.mailboxSealKey != null && obj.mailboxSealKey.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.mailboxSealKey);
                }
                if ((obj.reply != null && obj.reply !== false)) {
                    w.uint32(48);
                    w.bool(obj.reply);
                }
                if ((obj.replacesDevice != null && obj.replacesDevice !== '')) {
                    w.uint32(58);
                    w.string(obj.replacesDevice);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    displayName: '',
                    relays: [],
                    mailboxId: uint8ArrayAlloc(0),
                    mailboxCapability: uint8ArrayAlloc(0),
                    mailboxSealKey: uint8ArrayAlloc(0),
                    reply: false,
                    replacesDevice: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.displayName = reader.string();
                            break;
                        }
                        case 2: {
                            if (opts.limits?.relays != null && obj.relays.length === opts.limits.relays) {
                                throw new MaxLengthError('Decode error - repeated field "relays" had too many elements');
                            }
                            obj.relays.push(reader.string());
                            break;
                        }
                        case 3: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.mailboxCapability = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.mailboxSealKey = reader.bytes();
                            break;
                        }
                        case 6: {
                            obj.reply = reader.bool();
                            break;
                        }
                        case 7: {
                            obj.replacesDevice = reader.string();
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
                const obj = {
                    relays: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.displayName`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            if (opts.limits?.relays != null && obj.relays === opts.limits.relays) {
                                throw new MaxLengthError('Streaming decode error - repeated field "relays" had too many elements');
                            }
                            yield {
                                field: `${prefix}.relays[]`,
                                index: obj.relays,
                                value: reader.string()
                            };
                            obj.relays++;
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.mailboxCapability`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.mailboxSealKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.reply`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.replacesDevice`,
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
        return encodeMessage(obj, Hello.codec());
    }
    Hello.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Hello.codec(), opts);
    }
    Hello.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Hello.codec(), opts);
    }
    Hello.stream = stream;
})(Hello || (Hello = {}));
export var CallSignal;
(function (CallSignal) {
    let _codec;
    CallSignal.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.callId != null && obj.callId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.callId);
                }
                if ((obj.kind != null && obj.kind !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.kind);
                }
                if ((obj.media != null && obj.media !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.media);
                }
                if ((obj.sdp != null && obj.sdp !== '')) {
                    w.uint32(34);
                    w.string(obj.sdp);
                }
                if ((obj.dtlsFingerprint != null && obj.dtlsFingerprint !== '')) {
                    w.uint32(42);
                    w.string(obj.dtlsFingerprint);
                }
                if (obj.candidates != null && obj.candidates.length > 0) {
                    for (const value of obj.candidates) {
                        w.uint32(50);
                        CallIce.codec().encode(value, w);
                    }
                }
                if ((obj.reason != null && obj.reason !== 0)) {
                    w.uint32(56);
                    w.uint32(obj.reason);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    callId: uint8ArrayAlloc(0),
                    kind: 0,
                    media: 0,
                    sdp: '',
                    dtlsFingerprint: '',
                    candidates: [],
                    reason: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.callId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.kind = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.media = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.sdp = reader.string();
                            break;
                        }
                        case 5: {
                            obj.dtlsFingerprint = reader.string();
                            break;
                        }
                        case 6: {
                            if (opts.limits?.candidates != null && obj.candidates.length === opts.limits.candidates) {
                                throw new MaxLengthError('Decode error - repeated field "candidates" had too many elements');
                            }
                            obj.candidates.push(CallIce.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.candidates$
                            }));
                            break;
                        }
                        case 7: {
                            obj.reason = reader.uint32();
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
                const obj = {
                    candidates: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.callId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.kind`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.media`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.sdp`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.dtlsFingerprint`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 6: {
                            if (opts.limits?.candidates != null && obj.candidates === opts.limits.candidates) {
                                throw new MaxLengthError('Streaming decode error - repeated field "candidates" had too many elements');
                            }
                            for (const evt of CallIce.codec().stream(reader, reader.uint32(), `${prefix}.candidates[]`, {
                                limits: opts.limits?.candidates$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.candidates
                                };
                            }
                            obj.candidates++;
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.reason`,
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
        return encodeMessage(obj, CallSignal.codec());
    }
    CallSignal.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, CallSignal.codec(), opts);
    }
    CallSignal.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, CallSignal.codec(), opts);
    }
    CallSignal.stream = stream;
})(CallSignal || (CallSignal = {}));
export var CallIce;
(function (CallIce) {
    let _codec;
    CallIce.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.candidate != null && obj.candidate !== '')) {
                    w.uint32(10);
                    w.string(obj.candidate);
                }
                if (obj.sdpMid != null) {
                    w.uint32(18);
                    w.string(obj.sdpMid);
                }
                if (obj.sdpMlineIndex != null) {
                    w.uint32(24);
                    w.uint32(obj.sdpMlineIndex);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    candidate: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.candidate = reader.string();
                            break;
                        }
                        case 2: {
                            obj.sdpMid = reader.string();
                            break;
                        }
                        case 3: {
                            obj.sdpMlineIndex = reader.uint32();
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
                                field: `${prefix}.candidate`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.sdpMid`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.sdpMlineIndex`,
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
        return encodeMessage(obj, CallIce.codec());
    }
    CallIce.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, CallIce.codec(), opts);
    }
    CallIce.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, CallIce.codec(), opts);
    }
    CallIce.stream = stream;
})(CallIce || (CallIce = {}));
export var ChatPayload;
(function (ChatPayload) {
    let _codec;
    ChatPayload.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.messageId);
                }
                if ((obj.sentAt != null && obj.sentAt !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.sentAt);
                }
                if (obj.text != null) {
                    w.uint32(82);
                    Text.codec().encode(obj.text, w);
                }
                if (obj.receipt != null) {
                    w.uint32(90);
                    Receipt.codec().encode(obj.receipt, w);
                }
                if (obj.hello != null) {
                    w.uint32(98);
                    Hello.codec().encode(obj.hello, w);
                }
                if (obj.fileOffer != null) {
                    w.uint32(106);
                    w.bytes(obj.fileOffer);
                }
                if (obj.fileControl != null) {
                    w.uint32(114);
                    w.bytes(obj.fileControl);
                }
                if (obj.filePiece != null) {
                    w.uint32(122);
                    w.bytes(obj.filePiece);
                }
                if (obj.call != null) {
                    w.uint32(130);
                    CallSignal.codec().encode(obj.call, w);
                }
                if (obj.deviceList != null) {
                    w.uint32(138);
                    w.bytes(obj.deviceList);
                }
                if (obj.group != null) {
                    w.uint32(146);
                    w.bytes(obj.group);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    messageId: uint8ArrayAlloc(0),
                    sentAt: 0n
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
                            obj.messageId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.sentAt = reader.uint64();
                            break;
                        }
                        case 10: {
                            obj.text = Text.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.text
                            });
                            break;
                        }
                        case 11: {
                            obj.receipt = Receipt.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.receipt
                            });
                            break;
                        }
                        case 12: {
                            obj.hello = Hello.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.hello
                            });
                            break;
                        }
                        case 13: {
                            obj.fileOffer = reader.bytes();
                            break;
                        }
                        case 14: {
                            obj.fileControl = reader.bytes();
                            break;
                        }
                        case 15: {
                            obj.filePiece = reader.bytes();
                            break;
                        }
                        case 16: {
                            obj.call = CallSignal.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.call
                            });
                            break;
                        }
                        case 17: {
                            obj.deviceList = reader.bytes();
                            break;
                        }
                        case 18: {
                            obj.group = reader.bytes();
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
                                field: `${prefix}.messageId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.sentAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 10: {
                            yield* Text.codec().stream(reader, reader.uint32(), `${prefix}.text`, {
                                limits: opts.limits?.text
                            });
                            break;
                        }
                        case 11: {
                            yield* Receipt.codec().stream(reader, reader.uint32(), `${prefix}.receipt`, {
                                limits: opts.limits?.receipt
                            });
                            break;
                        }
                        case 12: {
                            yield* Hello.codec().stream(reader, reader.uint32(), `${prefix}.hello`, {
                                limits: opts.limits?.hello
                            });
                            break;
                        }
                        case 13: {
                            yield {
                                field: `${prefix}.fileOffer`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 14: {
                            yield {
                                field: `${prefix}.fileControl`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 15: {
                            yield {
                                field: `${prefix}.filePiece`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 16: {
                            yield* CallSignal.codec().stream(reader, reader.uint32(), `${prefix}.call`, {
                                limits: opts.limits?.call
                            });
                            break;
                        }
                        case 17: {
                            yield {
                                field: `${prefix}.deviceList`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 18: {
                            yield {
                                field: `${prefix}.group`,
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
        return encodeMessage(obj, ChatPayload.codec());
    }
    ChatPayload.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, ChatPayload.codec(), opts);
    }
    ChatPayload.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, ChatPayload.codec(), opts);
    }
    ChatPayload.stream = stream;
})(ChatPayload || (ChatPayload = {}));
