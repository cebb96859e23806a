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
export interface GroupDirect {
    version: number;
    groupId: Uint8Array<ArrayBuffer>;
    keyPackageRequest: boolean;
    keyPackage: Uint8Array<ArrayBuffer>;
    invitePart?: InvitePart;
    frame: Uint8Array<ArrayBuffer>;
}
export declare namespace GroupDirect {
    const codec: () => Codec<GroupDirect>;
    interface GroupDirectVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface GroupDirectGroupIdFieldEvent {
        field: '$.groupId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupDirectKeyPackageRequestFieldEvent {
        field: '$.keyPackageRequest';
        value: boolean;
    }
    interface GroupDirectKeyPackageFieldEvent {
        field: '$.keyPackage';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupDirectInvitePartIndexFieldEvent {
        field: '$.invitePart.index';
        value: number;
    }
    interface GroupDirectInvitePartCountFieldEvent {
        field: '$.invitePart.count';
        value: number;
    }
    interface GroupDirectInvitePartChunkFieldEvent {
        field: '$.invitePart.chunk';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupDirectFrameFieldEvent {
        field: '$.frame';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<GroupDirect>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupDirect>): GroupDirect;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupDirect>): Generator<GroupDirectVersionFieldEvent | GroupDirectGroupIdFieldEvent | GroupDirectKeyPackageRequestFieldEvent | GroupDirectKeyPackageFieldEvent | GroupDirectInvitePartIndexFieldEvent | GroupDirectInvitePartCountFieldEvent | GroupDirectInvitePartChunkFieldEvent | GroupDirectFrameFieldEvent>;
}
export interface InvitePart {
    index: number;
    count: number;
    chunk: Uint8Array<ArrayBuffer>;
}
export declare namespace InvitePart {
    const codec: () => Codec<InvitePart>;
    interface InvitePartIndexFieldEvent {
        field: '$.index';
        value: number;
    }
    interface InvitePartCountFieldEvent {
        field: '$.count';
        value: number;
    }
    interface InvitePartChunkFieldEvent {
        field: '$.chunk';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<InvitePart>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InvitePart>): InvitePart;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InvitePart>): Generator<InvitePartIndexFieldEvent | InvitePartCountFieldEvent | InvitePartChunkFieldEvent>;
}
export interface GroupInvite {
    version: number;
    welcome: Uint8Array<ArrayBuffer>;
    relays: string[];
    mailboxId: Uint8Array<ArrayBuffer>;
    mailboxAuthSecret: Uint8Array<ArrayBuffer>;
    mailboxCapability: Uint8Array<ArrayBuffer>;
    afterId: bigint;
    name: string;
}
export declare namespace GroupInvite {
    const codec: () => Codec<GroupInvite>;
    interface GroupInviteVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface GroupInviteWelcomeFieldEvent {
        field: '$.welcome';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupInviteRelaysFieldEvent {
        field: '$.relays[]';
        index: number;
        value: string;
    }
    interface GroupInviteMailboxIdFieldEvent {
        field: '$.mailboxId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupInviteMailboxAuthSecretFieldEvent {
        field: '$.mailboxAuthSecret';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupInviteMailboxCapabilityFieldEvent {
        field: '$.mailboxCapability';
        value: Uint8Array<ArrayBuffer>;
    }
    interface GroupInviteAfterIdFieldEvent {
        field: '$.afterId';
        value: bigint;
    }
    interface GroupInviteNameFieldEvent {
        field: '$.name';
        value: string;
    }
    function encode(obj: Partial<GroupInvite>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupInvite>): GroupInvite;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<GroupInvite>): Generator<GroupInviteVersionFieldEvent | GroupInviteWelcomeFieldEvent | GroupInviteRelaysFieldEvent | GroupInviteMailboxIdFieldEvent | GroupInviteMailboxAuthSecretFieldEvent | GroupInviteMailboxCapabilityFieldEvent | GroupInviteAfterIdFieldEvent | GroupInviteNameFieldEvent>;
}
