/**
 * Named caps, timings and codes of the file-transfer protocol (docs/protocol/files.md). One place,
 * so the doc and the code cannot drift apart. Sizes in bytes unless named otherwise.
 */
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import { PEER_VALUE_CAPS } from '../text/caps.ts'

export const FILE_PROTOCOL = '/hestia/file/1.0.0'
export const FILE_FORMAT_VERSION = 1

const KiB = 1024
const MiB = 1024 * KiB

export const FILE_LIMITS = {
  transferIdBytes: 16,
  proofBytes: 32,
  /** UTF-16 code units, as the client API's fileNameMaxChars (the same cap, core/src/text/caps.ts). */
  nameMaxChars: PEER_VALUE_CAPS.fileNameCodeUnits,
  mimeTypeMaxChars: PEER_VALUE_CAPS.mimeTypeCodeUnits,
  /** Encoded FileOffer (name ≤ 255 chars ≤ 1020 B UTF-8, share record ≤ 1 KiB). */
  offerBytes: 3 * KiB,
  /** Version, 16 B id, action, and for `taken` a PeerId (≤ deviceIdChars) and tags. */
  controlBytes: 192,
  /** A PeerId in its text form (`taken`): an Ed25519 one is 52 characters. */
  deviceIdChars: 128,
  /** The first frame on a stream: version, 16 B id, varint, 32 B proof, tags. */
  requestBytes: 128,
  /** One chunk frame: 16,400 B ciphertext + index + tags. */
  senderFrameBytes: COBBLESTONE_256.chunkCiphertextBytes + 64,
  receiverFrameBytes: 32,
  /**
   * In-flight window: the sender never has more than this many chunks sent and not yet reported
   * verified+persisted by the receiver (4 MiB). Bounds the receiver's read buffer and both sides'
   * memory whatever the transport does.
   */
  windowChunks: 256,
  /** The receiver reports progress (and moves the window) at least every this many chunks. */
  ackEveryChunks: 32,
  /** Plaintext the receiver gathers before one sink write (fewer, larger disk writes). */
  sinkBatchBytes: 512 * KiB,
  /** Default cap for the mailbox fallback; the relay may announce another. */
  mailboxFallbackDefaultBytes: 16 * MiB,
  /**
   * The most a relay's announced cap is believed: every piece of a fallback file is queued in the
   * sender's own durable outbox at once, so a relay must not be able to make that unbounded.
   */
  mailboxFallbackMaxBytes: 64 * MiB,
  /** Chunks per mailbox piece: 3 × 16,400 B + header + tags stays under a 64 KiB sealed envelope. */
  mailboxChunksPerPiece: 3,
  mailboxPieceBytes: 3 * COBBLESTONE_256.chunkCiphertextBytes + 160,
  /**
   * Inbound file streams served at once per engine. A slot is taken only once the request named a
   * transfer offered to that very device (review RF-5): a stranger's streams never count here.
   */
  maxInboundStreams: 8,
  /**
   * Inbound file streams one remote peer may have open at once, served or still awaiting their
   * request: one peer (anyone who learnt this device's PeerId from an invite) cannot tie up more.
   */
  maxInboundStreamsPerPeer: 2,
} as const

export const FILE_TIMING = {
  /** Opening a stream (dial included). */
  openStreamMs: 15_000,
  /** Waiting for the next frame before the stream counts as dead. */
  frameIdleMs: 30_000,
  /**
   * Waiting for the first frame (the request) on an inbound stream: the receiver writes it as soon
   * as the stream opens, so a silent stream is reset after this and frees its place (review RF-5).
   */
  requestMs: 5_000,
  /** Retry after an interruption: first delay, doubled each time up to the max. */
  retryFirstMs: 1_000,
  retryMaxMs: 30_000,
  /** The record's bytesVerified is written at most this often while bytes flow (plus at the end). */
  persistEveryMs: 1_000,
  /** Rate smoothing window. */
  rateWindowMs: 3_000,
} as const

/** FileControl.action: decisions sent inside the E2EE chat channel. */
export const FILE_ACTIONS = {
  accept: 1,
  decline: 2,
  cancel: 3,
  pause: 4,
  resume: 5,
  /** Receiver -> sender: the file passed its final check and is saved (mailbox route's "done"). */
  received: 6,
  /**
   * Sender -> every device of the receiver (issue 19, ADR 0766): the accept of the device named
   * in `taken_by` was taken; the others stop and show where the file went.
   */
  taken: 7,
} as const
export type FileAction = keyof typeof FILE_ACTIONS

/** SenderFrame.status / ReceiverFrame.status. */
export const FILE_STATUS = {
  ok: 0,
  /** No such transfer on this side (or it was never offered to the requesting device). */
  unknown: 1,
  /** The proof did not verify. */
  forbidden: 2,
  /** The transfer is paused on this side; try again after a resume control message. */
  paused: 3,
  cancelled: 4,
  declined: 5,
  /** The request frame was malformed or over the cap. */
  malformed: 6,
  /** The sender cannot read its file any more (deleted, permission lost). */
  source_gone: 7,
  /** A chunk failed authentication or the final hash did not match. */
  integrity: 8,
  /** The receiver's disk is full. */
  storage_full: 9,
  /** Too many streams at once: try later. */
  busy: 10,
} as const
export type FileStatusName = keyof typeof FILE_STATUS

export function statusName(code: number): FileStatusName | 'unknown_status' {
  for (const [name, value] of Object.entries(FILE_STATUS)) {
    if (value === code) return name as FileStatusName
  }
  return 'unknown_status'
}
