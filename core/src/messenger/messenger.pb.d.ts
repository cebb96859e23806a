import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface InviteBody {
    version: number;
    displayName: string;
    prekeyBundle: Uint8Array<ArrayBuffer>;
    relays: string[];
    mailboxId: Uint8Array<ArrayBuffer>;
    mailboxCapability: Uint8Array<ArrayBuffer>;
    mailboxSealKey: Uint8Array<ArrayBuffer>;
    expiresAt: bigint;
}
export declare namespace InviteBody {
    const codec: () => Codec<InviteBody>;
    interface InviteBodyVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface InviteBodyDisplayNameFieldEvent {
        field: '$.displayName';
        value: string;
    }
    interface InviteBodyPrekeyBundleFieldEvent {
        field: '$.prekeyBundle';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InviteBodyRelaysFieldEvent {
        field: '$.relays[]';
        index: number;
        value: string;
    }
    interface InviteBodyMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InviteBodyMailboxCapabilityFieldEvent {
        field: '$.mailboxCapability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InviteBodyMailboxSealKeyFieldEvent {
        field: '$.mailboxSealKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InviteBodyExpiresAtFieldEvent {
        field: '$.expiresAt';
        value: bigint;
    }
    function encode(obj: Partial<InviteBody>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteBody>): InviteBody;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InviteBody>): Generator<InviteBodyVersionFieldEvent | InviteBodyDisplayNameFieldEvent | InviteBodyPrekeyBundleFieldEvent | InviteBodyRelaysFieldEvent | InviteBodyMailboxIdFieldEvent | InviteBodyMailboxCapabilityFieldEvent | InviteBodyMailboxSealKeyFieldEvent | InviteBodyExpiresAtFieldEvent>;
}
export interface Invite {
    body: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
}
export declare namespace Invite {
    const codec: () => Codec<Invite>;
    interface InviteBodyFieldEvent {
        field: '$.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InviteSignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<Invite>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Invite;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Invite>): Generator<InviteBodyFieldEvent | InviteSignatureFieldEvent>;
}
export interface Text {
    text: string;
}
export declare namespace Text {
    const codec: () => Codec<Text>;
    interface TextTextFieldEvent {
        field: '$.text';
        value: string;
    }
    function encode(obj: Partial<Text>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Text>): Text;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Text>): Generator<TextTextFieldEvent>;
}
export interface Receipt {
    kind: number;
    messageIds: Uint8Array<ArrayBuffer>[];
}
export declare namespace Receipt {
    const codec: () => Codec<Receipt>;
    interface ReceiptKindFieldEvent {
        field: '$.kind';
        value: number;
    }
    interface ReceiptMessageIdsFieldEvent {
        field: '$.messageIds[]';
        index: number;
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<Receipt>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Receipt;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Receipt>): Generator<ReceiptKindFieldEvent | ReceiptMessageIdsFieldEvent>;
}
export interface Hello {
    displayName: string;
    relays: string[];
    mailboxId: Uint8Array<ArrayBuffer>;
    mailboxCapability: Uint8Array<ArrayBuffer>;
    mailboxSealKey: Uint8Array<ArrayBuffer>;
    reply: boolean;
    replacesDevice: string;
}
export declare namespace Hello {
    const codec: () => Codec<Hello>;
    interface HelloDisplayNameFieldEvent {
        field: '$.displayName';
        value: string;
    }
    interface HelloRelaysFieldEvent {
        field: '$.relays[]';
        index: number;
        value: string;
    }
    interface HelloMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HelloMailboxCapabilityFieldEvent {
        field: '$.mailboxCapability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HelloMailboxSealKeyFieldEvent {
        field: '$.mailboxSealKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HelloReplyFieldEvent {
        field: '$.reply';
        value: boolean;
    }
    interface HelloReplacesDeviceFieldEvent {
        field: '$.replacesDevice';
        value: string;
    }
    function encode(obj: Partial<Hello>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Hello;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Hello>): Generator<HelloDisplayNameFieldEvent | HelloRelaysFieldEvent | HelloMailboxIdFieldEvent | HelloMailboxCapabilityFieldEvent | HelloMailboxSealKeyFieldEvent | HelloReplyFieldEvent | HelloReplacesDeviceFieldEvent>;
}
export interface CallSignal {
    callId: Uint8Array<ArrayBuffer>;
    kind: number;
    media: number;
    sdp: string;
    dtlsFingerprint: string;
    candidates: CallIce[];
    reason: number;
}
export declare namespace CallSignal {
    const codec: () => Codec<CallSignal>;
    interface CallSignalCallIdFieldEvent {
        field: '$.callId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface CallSignalKindFieldEvent {
        field: '$.kind';
        value: number;
    }
    interface CallSignalMediaFieldEvent {
        field: '$.media';
        value: number;
    }
    interface CallSignalSdpFieldEvent {
        field: '$.sdp';
        value: string;
    }
    interface CallSignalDtlsFingerprintFieldEvent {
        field: '$.dtlsFingerprint';
        value: string;
    }
    interface CallSignalCandidatesCandidateFieldEvent {
        field: '$.candidates[].candidate';
        value: string;
        index: number;
    }
    interface CallSignalCandidatesSdpMidFieldEvent {
        field: '$.candidates[].sdpMid';
        value: string;
        index: number;
    }
    interface CallSignalCandidatesSdpMlineIndexFieldEvent {
        field: '$.candidates[].sdpMlineIndex';
        value: number;
        index: number;
    }
    interface CallSignalReasonFieldEvent {
        field: '$.reason';
        value: number;
    }
    function encode(obj: Partial<CallSignal>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallSignal>): CallSignal;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallSignal>): Generator<CallSignalCallIdFieldEvent | CallSignalKindFieldEvent | CallSignalMediaFieldEvent | CallSignalSdpFieldEvent | CallSignalDtlsFingerprintFieldEvent | CallSignalCandidatesCandidateFieldEvent | CallSignalCandidatesSdpMidFieldEvent | CallSignalCandidatesSdpMlineIndexFieldEvent | CallSignalReasonFieldEvent>;
}
export interface CallIce {
    candidate: string;
    sdpMid?: string;
    sdpMlineIndex?: number;
}
export declare namespace CallIce {
    const codec: () => Codec<CallIce>;
    interface CallIceCandidateFieldEvent {
        field: '$.candidate';
        value: string;
    }
    interface CallIceSdpMidFieldEvent {
        field: '$.sdpMid';
        value: string;
    }
    interface CallIceSdpMlineIndexFieldEvent {
        field: '$.sdpMlineIndex';
        value: number;
    }
    function encode(obj: Partial<CallIce>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallIce>): CallIce;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<CallIce>): Generator<CallIceCandidateFieldEvent | CallIceSdpMidFieldEvent | CallIceSdpMlineIndexFieldEvent>;
}
export interface ChatPayload {
    version: number;
    messageId: Uint8Array<ArrayBuffer>;
    sentAt: bigint;
    text?: Text;
    receipt?: Receipt;
    hello?: Hello;
    fileOffer?: Uint8Array<ArrayBuffer>;
    fileControl?: Uint8Array<ArrayBuffer>;
    filePiece?: Uint8Array<ArrayBuffer>;
    call?: CallSignal;
    deviceList?: Uint8Array<ArrayBuffer>;
    group?: Uint8Array<ArrayBuffer>;
}
export declare namespace ChatPayload {
    const codec: () => Codec<ChatPayload>;
    interface ChatPayloadVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface ChatPayloadMessageIdFieldEvent {
        field: '$.messageId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadSentAtFieldEvent {
        field: '$.sentAt';
        value: bigint;
    }
    interface ChatPayloadTextTextFieldEvent {
        field: '$.text.text';
        value: string;
    }
    interface ChatPayloadReceiptKindFieldEvent {
        field: '$.receipt.kind';
        value: number;
    }
    interface ChatPayloadReceiptMessageIdsFieldEvent {
        field: '$.receipt.messageIds[]';
        index: number;
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadHelloDisplayNameFieldEvent {
        field: '$.hello.displayName';
        value: string;
    }
    interface ChatPayloadHelloRelaysFieldEvent {
        field: '$.hello.relays[]';
        index: number;
        value: string;
    }
    interface ChatPayloadHelloMailboxIdFieldEvent {
        field: '$.hello.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadHelloMailboxCapabilityFieldEvent {
        field: '$.hello.mailboxCapability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadHelloMailboxSealKeyFieldEvent {
        field: '$.hello.mailboxSealKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadHelloReplyFieldEvent {
        field: '$.hello.reply';
        value: boolean;
    }
    interface ChatPayloadHelloReplacesDeviceFieldEvent {
        field: '$.hello.replacesDevice';
        value: string;
    }
    interface ChatPayloadFileOfferFieldEvent {
        field: '$.fileOffer';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadFileControlFieldEvent {
        field: '$.fileControl';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadFilePieceFieldEvent {
        field: '$.filePiece';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadCallCallIdFieldEvent {
        field: '$.call.callId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadCallKindFieldEvent {
        field: '$.call.kind';
        value: number;
    }
    interface ChatPayloadCallMediaFieldEvent {
        field: '$.call.media';
        value: number;
    }
    interface ChatPayloadCallSdpFieldEvent {
        field: '$.call.sdp';
        value: string;
    }
    interface ChatPayloadCallDtlsFingerprintFieldEvent {
        field: '$.call.dtlsFingerprint';
        value: string;
    }
    interface ChatPayloadCallCandidatesCandidateFieldEvent {
        field: '$.call.candidates[].candidate';
        value: string;
        index: number;
    }
    interface ChatPayloadCallCandidatesSdpMidFieldEvent {
        field: '$.call.candidates[].sdpMid';
        value: string;
        index: number;
    }
    interface ChatPayloadCallCandidatesSdpMlineIndexFieldEvent {
        field: '$.call.candidates[].sdpMlineIndex';
        value: number;
        index: number;
    }
    interface ChatPayloadCallReasonFieldEvent {
        field: '$.call.reason';
        value: number;
    }
    interface ChatPayloadDeviceListFieldEvent {
        field: '$.deviceList';
        value: Uint8Array<ArrayBuffer>;
    }
    interface ChatPayloadGroupFieldEvent {
        field: '$.group';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<ChatPayload>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatPayload>): ChatPayload;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatPayload>): Generator<ChatPayloadVersionFieldEvent | ChatPayloadMessageIdFieldEvent | ChatPayloadSentAtFieldEvent | ChatPayloadTextTextFieldEvent | ChatPayloadReceiptKindFieldEvent | ChatPayloadReceiptMessageIdsFieldEvent | ChatPayloadHelloDisplayNameFieldEvent | ChatPayloadHelloRelaysFieldEvent | ChatPayloadHelloMailboxIdFieldEvent | ChatPayloadHelloMailboxCapabilityFieldEvent | ChatPayloadHelloMailboxSealKeyFieldEvent | ChatPayloadHelloReplyFieldEvent | ChatPayloadHelloReplacesDeviceFieldEvent | ChatPayloadFileOfferFieldEvent | ChatPayloadFileControlFieldEvent | ChatPayloadFilePieceFieldEvent | ChatPayloadCallCallIdFieldEvent | ChatPayloadCallKindFieldEvent | ChatPayloadCallMediaFieldEvent | ChatPayloadCallSdpFieldEvent | ChatPayloadCallDtlsFingerprintFieldEvent | ChatPayloadCallCandidatesCandidateFieldEvent | ChatPayloadCallCandidatesSdpMidFieldEvent | ChatPayloadCallCandidatesSdpMlineIndexFieldEvent | ChatPayloadCallReasonFieldEvent | ChatPayloadDeviceListFieldEvent | ChatPayloadGroupFieldEvent>;
}
