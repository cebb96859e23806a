import type { Codec, DecodeOptions } from 'protons-runtime';
import type { Uint8ArrayList } from 'uint8arraylist';
export interface HistoryMessage {
    messageId: Uint8Array<ArrayBuffer>;
    direction: number;
    sentAt: bigint;
    receivedAt: bigint;
    delivery: number;
    readAt: bigint;
    text: string;
}
export declare namespace HistoryMessage {
    const codec: () => Codec<HistoryMessage>;
    interface HistoryMessageMessageIdFieldEvent {
        field: '$.messageId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HistoryMessageDirectionFieldEvent {
        field: '$.direction';
        value: number;
    }
    interface HistoryMessageSentAtFieldEvent {
        field: '$.sentAt';
        value: bigint;
    }
    interface HistoryMessageReceivedAtFieldEvent {
        field: '$.receivedAt';
        value: bigint;
    }
    interface HistoryMessageDeliveryFieldEvent {
        field: '$.delivery';
        value: number;
    }
    interface HistoryMessageReadAtFieldEvent {
        field: '$.readAt';
        value: bigint;
    }
    interface HistoryMessageTextFieldEvent {
        field: '$.text';
        value: string;
    }
    function encode(obj: Partial<HistoryMessage>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryMessage>): HistoryMessage;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryMessage>): Generator<HistoryMessageMessageIdFieldEvent | HistoryMessageDirectionFieldEvent | HistoryMessageSentAtFieldEvent | HistoryMessageReceivedAtFieldEvent | HistoryMessageDeliveryFieldEvent | HistoryMessageReadAtFieldEvent | HistoryMessageTextFieldEvent>;
}
export interface HistoryChunk {
    version: number;
    transferId: Uint8Array<ArrayBuffer>;
    seq: number;
    total: number;
    peerIdentityKey: Uint8Array<ArrayBuffer>;
    messages: HistoryMessage[];
}
export declare namespace HistoryChunk {
    const codec: () => Codec<HistoryChunk>;
    interface HistoryChunkVersionFieldEvent {
        field: '$.version';
        value: number;
    }
    interface HistoryChunkTransferIdFieldEvent {
        field: '$.transferId';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HistoryChunkSeqFieldEvent {
        field: '$.seq';
        value: number;
    }
    interface HistoryChunkTotalFieldEvent {
        field: '$.total';
        value: number;
    }
    interface HistoryChunkPeerIdentityKeyFieldEvent {
        field: '$.peerIdentityKey';
        value: Uint8Array<ArrayBuffer>;
    }
    interface HistoryChunkMessagesMessageIdFieldEvent {
        field: '$.messages[].messageId';
        value: Uint8Array<ArrayBuffer>;
        index: number;
    }
    interface HistoryChunkMessagesDirectionFieldEvent {
        field: '$.messages[].direction';
        value: number;
        index: number;
    }
    interface HistoryChunkMessagesSentAtFieldEvent {
        field: '$.messages[].sentAt';
        value: bigint;
        index: number;
    }
    interface HistoryChunkMessagesReceivedAtFieldEvent {
        field: '$.messages[].receivedAt';
        value: bigint;
        index: number;
    }
    interface HistoryChunkMessagesDeliveryFieldEvent {
        field: '$.messages[].delivery';
        value: number;
        index: number;
    }
    interface HistoryChunkMessagesReadAtFieldEvent {
        field: '$.messages[].readAt';
        value: bigint;
        index: number;
    }
    interface HistoryChunkMessagesTextFieldEvent {
        field: '$.messages[].text';
        value: string;
        index: number;
    }
    function encode(obj: Partial<HistoryChunk>): Uint8Array<ArrayBuffer>;
    function decode(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryChunk>): HistoryChunk;
    function stream(buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryChunk>): Generator<HistoryChunkVersionFieldEvent | HistoryChunkTransferIdFieldEvent | HistoryChunkSeqFieldEvent | HistoryChunkTotalFieldEvent | HistoryChunkPeerIdentityKeyFieldEvent | HistoryChunkMessagesMessageIdFieldEvent | HistoryChunkMessagesDirectionFieldEvent | HistoryChunkMessagesSentAtFieldEvent | HistoryChunkMessagesReceivedAtFieldEvent | HistoryChunkMessagesDeliveryFieldEvent | HistoryChunkMessagesReadAtFieldEvent | HistoryChunkMessagesTextFieldEvent>;
}
