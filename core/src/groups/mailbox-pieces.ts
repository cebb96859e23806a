/**
 * How a GroupFrame goes into the group mailbox: cut into pieces that each fill one padded mailbox
 * size bucket (1, 4, 16, 64 KiB), so the relay sees only bucket sizes and a frame larger than the
 * biggest bucket (a 200-member add commit is ~117 KB) still travels (ADR 0133).
 *
 * One piece, big-endian:
 *
 *   version (1) = 1 | frame id (8, random per frame) | index (2) | count (2) | length (4)
 *   | chunk (length) | zero bytes up to the bucket
 *
 * The decoder refuses anything that is not exactly that: unknown version, a size that is not a
 * bucket, count 0 or above the cap, index ≥ count, a chunk overrunning the piece, or non-zero
 * padding (so the padding cannot carry a side channel).
 */
import { SEALED_SIZE_BUCKETS } from '../wire/caps.ts'
import { ProtocolError } from '../wire/errors.ts'
import { GROUP_LIMITS } from './limits.ts'

export const PIECE_VERSION = 1
export const PIECE_HEADER_BYTES = 1 + 8 + 2 + 2 + 4
const LARGEST_BUCKET = SEALED_SIZE_BUCKETS[SEALED_SIZE_BUCKETS.length - 1]!
/** Frame bytes one piece carries at most. */
export const PIECE_CHUNK_BYTES = LARGEST_BUCKET - PIECE_HEADER_BYTES
/** Pieces one frame may be cut into: enough for the largest frame the group layer allows. */
export const MAX_PIECES = Math.ceil((GROUP_LIMITS.maxFrameBytes + 64) / PIECE_CHUNK_BYTES)

export interface Piece {
  /** 8 bytes, hex: which frame this piece belongs to. */
  frameId: string
  index: number
  count: number
  chunk: Uint8Array
}

function bucketFor(n: number): number {
  const b = SEALED_SIZE_BUCKETS.find((size) => size >= n)
  if (b === undefined) throw new RangeError(`piece of ${n} bytes fits no bucket`)
  return b
}

/** Cuts `frame` into padded pieces (in order); `frameId` is 8 random bytes. */
export function cutIntoPieces(frame: Uint8Array, frameId: Uint8Array): Uint8Array[] {
  if (frameId.length !== 8) throw new RangeError('frame id must be 8 bytes')
  if (frame.length === 0) throw new RangeError('empty frame')
  const count = Math.ceil(frame.length / PIECE_CHUNK_BYTES)
  if (count > MAX_PIECES) throw new RangeError(`frame of ${frame.length} bytes is too large`)
  const out: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const chunk = frame.subarray(index * PIECE_CHUNK_BYTES, (index + 1) * PIECE_CHUNK_BYTES)
    const piece = new Uint8Array(bucketFor(PIECE_HEADER_BYTES + chunk.length))
    const view = new DataView(piece.buffer)
    piece[0] = PIECE_VERSION
    piece.set(frameId, 1)
    view.setUint16(9, index)
    view.setUint16(11, count)
    view.setUint32(13, chunk.length)
    piece.set(chunk, PIECE_HEADER_BYTES)
    out.push(piece)
  }
  return out
}

/** Reads one piece from the group mailbox. Throws ProtocolError('malformed' | 'unsupported_version'). */
export function readPiece(bytes: Uint8Array): Piece {
  if (!(SEALED_SIZE_BUCKETS as readonly number[]).includes(bytes.length)) {
    throw new ProtocolError('malformed', `group piece: ${bytes.length} bytes is not a bucket size`)
  }
  if (bytes[0] !== PIECE_VERSION) {
    throw new ProtocolError('unsupported_version', `group piece: version ${bytes[0]}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const index = view.getUint16(9)
  const count = view.getUint16(11)
  const length = view.getUint32(13)
  if (count === 0 || count > MAX_PIECES || index >= count) {
    throw new ProtocolError('malformed', `group piece: index ${index} of ${count}`)
  }
  if (length === 0 || PIECE_HEADER_BYTES + length > bytes.length) {
    throw new ProtocolError('malformed', `group piece: chunk of ${length} bytes overruns the piece`)
  }
  // Only the last piece may be short; the others are full, so a frame has one way to be cut.
  if (index < count - 1 && length !== PIECE_CHUNK_BYTES) {
    throw new ProtocolError('malformed', 'group piece: a piece before the last is not full')
  }
  for (let i = PIECE_HEADER_BYTES + length; i < bytes.length; i++) {
    if (bytes[i] !== 0) throw new ProtocolError('malformed', 'group piece: non-zero padding')
  }
  const frameId = Array.from(bytes.subarray(1, 9), (b) => b.toString(16).padStart(2, '0')).join('')
  const chunk = bytes.slice(PIECE_HEADER_BYTES, PIECE_HEADER_BYTES + length)
  return { frameId, index, count, chunk }
}
