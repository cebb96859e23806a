/**
 * Random-access Cobblestone-256 (docs/protocol/crypto.md "Files") for the transfer engine: seal or
 * open chunk i on its own. Encryption is deterministic for a given key, salt and chunk, so the sender
 * needs no ciphertext on disk: it re-encrypts any chunk from the source when a receiver asks for it,
 * and a receiver can re-encrypt stored plaintext to rebuild its running ciphertext hash.
 */
import { concatBytes } from '../crypto/bytes.ts'
import type { FileShareFields } from '../crypto/codecs.ts'
import {
  chunkNonce,
  COBBLESTONE_256,
  deriveCobblestoneKeys,
  FileChunkReader,
  webCryptoAesGcm,
  type AesGcmProvider,
} from '../crypto/file-encryption.ts'
import type { RandomSource } from '../crypto/platform.ts'
import { hkdfSha256, sha256 } from '../crypto/primitives.ts'
import { domainSeparated } from '../wire/labels.ts'
import { FILE_LIMITS } from './limits.ts'
import type { FileSource, Sha256Factory } from './ports.ts'

const C = COBBLESTONE_256

/** Cobblestone context of a transferred file: binds the ciphertext to its transfer id. */
export function fileContext(transferId: Uint8Array): Uint8Array {
  return domainSeparated('hestia/v1/file-share', transferId)
}

/** Chunks of a file of `size` plaintext bytes (the final chunk is shorter, maybe empty). */
export function chunkCount(size: number): number {
  return Math.floor(size / C.chunkBytes) + 1
}

/** Plaintext length of chunk `index`. */
export function chunkPlainLength(size: number, index: number): number {
  const last = chunkCount(size) - 1
  if (index < last) return C.chunkBytes
  if (index === last) return size - last * C.chunkBytes
  throw new RangeError(`chunk ${index} is past the end`)
}

/** Plaintext bytes of chunks [0, n). */
export function plainBytesBefore(size: number, n: number): number {
  return Math.min(size, n * C.chunkBytes)
}

export const nobleSha256: Sha256Factory = () => sha256.create()

let sharedAes: AesGcmProvider | undefined
function aesOf(p?: AesGcmProvider): AesGcmProvider {
  if (p) return p
  sharedAes ??= webCryptoAesGcm()
  return sharedAes
}

export class ChunkSealer {
  readonly header: Uint8Array
  readonly reader: FileChunkReader
  #key: CryptoKey
  #baseNonce: Uint8Array
  #aes: AesGcmProvider

  private constructor(
    header: Uint8Array,
    reader: FileChunkReader,
    key: CryptoKey,
    baseNonce: Uint8Array,
    aes: AesGcmProvider,
  ) {
    this.header = header
    this.reader = reader
    this.#key = key
    this.#baseNonce = baseNonce
    this.#aes = aes
  }

  /** From the file key and the 56 B header; throws ProtocolError('wrong_key') on a bad commitment. */
  static async open(
    fileKey: Uint8Array,
    header: Uint8Array,
    transferId: Uint8Array,
    aes?: AesGcmProvider,
  ): Promise<ChunkSealer> {
    const provider = aesOf(aes)
    const context = fileContext(transferId)
    const reader = await FileChunkReader.open(fileKey, header, { context, aes: provider })
    const d = deriveCobblestoneKeys(fileKey, header.subarray(0, C.saltBytes), context)
    return new ChunkSealer(
      header.slice(0, C.headerBytes),
      reader,
      await provider.importKey(d.aeadKey),
      d.baseNonce,
      provider,
    )
  }

  /** Spec "AEAD usage": AES-256-GCM(key, base_nonce XOR index, chunk, aad = empty). */
  seal(index: number, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.#aes.encrypt(this.#key, chunkNonce(this.#baseNonce, index), plaintext)
  }

  /** Authenticates and decrypts chunk `index`: ProtocolError('malformed' | 'decrypt_failed'). */
  open(index: number, ciphertext: Uint8Array, isFinal: boolean): Promise<Uint8Array> {
    return this.reader.decryptChunk(index, ciphertext, isFinal)
  }
}

/**
 * The Cobblestone salt of a transferred file, derived from its one-time key (ADR 0801): either side
 * can rebuild the 56 B header from the share record alone, so nothing beyond the share record is
 * stored, and the receiver checks the header the sender streams. The spec's "salt MUST NOT repeat
 * for a key" holds because every file gets a fresh random key.
 */
export function deriveFileSalt(fileKey: Uint8Array, transferId: Uint8Array): Uint8Array {
  return hkdfSha256(
    fileKey,
    undefined,
    domainSeparated('hestia/v1/file/salt', transferId),
    C.saltBytes,
  )
}

/** The 56 B ciphertext header (salt || commitment) of a share record. */
export function fileHeader(share: FileShareFields): Uint8Array {
  const salt = deriveFileSalt(share.key, share.fileId)
  const d = deriveCobblestoneKeys(share.key, salt, fileContext(share.fileId))
  return concatBytes(salt, d.commitment)
}

export interface PreparedFile {
  share: FileShareFields
  header: Uint8Array
}

/**
 * Sender, before the offer: picks key and salt, encrypts the whole source once, streaming, to learn
 * the ciphertext SHA-256 for the share record. Memory: one read slice at a time.
 */
export async function prepareOutgoingFile(
  source: FileSource,
  opts: {
    transferId: Uint8Array
    random: RandomSource
    aes?: AesGcmProvider
    sha256?: Sha256Factory
    /** Stops early (the user cancelled the offer while it was being prepared). */
    signal?: AbortSignal
  },
): Promise<PreparedFile> {
  const key = opts.random(C.keyBytes)
  const salt = deriveFileSalt(key, opts.transferId)
  const d = deriveCobblestoneKeys(key, salt, fileContext(opts.transferId))
  const header = concatBytes(salt, d.commitment)
  const sealer = await ChunkSealer.open(key, header, opts.transferId, opts.aes)
  const hash = await (opts.sha256 ?? nobleSha256)()
  hash.update(header)
  await forEachSealedChunk(sealer, source, 0, (_i, ct) => {
    opts.signal?.throwIfAborted()
    hash.update(ct)
    return Promise.resolve()
  })
  return {
    header,
    share: { fileId: opts.transferId, key, size: source.size, ciphertextSha256: hash.digest() },
  }
}

/**
 * Slices read and sealed ahead of the one being handed on. In a browser each slice is an
 * IndexedDB read, an at-rest open and 32 AES jobs, each waiting its turn on a loaded machine;
 * with one slice ahead the stream waited whenever that took longer than sending 512 KiB
 * (ADR 0427). Reads of different slices are independent and run side by side.
 */
export const SEAL_AHEAD_SLICES = 3

/**
 * Reads `source` from chunk `from` to the end in slices of FILE_LIMITS.sinkBatchBytes and seals
 * each chunk; hands them to `onChunk` in order, one at a time (its promise is the back-pressure
 * point). Up to `ahead` further slices are read and sealed while the current one is handed on: at
 * most `ahead + 1` slices (512 KiB of plaintext and of ciphertext each) are held.
 */
export async function forEachSealedChunk(
  sealer: ChunkSealer,
  source: Pick<FileSource, 'size' | 'read'>,
  from: number,
  onChunk: (index: number, ciphertext: Uint8Array) => Promise<void>,
  ahead: number = SEAL_AHEAD_SLICES,
): Promise<void> {
  const size = source.size
  const last = chunkCount(size) - 1
  const per = Math.max(1, Math.floor(FILE_LIMITS.sinkBatchBytes / C.chunkBytes))
  const sealSlice = async (first: number): Promise<Uint8Array[]> => {
    const end = Math.min(last, first + per - 1)
    const offset = first * C.chunkBytes
    const sliceEnd = Math.min(size, (end + 1) * C.chunkBytes)
    const slice =
      sliceEnd > offset ? await source.read(offset, sliceEnd - offset) : new Uint8Array(0)
    // WebCrypto runs the chunks of a slice concurrently, off the main thread.
    const sealed: Promise<Uint8Array>[] = []
    for (let i = first; i <= end; i++) {
      const at = (i - first) * C.chunkBytes
      sealed.push(sealer.seal(i, slice.subarray(at, at + chunkPlainLength(size, i))))
    }
    return Promise.all(sealed)
  }
  const queue: Promise<Uint8Array[]>[] = []
  let nextFirst = from
  const refill = (depth: number): void => {
    while (queue.length < depth && nextFirst <= last) {
      const slice = sealSlice(nextFirst)
      // A failed read-ahead surfaces when it is awaited, not as an unhandled rejection meanwhile.
      slice.catch(() => undefined)
      queue.push(slice)
      nextFirst += per
    }
  }
  refill(1)
  for (let first = from; queue.length > 0; first += per) {
    const current = await queue.shift()!
    refill(Math.max(1, ahead))
    for (let k = 0; k < current.length; k++) await onChunk(first + k, current[k]!)
  }
}
