/**
 * Adds are committed in batches whose commit fits one group mailbox deposit (the largest padded
 * bucket, 64 KiB), because the relay orders a commit by the single deposit that carries it
 * (ADR 0133). An add-only commit carries no path (RFC 9420 §12.4), so its size is the key
 * packages plus a bounded overhead: a batch takes key packages while their sum stays under the
 * budget. At ~0.6 KB per key package a batch holds about a hundred, so filling a 200-member group
 * at once takes two or three commits instead of one of 117 KB.
 */
import { PIECE_CHUNK_BYTES } from './mailbox-pieces.ts'

/** Framing, the commit's own fields, signature, confirmation tag and AEAD overhead, generously. */
export const ADD_COMMIT_OVERHEAD_BYTES = 2048
/** Per add proposal beyond its key package: proposal type and length prefixes. */
const PER_ADD_BYTES = 16

export function addBatches(
  keyPackages: readonly Uint8Array[],
  budget: number = PIECE_CHUNK_BYTES - ADD_COMMIT_OVERHEAD_BYTES,
): Uint8Array[][] {
  const batches: Uint8Array[][] = []
  let current: Uint8Array[] = []
  let size = 0
  for (const kp of keyPackages) {
    const cost = kp.length + PER_ADD_BYTES
    if (cost > budget) throw new RangeError(`a key package of ${kp.length} bytes fits no commit`)
    if (size + cost > budget) {
      batches.push(current)
      current = []
      size = 0
    }
    current.push(kp)
    size += cost
  }
  if (current.length > 0) batches.push(current)
  return batches
}
