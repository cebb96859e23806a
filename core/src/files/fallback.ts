/**
 * Mailbox fallback (docs/protocol/files.md "Fallback"): when no direct connection can be made, a
 * file up to the relay's cap travels sealed through the recipient's mailbox, cut into pieces of
 * whole chunks that each fit one sealed envelope; a larger one waits until both are online.
 */
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import type { FileShareFields } from '../crypto/codecs.ts'
import { encodeMailboxPiece } from './codec.ts'
import { FileTransferError } from './errors.ts'
import { FILE_LIMITS } from './limits.ts'
import type { FileSource } from './ports.ts'
import { ChunkSealer, chunkCount, chunkPlainLength, fileHeader } from './sealer.ts'
import type { AesGcmProvider } from '../crypto/file-encryption.ts'

const C = COBBLESTONE_256

export type RoutePlan =
  | { route: 'direct' }
  | { route: 'mailbox'; pieces: number }
  | { route: 'wait'; error: FileTransferError }
  /** Too large for the relay and no direct route will ever come (relay-only mode): failed. */
  | { route: 'fail'; error: FileTransferError }

/**
 * The mailbox fallback cap for one contact: what the contact's relay announces (at most
 * FILE_LIMITS.mailboxFallbackMaxBytes: it is the relay's word), lowered to the host's own ceiling
 * when it has one; undefined when neither says anything (planRoute then uses the default).
 */
export function mailboxCap(
  own: number | undefined,
  announced: number | undefined,
): number | undefined {
  const believed =
    announced === undefined ? undefined : Math.min(announced, FILE_LIMITS.mailboxFallbackMaxBytes)
  if (believed === undefined) return own
  return own === undefined ? believed : Math.min(own, believed)
}

/**
 * Decides how a file of `size` bytes goes now. `direct`: a direct connection to the contact's device
 * is open or can be dialled. `mailboxCapBytes`: the relay's announced cap (default 16 MiB).
 * `relayOnly`: we never connect directly (ADR 0752), so a file over the cap can never go: it fails
 * at once with a sentence saying why, instead of waiting for a connection that will not come.
 */
export function planRoute(
  size: number,
  opts: { direct: boolean; mailboxCapBytes?: number; relayOnly?: boolean },
): RoutePlan {
  if (opts.direct) return { route: 'direct' }
  const cap = opts.mailboxCapBytes ?? FILE_LIMITS.mailboxFallbackDefaultBytes
  if (size <= cap) return { route: 'mailbox', pieces: mailboxPieceCount(size) }
  const mib = Math.floor(cap / (1024 * 1024))
  if (opts.relayOnly === true)
    return {
      route: 'fail',
      error: new FileTransferError(
        'too_large_for_fallback',
        `the file is larger than the ${mib} MiB the relay holds, and in relay-only mode files go only through the relay: it cannot be sent (turn relay-only off, or send a smaller file)`,
      ),
    }
  return {
    route: 'wait',
    error: new FileTransferError(
      'too_large_for_fallback',
      `the file is larger than the ${mib} MiB the relay holds; it is sent when you and your contact are online at the same time`,
    ),
  }
}

export function mailboxPieceCount(size: number): number {
  return Math.ceil(chunkCount(size) / FILE_LIMITS.mailboxChunksPerPiece)
}

/**
 * The encoded FileMailboxPiece frames of a file, in order, each ≤ FILE_LIMITS.mailboxPieceBytes:
 * the messenger seals each into one envelope for the contact's mailbox. Reads the source one piece
 * at a time.
 */
export async function* mailboxPieces(
  share: FileShareFields,
  source: Pick<FileSource, 'size' | 'read'>,
  aes?: AesGcmProvider,
): AsyncGenerator<Uint8Array> {
  const header = fileHeader(share)
  const sealer = await ChunkSealer.open(share.key, header, share.fileId, aes)
  const last = chunkCount(share.size) - 1
  const per = FILE_LIMITS.mailboxChunksPerPiece
  for (let first = 0; first <= last; first += per) {
    const end = Math.min(last, first + per - 1)
    const offset = first * C.chunkBytes
    const length = Math.min(share.size, (end + 1) * C.chunkBytes) - offset
    const plain = length > 0 ? await source.read(offset, length) : new Uint8Array(0)
    const parts: Uint8Array[] = []
    for (let i = first; i <= end; i++) {
      const at = (i - first) * C.chunkBytes
      parts.push(await sealer.seal(i, plain.subarray(at, at + chunkPlainLength(share.size, i))))
    }
    const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
    let at = 0
    for (const p of parts) {
      data.set(p, at)
      at += p.length
    }
    yield encodeMailboxPiece({ transferId: share.fileId, header, firstChunk: first, data })
  }
}

/** Splits a piece's data into its chunk ciphertexts (all full except possibly the file's last). */
export function splitPieceChunks(
  size: number,
  firstChunk: number,
  data: Uint8Array,
): { index: number; ciphertext: Uint8Array; isFinal: boolean }[] {
  const last = chunkCount(size) - 1
  const out: { index: number; ciphertext: Uint8Array; isFinal: boolean }[] = []
  let at = 0
  let index = firstChunk
  while (at < data.length) {
    if (index > last)
      throw new FileTransferError('protocol', 'mailbox piece runs past the end of the file')
    const len = chunkPlainLength(size, index) + C.tagBytes
    if (at + len > data.length)
      throw new FileTransferError('protocol', 'mailbox piece ends inside a chunk')
    out.push({ index, ciphertext: data.subarray(at, at + len), isFinal: index === last })
    at += len
    index++
  }
  return out
}
