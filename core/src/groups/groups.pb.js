import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var MemberCredential;
(function (MemberCredential) {
    let _codec;
    MemberCredential.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.deviceCert != null && obj.deviceCert.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.deviceCert);
                }
                if ((obj.signatureKey != null && obj.signatureKey.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.signatureKey);
                }
                if ((obj.binding != null && obj.binding.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.binding);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    deviceCert: uint8ArrayAlloc(0),
                    signatureKey: uint8ArrayAlloc(0),
                    binding: uint8ArrayAlloc(0)
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
                            obj.deviceCert = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.signatureKey = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.binding = reader.bytes();
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
                                field: `${prefix}.deviceCert`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.signatureKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.binding`,
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
        return encodeMessage(obj, MemberCredential.codec());
    }
    MemberCredential.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, MemberCredential.codec(), opts);
    }
    MemberCredential.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, MemberCredential.codec(), opts);
    }
    MemberCredential.stream = stream;
})(MemberCredential || (MemberCredential = {}));
export var GroupFrame;
(function (GroupFrame) {
    let _codec;
    GroupFrame.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.kind != null && obj.kind !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.kind);
                }
                if ((obj.mls != null && obj.mls.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.mls);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    kind: 0,
                    mls: uint8ArrayAlloc(0)
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
                            obj.kind = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.mls = reader.bytes();
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
                                field: `${prefix}.kind`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.mls`,
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
        return encodeMessage(obj, GroupFrame.codec());
    }
    GroupFrame.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, GroupFrame.codec(), opts);
    }
    GroupFrame.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, GroupFrame.codec(), opts);
    }
    GroupFrame.stream = stream;
})(GroupFrame || (GroupFrame = {}));
export var GroupDirect;
(function (GroupDirect) {
    let _codec;
    GroupDirect.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.groupId != null && obj.groupId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.groupId);
                }
                if ((obj.keyPackageRequest != null && obj.keyPackageRequest !== false)) {
                    w.uint32(24);
                    w.bool(obj.keyPackageRequest);
                }
                if ((obj.keyPackage != null && obj.keyPackage.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.keyPackage);
                }
                if (obj.invitePart != null) {
                    w.uint32(42);
                    InvitePart.codec().encode(obj.invitePart, w);
                }
                if ((obj.frame != null && obj.frame.byteLength > 0)) {
                    w.uint32(50);
                    w.bytes(obj.frame);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    groupId: uint8ArrayAlloc(0),
                    keyPackageRequest: false,
                    keyPackage: uint8ArrayAlloc(0),
                    frame: uint8ArrayAlloc(0)
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
                            obj.groupId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.keyPackageRequest = reader.bool();
                            break;
                        }
                        case 4: {
                            obj.keyPackage = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.invitePart = InvitePart.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.invitePart
                            });
                            break;
                        }
                        case 6: {
                            obj.frame = reader.bytes();
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
                                field: `${prefix}.groupId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.keyPackageRequest`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.keyPackage`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield* InvitePart.codec().stream(reader, reader.uint32(), `${prefix}.invitePart`, {
                                limits: opts.limits?.invitePart
                            });
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.frame`,
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
        return encodeMessage(obj, GroupDirect.codec());
    }
    GroupDirect.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, GroupDirect.codec(), opts);
    }
    GroupDirect.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, GroupDirect.codec(), opts);
    }
    GroupDirect.stream = stream;
})(GroupDirect || (GroupDirect = {}));
export var InvitePart;
(function (InvitePart) {
    let _codec;
    InvitePart.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.index != null && obj.index !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.index);
                }
                if ((obj.count != null && obj.count !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.count);
                }
                if ((obj.chunk != null && obj.chunk.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.chunk);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    index: 0,
                    count: 0,
                    chunk: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.index = reader.uint32();
                            break;
                        }
                        case 2: {
                            obj.count = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.chunk = reader.bytes();
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
                                field: `${prefix}.index`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.count`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.chunk`,
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
        return encodeMessage(obj, InvitePart.codec());
    }
    InvitePart.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, InvitePart.codec(), opts);
    }
    InvitePart.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, InvitePart.codec(), opts);
    }
    InvitePart.stream = stream;
})(InvitePart || (InvitePart = {}));
export var GroupInvite;
(function (GroupInvite) {
    let _codec;
    GroupInvite.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.welcome != null && obj.welcome.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.welcome);
                }
                if (obj.relays != null && obj.relays.length > 0) {
                    for (const value of obj.relays) {
                        w.uint32(26);
                        w.string(value);
                    }
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.mailboxAuthSecret != null && obj.mailboxAuthSecret.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.mailboxAuthSecret);
                }
                if ((obj.mailboxCapability != null && obj.mailboxCapability.byteLength > 0)) {
                    w.uint32(50);
                    w.bytes(obj.mailboxCapability);
                }
                if ((obj.afterId != null && obj.afterId !== 0n)) {
                    w.uint32(56);
                    w.uint64(obj.afterId);
                }
                if ((obj.name != null && obj.name !== '')) {
                    w.uint32(66);
                    w.string(obj.name);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    welcome: uint8ArrayAlloc(0),
                    relays: [],
                    mailboxId: uint8ArrayAlloc(0),
                    mailboxAuthSecret: uint8ArrayAlloc(0),
                    mailboxCapability: uint8ArrayAlloc(0),
                    afterId: 0n,
                    name: ''
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
                            obj.welcome = reader.bytes();
                            break;
                        }
                        case 3: {
                            if (opts.limits?.relays != null && obj.relays.length === opts.limits.relays) {
                                throw new MaxLengthError('Decode error - repeated field "relays" had too many elements');
                            }
                            obj.relays.push(reader.string());
                            break;
                        }
                        case 4: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.mailboxAuthSecret = reader.bytes();
                            break;
                        }
                        case 6: {
                            obj.mailboxCapability = reader.bytes();
                            break;
                        }
                        case 7: {
                            obj.afterId = reader.uint64();
                            break;
                        }
                        case 8: {
                            obj.name = reader.string();
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
                                field: `${prefix}.welcome`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
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
                        case 4: {
                            yield {
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.mailboxAuthSecret`,
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
                                field: `${prefix}.afterId`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.name`,
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
        return encodeMessage(obj, GroupInvite.codec());
    }
    GroupInvite.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, GroupInvite.codec(), opts);
    }
    GroupInvite.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, GroupInvite.codec(), opts);
    }
    GroupInvite.stream = stream;
})(GroupInvite || (GroupInvite = {}));
