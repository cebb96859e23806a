/**
 * What the platform injects into the file engine. core stays platform-free: the browser passes a
 * Blob-backed source and an OPFS/IndexedDB sink, Node tests pass fs-backed ones.
 */
import type { Stream } from '@libp2p/interface'
import type { FileTransferRecord } from '../store/records.ts'

/** Random-access read of the sender's file (Blob.slice in the browser, a file handle in Node). */
export interface FileSource {
  readonly size: number
  /** Exactly `length` bytes from `offset` (the engine never reads past `size`). */
  read(offset: number, length: number): Promise<Uint8Array>
  close?(): Promise<void>
}

/**
 * Disk-backed store of one incoming file's verified plaintext. Writes (`write`, `place`) come only
 * for authenticated chunks; a write that resolved must survive a restart (the engine counts bytes
 * as verified only after it resolved). Throw a QuotaExceededError (DOMException) or an error with
 * code ENOSPC when the disk is full.
 */
export interface FileSink {
  /**
   * In order; a resume restarts at or before the end of what is stored, and may drop what was
   * stored after its offset.
   */
  write(offset: number, data: Uint8Array): Promise<void>
  /**
   * The mailbox route's chunks, which arrive in any order (a reordering relay, a frame kept for a
   * retry): stores `data` at `offset`, replacing only the bytes it covers and keeping all others,
   * including those stored after it. Optional: without it the engine uses `write`, which must
   * then accept any offset the same way (a random-access file does).
   */
  place?(offset: number, data: Uint8Array): Promise<void>
  /**
   * Length of the contiguous prefix stored, when the sink can tell. Only verified chunks are ever
   * written, so after a restart the engine resumes here rather than at the record's
   * bytesVerified, which is persisted at most every FILE_TIMING.persistEveryMs and so lags.
   */
  storedBytes?(): Promise<number>
  /** Reads back stored plaintext (to rebuild the running hash after a restart). */
  read(offset: number, length: number): Promise<Uint8Array>
  /** The file passed its final check: save it where the user gets it (downloads API, final path). */
  complete(): Promise<void>
  /** Drop everything stored for this transfer (cancel, decline, failure). */
  discard(): Promise<void>
  /** Release handles (engine stop); what was written stays for a later resume. */
  close?(): Promise<void>
}

export interface FileStorage {
  /** The staged file of an outgoing transfer (record.stagedFileId). */
  openSource(record: FileTransferRecord): Promise<FileSource>
  /** The sink of an incoming transfer; opening it again after a restart keeps what was written. */
  openSink(record: FileTransferRecord): Promise<FileSink>
  /**
   * An outgoing transfer ended (completed, declined, cancelled, failed): its staged file is no
   * longer needed. Optional: a host without staging copies has nothing to free.
   */
  releaseSource?(record: FileTransferRecord): Promise<void>
}

/**
 * Streaming SHA-256. Default: @noble/hashes; Node injects node:crypto, browsers the WebAssembly
 * one (wasm-sha256.ts, ~4x noble in Chromium). A factory may be async (WebAssembly instantiates
 * asynchronously).
 */
export interface Sha256Hasher {
  update(data: Uint8Array): void
  digest(): Uint8Array
}
export type Sha256Factory = () => Sha256Hasher | Promise<Sha256Hasher>

/** Opens a `/hestia/file/1.0.0` stream to a contact's device over a direct connection. */
export type OpenFileStream = (peer: string, signal: AbortSignal) => Promise<Stream>
