import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime';
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
