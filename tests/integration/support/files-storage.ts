/**
 * Node stand-ins for the browser's file adapters in the file-transfer tests: a file-handle source
 * (the browser slices a Blob) and a temp-file sink (the browser writes OPFS/IndexedDB chunks and
 * saves through the downloads API). Both read and write in slices; nothing holds a whole file.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  type KeyObject,
} from 'node:crypto'
import { open, rename, rm, stat, type FileHandle } from 'node:fs/promises'
import { constants, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AesGcmProvider } from '@hestia/core/crypto/file-encryption.ts'
import type { FileSink, FileSource, FileStorage, Sha256Factory } from '@hestia/core/files/index.ts'
import type { FileTransferRecord } from '@hestia/core/store/index.ts'

export function tempDir(prefix = 'hestia-files-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** node:crypto SHA-256 (the engine's default is @noble/hashes; Node's is ~10x faster). */
export const nodeSha256: Sha256Factory = () => {
  const h = createHash('sha256')
  return {
    update: (d) => {
      h.update(d)
    },
    digest: () => new Uint8Array(h.digest()),
  }
}

/**
 * node:crypto AES-256-GCM for Node peers (benchmarks). Node's WebCrypto runs each 16 KiB chunk as
 * a job with ~40-120 µs of main-thread overhead; a browser's WebCrypto does not. Same cipher, same
 * bytes (ciphertext || 16 B tag, empty AAD) as webCryptoAesGcm, so either side may use either.
 */
export const nodeAesGcm: AesGcmProvider = {
  importKey: (raw) => Promise.resolve(createSecretKey(raw) as unknown as CryptoKey),
  encrypt(key, iv, data) {
    const c = createCipheriv('aes-256-gcm', key as unknown as KeyObject, iv)
    const head = c.update(data)
    const tail = c.final()
    return Promise.resolve(new Uint8Array(Buffer.concat([head, tail, c.getAuthTag()])))
  },
  decrypt(key, iv, data) {
    try {
      if (data.length < 16) throw new Error('AES-GCM ciphertext shorter than its tag')
      const d = createDecipheriv('aes-256-gcm', key as unknown as KeyObject, iv)
      d.setAuthTag(data.subarray(data.length - 16))
      const head = d.update(data.subarray(0, data.length - 16))
      return Promise.resolve(new Uint8Array(Buffer.concat([head, d.final()])))
    } catch (err) {
      // WebCrypto rejects with an OperationError; callers only see that decryption failed.
      return Promise.reject(err instanceof Error ? err : new Error(String(err)))
    }
  },
}

export async function openFileSource(path: string): Promise<FileSource> {
  const fh = await open(path, 'r')
  const { size } = await fh.stat()
  return {
    size,
    async read(offset, length) {
      const buf = new Uint8Array(length)
      let got = 0
      while (got < length) {
        const { bytesRead } = await fh.read(buf, got, length - got, offset + got)
        if (bytesRead === 0)
          throw new Error(`source ended at ${offset + got}, ${length - got} bytes short`)
        got += bytesRead
      }
      return buf
    },
    close: () => fh.close(),
  }
}

export class TempFileSink implements FileSink {
  readonly partPath: string
  readonly finalPath: string
  /** Throw ENOSPC once a write would pass this many bytes (disk-full tests). */
  quotaBytes = Infinity
  /** A slow disk: every write waits this long first. */
  writeDelayMs = 0
  writes = 0
  bytesWritten = 0
  completed = false
  discarded = false
  #fh: FileHandle | null = null

  constructor(partPath: string, finalPath: string) {
    this.partPath = partPath
    this.finalPath = finalPath
  }

  async #handle(): Promise<FileHandle> {
    // O_CREAT without O_TRUNC: reopening after a restart keeps what was written.
    this.#fh ??= await open(this.partPath, constants.O_RDWR | constants.O_CREAT, 0o600)
    return this.#fh
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset + data.length > this.quotaBytes) {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })
    }
    if (this.writeDelayMs > 0) await new Promise((r) => setTimeout(r, this.writeDelayMs))
    const fh = await this.#handle()
    let done = 0
    while (done < data.length) {
      const { bytesWritten } = await fh.write(data, done, data.length - done, offset + done)
      done += bytesWritten
    }
    this.writes++
    this.bytesWritten += data.length
  }

  /** Only verified chunks are written, so the file's length is the stored prefix. */
  async storedBytes(): Promise<number> {
    return (await stat(this.partPath).catch(() => ({ size: 0 }))).size
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const fh = await this.#handle()
    const buf = new Uint8Array(length)
    const { bytesRead } = await fh.read(buf, 0, length, offset)
    if (bytesRead !== length) throw new Error('sink read short')
    return buf
  }

  async complete(): Promise<void> {
    const fh = await this.#handle()
    await fh.sync()
    await fh.close()
    this.#fh = null
    await rename(this.partPath, this.finalPath)
    this.completed = true
  }

  async close(): Promise<void> {
    await this.#fh?.close().catch(() => undefined)
    this.#fh = null
  }

  async discard(): Promise<void> {
    await this.#fh?.close().catch(() => undefined)
    this.#fh = null
    await rm(this.partPath, { force: true })
    this.discarded = true
  }
}

/** Staged files by id (sender) and one sink per incoming transfer in `dir` (receiver). */
export class NodeFileStorage implements FileStorage {
  readonly dir: string
  readonly staged = new Map<string, string>()
  readonly sinks = new Map<string, TempFileSink>()
  quotaBytes = Infinity
  writeDelayMs = 0

  constructor(dir: string) {
    this.dir = dir
  }

  stage(id: string, path: string): void {
    this.staged.set(id, path)
  }

  openSource(record: FileTransferRecord): Promise<FileSource> {
    const path = record.stagedFileId === null ? undefined : this.staged.get(record.stagedFileId)
    if (path === undefined) return Promise.reject(new Error('no such staged file'))
    return openFileSource(path)
  }

  openSink(record: FileTransferRecord): Promise<FileSink> {
    let sink = this.sinks.get(record.transferId)
    if (sink === undefined) {
      sink = new TempFileSink(
        join(this.dir, `${record.transferId}.part`),
        join(this.dir, `${record.transferId}-${record.name}`),
      )
      sink.quotaBytes = this.quotaBytes
      sink.writeDelayMs = this.writeDelayMs
      this.sinks.set(record.transferId, sink)
    }
    return Promise.resolve(sink)
  }
}

/**
 * Writes `size` deterministic pseudo-random bytes (AES-128-CTR keystream of `seed`) to `path` in
 * 1 MiB blocks; returns their SHA-256 (hex). Never holds more than one block.
 */
export async function writeDeterministicFile(
  path: string,
  size: number,
  seed: string,
): Promise<string> {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16)
  const ctr = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  const hash = createHash('sha256')
  const fh = await open(path, 'w')
  const zeros = Buffer.alloc(1024 * 1024)
  try {
    for (let at = 0; at < size; at += zeros.length) {
      const n = Math.min(zeros.length, size - at)
      const block = ctr.update(zeros.subarray(0, n))
      hash.update(block)
      await fh.write(block, 0, n, at)
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

/** SHA-256 (hex) of a file, streamed in 1 MiB reads. */
export async function sha256OfFile(path: string): Promise<string> {
  const fh = await open(path, 'r')
  const hash = createHash('sha256')
  const buf = new Uint8Array(1024 * 1024)
  try {
    for (let at = 0; ;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, at)
      if (bytesRead === 0) break
      hash.update(buf.subarray(0, bytesRead))
      at += bytesRead
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size
}
