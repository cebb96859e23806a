import { decodeMessage, encodeMessage, MaxLengthError, message, streamMessage } from 'protons-runtime';
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc';
export var DeviceEntry;
(function (DeviceEntry) {
    let _codec;
    DeviceEntry.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.bundle != null && obj.bundle.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.bundle);
                }
                if ((obj.name != null && obj.name !== '')) {
                    w.uint32(18);
                    w.string(obj.name);
                }
                if ((obj.role != null && obj.role !== 0)) {
                    w.uint32(24);
                    w.uint32(obj.role);
                }
                if ((obj.addedAt != null && obj.addedAt !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.addedAt);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    bundle: uint8ArrayAlloc(0),
                    name: '',
                    role: 0,
                    addedAt: 0n
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.bundle = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.name = reader.string();
                            break;
                        }
                        case 3: {
                            obj.role = reader.uint32();
                            break;
                        }
                        case 4: {
                            obj.addedAt = reader.uint64();
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
                                field: `${prefix}.bundle`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.name`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.role`,
                                value: reader.uint32()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.addedAt`,
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
        return encodeMessage(obj, DeviceEntry.codec());
    }
    DeviceEntry.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DeviceEntry.codec(), opts);
    }
    DeviceEntry.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DeviceEntry.codec(), opts);
    }
    DeviceEntry.stream = stream;
})(DeviceEntry || (DeviceEntry = {}));
export var DeviceListBody;
(function (DeviceListBody) {
    let _codec;
    DeviceListBody.codec = () => {
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
                if ((obj.listVersion != null && obj.listVersion !== 0n)) {
                    w.uint32(24);
                    w.uint64(obj.listVersion);
                }
                if ((obj.issuedAt != null && obj.issuedAt !== 0n)) {
                    w.uint32(32);
                    w.uint64(obj.issuedAt);
                }
                if (obj.devices != null && obj.devices.length > 0) {
                    for (const value of obj.devices) {
                        w.uint32(42);
                        DeviceEntry.codec().encode(value, w);
                    }
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    identityKey: uint8ArrayAlloc(0),
                    listVersion: 0n,
                    issuedAt: 0n,
                    devices: []
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
                            obj.listVersion = reader.uint64();
                            break;
                        }
                        case 4: {
                            obj.issuedAt = reader.uint64();
                            break;
                        }
                        case 5: {
                            if (opts.limits?.devices != null && obj.devices.length === opts.limits.devices) {
                                throw new MaxLengthError('Decode error - repeated field "devices" had too many elements');
                            }
                            obj.devices.push(DeviceEntry.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.devices$
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
                    devices: 0
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
                                field: `${prefix}.identityKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.listVersion`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.issuedAt`,
                                value: reader.uint64()
                            };
                            break;
                        }
                        case 5: {
                            if (opts.limits?.devices != null && obj.devices === opts.limits.devices) {
                                throw new MaxLengthError('Streaming decode error - repeated field "devices" had too many elements');
                            }
                            for (const evt of DeviceEntry.codec().stream(reader, reader.uint32(), `${prefix}.devices[]`, {
                                limits: opts.limits?.devices$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.devices
                                };
                            }
                            obj.devices++;
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
        return encodeMessage(obj, DeviceListBody.codec());
    }
    DeviceListBody.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DeviceListBody.codec(), opts);
    }
    DeviceListBody.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DeviceListBody.codec(), opts);
    }
    DeviceListBody.stream = stream;
})(DeviceListBody || (DeviceListBody = {}));
export var DeviceList;
(function (DeviceList) {
    let _codec;
    DeviceList.codec = () => {
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
        return encodeMessage(obj, DeviceList.codec());
    }
    DeviceList.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, DeviceList.codec(), opts);
    }
    DeviceList.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, DeviceList.codec(), opts);
    }
    DeviceList.stream = stream;
})(DeviceList || (DeviceList = {}));
export var LinkOffer;
(function (LinkOffer) {
    let _codec;
    LinkOffer.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.commitment != null && obj.commitment.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.commitment);
                }
                if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.peerId);
                }
                if ((obj.relay != null && obj.relay !== '')) {
                    w.uint32(34);
                    w.string(obj.relay);
                }
                if ((obj.expiresAt != null && obj.expiresAt !== 0n)) {
                    w.uint32(40);
                    w.uint64(obj.expiresAt);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    commitment: uint8ArrayAlloc(0),
                    peerId: uint8ArrayAlloc(0),
                    relay: '',
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
                            obj.commitment = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.peerId = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.relay = reader.string();
                            break;
                        }
                        case 5: {
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
                                field: `${prefix}.commitment`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.peerId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.relay`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 5: {
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
        return encodeMessage(obj, LinkOffer.codec());
    }
    LinkOffer.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LinkOffer.codec(), opts);
    }
    LinkOffer.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LinkOffer.codec(), opts);
    }
    LinkOffer.stream = stream;
})(LinkOffer || (LinkOffer = {}));
export var LinkHello;
(function (LinkHello) {
    let _codec;
    LinkHello.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.linkKey != null && obj.linkKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.linkKey);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    linkKey: uint8ArrayAlloc(0)
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
                            obj.linkKey = reader.bytes();
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
                                field: `${prefix}.linkKey`,
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
        return encodeMessage(obj, LinkHello.codec());
    }
    LinkHello.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LinkHello.codec(), opts);
    }
    LinkHello.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LinkHello.codec(), opts);
    }
    LinkHello.stream = stream;
})(LinkHello || (LinkHello = {}));
export var LinkReveal;
(function (LinkReveal) {
    let _codec;
    LinkReveal.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.linkKey != null && obj.linkKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.linkKey);
                }
                if ((obj.request != null && obj.request.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.request);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    linkKey: uint8ArrayAlloc(0),
                    request: uint8ArrayAlloc(0)
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
                            obj.linkKey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.request = reader.bytes();
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
                                field: `${prefix}.linkKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.request`,
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
        return encodeMessage(obj, LinkReveal.codec());
    }
    LinkReveal.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LinkReveal.codec(), opts);
    }
    LinkReveal.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LinkReveal.codec(), opts);
    }
    LinkReveal.stream = stream;
})(LinkReveal || (LinkReveal = {}));
export var LinkRequest;
(function (LinkRequest) {
    let _codec;
    LinkRequest.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.deviceKey != null && obj.deviceKey.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.deviceKey);
                }
                if ((obj.peerId != null && obj.peerId.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.peerId);
                }
                if ((obj.signedPrekey != null && obj.signedPrekey.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.signedPrekey);
                }
                if ((obj.pqPrekey != null && obj.pqPrekey.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.pqPrekey);
                }
                if ((obj.name != null && obj.name !== '')) {
                    w.uint32(42);
                    w.string(obj.name);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    deviceKey: uint8ArrayAlloc(0),
                    peerId: uint8ArrayAlloc(0),
                    signedPrekey: uint8ArrayAlloc(0),
                    pqPrekey: uint8ArrayAlloc(0),
                    name: ''
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.deviceKey = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.peerId = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.signedPrekey = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.pqPrekey = reader.bytes();
                            break;
                        }
                        case 5: {
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
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            yield {
                                field: `${prefix}.deviceKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.peerId`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.signedPrekey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.pqPrekey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
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
        return encodeMessage(obj, LinkRequest.codec());
    }
    LinkRequest.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LinkRequest.codec(), opts);
    }
    LinkRequest.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LinkRequest.codec(), opts);
    }
    LinkRequest.stream = stream;
})(LinkRequest || (LinkRequest = {}));
export var LinkGrant;
(function (LinkGrant) {
    let _codec;
    LinkGrant.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.deviceCert != null && obj.deviceCert.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.deviceCert);
                }
                if ((obj.signedPrekey != null && obj.signedPrekey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.signedPrekey);
                }
                if ((obj.pqPrekey != null && obj.pqPrekey.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.pqPrekey);
                }
                if ((obj.deviceList != null && obj.deviceList.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.deviceList);
                }
                if ((obj.sync != null && obj.sync.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.sync);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    deviceCert: uint8ArrayAlloc(0),
                    signedPrekey: uint8ArrayAlloc(0),
                    pqPrekey: uint8ArrayAlloc(0),
                    deviceList: uint8ArrayAlloc(0),
                    sync: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.deviceCert = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.signedPrekey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.pqPrekey = reader.bytes();
                            break;
                        }
                        case 4: {
                            obj.deviceList = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.sync = reader.bytes();
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
                                field: `${prefix}.deviceCert`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 2: {
                            yield {
                                field: `${prefix}.signedPrekey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.pqPrekey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.deviceList`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.sync`,
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
        return encodeMessage(obj, LinkGrant.codec());
    }
    LinkGrant.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, LinkGrant.codec(), opts);
    }
    LinkGrant.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, LinkGrant.codec(), opts);
    }
    LinkGrant.stream = stream;
})(LinkGrant || (LinkGrant = {}));
export var SentCopy;
(function (SentCopy) {
    let _codec;
    SentCopy.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if ((obj.peerIdentityKey != null && obj.peerIdentityKey.byteLength > 0)) {
                    w.uint32(18);
                    w.bytes(obj.peerIdentityKey);
                }
                if ((obj.payload != null && obj.payload.byteLength > 0)) {
                    w.uint32(26);
                    w.bytes(obj.payload);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    peerIdentityKey: uint8ArrayAlloc(0),
                    payload: uint8ArrayAlloc(0)
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
                            obj.peerIdentityKey = reader.bytes();
                            break;
                        }
                        case 3: {
                            obj.payload = reader.bytes();
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
                                field: `${prefix}.peerIdentityKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.payload`,
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
        return encodeMessage(obj, SentCopy.codec());
    }
    SentCopy.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SentCopy.codec(), opts);
    }
    SentCopy.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SentCopy.codec(), opts);
    }
    SentCopy.stream = stream;
})(SentCopy || (SentCopy = {}));
export var SyncSnapshot;
(function (SyncSnapshot) {
    let _codec;
    SyncSnapshot.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.version != null && obj.version !== 0)) {
                    w.uint32(8);
                    w.uint32(obj.version);
                }
                if (obj.contacts != null && obj.contacts.length > 0) {
                    for (const value of obj.contacts) {
                        w.uint32(18);
                        SyncedContact.codec().encode(value, w);
                    }
                }
                if ((obj.ownerName != null && obj.ownerName !== '')) {
                    w.uint32(26);
                    w.string(obj.ownerName);
                }
                if ((obj.ownKey != null && obj.ownKey.byteLength > 0)) {
                    w.uint32(34);
                    w.bytes(obj.ownKey);
                }
                if ((obj.ownRoute != null && obj.ownRoute.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.ownRoute);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    version: 0,
                    contacts: [],
                    ownerName: '',
                    ownKey: uint8ArrayAlloc(0),
                    ownRoute: uint8ArrayAlloc(0)
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
                            if (opts.limits?.contacts != null && obj.contacts.length === opts.limits.contacts) {
                                throw new MaxLengthError('Decode error - repeated field "contacts" had too many elements');
                            }
                            obj.contacts.push(SyncedContact.codec().decode(reader, reader.uint32(), {
                                limits: opts.limits?.contacts$
                            }));
                            break;
                        }
                        case 3: {
                            obj.ownerName = reader.string();
                            break;
                        }
                        case 4: {
                            obj.ownKey = reader.bytes();
                            break;
                        }
                        case 5: {
                            obj.ownRoute = reader.bytes();
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
                    contacts: 0
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
                            if (opts.limits?.contacts != null && obj.contacts === opts.limits.contacts) {
                                throw new MaxLengthError('Streaming decode error - repeated field "contacts" had too many elements');
                            }
                            for (const evt of SyncedContact.codec().stream(reader, reader.uint32(), `${prefix}.contacts[]`, {
                                limits: opts.limits?.contacts$
                            })) {
                                yield {
                                    ...evt,
                                    index: obj.contacts
                                };
                            }
                            obj.contacts++;
                            break;
                        }
                        case 3: {
                            yield {
                                field: `${prefix}.ownerName`,
                                value: reader.string()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.ownKey`,
                                value: reader.bytes()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.ownRoute`,
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
        return encodeMessage(obj, SyncSnapshot.codec());
    }
    SyncSnapshot.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SyncSnapshot.codec(), opts);
    }
    SyncSnapshot.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SyncSnapshot.codec(), opts);
    }
    SyncSnapshot.stream = stream;
})(SyncSnapshot || (SyncSnapshot = {}));
export var SyncedContact;
(function (SyncedContact) {
    let _codec;
    SyncedContact.codec = () => {
        if (_codec == null) {
            _codec = message((obj, w, opts = {}) => {
                if (opts.lengthDelimited !== false) {
                    w.fork();
                }
                if ((obj.identityKey != null && obj.identityKey.byteLength > 0)) {
                    w.uint32(10);
                    w.bytes(obj.identityKey);
                }
                if ((obj.displayName != null && obj.displayName !== '')) {
                    w.uint32(18);
                    w.string(obj.displayName);
                }
                if ((obj.verified != null && obj.verified !== false)) {
                    w.uint32(24);
                    w.bool(obj.verified);
                }
                if ((obj.blocked != null && obj.blocked !== false)) {
                    w.uint32(32);
                    w.bool(obj.blocked);
                }
                if ((obj.route != null && obj.route.byteLength > 0)) {
                    w.uint32(42);
                    w.bytes(obj.route);
                }
                if (opts.lengthDelimited !== false) {
                    w.ldelim();
                }
            }, (reader, length, opts = {}) => {
                const obj = {
                    identityKey: uint8ArrayAlloc(0),
                    displayName: '',
                    verified: false,
                    blocked: false,
                    route: uint8ArrayAlloc(0)
                };
                const end = length == null ? reader.len : reader.pos + length;
                while (reader.pos < end) {
                    const tag = reader.uint32();
                    switch (tag >>> 3) {
                        case 1: {
                            obj.identityKey = reader.bytes();
                            break;
                        }
                        case 2: {
                            obj.displayName = reader.string();
                            break;
                        }
                        case 3: {
                            obj.verified = reader.bool();
                            break;
                        }
                        case 4: {
                            obj.blocked = reader.bool();
                            break;
                        }
                        case 5: {
                            obj.route = reader.bytes();
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
                                field: `${prefix}.identityKey`,
                                value: reader.bytes()
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
                                field: `${prefix}.verified`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 4: {
                            yield {
                                field: `${prefix}.blocked`,
                                value: reader.bool()
                            };
                            break;
                        }
                        case 5: {
                            yield {
                                field: `${prefix}.route`,
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
        return encodeMessage(obj, SyncedContact.codec());
    }
    SyncedContact.encode = encode;
    function decode(buf, opts) {
        return decodeMessage(buf, SyncedContact.codec(), opts);
    }
    SyncedContact.decode = decode;
    function stream(buf, opts) {
        return streamMessage(buf, SyncedContact.codec(), opts);
    }
    SyncedContact.stream = stream;
})(SyncedContact || (SyncedContact = {}));
