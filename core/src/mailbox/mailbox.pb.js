/* eslint-disable require-yield */
import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var MailboxAuth;
(function (MailboxAuth) {
    let _codec;
    MailboxAuth.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.nonce != null && obj.nonce.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.nonce);
                }
                if ((obj.timestampMs != null && obj.timestampMs !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.timestampMs);
                }
                if ((obj.signature != null && obj.signature.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.signature);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    mailboxId: uint8ArrayAlloc(0),
                    nonce: uint8ArrayAlloc(0),
                    timestampMs: 0n,
                    signature: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.nonce = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.timestampMs = reader.uint64();
                            break;
                        }
                        case 4: {
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
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.nonce`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.timestampMs`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 4: {
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
        return encodeMessage(obj, MailboxAuth.codec());
    }
    MailboxAuth.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, MailboxAuth.codec(), opts);
    }
    MailboxAuth.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, MailboxAuth.codec(), opts);
    }
    MailboxAuth.stream = stream;
})(MailboxAuth || (MailboxAuth = {}));
export var CreateRequest;
(function (CreateRequest) {
    let _codec;
    CreateRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if ((obj.authPublicKey != null && obj.authPublicKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.authPublicKey);
                }
                if ((obj.capability != null && obj.capability.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.capability);
                }
                if ((obj.managePublicKey != null && obj.managePublicKey.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.managePublicKey);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    authPublicKey: uint8ArrayAlloc(0),
                    capability: uint8ArrayAlloc(0),
                    managePublicKey: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            obj.authPublicKey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.capability = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.managePublicKey = reader.bytes();
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
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.authPublicKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.capability`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.managePublicKey`,
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
        return encodeMessage(obj, CreateRequest.codec());
    }
    CreateRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, CreateRequest.codec(), opts);
    }
    CreateRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, CreateRequest.codec(), opts);
    }
    CreateRequest.stream = stream;
})(CreateRequest || (CreateRequest = {}));
export var DepositRequest;
(function (DepositRequest) {
    let _codec;
    DepositRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.capability != null && obj.capability.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.capability);
                }
                if ((obj.expiryS != null && obj.expiryS !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.expiryS);
                }
                if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.sealed);
                }
                if (obj.expectedId != null) {
                    w.uint32(40);
                    w.uint64(obj.expectedId);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    mailboxId: uint8ArrayAlloc(0),
                    capability: uint8ArrayAlloc(0),
                    expiryS: 0,
                    sealed: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.capability = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.expiryS = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.sealed = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.expectedId = reader.uint64();
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
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.capability`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.expiryS`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.sealed`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.expectedId`,
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
        return encodeMessage(obj, DepositRequest.codec());
    }
    DepositRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DepositRequest.codec(), opts);
    }
    DepositRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DepositRequest.codec(), opts);
    }
    DepositRequest.stream = stream;
})(DepositRequest || (DepositRequest = {}));
export var FetchRequest;
(function (FetchRequest) {
    let _codec;
    FetchRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if ((obj.limit != null && obj.limit !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.limit);
                }
                if (obj.afterId != null) {
                    w.uint32(24);
                    w.uint64(obj.afterId);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    limit: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            obj.limit = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.afterId = reader.uint64();
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
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.limit`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.afterId`,
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
        return encodeMessage(obj, FetchRequest.codec());
    }
    FetchRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FetchRequest.codec(), opts);
    }
    FetchRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FetchRequest.codec(), opts);
    }
    FetchRequest.stream = stream;
})(FetchRequest || (FetchRequest = {}));
export var AckRequest;
(function (AckRequest) {
    let _codec;
    AckRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if (obj.ids != null && obj.ids.length > 0) {
                    for (const value of obj.ids) {
                        w.uint32(16);
                        w.uint64(value);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    ids: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            if (opts.limits?.ids != null && obj.ids.length === opts.limits.ids) {
                                throw new MaxLengthError('Decode error - repeated field "ids" had too many elements');
                            }
                            obj.ids.push(reader.uint64());
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
                    ids: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            if (opts.limits?.ids != null && obj.ids === opts.limits.ids) {
                                throw new MaxLengthError('Streaming decode error - repeated field "ids" had too many elements');
                            }
                            yield {
                                field: `${prefix}.ids[]`,
                                index: obj.ids,
                                value: reader.uint64()
                            };
                            obj.ids++;
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
        return encodeMessage(obj, AckRequest.codec());
    }
    AckRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, AckRequest.codec(), opts);
    }
    AckRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, AckRequest.codec(), opts);
    }
    AckRequest.stream = stream;
})(AckRequest || (AckRequest = {}));
export var SubscribeRequest;
(function (SubscribeRequest) {
    let _codec;
    SubscribeRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
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
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
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
        return encodeMessage(obj, SubscribeRequest.codec());
    }
    SubscribeRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SubscribeRequest.codec(), opts);
    }
    SubscribeRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SubscribeRequest.codec(), opts);
    }
    SubscribeRequest.stream = stream;
})(SubscribeRequest || (SubscribeRequest = {}));
export var PublishPrekeysRequest;
(function (PublishPrekeysRequest) {
    let _codec;
    PublishPrekeysRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if ((obj.signedBundle != null && obj.signedBundle.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.signedBundle);
                }
                if (obj.oneTimePrekeys != null && obj.oneTimePrekeys.length > 0) {
                    for (const value of obj.oneTimePrekeys) {
                        w.uint32(26);
                        w.bytes(value);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    signedBundle: uint8ArrayAlloc(0),
                    oneTimePrekeys: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            obj.signedBundle = reader.bytes();
                            break;
                        }
                        case 3: {
                            if (opts.limits?.oneTimePrekeys != null && obj.oneTimePrekeys.length === opts.limits.oneTimePrekeys) {
                                throw new MaxLengthError('Decode error - repeated field "oneTimePrekeys" had too many elements');
                            }
                            obj.oneTimePrekeys.push(reader.bytes());
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
                    oneTimePrekeys: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.signedBundle`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            if (opts.limits?.oneTimePrekeys != null && obj.oneTimePrekeys === opts.limits.oneTimePrekeys) {
                                throw new MaxLengthError('Streaming decode error - repeated field "oneTimePrekeys" had too many elements');
                            }
                            yield {
                                field: `${prefix}.oneTimePrekeys[]`,
                                index: obj.oneTimePrekeys,
                                value: reader.bytes()
                            };
                            obj.oneTimePrekeys++;
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
        return encodeMessage(obj, PublishPrekeysRequest.codec());
    }
    PublishPrekeysRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PublishPrekeysRequest.codec(), opts);
    }
    PublishPrekeysRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PublishPrekeysRequest.codec(), opts);
    }
    PublishPrekeysRequest.stream = stream;
})(PublishPrekeysRequest || (PublishPrekeysRequest = {}));
export var FetchPrekeysRequest;
(function (FetchPrekeysRequest) {
    let _codec;
    FetchPrekeysRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.mailboxId != null && obj.mailboxId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.mailboxId);
                }
                if ((obj.capability != null && obj.capability.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.capability);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    mailboxId: uint8ArrayAlloc(0),
                    capability: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.mailboxId = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.capability = reader.bytes();
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
                                field: `${prefix}.mailboxId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.capability`,
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
        return encodeMessage(obj, FetchPrekeysRequest.codec());
    }
    FetchPrekeysRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FetchPrekeysRequest.codec(), opts);
    }
    FetchPrekeysRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FetchPrekeysRequest.codec(), opts);
    }
    FetchPrekeysRequest.stream = stream;
})(FetchPrekeysRequest || (FetchPrekeysRequest = {}));
export var InfoRequest;
(function (InfoRequest) {
    let _codec;
    InfoRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
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
        return encodeMessage(obj, InfoRequest.codec());
    }
    InfoRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, InfoRequest.codec(), opts);
    }
    InfoRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, InfoRequest.codec(), opts);
    }
    InfoRequest.stream = stream;
})(InfoRequest || (InfoRequest = {}));
export var CloseRequest;
(function (CloseRequest) {
    let _codec;
    CloseRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.auth != null) {
                    w.uint32(10);
                    MailboxAuth.codec().encode(obj.auth, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {};
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.auth = MailboxAuth.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.auth
                            });
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
                            yield* MailboxAuth.codec().stream(reader, reader.uint32(), `${prefix}.auth`, {
                                limits: opts.limits?.auth
                            });
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
        return encodeMessage(obj, CloseRequest.codec());
    }
    CloseRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, CloseRequest.codec(), opts);
    }
    CloseRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, CloseRequest.codec(), opts);
    }
    CloseRequest.stream = stream;
})(CloseRequest || (CloseRequest = {}));
export var Request;
(function (Request) {
    let _codec;
    Request.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if (obj.create != null) {
                    w.uint32(18);
                    CreateRequest.codec().encode(obj.create, w);
                }
                if (obj.deposit != null) {
                    w.uint32(26);
                    DepositRequest.codec().encode(obj.deposit, w);
                }
                if (obj.fetch != null) {
                    w.uint32(34);
                    FetchRequest.codec().encode(obj.fetch, w);
                }
                if (obj.ack != null) {
                    w.uint32(42);
                    AckRequest.codec().encode(obj.ack, w);
                }
                if (obj.subscribe != null) {
                    w.uint32(50);
                    SubscribeRequest.codec().encode(obj.subscribe, w);
                }
                if (obj.publishPrekeys != null) {
                    w.uint32(58);
                    PublishPrekeysRequest.codec().encode(obj.publishPrekeys, w);
                }
                if (obj.fetchPrekeys != null) {
                    w.uint32(66);
                    FetchPrekeysRequest.codec().encode(obj.fetchPrekeys, w);
                }
                if (obj.info != null) {
                    w.uint32(74);
                    InfoRequest.codec().encode(obj.info, w);
                }
                if (obj.close != null) {
                    w.uint32(82);
                    CloseRequest.codec().encode(obj.close, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0
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
                            obj.create = CreateRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.create
                            });
                            break;
                        }
                        case 3: {
                            obj.deposit = DepositRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.deposit
                            });
                            break;
                        }
                        case 4: {
                            obj.fetch = FetchRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.fetch
                            });
                            break;
                        }
                        case 5: {
                            obj.ack = AckRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.ack
                            });
                            break;
                        }
                        case 6: {
                            obj.subscribe = SubscribeRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.subscribe
                            });
                            break;
                        }
                        case 7: {
                            obj.publishPrekeys = PublishPrekeysRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.publishPrekeys
                            });
                            break;
                        }
                        case 8: {
                            obj.fetchPrekeys = FetchPrekeysRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.fetchPrekeys
                            });
                            break;
                        }
                        case 9: {
                            obj.info = InfoRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.info
                            });
                            break;
                        }
                        case 10: {
                            obj.close = CloseRequest.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.close
                            });
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
                            yield* CreateRequest.codec().stream(reader, reader.uint32(), `${prefix}.create`, {
                                limits: opts.limits?.create
                            });
                            break;
                        }
                        case 3: {
                            yield* DepositRequest.codec().stream(reader, reader.uint32(), `${prefix}.deposit`, {
                                limits: opts.limits?.deposit
                            });
                            break;
                        }
                        case 4: {
                            yield* FetchRequest.codec().stream(reader, reader.uint32(), `${prefix}.fetch`, {
                                limits: opts.limits?.fetch
                            });
                            break;
                        }
                        case 5: {
                            yield* AckRequest.codec().stream(reader, reader.uint32(), `${prefix}.ack`, {
                                limits: opts.limits?.ack
                            });
                            break;
                        }
                        case 6: {
                            yield* SubscribeRequest.codec().stream(reader, reader.uint32(), `${prefix}.subscribe`, {
                                limits: opts.limits?.subscribe
                            });
                            break;
                        }
                        case 7: {
                            yield* PublishPrekeysRequest.codec().stream(reader, reader.uint32(), `${prefix}.publishPrekeys`, {
                                limits: opts.limits?.publishPrekeys
                            });
                            break;
                        }
                        case 8: {
                            yield* FetchPrekeysRequest.codec().stream(reader, reader.uint32(), `${prefix}.fetchPrekeys`, {
                                limits: opts.limits?.fetchPrekeys
                            });
                            break;
                        }
                        case 9: {
                            yield* InfoRequest.codec().stream(reader, reader.uint32(), `${prefix}.info`, {
                                limits: opts.limits?.info
                            });
                            break;
                        }
                        case 10: {
                            yield* CloseRequest.codec().stream(reader, reader.uint32(), `${prefix}.close`, {
                                limits: opts.limits?.close
                            });
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
        return encodeMessage(obj, Request.codec());
    }
    Request.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Request.codec(), opts);
    }
    Request.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Request.codec(), opts);
    }
    Request.stream = stream;
})(Request || (Request = {}));
export var StoredMessage;
(function (StoredMessage) {
    let _codec;
    StoredMessage.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.id != null && obj.id !== 0n)) {
                    w.uint32(8);
                    w.uint64(obj.id);
                }
                if ((obj.sealed != null && obj.sealed.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.sealed);
                }
                if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.expiresAtMs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    id: 0n,
                    sealed: uint8ArrayAlloc(0),
                    expiresAtMs: 0n
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.id = reader.uint64();
                            break;
                        }
                        case 2: {
                            obj.sealed = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.expiresAtMs = reader.uint64();
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
                                field: `${prefix}.id`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.sealed`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.expiresAtMs`,
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
        return encodeMessage(obj, StoredMessage.codec());
    }
    StoredMessage.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, StoredMessage.codec(), opts);
    }
    StoredMessage.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, StoredMessage.codec(), opts);
    }
    StoredMessage.stream = stream;
})(StoredMessage || (StoredMessage = {}));
export var RelayIdentity;
(function (RelayIdentity) {
    let _codec;
    RelayIdentity.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.peerId != null && obj.peerId !== '')) {
                    w.uint32(10);
                    w.string(obj.peerId);
                }
                if (obj.multiaddrs != null && obj.multiaddrs.length > 0) {
                    for (const value of obj.multiaddrs) {
                        w.uint32(18);
                        w.string(value);
                    }
                }
                if ((obj.validUntilMs != null && obj.validUntilMs !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.validUntilMs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    peerId: '',
                    multiaddrs: [],
                    validUntilMs: 0n
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.peerId = reader.string();
                            break;
                        }
                        case 2: {
                            if (opts.limits?.multiaddrs != null && obj.multiaddrs.length === opts.limits.multiaddrs) {
                                throw new MaxLengthError('Decode error - repeated field "multiaddrs" had too many elements');
                            }
                            obj.multiaddrs.push(reader.string());
                            break;
                        }
                        case 3: {
                            obj.validUntilMs = reader.uint64();
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
                    multiaddrs: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.peerId`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 2: {
                            if (opts.limits?.multiaddrs != null && obj.multiaddrs === opts.limits.multiaddrs) {
                                throw new MaxLengthError('Streaming decode error - repeated field "multiaddrs" had too many elements');
                            }
                            yield {
                                field: `${prefix}.multiaddrs[]`,
                                index: obj.multiaddrs,
                                value: reader.string()
                            };
                            obj.multiaddrs++;
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.validUntilMs`,
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
        return encodeMessage(obj, RelayIdentity.codec());
    }
    RelayIdentity.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, RelayIdentity.codec(), opts);
    }
    RelayIdentity.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, RelayIdentity.codec(), opts);
    }
    RelayIdentity.stream = stream;
})(RelayIdentity || (RelayIdentity = {}));
export var RelayInfo;
(function (RelayInfo) {
    let _codec;
    RelayInfo.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.current != null) {
                    w.uint32(10);
                    RelayIdentity.codec().encode(obj.current, w);
                }
                if (obj.next != null) {
                    w.uint32(18);
                    RelayIdentity.codec().encode(obj.next, w);
                }
                if ((obj.stunPort != null && obj.stunPort !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.stunPort);
                }
                if ((obj.maxSealedBytes != null && obj.maxSealedBytes !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.maxSealedBytes);
                }
                if (obj.expiryBucketsS != null && obj.expiryBucketsS.length > 0) {
                    for (const value of obj.expiryBucketsS) {
                        w.uint32(40);
                        w.uint32(value);
                    }
                }
                if ((obj.maxMessagesPerMailbox != null && obj.maxMessagesPerMailbox !== 0)) {
                    w.uint32(48);
                    w.uint32(obj.maxMessagesPerMailbox);
                }
                if ((obj.fileFallbackCapBytes != null && obj.fileFallbackCapBytes !== 0)) {
                    w.uint32(56);
                    w.uint32(obj.fileFallbackCapBytes);
                }
                if (obj.instances != null && obj.instances.length > 0) {
                    for (const value of obj.instances) {
                        w.uint32(66);
                        w.string(value);
                    }
                }
                if (obj.turnServers != null && obj.turnServers.length > 0) {
                    for (const value of obj.turnServers) {
                        w.uint32(74);
                        TurnServer.codec().encode(value, w);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    stunPort: 0,
                    maxSealedBytes: 0,
                    expiryBucketsS: [],
                    maxMessagesPerMailbox: 0,
                    fileFallbackCapBytes: 0,
                    instances: [],
                    turnServers: []
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.current = RelayIdentity.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.current
                            });
                            break;
                        }
                        case 2: {
                            obj.next = RelayIdentity.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.next
                            });
                            break;
                        }
                        case 3: {
                            obj.stunPort = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.maxSealedBytes = reader.uint32();
                            break;
                        }
                        case 5: {
                            if (opts.limits?.expiryBucketsS != null && obj.expiryBucketsS.length === opts.limits.expiryBucketsS) {
                                throw new MaxLengthError('Decode error - repeated field "expiryBucketsS" had too many elements');
                            }
                            obj.expiryBucketsS.push(reader.uint32());
                            break;
                        }
                        case 6: {
                            obj.maxMessagesPerMailbox = reader.uint32();
                            break;
                        }
                        case 7: {
                            obj.fileFallbackCapBytes = reader.uint32();
                            break;
                        }
                        case 8: {
                            if (opts.limits?.instances != null && obj.instances.length === opts.limits.instances) {
                                throw new MaxLengthError('Decode error - repeated field "instances" had too many elements');
                            }
                            obj.instances.push(reader.string());
                            break;
                        }
                        case 9: {
                            if (opts.limits?.turnServers != null && obj.turnServers.length === opts.limits.turnServers) {
                                throw new MaxLengthError('Decode error - repeated field "turnServers" had too many elements');
                            }
                            obj.turnServers.push(TurnServer.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.turnServers$
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
                    expiryBucketsS: 0,
                    instances: 0,
                    turnServers: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield* RelayIdentity.codec().stream(reader, reader.uint32(), `${prefix}.current`, {
                                limits: opts.limits?.current
                            });
                            break;
                        }
                        case 2: {
                            yield* RelayIdentity.codec().stream(reader, reader.uint32(), `${prefix}.next`, {
                                limits: opts.limits?.next
                            });
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.stunPort`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.maxSealedBytes`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            if (opts.limits?.expiryBucketsS != null && obj.expiryBucketsS === opts.limits.expiryBucketsS) {
                                throw new MaxLengthError('Streaming decode error - repeated field "expiryBucketsS" had too many elements');
                            }
                            yield {
                                field: `${prefix}.expiryBucketsS[]`,
                                index: obj.expiryBucketsS,
                                value: reader.uint32()
                            };
                            obj.expiryBucketsS++;
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.maxMessagesPerMailbox`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.fileFallbackCapBytes`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 8: {
                            if (opts.limits?.instances != null && obj.instances === opts.limits.instances) {
                                throw new MaxLengthError('Streaming decode error - repeated field "instances" had too many elements');
                            }
                            yield {
                                field: `${prefix}.instances[]`,
                                index: obj.instances,
                                value: reader.string()
                            };
                            obj.instances++;
                            break;
                        }
                        case 9: {
                            if (opts.limits?.turnServers != null && obj.turnServers === opts.limits.turnServers) {
                                throw new MaxLengthError('Streaming decode error - repeated field "turnServers" had too many elements');
                            }
                            for (const evt of TurnServer.codec().stream(reader, reader.uint32(), `${prefix}.turnServers[]`, {
                                limits: opts.limits?.turnServers$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.turnServers
                                };
                            }
                            obj.turnServers++;
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
        return encodeMessage(obj, RelayInfo.codec());
    }
    RelayInfo.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, RelayInfo.codec(), opts);
    }
    RelayInfo.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, RelayInfo.codec(), opts);
    }
    RelayInfo.stream = stream;
})(RelayInfo || (RelayInfo = {}));
export var TurnServer;
(function (TurnServer) {
    let _codec;
    TurnServer.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if (obj.urls != null && obj.urls.length > 0) {
                    for (const value of obj.urls) {
                        w.uint32(10);
                        w.string(value);
                    }
                }
                if ((obj.username != null && obj.username !== '')) {
                    w.uint32(18);
                    w.string(obj.username);
                }
                if ((obj.credential != null && obj.credential !== '')) {
                    w.uint32(26);
                    w.string(obj.credential);
                }
                if ((obj.expiresAtMs != null && obj.expiresAtMs !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.expiresAtMs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    urls: [],
                    username: '',
                    credential: '',
                    expiresAtMs: 0n
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.urls != null && obj.urls.length === opts.limits.urls) {
                                throw new MaxLengthError('Decode error - repeated field "urls" had too many elements');
                            }
                            obj.urls.push(reader.string());
                            break;
                        }
                        case 2: {
                            obj.username = reader.string();
                            break;
                        }
                        case 3: {
                            obj.credential = reader.string();
                            break;
                        }
                        case 4: {
                            obj.expiresAtMs = reader.uint64();
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
                    urls: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            if (opts.limits?.urls != null && obj.urls === opts.limits.urls) {
                                throw new MaxLengthError('Streaming decode error - repeated field "urls" had too many elements');
                            }
                            yield {
                                field: `${prefix}.urls[]`,
                                index: obj.urls,
                                value: reader.string()
                            };
                            obj.urls++;
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.username`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.credential`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.expiresAtMs`,
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
        return encodeMessage(obj, TurnServer.codec());
    }
    TurnServer.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, TurnServer.codec(), opts);
    }
    TurnServer.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, TurnServer.codec(), opts);
    }
    TurnServer.stream = stream;
})(TurnServer || (TurnServer = {}));
export var Response;
(function (Response) {
    let _codec;
    Response.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.error != null && obj.error !== '')) {
                    w.uint32(18);
                    w.string(obj.error);
                }
                if ((obj.errorMessage != null && obj.errorMessage !== '')) {
                    w.uint32(26);
                    w.string(obj.errorMessage);
                }
                if ((obj.depositId != null && obj.depositId !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.depositId);
                }
                if (obj.messages != null && obj.messages.length > 0) {
                    for (const value of obj.messages) {
                        w.uint32(42);
                        StoredMessage.codec().encode(value, w);
                    }
                }
                if ((obj.more != null && obj.more !== false)) {
                    w.uint32(48);
                    w.bool(obj.more);
                }
                if ((obj.deleted != null && obj.deleted !== 0)) {
                    w.uint32(56);
                    w.uint32(obj.deleted);
                }
                if ((obj.signedBundle != null && obj.signedBundle.byteLength > 0)) {
                    w.uint32(66);
                    w.bytes(obj.signedBundle);
                }
                if ((obj.oneTimePrekey != null && obj.oneTimePrekey.byteLength > 0)) {
                    w.uint32(74);
                    w.bytes(obj.oneTimePrekey);
                }
                if ((obj.oneTimePrekeysLeft != null && obj.oneTimePrekeysLeft !== 0)) {
                    w.uint32(80);
                    w.uint32(obj.oneTimePrekeysLeft);
                }
                if (obj.info != null) {
                    w.uint32(90);
                    RelayInfo.codec().encode(obj.info, w);
                }
                if (obj.push != null) {
                    w.uint32(98);
                    StoredMessage.codec().encode(obj.push, w);
                }
                if ((obj.retryAfterMs != null && obj.retryAfterMs !== 0)) {
                    w.uint32(104);
                    w.uint32(obj.retryAfterMs);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    error: '',
                    errorMessage: '',
                    depositId: 0n,
                    messages: [],
                    more: false,
                    deleted: 0,
                    signedBundle: uint8ArrayAlloc(0),
                    oneTimePrekey: uint8ArrayAlloc(0),
                    oneTimePrekeysLeft: 0,
                    retryAfterMs: 0
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
                            obj.error = reader.string();
                            break;
                        }
                        case 3: {
                            obj.errorMessage = reader.string();
                            break;
                        }
                        case 4: {
                            obj.depositId = reader.uint64();
                            break;
                        }
                        case 5: {
                            if (opts.limits?.messages != null && obj.messages.length === opts.limits.messages) {
                                throw new MaxLengthError('Decode error - repeated field "messages" had too many elements');
                            }
                            obj.messages.push(StoredMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.messages$
                            }));
                            break;
                        }
                        case 6: {
                            obj.more = reader.bool();
                            break;
                        }
                        case 7: {
                            obj.deleted = reader.uint32();
                            break;
                        }
                        case 8: {
                            obj.signedBundle = reader.bytes();
                            break;
                        }
                        case 9: {
                            obj.oneTimePrekey = reader.bytes();
                            break;
                        }
                        case 10: {
                            obj.oneTimePrekeysLeft = reader.uint32();
                            break;
                        }
                        case 11: {
                            obj.info = RelayInfo.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.info
                            });
                            break;
                        }
                        case 12: {
                            obj.push = StoredMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.push
                            });
                            break;
                        }
                        case 13: {
                            obj.retryAfterMs = reader.uint32();
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
                                field: `${prefix}.error`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.errorMessage`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.depositId`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 5: {
                            if (opts.limits?.messages != null && obj.messages === opts.limits.messages) {
                                throw new MaxLengthError('Streaming decode error - repeated field "messages" had too many elements');
                            }
                            for (const evt of StoredMessage.codec().stream(reader, reader.uint32(), `${prefix}.messages[]`, {
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
                        case 6: {
                            yield {
                                field: `${prefix}.more`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 7: {
                            yield {
                                field: `${prefix}.deleted`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 8: {
                            yield {
                                field: `${prefix}.signedBundle`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 9: {
                            yield {
                                field: `${prefix}.oneTimePrekey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 10: {
                            yield {
                                field: `${prefix}.oneTimePrekeysLeft`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 11: {
                            yield* RelayInfo.codec().stream(reader, reader.uint32(), `${prefix}.info`, {
                                limits: opts.limits?.info
                            });
                            break;
                        }
                        case 12: {
                            yield* StoredMessage.codec().stream(reader, reader.uint32(), `${prefix}.push`, {
                                limits: opts.limits?.push
                            });
                            break;
                        }
                        case 13: {
                            yield {
                                field: `${prefix}.retryAfterMs`,
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
        return encodeMessage(obj, Response.codec());
    }
    Response.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, Response.codec(), opts);
    }
    Response.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, Response.codec(), opts);
    }
    Response.stream = stream;
})(Response || (Response = {}));
