import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface MemberCredential {
    version: number;
    deviceCert: Uint8Array<ArrayBuffer>;
    signatureKey: Uint8Array<ArrayBuffer>;
    binding: Uint8Array<ArrayBuffer>;
}
export declare namespace MemberCredential {
    const codec: () => Codec<MemberCredential>;
    interface MemberCredentialVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface MemberCredentialDeviceCertFieldEvent {
        field: '$.deviceCert';
        value: Uint8Array<ArrayBuffer>;
    }
    interface MemberCredentialSignatureKeyFieldEvent {
        field: '$.signatureKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface MemberCredentialBindingFieldEvent {
        field: '$.binding';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<MemberCredential>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberCredential>): MemberCredential;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<MemberCredential>): Generator<MemberCredentialVersionFieldEvent | MemberCredentialDeviceCertFieldEvent | MemberCredentialSignatureKeyFieldEvent | MemberCredentialBindingFieldEvent>;
}
export interface GroupFrame {
    version: number;
    kind: number;
    mls: Uint8Array<ArrayBuffer>;
}
export declare namespace GroupFrame {
    const codec: () => Codec<GroupFrame>;
    interface GroupFrameVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface GroupFrameKindFieldEvent {
        field: '$.kind';
        value: number;
    }
    interface GroupFrameMlsFieldEvent {
        field: '$.mls';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<GroupFrame>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFrame>): GroupFrame;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupFrame>): Generator<GroupFrameVersionFieldEvent | GroupFrameKindFieldEvent | GroupFrameMlsFieldEvent>;
}
