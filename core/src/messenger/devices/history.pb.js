import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var HistoryMessage;
(function (HistoryMessage) {
    let _codec;
    HistoryMessage.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.messageId);
                }
                if ((obj.direction != null && obj.direction !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.direction);
                }
                if ((obj.sentAt != null && obj.sentAt !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.sentAt);
                }
                if ((obj.receivedAt != null && obj.receivedAt !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.receivedAt);
                }
                if ((obj.delivery != null && obj.delivery !== 0)) {
                    w.uint32(40);
                    w.uint32(obj.delivery);
                }
                if ((obj.readAt != null && obj.readAt !== 0n)) {
                    w.uint32(48);
                    w.uint64(obj.readAt);
                }
                if ((obj.text != null && obj.text !== '')) {
                    w.uint32(58);
                    w.string(obj.text);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    messageId: uint8ArrayAlloc(0),
                    direction: 0,
                    sentAt: 0n,
                    receivedAt: 0n,
                    delivery: 0,
                    readAt: 0n,
                    text: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.messageId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.direction = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.sentAt = reader.uint64();
                            break;
                        }
                        case 4: {
                            obj.receivedAt = reader.uint64();
                            break;
                        }
                        case 5: {
                            obj.delivery = reader.uint32();
                            break;
                        }
                        case 6: {
                            obj.readAt = reader.uint64();
                            break;
                        }
                        case 7: {
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
                                field: `${prefix}.messageId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.direction`,
                                value: reader.uint32()
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
                        case 4: {
                            yield {
                                field: `${prefix}.receivedAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.delivery`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.readAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 7: {
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
        return encodeMessage(obj, HistoryMessage.codec());
    }
    HistoryMessage.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, HistoryMessage.codec(), opts);
    }
    HistoryMessage.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, HistoryMessage.codec(), opts);
    }
    HistoryMessage.stream = stream;
})(HistoryMessage || (HistoryMessage = {}));
export var HistoryChunk;
(function (HistoryChunk) {
    let _codec;
    HistoryChunk.codec = () => {
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
                if ((obj.seq != null && obj.seq !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.seq);
                }
                if ((obj.total != null && obj.total !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.total);
                }
                if ((obj.peerIdentityKey != null && obj.peerIdentityKey.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.peerIdentityKey);
                }
                if (obj.messages != null && obj.messages.length > 0) {
                    for (const value of obj.messages) {
                        w.uint32(50);
                        HistoryMessage.codec().encode(value, w);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    transferId: uint8ArrayAlloc(0),
                    seq: 0,
                    total: 0,
                    peerIdentityKey: uint8ArrayAlloc(0),
                    messages: []
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
                            obj.seq = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.total = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.peerIdentityKey = reader.bytes();
                            break;
                        }
                        case 6: {
                            if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements');
                            }
                            obj.messages.push(HistoryMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.messages$
                            }));
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
                    messages: 0
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
                                field: `${prefix}.transferId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.seq`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.total`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.peerIdentityKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 6: {
                            if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements');
                            }
                            for (const evt of HistoryMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
                                limits: opts.limits?.messages$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.messages
                                };
                            }
                            obj.messages++;
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
        return encodeMessage(obj, HistoryChunk.codec());
    }
    HistoryChunk.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, HistoryChunk.codec(), opts);
    }
    HistoryChunk.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, HistoryChunk.codec(), opts);
    }
    HistoryChunk.stream = stream;
})(HistoryChunk || (HistoryChunk = {}));
