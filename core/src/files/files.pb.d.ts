import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface FileOffer {
    version: number;
    transferId: Uint8Array<ArrayBuffer>;
    name: string;
    size: bigint;
    mimeType: string;
    shareRecord: Uint8Array<ArrayBuffer>;
}
export declare namespace FileOffer {
    const codec: () => Codec<FileOffer>;
    interface FileOfferVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface FileOfferTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileOfferNameFieldEvent {
        field: '$.name';
        value: string;
    }
    interface FileOfferSizeFieldEvent {
        field: '$.size';
        value: bigint;
    }
    interface FileOfferMimeTypeFieldEvent {
        field: '$.mimeType';
        value: string;
    }
    interface FileOfferShareRecordFieldEvent {
        field: '$.shareRecord';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<FileOffer>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): FileOffer;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileOffer>): Generator<FileOfferVersionFieldEvent | FileOfferTransferIdFieldEvent | FileOfferNameFieldEvent | FileOfferSizeFieldEvent | FileOfferMimeTypeFieldEvent | FileOfferShareRecordFieldEvent>;
}
export interface FileControl {
    version: number;
    transferId: Uint8Array<ArrayBuffer>;
    action: number;
    takenBy: string;
}
export declare namespace FileControl {
    const codec: () => Codec<FileControl>;
    interface FileControlVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface FileControlTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileControlActionFieldEvent {
        field: '$.action';
        value: number;
    }
    interface FileControlTakenByFieldEvent {
        field: '$.takenBy';
        value: string;
    }
    function encode(obj: Partial<FileControl>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileControl>): FileControl;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileControl>): Generator<FileControlVersionFieldEvent | FileControlTransferIdFieldEvent | FileControlActionFieldEvent | FileControlTakenByFieldEvent>;
}
export interface FileRequest {
    version: number;
    transferId: Uint8Array<ArrayBuffer>;
    resumeFrom: bigint;
    proof: Uint8Array<ArrayBuffer>;
}
export declare namespace FileRequest {
    const codec: () => Codec<FileRequest>;
    interface FileRequestVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface FileRequestTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileRequestResumeFromFieldEvent {
        field: '$.resumeFrom';
        value: bigint;
    }
    interface FileRequestProofFieldEvent {
        field: '$.proof';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<FileRequest>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRequest>): FileRequest;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileRequest>): Generator<FileRequestVersionFieldEvent | FileRequestTransferIdFieldEvent | FileRequestResumeFromFieldEvent | FileRequestProofFieldEvent>;
}
export interface SenderFrame {
    status: number;
    header: Uint8Array<ArrayBuffer>;
    index: bigint;
    data: Uint8Array<ArrayBuffer>;
}
export declare namespace SenderFrame {
    const codec: () => Codec<SenderFrame>;
    interface SenderFrameStatusFieldEvent {
        field: '$.status';
        value: number;
    }
    interface SenderFrameHeaderFieldEvent {
        field: '$.header';
        value: Uint8Array<ArrayBuffer>;
    }
    interface SenderFrameIndexFieldEvent {
        field: '$.index';
        value: bigint;
    }
    interface SenderFrameDataFieldEvent {
        field: '$.data';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<SenderFrame>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SenderFrame>): SenderFrame;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SenderFrame>): Generator<SenderFrameStatusFieldEvent | SenderFrameHeaderFieldEvent | SenderFrameIndexFieldEvent | SenderFrameDataFieldEvent>;
}
export interface ReceiverFrame {
    verified: bigint;
    complete: boolean;
    status: number;
}
export declare namespace ReceiverFrame {
    const codec: () => Codec<ReceiverFrame>;
    interface ReceiverFrameVerifiedFieldEvent {
        field: '$.verified';
        value: bigint;
    }
    interface ReceiverFrameCompleteFieldEvent {
        field: '$.complete';
        value: boolean;
    }
    interface ReceiverFrameStatusFieldEvent {
        field: '$.status';
        value: number;
    }
    function encode(obj: Partial<ReceiverFrame>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiverFrame>): ReceiverFrame;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ReceiverFrame>): Generator<ReceiverFrameVerifiedFieldEvent | ReceiverFrameCompleteFieldEvent | ReceiverFrameStatusFieldEvent>;
}
export interface FileMailboxPiece {
    version: number;
    transferId: Uint8Array<ArrayBuffer>;
    header: Uint8Array<ArrayBuffer>;
    firstChunk: bigint;
    data: Uint8Array<ArrayBuffer>;
}
export declare namespace FileMailboxPiece {
    const codec: () => Codec<FileMailboxPiece>;
    interface FileMailboxPieceVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface FileMailboxPieceTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileMailboxPieceHeaderFieldEvent {
        field: '$.header';
        value: Uint8Array<ArrayBuffer>;
    }
    interface FileMailboxPieceFirstChunkFieldEvent {
        field: '$.firstChunk';
        value: bigint;
    }
    interface FileMailboxPieceDataFieldEvent {
        field: '$.data';
        value: Uint8Array<ArrayBuffer>;
    }
    function encode(obj: Partial<FileMailboxPiece>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileMailboxPiece>): FileMailboxPiece;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<FileMailboxPiece>): Generator<FileMailboxPieceVersionFieldEvent | FileMailboxPieceTransferIdFieldEvent | FileMailboxPieceHeaderFieldEvent | FileMailboxPieceFirstChunkFieldEvent | FileMailboxPieceDataFieldEvent>;
}
