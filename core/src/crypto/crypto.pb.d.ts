import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface DeviceCertBody {
    version: number;
    identityKey: Uint8Array<ArrayBuffer>;
    deviceKey: Uint8Array<ArrayBuffer>;
    peerId: Uint8Array<ArrayBuffer>;
    serial: bigint;
    issuedAt: bigint;
    expiresAt: bigint;
}
export declare namespace DeviceCertBody {
    const codec: () => Codec<DeviceCertBody>;
    interface DeviceCertBodyVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface DeviceCertBodyIdentityKeyFieldEvent {
        field: '$.identityKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceCertBodyDeviceKeyFieldEvent {
        field: '$.deviceKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceCertBodyPeerIdFieldEvent {
        field: '$.peerId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceCertBodySerialFieldEvent {
        field: '$.serial';
        value: bigint;
    }
    interface DeviceCertBodyIssuedAtFieldEvent {
        field: '$.issuedAt';
        value: bigint;
    }
    interface DeviceCertBodyExpiresAtFieldEvent {
        field: '$.expiresAt';
        value: bigint;
    }
    function encode(obj: Partial<DeviceCertBody>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertBody>): DeviceCertBody;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCertBody>): Generator<DeviceCertBodyVersionFieldEvent | DeviceCertBodyIdentityKeyFieldEvent | DeviceCertBodyDeviceKeyFieldEvent | DeviceCertBodyPeerIdFieldEvent | DeviceCertBodySerialFieldEvent | DeviceCertBodyIssuedAtFieldEvent | DeviceCertBodyExpiresAtFieldEvent>;
}
export interface DeviceCert {
    body: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
}
export declare namespace DeviceCert {
    const codec: () => Codec<DeviceCert>;
    interface DeviceCertBodyFieldEvent {
        field: '$.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface DeviceCertSignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<DeviceCert>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCert>): DeviceCert;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<DeviceCert>): Generator<DeviceCertBodyFieldEvent | DeviceCertSignatureFieldEvent>;
}
export interface PrekeyBody {
    version: number;
    kind: number;
    id: number;
    publicKey: Uint8Array<ArrayBuffer>;
    deviceKey: Uint8Array<ArrayBuffer>;
    expiresAt: bigint;
}
export declare namespace PrekeyBody {
    const codec: () => Codec<PrekeyBody>;
    interface PrekeyBodyVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface PrekeyBodyKindFieldEvent {
        field: '$.kind';
        value: number;
    }
    interface PrekeyBodyIdFieldEvent {
        field: '$.id';
        value: number;
    }
    interface PrekeyBodyPublicKeyFieldEvent {
        field: '$.publicKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBodyDeviceKeyFieldEvent {
        field: '$.deviceKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBodyExpiresAtFieldEvent {
        field: '$.expiresAt';
        value: bigint;
    }
    function encode(obj: Partial<PrekeyBody>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBody>): PrekeyBody;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBody>): Generator<PrekeyBodyVersionFieldEvent | PrekeyBodyKindFieldEvent | PrekeyBodyIdFieldEvent | PrekeyBodyPublicKeyFieldEvent | PrekeyBodyDeviceKeyFieldEvent | PrekeyBodyExpiresAtFieldEvent>;
}
export interface SignedPrekey {
    body: Uint8Array<ArrayBuffer>;
    signature: Uint8Array<ArrayBuffer>;
}
export declare namespace SignedPrekey {
    const codec: () => Codec<SignedPrekey>;
    interface SignedPrekeyBodyFieldEvent {
        field: '$.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SignedPrekeySignatureFieldEvent {
        field: '$.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SignedPrekey>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): SignedPrekey;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SignedPrekey>): Generator<SignedPrekeyBodyFieldEvent | SignedPrekeySignatureFieldEvent>;
}
export interface PrekeyBundle {
    version: number;
    deviceCert: Uint8Array<ArrayBuffer>;
    signedPrekey?: SignedPrekey;
    pqPrekey?: SignedPrekey;
    oneTimePrekey?: SignedPrekey;
}
export declare namespace PrekeyBundle {
    const codec: () => Codec<PrekeyBundle>;
    interface PrekeyBundleVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface PrekeyBundleDeviceCertFieldEvent {
        field: '$.deviceCert';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundleSignedPrekeyBodyFieldEvent {
        field: '$.signedPrekey.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundleSignedPrekeySignatureFieldEvent {
        field: '$.signedPrekey.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundlePqPrekeyBodyFieldEvent {
        field: '$.pqPrekey.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundlePqPrekeySignatureFieldEvent {
        field: '$.pqPrekey.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundleOneTimePrekeyBodyFieldEvent {
        field: '$.oneTimePrekey.body';
        value: Uint8Array<ArrayBuffer>;
    }
    interface PrekeyBundleOneTimePrekeySignatureFieldEvent {
        field: '$.oneTimePrekey.signature';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<PrekeyBundle>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): PrekeyBundle;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PrekeyBundle>): Generator<PrekeyBundleVersionFieldEvent | PrekeyBundleDeviceCertFieldEvent | PrekeyBundleSignedPrekeyBodyFieldEvent | PrekeyBundleSignedPrekeySignatureFieldEvent | PrekeyBundlePqPrekeyBodyFieldEvent | PrekeyBundlePqPrekeySignatureFieldEvent | PrekeyBundleOneTimePrekeyBodyFieldEvent | PrekeyBundleOneTimePrekeySignatureFieldEvent>;
}
export interface InitialMessage {
    senderCert: Uint8Array<ArrayBuffer>;
    ephemeralKey: Uint8Array<ArrayBuffer>;
    kemCiphertext: Uint8Array<ArrayBuffer>;
    signedPrekeyId: number;
    pqPrekeyId: number;
    oneTimePrekeyId?: number;
    message?: RatchetMessage;
}
export declare namespace InitialMessage {
    const codec: () => Codec<InitialMessage>;
    interface InitialMessageSenderCertFieldEvent {
        field: '$.senderCert';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InitialMessageEphemeralKeyFieldEvent {
        field: '$.ephemeralKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InitialMessageKemCiphertextFieldEvent {
        field: '$.kemCiphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InitialMessageSignedPrekeyIdFieldEvent {
        field: '$.signedPrekeyId';
        value: number;
    }
    interface InitialMessagePqPrekeyIdFieldEvent {
        field: '$.pqPrekeyId';
        value: number;
    }
    interface InitialMessageOneTimePrekeyIdFieldEvent {
        field: '$.oneTimePrekeyId';
        value: number;
    }
    interface InitialMessageMessageDhKeyFieldEvent {
        field: '$.message.dhKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface InitialMessageMessagePreviousChainLengthFieldEvent {
        field: '$.message.previousChainLength';
        value: number;
    }
    interface InitialMessageMessageCounterFieldEvent {
        field: '$.message.counter';
        value: number;
    }
    interface InitialMessageMessageCiphertextFieldEvent {
        field: '$.message.ciphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<InitialMessage>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): InitialMessage;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InitialMessage>): Generator<InitialMessageSenderCertFieldEvent | InitialMessageEphemeralKeyFieldEvent | InitialMessageKemCiphertextFieldEvent | InitialMessageSignedPrekeyIdFieldEvent | InitialMessagePqPrekeyIdFieldEvent | InitialMessageOneTimePrekeyIdFieldEvent | InitialMessageMessageDhKeyFieldEvent | InitialMessageMessagePreviousChainLengthFieldEvent | InitialMessageMessageCounterFieldEvent | InitialMessageMessageCiphertextFieldEvent>;
}
export interface RatchetMessage {
    dhKey: Uint8Array<ArrayBuffer>;
    previousChainLength: number;
    counter: number;
    ciphertext: Uint8Array<ArrayBuffer>;
}
export declare namespace RatchetMessage {
    const codec: () => Codec<RatchetMessage>;
    interface RatchetMessageDhKeyFieldEvent {
        field: '$.dhKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface RatchetMessagePreviousChainLengthFieldEvent {
        field: '$.previousChainLength';
        value: number;
    }
    interface RatchetMessageCounterFieldEvent {
        field: '$.counter';
        value: number;
    }
    interface RatchetMessageCiphertextFieldEvent {
        field: '$.ciphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<RatchetMessage>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): RatchetMessage;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RatchetMessage>): Generator<RatchetMessageDhKeyFieldEvent | RatchetMessagePreviousChainLengthFieldEvent | RatchetMessageCounterFieldEvent | RatchetMessageCiphertextFieldEvent>;
}
export interface SessionFrame {
    version: number;
    initial?: InitialMessage;
    ratchet?: RatchetMessage;
}
export declare namespace SessionFrame {
    const codec: () => Codec<SessionFrame>;
    interface SessionFrameVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface SessionFrameInitialSenderCertFieldEvent {
        field: '$.initial.senderCert';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameInitialEphemeralKeyFieldEvent {
        field: '$.initial.ephemeralKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameInitialKemCiphertextFieldEvent {
        field: '$.initial.kemCiphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameInitialSignedPrekeyIdFieldEvent {
        field: '$.initial.signedPrekeyId';
        value: number;
    }
    interface SessionFrameInitialPqPrekeyIdFieldEvent {
        field: '$.initial.pqPrekeyId';
        value: number;
    }
    interface SessionFrameInitialOneTimePrekeyIdFieldEvent {
        field: '$.initial.oneTimePrekeyId';
        value: number;
    }
    interface SessionFrameInitialMessageDhKeyFieldEvent {
        field: '$.initial.message.dhKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameInitialMessagePreviousChainLengthFieldEvent {
        field: '$.initial.message.previousChainLength';
        value: number;
    }
    interface SessionFrameInitialMessageCounterFieldEvent {
        field: '$.initial.message.counter';
        value: number;
    }
    interface SessionFrameInitialMessageCiphertextFieldEvent {
        field: '$.initial.message.ciphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameRatchetDhKeyFieldEvent {
        field: '$.ratchet.dhKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SessionFrameRatchetPreviousChainLengthFieldEvent {
        field: '$.ratchet.previousChainLength';
        value: number;
    }
    interface SessionFrameRatchetCounterFieldEvent {
        field: '$.ratchet.counter';
        value: number;
    }
    interface SessionFrameRatchetCiphertextFieldEvent {
        field: '$.ratchet.ciphertext';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SessionFrame>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionFrame>): SessionFrame;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SessionFrame>): Generator<SessionFrameVersionFieldEvent | SessionFrameInitialSenderCertFieldEvent | SessionFrameInitialEphemeralKeyFieldEvent | SessionFrameInitialKemCiphertextFieldEvent | SessionFrameInitialSignedPrekeyIdFieldEvent | SessionFrameInitialPqPrekeyIdFieldEvent | SessionFrameInitialOneTimePrekeyIdFieldEvent | SessionFrameInitialMessageDhKeyFieldEvent | SessionFrameInitialMessagePreviousChainLengthFieldEvent | SessionFrameInitialMessageCounterFieldEvent | SessionFrameInitialMessageCiphertextFieldEvent | SessionFrameRatchetDhKeyFieldEvent | SessionFrameRatchetPreviousChainLengthFieldEvent | SessionFrameRatchetCounterFieldEvent | SessionFrameRatchetCiphertextFieldEvent>;
}
export interface MessagePlaintext {
    messageId: Uint8Array<ArrayBuffer>;
    sentAt: bigint;
    body: Uint8Array<ArrayBuffer>;
}
export declare namespace MessagePlaintext {
    const codec: () => Codec<MessagePlaintext>;
    interface MessagePlaintextMessageIdFieldEvent {
        field: '$.messageId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface MessagePlaintextSentAtFieldEvent {
        field: '$.sentAt';
        value: bigint;
    }
    interface MessagePlaintextBodyFieldEvent {
        field: '$.body';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<MessagePlaintext>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessagePlaintext>): MessagePlaintext;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MessagePlaintext>): Generator<MessagePlaintextMessageIdFieldEvent | MessagePlaintextSentAtFieldEvent | MessagePlaintextBodyFieldEvent>;
}
export interface SafetyQr {
    version: number;
    local: Uint8Array<ArrayBuffer>;
    remote: Uint8Array<ArrayBuffer>;
}
export declare namespace SafetyQr {
    const codec: () => Codec<SafetyQr>;
    interface SafetyQrVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface SafetyQrLocalFieldEvent {
        field: '$.local';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SafetyQrRemoteFieldEvent {
        field: '$.remote';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SafetyQr>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SafetyQr>): SafetyQr;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SafetyQr>): Generator<SafetyQrVersionFieldEvent | SafetyQrLocalFieldEvent | SafetyQrRemoteFieldEvent>;
}
export interface FileShare {
    version: number;
    fileId: Uint8Array<ArrayBuffer>;
    key: Uint8Array<ArrayBuffer>;
    size: bigint;
    ciphertextSha256: Uint8Array<ArrayBuffer>;
}
export declare namespace FileShare {
    const codec: () => Codec<FileShare>;
    interface FileShareVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface FileShareFileIdFieldEvent {
        field: '$.fileId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileShareKeyFieldEvent {
        field: '$.key';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileShareSizeFieldEvent {
        field: '$.size';
        value: bigint;
    }
    interface FileShareCiphertextSha256FieldEvent {
        field: '$.ciphertextSha256';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<FileShare>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileShare>): FileShare;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileShare>): Generator<FileShareVersionFieldEvent | FileShareFileIdFieldEvent | FileShareKeyFieldEvent | FileShareSizeFieldEvent | FileShareCiphertextSha256FieldEvent>;
}
