import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var DeviceCertBody;
(function (DeviceCertBody) {
    let _codec;
    DeviceCertBody.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.identityKey);
                }
                if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.deviceKey);
                }
                if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.peerId);
                }
                if ((obj.serial != null && obj.serial !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.serial);
                }
                if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
                    w.uint32(48);
                    w.uint64(obj.issuedAt);
                }
                if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
                    w.uint32(56);
                    w.uint64(obj.expiresAt);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    identityKey: uint8ArrayAlloc(0),
                    deviceKey: uint8ArrayAlloc(0),
                    peerId: uint8ArrayAlloc(0),
                    serial: 0n,
                    issuedAt: 0n,
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
                            obj.identityKey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.deviceKey = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.peerId = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.serial = reader.uint64();
                            break;
                        }
                        case 6: {
                            obj.issuedAt = reader.uint64();
                            break;
                        }
                        case 7: {
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
                                field: `${prefix}.identityKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.deviceKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.peerId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.serial`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.issuedAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 7: {
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
        return encodeMessage(obj, DeviceCertBody.codec());
    }
    DeviceCertBody.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DeviceCertBody.codec(), opts);
    }
    DeviceCertBody.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DeviceCertBody.codec(), opts);
    }
    DeviceCertBody.stream = stream;
})(DeviceCertBody || (DeviceCertBody = {}));
export var DeviceCert;
(function (DeviceCert) {
    let _codec;
    DeviceCert.codec = () => {
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
        return encodeMessage(obj, DeviceCert.codec());
    }
    DeviceCert.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DeviceCert.codec(), opts);
    }
    DeviceCert.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DeviceCert.codec(), opts);
    }
    DeviceCert.stream = stream;
})(DeviceCert || (DeviceCert = {}));
export var PrekeyBody;
(function (PrekeyBody) {
    let _codec;
    PrekeyBody.codec = () => {
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
                if ((obj.id != null && obj.id !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.id);
                }
                if ((obj.publicKey != null && obj.publicKey.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.publicKey);
                }
                if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.deviceKey);
                }
                if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
                    w.uint32(48);
                    w.uint64(obj.expiresAt);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    kind: 0,
                    id: 0,
                    publicKey: uint8ArrayAlloc(0),
                    deviceKey: uint8ArrayAlloc(0),
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
                            obj.kind = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.id = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.publicKey = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.deviceKey = reader.bytes();
                            break;
                        }
                        case 6: {
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
                                field: `${prefix}.id`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.publicKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.deviceKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 6: {
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
        return encodeMessage(obj, PrekeyBody.codec());
    }
    PrekeyBody.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PrekeyBody.codec(), opts);
    }
    PrekeyBody.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PrekeyBody.codec(), opts);
    }
    PrekeyBody.stream = stream;
})(PrekeyBody || (PrekeyBody = {}));
export var SignedPrekey;
(function (SignedPrekey) {
    let _codec;
    SignedPrekey.codec = () => {
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
        return encodeMessage(obj, SignedPrekey.codec());
    }
    SignedPrekey.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SignedPrekey.codec(), opts);
    }
    SignedPrekey.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SignedPrekey.codec(), opts);
    }
    SignedPrekey.stream = stream;
})(SignedPrekey || (SignedPrekey = {}));
export var PrekeyBundle;
(function (PrekeyBundle) {
    let _codec;
    PrekeyBundle.codec = () => {
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
                if (obj.signedPrekey != null) {
                    w.uint32(26);
                    SignedPrekey.codec().encode(obj.signedPrekey, w);
                }
                if (obj.pqPrekey != null) {
                    w.uint32(34);
                    SignedPrekey.codec().encode(obj.pqPrekey, w);
                }
                if (obj.oneTimePrekey != null) {
                    w.uint32(42);
                    SignedPrekey.codec().encode(obj.oneTimePrekey, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    deviceCert: uint8ArrayAlloc(0)
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
                            obj.signedPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.signedPrekey
                            });
                            break;
                        }
                        case 4: {
                            obj.pqPrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.pqPrekey
                            });
                            break;
                        }
                        case 5: {
                            obj.oneTimePrekey = SignedPrekey.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.oneTimePrekey
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
                            yield {
                                field: `${prefix}.deviceCert`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield* SignedPrekey.codec().stream(reader, reader.uint32(), `${prefix}.signedPrekey`, {
                                limits: opts.limits?.signedPrekey
                            });
                            break;
                        }
                        case 4: {
                            yield* SignedPrekey.codec().stream(reader, reader.uint32(), `${prefix}.pqPrekey`, {
                                limits: opts.limits?.pqPrekey
                            });
                            break;
                        }
                        case 5: {
                            yield* SignedPrekey.codec().stream(reader, reader.uint32(), `${prefix}.oneTimePrekey`, {
                                limits: opts.limits?.oneTimePrekey
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
        return encodeMessage(obj, PrekeyBundle.codec());
    }
    PrekeyBundle.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, PrekeyBundle.codec(), opts);
    }
    PrekeyBundle.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, PrekeyBundle.codec(), opts);
    }
    PrekeyBundle.stream = stream;
})(PrekeyBundle || (PrekeyBundle = {}));
export var InitialMessage;
(function (InitialMessage) {
    let _codec;
    InitialMessage.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.senderCert != null && obj.senderCert.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.senderCert);
                }
                if ((obj.ephemeralKey != null && obj.ephemeralKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.ephemeralKey);
                }
                if ((obj.kemCiphertext != null && obj.kemCiphertext.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.kemCiphertext);
                }
                if ((obj.signedPrekeyId != null && obj.signedPrekeyId !== 0)) {
                    w.uint32(32);
                    w.uint32(obj.signedPrekeyId);
                }
                if ((obj.pqPrekeyId != null && obj.pqPrekeyId !== 0)) {
                    w.uint32(40);
                    w.uint32(obj.pqPrekeyId);
                }
                if (obj.oneTimePrekeyId != null) {
                    w.uint32(48);
                    w.uint32(obj.oneTimePrekeyId);
                }
                if (obj.message != null) {
                    w.uint32(58);
                    RatchetMessage.codec().encode(obj.message, w);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    senderCert: uint8ArrayAlloc(0),
                    ephemeralKey: uint8ArrayAlloc(0),
                    kemCiphertext: uint8ArrayAlloc(0),
                    signedPrekeyId: 0,
                    pqPrekeyId: 0
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.senderCert = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.ephemeralKey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.kemCiphertext = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.signedPrekeyId = reader.uint32();
                            break;
                        }
                        case 5: {
                            obj.pqPrekeyId = reader.uint32();
                            break;
                        }
                        case 6: {
                            obj.oneTimePrekeyId = reader.uint32();
                            break;
                        }
                        case 7: {
                            obj.message = RatchetMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.message
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
                                field: `${prefix}.senderCert`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.ephemeralKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.kemCiphertext`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.signedPrekeyId`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.pqPrekeyId`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 6: {
                            yield {
                                field: `${prefix}.oneTimePrekeyId`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 7: {
                            yield* RatchetMessage.codec().stream(reader, reader.uint32(), `${prefix}.message`, {
                                limits: opts.limits?.message
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
        return encodeMessage(obj, InitialMessage.codec());
    }
    InitialMessage.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, InitialMessage.codec(), opts);
    }
    InitialMessage.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, InitialMessage.codec(), opts);
    }
    InitialMessage.stream = stream;
})(InitialMessage || (InitialMessage = {}));
export var RatchetMessage;
(function (RatchetMessage) {
    let _codec;
    RatchetMessage.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.dhKey != null && obj.dhKey.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.dhKey);
                }
                if ((obj.previousChainLength != null && obj.previousChainLength !== 0)) {
                    w.uint32(16);
                    w.uint32(obj.previousChainLength);
                }
                if ((obj.counter != null && obj.counter !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.counter);
                }
                if ((obj.ciphertext != null && obj.ciphertext.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.ciphertext);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    dhKey: uint8ArrayAlloc(0),
                    previousChainLength: 0,
                    counter: 0,
                    ciphertext: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.dhKey = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.previousChainLength = reader.uint32();
                            break;
                        }
                        case 3: {
                            obj.counter = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.ciphertext = reader.bytes();
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
                                field: `${prefix}.dhKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.previousChainLength`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.counter`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.ciphertext`,
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
        return encodeMessage(obj, RatchetMessage.codec());
    }
    RatchetMessage.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, RatchetMessage.codec(), opts);
    }
    RatchetMessage.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, RatchetMessage.codec(), opts);
    }
    RatchetMessage.stream = stream;
})(RatchetMessage || (RatchetMessage = {}));
export var SessionFrame;
(function (SessionFrame) {
    let _codec;
    SessionFrame.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if (obj.initial != null) {
                    w.uint32(18);
                    InitialMessage.codec().encode(obj.initial, w);
                }
                if (obj.ratchet != null) {
                    w.uint32(26);
                    RatchetMessage.codec().encode(obj.ratchet, w);
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
                            obj.initial = InitialMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.initial
                            });
                            break;
                        }
                        case 3: {
                            obj.ratchet = RatchetMessage.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.ratchet
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
                            yield* InitialMessage.codec().stream(reader, reader.uint32(), `${prefix}.initial`, {
                                limits: opts.limits?.initial
                            });
                            break;
                        }
                        case 3: {
                            yield* RatchetMessage.codec().stream(reader, reader.uint32(), `${prefix}.ratchet`, {
                                limits: opts.limits?.ratchet
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
        return encodeMessage(obj, SessionFrame.codec());
    }
    SessionFrame.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SessionFrame.codec(), opts);
    }
    SessionFrame.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SessionFrame.codec(), opts);
    }
    SessionFrame.stream = stream;
})(SessionFrame || (SessionFrame = {}));
export var MessagePlaintext;
(function (MessagePlaintext) {
    let _codec;
    MessagePlaintext.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.messageId != null && obj.messageId.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.messageId);
                }
                if ((obj.sentAt != null && obj.sentAt !== 0n)) {
                    w.uint32(16);
                    w.uint64(obj.sentAt);
                }
                if ((obj.body != null && obj.body.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.body);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    messageId: uint8ArrayAlloc(0),
                    sentAt: 0n,
                    body: uint8ArrayAlloc(0)
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
                            obj.sentAt = reader.uint64();
                            break;
                        }
                        case 3: {
                            obj.body = reader.bytes();
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
                                field: `${prefix}.sentAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.body`,
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
        return encodeMessage(obj, MessagePlaintext.codec());
    }
    MessagePlaintext.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, MessagePlaintext.codec(), opts);
    }
    MessagePlaintext.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, MessagePlaintext.codec(), opts);
    }
    MessagePlaintext.stream = stream;
})(MessagePlaintext || (MessagePlaintext = {}));
export var SafetyQr;
(function (SafetyQr) {
    let _codec;
    SafetyQr.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.local != null && obj.local.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.local);
                }
                if ((obj.remote != null && obj.remote.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.remote);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    local: uint8ArrayAlloc(0),
                    remote: uint8ArrayAlloc(0)
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
                            obj.local = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.remote = reader.bytes();
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
                                field: `${prefix}.local`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.remote`,
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
        return encodeMessage(obj, SafetyQr.codec());
    }
    SafetyQr.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SafetyQr.codec(), opts);
    }
    SafetyQr.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SafetyQr.codec(), opts);
    }
    SafetyQr.stream = stream;
})(SafetyQr || (SafetyQr = {}));
export var FileShare;
(function (FileShare) {
    let _codec;
    FileShare.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.fileId != null && obj.fileId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.fileId);
                }
                if ((obj.key != null && obj.key.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.key);
                }
                if ((obj.size != null && obj.size !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.size);
                }
                if ((obj.ciphertextSha256 != null && obj.ciphertextSha256.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.ciphertextSha256);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    fileId: uint8ArrayAlloc(0),
                    key: uint8ArrayAlloc(0),
                    size: 0n,
                    ciphertextSha256: uint8ArrayAlloc(0)
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
                            obj.fileId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.key = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.size = reader.uint64();
                            break;
                        }
                        case 5: {
                            obj.ciphertextSha256 = reader.bytes();
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
                                field: `${prefix}.fileId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.key`,
                                value: reader.bytes()
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
                                field: `${prefix}.ciphertextSha256`,
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
        return encodeMessage(obj, FileShare.codec());
    }
    FileShare.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, FileShare.codec(), opts);
    }
    FileShare.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, FileShare.codec(), opts);
    }
    FileShare.stream = stream;
})(FileShare || (FileShare = {}));
