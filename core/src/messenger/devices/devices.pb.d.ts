import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface DeviceEntry {
    bundle: Uint8Array<ArrayBuffer>;
    name: string;
    role: number;
    addedAt: bigint;
}
export declare namespace DeviceEntry {
    const codec: () => Codec<DeviceEntry>;
    interface DeviceEntryBundleFieldEvent {
        field: '$.bundle';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceEntryNameFieldEvent {
        field: '$.name';
        value: string;
    }
    interface DeviceEntryRoleFieldEvent {
        field: '$.role';
        value: number;
    }
    interface DeviceEntryAddedAtFieldEvent {
        field: '$.addedAt';
        value: bigint;
    }
    function encode(obj: Partial<DeviceEntry>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceEntry>): DeviceEntry;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceEntry>): Generator<DeviceEntryBundleFieldEvent | DeviceEntryNameFieldEvent | DeviceEntryRoleFieldEvent | DeviceEntryAddedAtFieldEvent>;
}
export interface DeviceListBody {
    version: number;
    identityKey: Uint8Array<ArrayBuffer>;
    listVersion: bigint;
    issuedAt: bigint;
    devices: DeviceEntry[];
}
export declare namespace DeviceListBody {
    const codec: () => Codec<DeviceListBody>;
    interface DeviceListBodyVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface DeviceListBodyIdentityKeyFieldEvent {
        field: '$.identityKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceListBodyListVersionFieldEvent {
        field: '$.listVersion';
        value: bigint;
    }
    interface DeviceListBodyIssuedAtFieldEvent {
        field: '$.issuedAt';
        value: bigint;
    }
    interface DeviceListBodyDevicesBundleFieldEvent {
        field: '$.devices[].bundle';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface DeviceListBodyDevicesNameFieldEvent {
        field: '$.devices[].name';
        value: string;
        index: number;
    }
    interface DeviceListBodyDevicesRoleFieldEvent {
        field: '$.devices[].role';
        value: number;
        index: number;
    }
    interface DeviceListBodyDevicesAddedAtFieldEvent {
        field: '$.devices[].addedAt';
        value: bigint;
        index: number;
    }
    function encode(obj: Partial<DeviceListBody>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceListBody>): DeviceListBody;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceListBody>): Generator<DeviceListBodyVersionFieldEvent | DeviceListBodyIdentityKeyFieldEvent | DeviceListBodyListVersionFieldEvent | DeviceListBodyIssuedAtFieldEvent | DeviceListBodyDevicesBundleFieldEvent | DeviceListBodyDevicesNameFieldEvent | DeviceListBodyDevicesRoleFieldEvent | DeviceListBodyDevicesAddedAtFieldEvent>;
}
export interface DeviceList {
    body: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
}
export declare namespace DeviceList {
    const codec: () => Codec<DeviceList>;
    interface DeviceListBodyFieldEvent {
        field: '$.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceListSignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<DeviceList>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceList>): DeviceList;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceList>): Generator<DeviceListBodyFieldEvent | DeviceListSignatureFieldEvent>;
}
export interface LinkOffer {
    version: number;
    commitment: Uint8Array<ArrayBuffer>;
    peerId: Uint8Array<ArrayBuffer>;
    relay: string;
    expiresAt: bigint;
}
export declare namespace LinkOffer {
    const codec: () => Codec<LinkOffer>;
    interface LinkOfferVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface LinkOfferCommitmentFieldEvent {
        field: '$.commitment';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkOfferPeerIdFieldEvent {
        field: '$.peerId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkOfferRelayFieldEvent {
        field: '$.relay';
        value: string;
    }
    interface LinkOfferExpiresAtFieldEvent {
        field: '$.expiresAt';
        value: bigint;
    }
    function encode(obj: Partial<LinkOffer>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkOffer>): LinkOffer;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkOffer>): Generator<LinkOfferVersionFieldEvent | LinkOfferCommitmentFieldEvent | LinkOfferPeerIdFieldEvent | LinkOfferRelayFieldEvent | LinkOfferExpiresAtFieldEvent>;
}
export interface LinkHello {
    version: number;
    linkKey: Uint8Array<ArrayBuffer>;
}
export declare namespace LinkHello {
    const codec: () => Codec<LinkHello>;
    interface LinkHelloVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface LinkHelloLinkKeyFieldEvent {
        field: '$.linkKey';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<LinkHello>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkHello>): LinkHello;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkHello>): Generator<LinkHelloVersionFieldEvent | LinkHelloLinkKeyFieldEvent>;
}
export interface LinkReveal {
    version: number;
    linkKey: Uint8Array<ArrayBuffer>;
    request: Uint8Array<ArrayBuffer>;
}
export declare namespace LinkReveal {
    const codec: () => Codec<LinkReveal>;
    interface LinkRevealVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface LinkRevealLinkKeyFieldEvent {
        field: '$.linkKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkRevealRequestFieldEvent {
        field: '$.request';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<LinkReveal>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkReveal>): LinkReveal;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkReveal>): Generator<LinkRevealVersionFieldEvent | LinkRevealLinkKeyFieldEvent | LinkRevealRequestFieldEvent>;
}
export interface LinkRequest {
    deviceKey: Uint8Array<ArrayBuffer>;
    peerId: Uint8Array<ArrayBuffer>;
    signedPrekey: Uint8Array<ArrayBuffer>;
    pqPrekey: Uint8Array<ArrayBuffer>;
    name: string;
}
export declare namespace LinkRequest {
    const codec: () => Codec<LinkRequest>;
    interface LinkRequestDeviceKeyFieldEvent {
        field: '$.deviceKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkRequestPeerIdFieldEvent {
        field: '$.peerId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkRequestSignedPrekeyFieldEvent {
        field: '$.signedPrekey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkRequestPqPrekeyFieldEvent {
        field: '$.pqPrekey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkRequestNameFieldEvent {
        field: '$.name';
        value: string;
    }
    function encode(obj: Partial<LinkRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkRequest>): LinkRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkRequest>): Generator<LinkRequestDeviceKeyFieldEvent | LinkRequestPeerIdFieldEvent | LinkRequestSignedPrekeyFieldEvent | LinkRequestPqPrekeyFieldEvent | LinkRequestNameFieldEvent>;
}
export interface LinkGrant {
    deviceCert: Uint8Array<ArrayBuffer>;
    signedPrekey: Uint8Array<ArrayBuffer>;
    pqPrekey: Uint8Array<ArrayBuffer>;
    deviceList: Uint8Array<ArrayBuffer>;
    sync: Uint8Array<ArrayBuffer>;
}
export declare namespace LinkGrant {
    const codec: () => Codec<LinkGrant>;
    interface LinkGrantDeviceCertFieldEvent {
        field: '$.deviceCert';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkGrantSignedPrekeyFieldEvent {
        field: '$.signedPrekey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkGrantPqPrekeyFieldEvent {
        field: '$.pqPrekey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkGrantDeviceListFieldEvent {
        field: '$.deviceList';
        value: Uint8Array<ArrayBuffer>;
    }
    interface LinkGrantSyncFieldEvent {
        field: '$.sync';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<LinkGrant>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkGrant>): LinkGrant;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LinkGrant>): Generator<LinkGrantDeviceCertFieldEvent | LinkGrantSignedPrekeyFieldEvent | LinkGrantPqPrekeyFieldEvent | LinkGrantDeviceListFieldEvent | LinkGrantSyncFieldEvent>;
}
export interface SentCopy {
    version: number;
    peerIdentityKey: Uint8Array<ArrayBuffer>;
    payload: Uint8Array<ArrayBuffer>;
}
export declare namespace SentCopy {
    const codec: () => Codec<SentCopy>;
    interface SentCopyVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface SentCopyPeerIdentityKeyFieldEvent {
        field: '$.peerIdentityKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SentCopyPayloadFieldEvent {
        field: '$.payload';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SentCopy>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SentCopy>): SentCopy;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SentCopy>): Generator<SentCopyVersionFieldEvent | SentCopyPeerIdentityKeyFieldEvent | SentCopyPayloadFieldEvent>;
}
export interface SyncSnapshot {
    version: number;
    contacts: SyncedContact[];
    ownerName: string;
    ownKey: Uint8Array<ArrayBuffer>;
    ownRoute: Uint8Array<ArrayBuffer>;
}
export declare namespace SyncSnapshot {
    const codec: () => Codec<SyncSnapshot>;
    interface SyncSnapshotVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface SyncSnapshotContactsIdentityKeyFieldEvent {
        field: '$.contacts[].identityKey';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface SyncSnapshotContactsDisplayNameFieldEvent {
        field: '$.contacts[].displayName';
        value: string;
        index: number;
    }
    interface SyncSnapshotContactsVerifiedFieldEvent {
        field: '$.contacts[].verified';
        value: boolean;
        index: number;
    }
    interface SyncSnapshotContactsBlockedFieldEvent {
        field: '$.contacts[].blocked';
        value: boolean;
        index: number;
    }
    interface SyncSnapshotContactsRouteFieldEvent {
        field: '$.contacts[].route';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface SyncSnapshotOwnerNameFieldEvent {
        field: '$.ownerName';
        value: string;
    }
    interface SyncSnapshotOwnKeyFieldEvent {
        field: '$.ownKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SyncSnapshotOwnRouteFieldEvent {
        field: '$.ownRoute';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SyncSnapshot>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncSnapshot>): SyncSnapshot;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncSnapshot>): Generator<SyncSnapshotVersionFieldEvent | SyncSnapshotContactsIdentityKeyFieldEvent | SyncSnapshotContactsDisplayNameFieldEvent | SyncSnapshotContactsVerifiedFieldEvent | SyncSnapshotContactsBlockedFieldEvent | SyncSnapshotContactsRouteFieldEvent | SyncSnapshotOwnerNameFieldEvent | SyncSnapshotOwnKeyFieldEvent | SyncSnapshotOwnRouteFieldEvent>;
}
export interface SyncedContact {
    identityKey: Uint8Array<ArrayBuffer>;
    displayName: string;
    verified: boolean;
    blocked: boolean;
    route: Uint8Array<ArrayBuffer>;
}
export declare namespace SyncedContact {
    const codec: () => Codec<SyncedContact>;
    interface SyncedContactIdentityKeyFieldEvent {
        field: '$.identityKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SyncedContactDisplayNameFieldEvent {
        field: '$.displayName';
        value: string;
    }
    interface SyncedContactVerifiedFieldEvent {
        field: '$.verified';
        value: boolean;
    }
    interface SyncedContactBlockedFieldEvent {
        field: '$.blocked';
        value: boolean;
    }
    interface SyncedContactRouteFieldEvent {
        field: '$.route';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SyncedContact>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncedContact>): SyncedContact;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SyncedContact>): Generator<SyncedContactIdentityKeyFieldEvent | SyncedContactDisplayNameFieldEvent | SyncedContactVerifiedFieldEvent | SyncedContactBlockedFieldEvent | SyncedContactRouteFieldEvent>;
}
