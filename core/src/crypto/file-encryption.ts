/**
 * File encryption: c2sp.org/chunked-encryption instantiated as Cobblestone-256 (AES-256-GCM,
 * HKDF-Expand-SHA-512), with streaming encrypt/decrypt and random access by chunk index.
 *
 * Ciphertext = salt (24 B) || commitment (32 B) || chunk 0 || chunk 1 || ... || final chunk, each
 * chunk AES-256-GCM(16 KiB plaintext) with a 16 B tag; the final chunk holds < 16 KiB (maybe 0).
 * AES-GCM runs through WebCrypto (a standard global in browsers and Node, ~5x noble here); a
 * provider with the same three calls can be injected.
 */
import { ProtocolError } from '../wire/errors.ts'
import { bytesEqual, concatBytes } from './bytes.ts'
import {
  chunkNonce,
  chunkOffset,
  ciphertextLength,
  COBBLESTONE_256,
  derive,
  finalChunkIndex,
  provider,
  type AesGcmProvider,
  type DerivedKeys,
} from './cobblestone.ts'
import { encodeFileShare, FILE_ID_BYTES, type FileShareFields } from './codecs.ts'
import type { RandomSource } from './platform.ts'
import { sha256 } from './primitives.ts'

// The format's pieces live in cobblestone.ts; importers of this module keep finding them here.
export {
  chunkNonce,
  chunkOffset,
  ciphertextLength,
  COBBLESTONE_256,
  deriveCobblestoneKeys,
  finalChunkIndex,
  webCryptoAesGcm,
  type AesGcmProvider,
} from './cobblestone.ts'

const C = COBBLESTONE_256

export interface FileEncryptOptions {
  /** 32-byte input key; random when omitted. */
  key?: Uint8Array
  /** Application context bound into the key derivation (may be empty). */
  context?: Uint8Array
  random: RandomSource
  /** Compute SHA-256 over the ciphertext as it is produced (for the share record). */
  hashCiphertext?: boolean
  aes?: AesGcmProvider
  /** Salt injection for test vectors; random otherwise (spec: MUST NOT repeat for a key). */
  salt?: Uint8Array
}

/** Push-based streaming encryptor: buffers at most one 16 KiB chunk. */
export class FileEncryptor {
  readonly key: Uint8Array
  #keys: DerivedKeys
  #aes: AesGcmProvider
  #header: Uint8Array | null
  #buffer = new Uint8Array(C.chunkBytes)
  #buffered = 0
  #index = 0
  #size = 0
  #hash: ReturnType<typeof sha256.create> | null
  #finished = false

  private constructor(
    key: Uint8Array,
    keys: DerivedKeys,
    aes: AesGcmProvider,
    header: Uint8Array,
    hash: boolean,
  ) {
    this.key = key
    this.#keys = keys
    this.#aes = aes
    this.#header = header
    this.#hash = hash ? sha256.create() : null
  }

  static async create(opts: FileEncryptOptions): Promise<FileEncryptor> {
    const key = opts.key ?? opts.random(C.keyBytes)
    const salt = opts.salt ?? opts.random(C.saltBytes)
    const aes = provider(opts.aes)
    const keys = await derive(key, salt, opts.context ?? new Uint8Array(0), aes)
    return new FileEncryptor(
      key,
      keys,
      aes,
      concatBytes(salt, keys.commitment),
      opts.hashCiphertext ?? false,
    )
  }

  /** Plaintext bytes consumed so far. */
  get size(): number {
    return this.#size
  }

  /** Encrypts what fills whole chunks; returns ciphertext pieces (the header first, once). */
  async push(data: Uint8Array): Promise<Uint8Array[]> {
    if (this.#finished) throw new Error('FileEncryptor: push after finish')
    const out = this.#takeHeader()
    let offset = 0
    while (offset < data.length) {
      if (this.#buffered === 0 && data.length - offset >= C.chunkBytes) {
        // Whole chunk straight from the input, no copy into the buffer.
        out.push(await this.#seal(data.subarray(offset, offset + C.chunkBytes)))
        offset += C.chunkBytes
        continue
      }
      const n = Math.min(C.chunkBytes - this.#buffered, data.length - offset)
      this.#buffer.set(data.subarray(offset, offset + n), this.#buffered)
      this.#buffered += n
      offset += n
      if (this.#buffered === C.chunkBytes) {
        // A full buffer is never the final chunk: the final one is always shorter (spec).
        out.push(await this.#seal(this.#buffer))
        this.#buffered = 0
      }
    }
    this.#size += data.length
    return out
  }

  /** Encrypts the final short (maybe empty) chunk. Returns the last ciphertext pieces. */
  async finish(): Promise<{ pieces: Uint8Array[]; ciphertextSha256?: Uint8Array }> {
    if (this.#finished) throw new Error('FileEncryptor: finish called twice')
    const pieces = this.#takeHeader()
    pieces.push(await this.#seal(this.#buffer.subarray(0, this.#buffered)))
    this.#finished = true
    return this.#hash ? { pieces, ciphertextSha256: this.#hash.digest() } : { pieces }
  }

  #takeHeader(): Uint8Array[] {
    if (this.#header === null) return []
    const h = this.#header
    this.#header = null
    this.#hash?.update(h)
    return [h]
  }

  async #seal(chunk: Uint8Array): Promise<Uint8Array> {
    const ct = await this.#aes.encrypt(
      this.#keys.key,
      chunkNonce(this.#keys.baseNonce, this.#index),
      chunk,
    )
    this.#index++
    this.#hash?.update(ct)
    return ct
  }
}

/**
 * Random-access view of one encrypted file: checks the commitment once (spec: before decrypting
 * any chunk), then decrypts any chunk by index. Use it to resume a download from any chunk.
 */
export class FileChunkReader {
  #keys: DerivedKeys
  #aes: AesGcmProvider

  private constructor(keys: DerivedKeys, aes: AesGcmProvider) {
    this.#keys = keys
    this.#aes = aes
  }

  /** Throws ProtocolError('wrong_key') when the key/context do not match the header's commitment. */
  static async open(
    key: Uint8Array,
    header: Uint8Array,
    opts: { context?: Uint8Array; aes?: AesGcmProvider } = {},
  ): Promise<FileChunkReader> {
    if (header.length < C.headerBytes)
      throw new ProtocolError('malformed', 'file header is truncated')
    const aes = provider(opts.aes)
    const keys = await derive(
      key,
      header.subarray(0, C.saltBytes),
      opts.context ?? new Uint8Array(0),
      aes,
    )
    if (!bytesEqual(keys.commitment, header.subarray(C.saltBytes, C.headerBytes))) {
      throw new ProtocolError('wrong_key', 'file key or context does not match (commitment check)')
    }
    return new FileChunkReader(keys, aes)
  }

  /**
   * Decrypts chunk `index`. A non-final chunk must be exactly 16 KiB + 16; the final one 16 to
   * 16 KiB + 15 bytes. Throws ProtocolError('malformed' | 'decrypt_failed').
   */
  async decryptChunk(index: number, ciphertext: Uint8Array, isFinal: boolean): Promise<Uint8Array> {
    if (isFinal) {
      if (ciphertext.length < C.tagBytes || ciphertext.length >= C.chunkCiphertextBytes) {
        throw new ProtocolError('malformed', 'final chunk has an invalid length (truncated file)')
      }
    } else if (ciphertext.length !== C.chunkCiphertextBytes) {
      throw new ProtocolError('malformed', 'chunk has an invalid length')
    }
    try {
      return await this.#aes.decrypt(
        this.#keys.key,
        chunkNonce(this.#keys.baseNonce, index),
        ciphertext,
      )
    } catch (err) {
      throw new ProtocolError('decrypt_failed', `file chunk ${index} failed authentication`, {
        cause: err,
      })
    }
  }

  /** Authenticates the total length by decrypting the final chunk (spec "Implementation notes"). */
  async authenticateLength(ciphertextLength: number, finalChunk: Uint8Array): Promise<number> {
    const index = finalChunkIndex(ciphertextLength)
    if (finalChunk.length !== ciphertextLength - chunkOffset(index)) {
      throw new ProtocolError('malformed', 'final chunk does not match the ciphertext length')
    }
    const pt = await this.decryptChunk(index, finalChunk, true)
    return index * C.chunkBytes + pt.length
  }
}

/**
 * Push-based streaming decryptor. Releases plaintext only for authenticated chunks; holds back one
 * full chunk until it knows it is not the final one. After an error it keeps failing.
 */
export class FileDecryptor {
  #key: Uint8Array
  #opts: { context?: Uint8Array; aes?: AesGcmProvider }
  #reader: FileChunkReader | null = null
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #index = 0
  #error: Error | null = null
  #done = false

  constructor(key: Uint8Array, opts: { context?: Uint8Array; aes?: AesGcmProvider } = {}) {
    this.#key = key
    this.#opts = opts
  }

  async push(data: Uint8Array): Promise<Uint8Array[]> {
    return this.#guard(async () => {
      if (this.#done) throw new ProtocolError('malformed', 'data after the end of the file')
      this.#append(data)
      const out: Uint8Array[] = []
      if (this.#reader === null) {
        if (this.#pendingBytes < C.headerBytes) return out
        this.#reader = await FileChunkReader.open(this.#key, this.#take(C.headerBytes), this.#opts)
      }
      // More than a full chunk buffered: the first full chunk is not final.
      while (this.#pendingBytes > C.chunkCiphertextBytes) {
        out.push(
          await this.#reader.decryptChunk(this.#index, this.#take(C.chunkCiphertextBytes), false),
        )
        this.#index++
      }
      return out
    })
  }

  /** Decrypts the final chunk; throws ProtocolError('malformed') if the file is truncated. */
  async finish(): Promise<Uint8Array> {
    return this.#guard(async () => {
      if (this.#done) throw new Error('FileDecryptor: finish called twice')
      if (this.#reader === null) {
        if (this.#pendingBytes < C.headerBytes)
          throw new ProtocolError('malformed', 'file ciphertext is truncated')
        this.#reader = await FileChunkReader.open(this.#key, this.#take(C.headerBytes), this.#opts)
      }
      const last = await this.#reader.decryptChunk(
        this.#index,
        this.#take(this.#pendingBytes),
        true,
      )
      this.#done = true
      return last
    })
  }

  async #guard<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#error !== null) throw this.#error
    try {
      return await fn()
    } catch (err) {
      this.#error = err instanceof Error ? err : new ProtocolError('malformed', String(err))
      throw this.#error
    }
  }

  #append(data: Uint8Array): void {
    if (data.length === 0) return
    this.#pending.push(data)
    this.#pendingBytes += data.length
  }

  #take(n: number): Uint8Array {
    const head = this.#pending[0]
    if (head !== undefined && head.length >= n) {
      // Common case (input arrives in whole chunks or bigger): a view, no copy.
      if (head.length === n) this.#pending.shift()
      else this.#pending[0] = head.subarray(n)
      this.#pendingBytes -= n
      return head.subarray(0, n)
    }
    const out = new Uint8Array(n)
    let filled = 0
    while (filled < n) {
      const next = this.#pending[0]!
      const k = Math.min(next.length, n - filled)
      out.set(next.subarray(0, k), filled)
      filled += k
      if (k === next.length) this.#pending.shift()
      else this.#pending[0] = next.subarray(k)
    }
    this.#pendingBytes -= n
    return out
  }
}

/** WHATWG TransformStream that encrypts a plaintext byte stream. */
export function encryptStream(
  encryptor: FileEncryptor,
  onDone?: (result: { ciphertextSha256?: Uint8Array; size: number }) => void,
): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    async transform(chunk, controller) {
      for (const piece of await encryptor.push(chunk)) controller.enqueue(piece)
    },
    async flush(controller) {
      const { pieces, ciphertextSha256 } = await encryptor.finish()
      for (const piece of pieces) controller.enqueue(piece)
      onDone?.({ size: encryptor.size, ...(ciphertextSha256 ? { ciphertextSha256 } : {}) })
    },
  })
}

/** WHATWG TransformStream that decrypts; errors the stream on any failure. */
export function decryptStream(
  key: Uint8Array,
  opts: { context?: Uint8Array; aes?: AesGcmProvider } = {},
): TransformStream<Uint8Array, Uint8Array> {
  const dec = new FileDecryptor(key, opts)
  return new TransformStream({
    async transform(chunk, controller) {
      for (const piece of await dec.push(chunk)) controller.enqueue(piece)
    },
    async flush(controller) {
      const last = await dec.finish()
      if (last.length > 0) controller.enqueue(last)
    },
  })
}

export interface EncryptedFile {
  ciphertext: Uint8Array
  share: FileShareFields
  /** The encoded share record to put inside a message. */
  shareRecord: Uint8Array
}

/** One-shot: encrypts a whole file in memory and builds its share record. */
export async function encryptFile(
  plaintext: Uint8Array,
  opts: Omit<FileEncryptOptions, 'hashCiphertext'>,
): Promise<EncryptedFile> {
  const enc = await FileEncryptor.create({ ...opts, hashCiphertext: true })
  const pieces = await enc.push(plaintext)
  const end = await enc.finish()
  const ciphertext = concatBytes(...pieces, ...end.pieces)
  const share: FileShareFields = {
    fileId: opts.random(FILE_ID_BYTES),
    key: enc.key,
    size: plaintext.length,
    ciphertextSha256: end.ciphertextSha256!,
  }
  return { ciphertext, share, shareRecord: encodeFileShare(share) }
}

/** One-shot: decrypts a whole ciphertext in memory. */
export async function decryptFile(
  key: Uint8Array,
  ciphertext: Uint8Array,
  opts: { context?: Uint8Array; aes?: AesGcmProvider } = {},
): Promise<Uint8Array> {
  const dec = new FileDecryptor(key, opts)
  const pieces = await dec.push(ciphertext)
  pieces.push(await dec.finish())
  return concatBytes(...pieces)
}

/**
 * Checks a downloaded ciphertext against its share record (size and SHA-256) before decrypting.
 * Throws ProtocolError('malformed') on a mismatch.
 */
export function checkAgainstShare(share: FileShareFields, ciphertext: Uint8Array): void {
  if (ciphertext.length !== ciphertextLength(share.size)) {
    throw new ProtocolError('malformed', 'file ciphertext length does not match the share record')
  }
  if (!bytesEqual(sha256(ciphertext), share.ciphertextSha256)) {
    throw new ProtocolError('malformed', 'file ciphertext hash does not match the share record')
  }
}
