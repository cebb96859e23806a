import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface MailboxAuth {
    mailboxId: Uint8Array<ArrayBuffer>;
    nonce: Uint8Array<ArrayBuffer>;
    timestampMs: bigint;
    signature: Uint8Array<ArrayBuffer>;
}
export declare namespace MailboxAuth {
    const codec: () => Codec<MailboxAuth>;
    interface MailboxAuthMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface MailboxAuthNonceFieldEvent {
        field: '$.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface MailboxAuthTimestampMsFieldEvent {
        field: '$.timestampMs';
        value: bigint;
    }
    interface MailboxAuthSignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<MailboxAuth>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxAuth>): MailboxAuth;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MailboxAuth>): Generator<MailboxAuthMailboxIdFieldEvent | MailboxAuthNonceFieldEvent | MailboxAuthTimestampMsFieldEvent | MailboxAuthSignatureFieldEvent>;
}
export interface CreateRequest {
    auth?: MailboxAuth;
    authPublicKey: Uint8Array<ArrayBuffer>;
    capability: Uint8Array<ArrayBuffer>;
    managePublicKey: Uint8Array<ArrayBuffer>;
}
export declare namespace CreateRequest {
    const codec: () => Codec<CreateRequest>;
    interface CreateRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CreateRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CreateRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface CreateRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CreateRequestAuthPublicKeyFieldEvent {
        field: '$.authPublicKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CreateRequestCapabilityFieldEvent {
        field: '$.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CreateRequestManagePublicKeyFieldEvent {
        field: '$.managePublicKey';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<CreateRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CreateRequest>): CreateRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CreateRequest>): Generator<CreateRequestAuthMailboxIdFieldEvent | CreateRequestAuthNonceFieldEvent | CreateRequestAuthTimestampMsFieldEvent | CreateRequestAuthSignatureFieldEvent | CreateRequestAuthPublicKeyFieldEvent | CreateRequestCapabilityFieldEvent | CreateRequestManagePublicKeyFieldEvent>;
}
export interface DepositRequest {
    mailboxId: Uint8Array<ArrayBuffer>;
    capability: Uint8Array<ArrayBuffer>;
    expiryS: number;
    sealed: Uint8Array<ArrayBuffer>;
    expectedId?: bigint;
}
export declare namespace DepositRequest {
    const codec: () => Codec<DepositRequest>;
    interface DepositRequestMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DepositRequestCapabilityFieldEvent {
        field: '$.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DepositRequestExpirySFieldEvent {
        field: '$.expiryS';
        value: number;
    }
    interface DepositRequestSealedFieldEvent {
        field: '$.sealed';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DepositRequestExpectedIdFieldEvent {
        field: '$.expectedId';
        value: bigint;
    }
    function encode(obj: Partial<DepositRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositRequest>): DepositRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DepositRequest>): Generator<DepositRequestMailboxIdFieldEvent | DepositRequestCapabilityFieldEvent | DepositRequestExpirySFieldEvent | DepositRequestSealedFieldEvent | DepositRequestExpectedIdFieldEvent>;
}
export interface FetchRequest {
    auth?: MailboxAuth;
    limit: number;
    afterId?: bigint;
}
export declare namespace FetchRequest {
    const codec: () => Codec<FetchRequest>;
    interface FetchRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FetchRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FetchRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface FetchRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FetchRequestLimitFieldEvent {
        field: '$.limit';
        value: number;
    }
    interface FetchRequestAfterIdFieldEvent {
        field: '$.afterId';
        value: bigint;
    }
    function encode(obj: Partial<FetchRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): FetchRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchRequest>): Generator<FetchRequestAuthMailboxIdFieldEvent | FetchRequestAuthNonceFieldEvent | FetchRequestAuthTimestampMsFieldEvent | FetchRequestAuthSignatureFieldEvent | FetchRequestLimitFieldEvent | FetchRequestAfterIdFieldEvent>;
}
export interface AckRequest {
    auth?: MailboxAuth;
    ids: bigint[];
}
export declare namespace AckRequest {
    const codec: () => Codec<AckRequest>;
    interface AckRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface AckRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface AckRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface AckRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface AckRequestIdsFieldEvent {
        field: '$.ids[]';
        index: number;
        value: bigint;
    }
    function encode(obj: Partial<AckRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckRequest>): AckRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AckRequest>): Generator<AckRequestAuthMailboxIdFieldEvent | AckRequestAuthNonceFieldEvent | AckRequestAuthTimestampMsFieldEvent | AckRequestAuthSignatureFieldEvent | AckRequestIdsFieldEvent>;
}
export interface SubscribeRequest {
    auth?: MailboxAuth;
}
export declare namespace SubscribeRequest {
    const codec: () => Codec<SubscribeRequest>;
    interface SubscribeRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SubscribeRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SubscribeRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface SubscribeRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SubscribeRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubscribeRequest>): SubscribeRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SubscribeRequest>): Generator<SubscribeRequestAuthMailboxIdFieldEvent | SubscribeRequestAuthNonceFieldEvent | SubscribeRequestAuthTimestampMsFieldEvent | SubscribeRequestAuthSignatureFieldEvent>;
}
export interface PublishPrekeysRequest {
    auth?: MailboxAuth;
    signedBundle: Uint8Array<ArrayBuffer>;
    oneTimePrekeys: Uint8Array<ArrayBuffer>[];
}
export declare namespace PublishPrekeysRequest {
    const codec: () => Codec<PublishPrekeysRequest>;
    interface PublishPrekeysRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PublishPrekeysRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PublishPrekeysRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface PublishPrekeysRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PublishPrekeysRequestSignedBundleFieldEvent {
        field: '$.signedBundle';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PublishPrekeysRequestOneTimePrekeysFieldEvent {
        field: '$.oneTimePrekeys[]';
        index: number;
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<PublishPrekeysRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishPrekeysRequest>): PublishPrekeysRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PublishPrekeysRequest>): Generator<PublishPrekeysRequestAuthMailboxIdFieldEvent | PublishPrekeysRequestAuthNonceFieldEvent | PublishPrekeysRequestAuthTimestampMsFieldEvent | PublishPrekeysRequestAuthSignatureFieldEvent | PublishPrekeysRequestSignedBundleFieldEvent | PublishPrekeysRequestOneTimePrekeysFieldEvent>;
}
export interface FetchPrekeysRequest {
    mailboxId: Uint8Array<ArrayBuffer>;
    capability: Uint8Array<ArrayBuffer>;
}
export declare namespace FetchPrekeysRequest {
    const codec: () => Codec<FetchPrekeysRequest>;
    interface FetchPrekeysRequestMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FetchPrekeysRequestCapabilityFieldEvent {
        field: '$.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<FetchPrekeysRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchPrekeysRequest>): FetchPrekeysRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FetchPrekeysRequest>): Generator<FetchPrekeysRequestMailboxIdFieldEvent | FetchPrekeysRequestCapabilityFieldEvent>;
}
export interface InfoRequest {
}
export declare namespace InfoRequest {
    const codec: () => Codec<InfoRequest>;
    function encode(obj: Partial<InfoRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InfoRequest>): InfoRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InfoRequest>): Generator<{}>;
}
export interface CloseRequest {
    auth?: MailboxAuth;
}
export declare namespace CloseRequest {
    const codec: () => Codec<CloseRequest>;
    interface CloseRequestAuthMailboxIdFieldEvent {
        field: '$.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CloseRequestAuthNonceFieldEvent {
        field: '$.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CloseRequestAuthTimestampMsFieldEvent {
        field: '$.auth.timestampMs';
        value: bigint;
    }
    interface CloseRequestAuthSignatureFieldEvent {
        field: '$.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<CloseRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CloseRequest>): CloseRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CloseRequest>): Generator<CloseRequestAuthMailboxIdFieldEvent | CloseRequestAuthNonceFieldEvent | CloseRequestAuthTimestampMsFieldEvent | CloseRequestAuthSignatureFieldEvent>;
}
export interface Request {
    version: number;
    create?: CreateRequest;
    deposit?: DepositRequest;
    fetch?: FetchRequest;
    ack?: AckRequest;
    subscribe?: SubscribeRequest;
    publishPrekeys?: PublishPrekeysRequest;
    fetchPrekeys?: FetchPrekeysRequest;
    info?: InfoRequest;
    close?: CloseRequest;
}
export declare namespace Request {
    const codec: () => Codec<Request>;
    interface RequestVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface RequestCreateAuthMailboxIdFieldEvent {
        field: '$.create.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCreateAuthNonceFieldEvent {
        field: '$.create.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCreateAuthTimestampMsFieldEvent {
        field: '$.create.auth.timestampMs';
        value: bigint;
    }
    interface RequestCreateAuthSignatureFieldEvent {
        field: '$.create.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCreateAuthPublicKeyFieldEvent {
        field: '$.create.authPublicKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCreateCapabilityFieldEvent {
        field: '$.create.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCreateManagePublicKeyFieldEvent {
        field: '$.create.managePublicKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestDepositMailboxIdFieldEvent {
        field: '$.deposit.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestDepositCapabilityFieldEvent {
        field: '$.deposit.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestDepositExpirySFieldEvent {
        field: '$.deposit.expiryS';
        value: number;
    }
    interface RequestDepositSealedFieldEvent {
        field: '$.deposit.sealed';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestDepositExpectedIdFieldEvent {
        field: '$.deposit.expectedId';
        value: bigint;
    }
    interface RequestFetchAuthMailboxIdFieldEvent {
        field: '$.fetch.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestFetchAuthNonceFieldEvent {
        field: '$.fetch.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestFetchAuthTimestampMsFieldEvent {
        field: '$.fetch.auth.timestampMs';
        value: bigint;
    }
    interface RequestFetchAuthSignatureFieldEvent {
        field: '$.fetch.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestFetchLimitFieldEvent {
        field: '$.fetch.limit';
        value: number;
    }
    interface RequestFetchAfterIdFieldEvent {
        field: '$.fetch.afterId';
        value: bigint;
    }
    interface RequestAckAuthMailboxIdFieldEvent {
        field: '$.ack.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestAckAuthNonceFieldEvent {
        field: '$.ack.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestAckAuthTimestampMsFieldEvent {
        field: '$.ack.auth.timestampMs';
        value: bigint;
    }
    interface RequestAckAuthSignatureFieldEvent {
        field: '$.ack.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestAckIdsFieldEvent {
        field: '$.ack.ids[]';
        index: number;
        value: bigint;
    }
    interface RequestSubscribeAuthMailboxIdFieldEvent {
        field: '$.subscribe.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestSubscribeAuthNonceFieldEvent {
        field: '$.subscribe.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestSubscribeAuthTimestampMsFieldEvent {
        field: '$.subscribe.auth.timestampMs';
        value: bigint;
    }
    interface RequestSubscribeAuthSignatureFieldEvent {
        field: '$.subscribe.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestPublishPrekeysAuthMailboxIdFieldEvent {
        field: '$.publishPrekeys.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestPublishPrekeysAuthNonceFieldEvent {
        field: '$.publishPrekeys.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestPublishPrekeysAuthTimestampMsFieldEvent {
        field: '$.publishPrekeys.auth.timestampMs';
        value: bigint;
    }
    interface RequestPublishPrekeysAuthSignatureFieldEvent {
        field: '$.publishPrekeys.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestPublishPrekeysSignedBundleFieldEvent {
        field: '$.publishPrekeys.signedBundle';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestPublishPrekeysOneTimePrekeysFieldEvent {
        field: '$.publishPrekeys.oneTimePrekeys[]';
        index: number;
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestFetchPrekeysMailboxIdFieldEvent {
        field: '$.fetchPrekeys.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestFetchPrekeysCapabilityFieldEvent {
        field: '$.fetchPrekeys.capability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCloseAuthMailboxIdFieldEvent {
        field: '$.close.auth.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCloseAuthNonceFieldEvent {
        field: '$.close.auth.nonce';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RequestCloseAuthTimestampMsFieldEvent {
        field: '$.close.auth.timestampMs';
        value: bigint;
    }
    interface RequestCloseAuthSignatureFieldEvent {
        field: '$.close.auth.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<Request>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Request;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Request>): Generator<RequestVersionFieldEvent | RequestCreateAuthMailboxIdFieldEvent | RequestCreateAuthNonceFieldEvent | RequestCreateAuthTimestampMsFieldEvent | RequestCreateAuthSignatureFieldEvent | RequestCreateAuthPublicKeyFieldEvent | RequestCreateCapabilityFieldEvent | RequestCreateManagePublicKeyFieldEvent | RequestDepositMailboxIdFieldEvent | RequestDepositCapabilityFieldEvent | RequestDepositExpirySFieldEvent | RequestDepositSealedFieldEvent | RequestDepositExpectedIdFieldEvent | RequestFetchAuthMailboxIdFieldEvent | RequestFetchAuthNonceFieldEvent | RequestFetchAuthTimestampMsFieldEvent | RequestFetchAuthSignatureFieldEvent | RequestFetchLimitFieldEvent | RequestFetchAfterIdFieldEvent | RequestAckAuthMailboxIdFieldEvent | RequestAckAuthNonceFieldEvent | RequestAckAuthTimestampMsFieldEvent | RequestAckAuthSignatureFieldEvent | RequestAckIdsFieldEvent | RequestSubscribeAuthMailboxIdFieldEvent | RequestSubscribeAuthNonceFieldEvent | RequestSubscribeAuthTimestampMsFieldEvent | RequestSubscribeAuthSignatureFieldEvent | RequestPublishPrekeysAuthMailboxIdFieldEvent | RequestPublishPrekeysAuthNonceFieldEvent | RequestPublishPrekeysAuthTimestampMsFieldEvent | RequestPublishPrekeysAuthSignatureFieldEvent | RequestPublishPrekeysSignedBundleFieldEvent | RequestPublishPrekeysOneTimePrekeysFieldEvent | RequestFetchPrekeysMailboxIdFieldEvent | RequestFetchPrekeysCapabilityFieldEvent | RequestCloseAuthMailboxIdFieldEvent | RequestCloseAuthNonceFieldEvent | RequestCloseAuthTimestampMsFieldEvent | RequestCloseAuthSignatureFieldEvent>;
}
export interface StoredMessage {
    id: bigint;
    sealed: Uint8Array<ArrayBuffer>;
    expiresAtMs: bigint;
}
export declare namespace StoredMessage {
    const codec: () => Codec<StoredMessage>;
    interface StoredMessageIdFieldEvent {
        field: '$.id';
        value: bigint;
    }
    interface StoredMessageSealedFieldEvent {
        field: '$.sealed';
        value: Uint8Array<ArrayBuffer>;
    }
    interface StoredMessageExpiresAtMsFieldEvent {
        field: '$.expiresAtMs';
        value: bigint;
    }
    function encode(obj: Partial<StoredMessage>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredMessage>): StoredMessage;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<StoredMessage>): Generator<StoredMessageIdFieldEvent | StoredMessageSealedFieldEvent | StoredMessageExpiresAtMsFieldEvent>;
}
export interface RelayIdentity {
    peerId: string;
    multiaddrs: string[];
    validUntilMs: bigint;
}
export declare namespace RelayIdentity {
    const codec: () => Codec<RelayIdentity>;
    interface RelayIdentityPeerIdFieldEvent {
        field: '$.peerId';
        value: string;
    }
    interface RelayIdentityMultiaddrsFieldEvent {
        field: '$.multiaddrs[]';
        index: number;
        value: string;
    }
    interface RelayIdentityValidUntilMsFieldEvent {
        field: '$.validUntilMs';
        value: bigint;
    }
    function encode(obj: Partial<RelayIdentity>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayIdentity>): RelayIdentity;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayIdentity>): Generator<RelayIdentityPeerIdFieldEvent | RelayIdentityMultiaddrsFieldEvent | RelayIdentityValidUntilMsFieldEvent>;
}
export interface RelayInfo {
    current?: RelayIdentity;
    next?: RelayIdentity;
    stunPort: number;
    maxSealedBytes: number;
    expiryBucketsS: number[];
    maxMessagesPerMailbox: number;
    fileFallbackCapBytes: number;
    instances: string[];
    turnServers: TurnServer[];
}
export declare namespace RelayInfo {
    const codec: () => Codec<RelayInfo>;
    interface RelayInfoCurrentPeerIdFieldEvent {
        field: '$.current.peerId';
        value: string;
    }
    interface RelayInfoCurrentMultiaddrsFieldEvent {
        field: '$.current.multiaddrs[]';
        index: number;
        value: string;
    }
    interface RelayInfoCurrentValidUntilMsFieldEvent {
        field: '$.current.validUntilMs';
        value: bigint;
    }
    interface RelayInfoNextPeerIdFieldEvent {
        field: '$.next.peerId';
        value: string;
    }
    interface RelayInfoNextMultiaddrsFieldEvent {
        field: '$.next.multiaddrs[]';
        index: number;
        value: string;
    }
    interface RelayInfoNextValidUntilMsFieldEvent {
        field: '$.next.validUntilMs';
        value: bigint;
    }
    interface RelayInfoStunPortFieldEvent {
        field: '$.stunPort';
        value: number;
    }
    interface RelayInfoMaxSealedBytesFieldEvent {
        field: '$.maxSealedBytes';
        value: number;
    }
    interface RelayInfoExpiryBucketsSFieldEvent {
        field: '$.expiryBucketsS[]';
        index: number;
        value: number;
    }
    interface RelayInfoMaxMessagesPerMailboxFieldEvent {
        field: '$.maxMessagesPerMailbox';
        value: number;
    }
    interface RelayInfoFileFallbackCapBytesFieldEvent {
        field: '$.fileFallbackCapBytes';
        value: number;
    }
    interface RelayInfoInstancesFieldEvent {
        field: '$.instances[]';
        index: number;
        value: string;
    }
    interface RelayInfoTurnServersUrlsFieldEvent {
        field: '$.turnServers[].urls[]';
        index: number;
        value: string;
    }
    interface RelayInfoTurnServersUsernameFieldEvent {
        field: '$.turnServers[].username';
        value: string;
        index: number;
    }
    interface RelayInfoTurnServersCredentialFieldEvent {
        field: '$.turnServers[].credential';
        value: string;
        index: number;
    }
    interface RelayInfoTurnServersExpiresAtMsFieldEvent {
        field: '$.turnServers[].expiresAtMs';
        value: bigint;
        index: number;
    }
    function encode(obj: Partial<RelayInfo>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayInfo>): RelayInfo;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RelayInfo>): Generator<RelayInfoCurrentPeerIdFieldEvent | RelayInfoCurrentMultiaddrsFieldEvent | RelayInfoCurrentValidUntilMsFieldEvent | RelayInfoNextPeerIdFieldEvent | RelayInfoNextMultiaddrsFieldEvent | RelayInfoNextValidUntilMsFieldEvent | RelayInfoStunPortFieldEvent | RelayInfoMaxSealedBytesFieldEvent | RelayInfoExpiryBucketsSFieldEvent | RelayInfoMaxMessagesPerMailboxFieldEvent | RelayInfoFileFallbackCapBytesFieldEvent | RelayInfoInstancesFieldEvent | RelayInfoTurnServersUrlsFieldEvent | RelayInfoTurnServersUsernameFieldEvent | RelayInfoTurnServersCredentialFieldEvent | RelayInfoTurnServersExpiresAtMsFieldEvent>;
}
export interface TurnServer {
    urls: string[];
    username: string;
    credential: string;
    expiresAtMs: bigint;
}
export declare namespace TurnServer {
    const codec: () => Codec<TurnServer>;
    interface TurnServerUrlsFieldEvent {
        field: '$.urls[]';
        index: number;
        value: string;
    }
    interface TurnServerUsernameFieldEvent {
        field: '$.username';
        value: string;
    }
    interface TurnServerCredentialFieldEvent {
        field: '$.credential';
        value: string;
    }
    interface TurnServerExpiresAtMsFieldEvent {
        field: '$.expiresAtMs';
        value: bigint;
    }
    function encode(obj: Partial<TurnServer>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TurnServer>): TurnServer;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TurnServer>): Generator<TurnServerUrlsFieldEvent | TurnServerUsernameFieldEvent | TurnServerCredentialFieldEvent | TurnServerExpiresAtMsFieldEvent>;
}
export interface Response {
    version: number;
    error: string;
    errorMessage: string;
    depositId: bigint;
    messages: StoredMessage[];
    more: boolean;
    deleted: number;
    signedBundle: Uint8Array<ArrayBuffer>;
    oneTimePrekey: Uint8Array<ArrayBuffer>;
    oneTimePrekeysLeft: number;
    info?: RelayInfo;
    push?: StoredMessage;
    retryAfterMs: number;
}
export declare namespace Response {
    const codec: () => Codec<Response>;
    interface ResponseVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface ResponseErrorFieldEvent {
        field: '$.error';
        value: string;
    }
    interface ResponseErrorMessageFieldEvent {
        field: '$.errorMessage';
        value: string;
    }
    interface ResponseDepositIdFieldEvent {
        field: '$.depositId';
        value: bigint;
    }
    interface ResponseMessagesIdFieldEvent {
        field: '$.messages[].id';
        value: bigint;
        index: number;
    }
    interface ResponseMessagesSealedFieldEvent {
        field: '$.messages[].sealed';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface ResponseMessagesExpiresAtMsFieldEvent {
        field: '$.messages[].expiresAtMs';
        value: bigint;
        index: number;
    }
    interface ResponseMoreFieldEvent {
        field: '$.more';
        value: boolean;
    }
    interface ResponseDeletedFieldEvent {
        field: '$.deleted';
        value: number;
    }
    interface ResponseSignedBundleFieldEvent {
        field: '$.signedBundle';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ResponseOneTimePrekeyFieldEvent {
        field: '$.oneTimePrekey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ResponseOneTimePrekeysLeftFieldEvent {
        field: '$.oneTimePrekeysLeft';
        value: number;
    }
    interface ResponseInfoCurrentPeerIdFieldEvent {
        field: '$.info.current.peerId';
        value: string;
    }
    interface ResponseInfoCurrentMultiaddrsFieldEvent {
        field: '$.info.current.multiaddrs[]';
        index: number;
        value: string;
    }
    interface ResponseInfoCurrentValidUntilMsFieldEvent {
        field: '$.info.current.validUntilMs';
        value: bigint;
    }
    interface ResponseInfoNextPeerIdFieldEvent {
        field: '$.info.next.peerId';
        value: string;
    }
    interface ResponseInfoNextMultiaddrsFieldEvent {
        field: '$.info.next.multiaddrs[]';
        index: number;
        value: string;
    }
    interface ResponseInfoNextValidUntilMsFieldEvent {
        field: '$.info.next.validUntilMs';
        value: bigint;
    }
    interface ResponseInfoStunPortFieldEvent {
        field: '$.info.stunPort';
        value: number;
    }
    interface ResponseInfoMaxSealedBytesFieldEvent {
        field: '$.info.maxSealedBytes';
        value: number;
    }
    interface ResponseInfoExpiryBucketsSFieldEvent {
        field: '$.info.expiryBucketsS[]';
        index: number;
        value: number;
    }
    interface ResponseInfoMaxMessagesPerMailboxFieldEvent {
        field: '$.info.maxMessagesPerMailbox';
        value: number;
    }
    interface ResponseInfoFileFallbackCapBytesFieldEvent {
        field: '$.info.fileFallbackCapBytes';
        value: number;
    }
    interface ResponseInfoInstancesFieldEvent {
        field: '$.info.instances[]';
        index: number;
        value: string;
    }
    interface ResponseInfoTurnServersUrlsFieldEvent {
        field: '$.info.turnServers[].urls[]';
        index: number;
        value: string;
    }
    interface ResponseInfoTurnServersUsernameFieldEvent {
        field: '$.info.turnServers[].username';
        value: string;
        index: number;
    }
    interface ResponseInfoTurnServersCredentialFieldEvent {
        field: '$.info.turnServers[].credential';
        value: string;
        index: number;
    }
    interface ResponseInfoTurnServersExpiresAtMsFieldEvent {
        field: '$.info.turnServers[].expiresAtMs';
        value: bigint;
        index: number;
    }
    interface ResponsePushIdFieldEvent {
        field: '$.push.id';
        value: bigint;
    }
    interface ResponsePushSealedFieldEvent {
        field: '$.push.sealed';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ResponsePushExpiresAtMsFieldEvent {
        field: '$.push.expiresAtMs';
        value: bigint;
    }
    interface ResponseRetryAfterMsFieldEvent {
        field: '$.retryAfterMs';
        value: number;
    }
    function encode(obj: Partial<Response>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Response;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Response>): Generator<ResponseVersionFieldEvent | ResponseErrorFieldEvent | ResponseErrorMessageFieldEvent | ResponseDepositIdFieldEvent | ResponseMessagesIdFieldEvent | ResponseMessagesSealedFieldEvent | ResponseMessagesExpiresAtMsFieldEvent | ResponseMoreFieldEvent | ResponseDeletedFieldEvent | ResponseSignedBundleFieldEvent | ResponseOneTimePrekeyFieldEvent | ResponseOneTimePrekeysLeftFieldEvent | ResponseInfoCurrentPeerIdFieldEvent | ResponseInfoCurrentMultiaddrsFieldEvent | ResponseInfoCurrentValidUntilMsFieldEvent | ResponseInfoNextPeerIdFieldEvent | ResponseInfoNextMultiaddrsFieldEvent | ResponseInfoNextValidUntilMsFieldEvent | ResponseInfoStunPortFieldEvent | ResponseInfoMaxSealedBytesFieldEvent | ResponseInfoExpiryBucketsSFieldEvent | ResponseInfoMaxMessagesPerMailboxFieldEvent | ResponseInfoFileFallbackCapBytesFieldEvent | ResponseInfoInstancesFieldEvent | ResponseInfoTurnServersUrlsFieldEvent | ResponseInfoTurnServersUsernameFieldEvent | ResponseInfoTurnServersCredentialFieldEvent | ResponseInfoTurnServersExpiresAtMsFieldEvent | ResponsePushIdFieldEvent | ResponsePushSealedFieldEvent | ResponsePushExpiresAtMsFieldEvent | ResponseRetryAfterMsFieldEvent>;
}
