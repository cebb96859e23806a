/**
 * Size classes of what a relay sees (ADR 0750, issue #18 (d)): every sealed envelope we deposit is
 * padded to at least the bucket of its traffic class, so the relay cannot tell a message from a
 * receipt, a Hello or a session start (~1.3 KB, which alone would need the 4 KiB bucket) by size.
 * File-fallback pieces are a class of their own and visible as such: every piece, the last one
 * too, is one 64 KiB envelope, so the relay learns a file's size rounded up to whole pieces.
 */
import { KiB } from '../wire/caps.ts'

export type TrafficClass = 'chat' | 'file_piece'

/** The smallest sealed envelope of each class (one of SEALED_SIZE_BUCKETS). */
export const SIZE_CLASS_MIN_BUCKET: Readonly<Record<TrafficClass, number>> = {
  // The smallest bucket every session start fits: messages, receipts and Hellos pay 4x over 1 KiB.
  chat: 4 * KiB,
  // The largest bucket: full pieces already fill it, the last piece is padded to it.
  file_piece: 64 * KiB,
}
