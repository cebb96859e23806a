/**
 * Receiver side of `/hestia/file/1.0.0`: ask for the file from the first chunk not yet verified,
 * authenticate each chunk (AEAD), persist it, and only then count it and move the sender's window;
 * at the end compare the SHA-256 of the whole ciphertext with the share record.
 */
import type { Stream } from '@libp2p/interface'
import { bytesEqual } from '../crypto/bytes.ts'
import type { FileShareFields } from '../crypto/codecs.ts'
import { COBBLESTONE_256, type AesGcmProvider } from '../crypto/file-encryption.ts'
import { isProtocolError, ProtocolError } from '../wire/errors.ts'
import { decodeSenderFrame, encodeReceiverFrame, encodeRequest, requestProof } from './codec.ts'
import { FileTransferError, isQuotaError } from './errors.ts'
import { FILE_LIMITS, FILE_STATUS, FILE_TIMING, statusName } from './limits.ts'
import type { FileSink, Sha256Factory, Sha256Hasher } from './ports.ts'
import { ChunkSealer, chunkCount, chunkPlainLength, fileHeader, nobleSha256 } from './sealer.ts'
import { frameStream, type FrameStream } from './stream-io.ts'

const C = COBBLESTONE_256
/** Chunks being decrypted at once on the receiving side. */
const DECRYPT_AHEAD = 32

/** What survives between attempts of one transfer in this process (a dropped connection). */
export interface ReceiveState {
  /** Chunks verified and persisted: the next request starts here. */
  verifiedChunks: number
  /** Running SHA-256 over header + chunks [0, hashedChunks); null after a restart. */
  hash: Sha256Hasher | null
  hashedChunks: number
}

export interface ReceiveOptions {
  share: FileShareFields
  sink: FileSink
  state: ReceiveState
  localPeer: string
  signal: AbortSignal
  aes?: AesGcmProvider
  sha256?: Sha256Factory
  idleMs?: number
  ackEveryChunks?: number
  /** After each persisted batch: chunks verified so far. */
  onVerified(verifiedChunks: number): void
  /** Updated as chunk frames arrive (the caller reads it after a failed attempt too). */
  counters?: ReceiveResult
  /** Every chunk is stored; the final hash check and the save start (state 'verifying'). */
  onVerifying?(): Promise<void>
}

export interface ReceiveResult {
  chunksReceived: number
  bytesReceived: number
}

/**
 * Runs one attempt over `stream`. Resolves when the file is complete and saved; throws
 * FileTransferError ('interrupted' | 'integrity' | 'storage_full' | 'declined' | 'cancelled' |
 * 'not_found' | 'protocol' | 'source_gone'), or the signal's reason when aborted locally.
 */
export async function receiveFile(stream: Stream, o: ReceiveOptions): Promise<ReceiveResult> {
  const window = FILE_LIMITS.windowChunks
  const io = frameStream(
    stream,
    FILE_LIMITS.senderFrameBytes,
    // The sender keeps at most `window` chunk frames in flight; room for all of them plus slack.
    (window + 16) * (FILE_LIMITS.senderFrameBytes + 4),
  )
  const idleMs = o.idleMs ?? FILE_TIMING.frameIdleMs
  const ackEvery = o.ackEveryChunks ?? FILE_LIMITS.ackEveryChunks
  const { share, sink, state } = o
  const size = share.size
  const last = chunkCount(size) - 1
  // Counted as frames arrive, also visible to the caller when the attempt fails.
  const result: ReceiveResult = o.counters ?? { chunksReceived: 0, bytesReceived: 0 }
  const from = state.verifiedChunks
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  let pendingFrom = from
  let next = from

  // One sink write runs while the next batch is decrypted (a disk write no longer stalls the
  // stream); writes stay in order, and a chunk counts as verified only once its write resolved.
  let writing: Promise<void> = Promise.resolve()
  let lastAck = from
  const write = async (batch: Uint8Array, offset: number, upTo: number) => {
    try {
      await sink.write(offset, batch)
    } catch (err) {
      if (isQuotaError(err)) {
        throw new FileTransferError(
          'storage_full',
          'not enough disk space for this file; free some space and resume',
          { cause: err },
        )
      }
      throw err
    }
    state.verifiedChunks = upTo
    o.onVerified(upTo)
    // Acked as soon as the write lands, not at the next chunk: the sender may be waiting on this
    // ack with its whole window in flight, in which case no further chunk would come.
    if (upTo - lastAck >= ackEvery && upTo <= last) {
      lastAck = upTo
      await io.write(encodeReceiverFrame({ verified: upTo, complete: false, status: 0 }), o.signal)
    }
  }
  /** Waits for the previous write, then starts writing what is pending. */
  const flush = async () => {
    await writing
    if (pending.length === 0) return
    const batch = pending.length === 1 ? pending[0]! : concat(pending, pendingBytes)
    const offset = pendingFrom * C.chunkBytes
    const upTo = pendingFrom + pending.length
    pending = []
    pendingBytes = 0
    pendingFrom = upTo
    const started = write(batch, offset, upTo)
    started.catch(() => undefined) // awaited by the next flush or the end of the file
    writing = started
  }

  try {
    o.signal.throwIfAborted()
    const proof = requestProof(share.key, share.fileId, from, o.localPeer)
    await io.write(encodeRequest({ transferId: share.fileId, resumeFrom: from, proof }), o.signal)
    const first = await readFrame(io, idleMs, o.signal)
    if (first.kind === 'stop') throw stopError(first.status)
    if (first.kind !== 'start') throw new ProtocolError('malformed', 'expected the start frame')
    const header = fileHeader(share)
    if (!bytesEqual(header, first.header)) {
      throw new FileTransferError(
        'integrity',
        'the sender streamed another file header than the offer describes',
      )
    }
    const sealer = await ChunkSealer.open(share.key, header, share.fileId, o.aes)
    if (state.hash === null || state.hashedChunks !== from) {
      state.hash = await rebuildHash(sealer, sink, size, from, o.sha256 ?? nobleSha256)
      state.hashedChunks = from
    }
    const hash = state.hash
    // Decryption is pipelined: up to DECRYPT_AHEAD chunks are being authenticated (WebCrypto, off
    // the main thread) while the next frames are read; results are consumed strictly in order.
    const inFlight: { index: number; data: Uint8Array; plain: Promise<Uint8Array> }[] = []
    let requested = from
    const consume = async () => {
      const head = inFlight.shift()!
      let pt: Uint8Array
      try {
        pt = await head.plain
      } catch (err) {
        throw new FileTransferError(
          'integrity',
          `chunk ${head.index} failed authentication: the data was altered`,
          {
            cause: err,
          },
        )
      }
      hash.update(head.data)
      state.hashedChunks = head.index + 1
      result.chunksReceived++
      result.bytesReceived += head.data.length
      pending.push(pt)
      pendingBytes += pt.length
      next = head.index + 1
      if (pendingBytes >= FILE_LIMITS.sinkBatchBytes || next > last) await flush()
    }
    while (next <= last) {
      if (requested <= last) {
        const f = await readFrame(io, idleMs, o.signal)
        if (f.kind === 'stop') throw stopError(f.status)
        if (f.kind !== 'chunk')
          throw new ProtocolError('malformed', 'unexpected frame inside the file')
        if (f.index !== requested) {
          throw new ProtocolError('malformed', `chunk ${f.index} arrived, ${requested} expected`)
        }
        const plain = sealer.open(requested, f.data, requested === last)
        plain.catch(() => undefined) // awaited in order by consume()
        inFlight.push({ index: requested, data: f.data, plain })
        requested++
      }
      if (inFlight.length >= DECRYPT_AHEAD || requested > last) await consume()
    }
    await writing
    await o.onVerifying?.()
    if (!bytesEqual(hash.digest(), share.ciphertextSha256)) {
      state.hash = null
      throw new FileTransferError(
        'integrity',
        'the whole file does not match its SHA-256 from the offer',
      )
    }
    await sink.complete()
    await io
      .write(
        encodeReceiverFrame({ verified: last + 1, complete: true, status: 0 }),
        AbortSignal.timeout(2_000),
      )
      .catch(() => undefined)
    await io.close()
    return result
  } catch (err) {
    // Chunks verified before the failure are kept (they are authentic) unless the sink itself failed.
    if (!(err instanceof FileTransferError && err.code === 'storage_full')) {
      await flush()
        .then(() => writing)
        .catch(() => undefined)
    }
    const mapped = mapReceiveError(err, o.signal)
    const status =
      mapped instanceof FileTransferError && mapped.code === 'integrity'
        ? FILE_STATUS.integrity
        : mapped instanceof FileTransferError && mapped.code === 'storage_full'
          ? FILE_STATUS.storage_full
          : o.signal.aborted && typeof o.signal.reason === 'number'
            ? o.signal.reason
            : 0
    if (status !== 0) {
      await io
        .write(
          encodeReceiverFrame({ verified: state.verifiedChunks, complete: false, status }),
          AbortSignal.timeout(1_000),
        )
        .catch(() => undefined)
      await io.close()
    } else {
      io.abort(mapped)
    }
    throw mapped
  }
}

async function readFrame(io: FrameStream, idleMs: number, signal: AbortSignal) {
  // A buffered frame is returned without looking at the signal: check it first, so a pause or
  // cancel stops at once instead of draining the whole window.
  signal.throwIfAborted()
  const bytes = await io.read(idleMs, signal)
  if (bytes === null)
    throw new FileTransferError('interrupted', 'the sender closed the stream early')
  return decodeSenderFrame(bytes)
}

function stopError(status: number): FileTransferError {
  switch (status) {
    case FILE_STATUS.paused:
      return new FileTransferError('interrupted', 'the sender paused the transfer')
    case FILE_STATUS.cancelled:
      return new FileTransferError('cancelled', 'the sender cancelled the transfer')
    case FILE_STATUS.declined:
      return new FileTransferError('declined', 'the transfer was declined')
    case FILE_STATUS.unknown:
      return new FileTransferError('not_found', 'the sender no longer has this transfer')
    case FILE_STATUS.source_gone:
      return new FileTransferError('source_gone', 'the sender can no longer read the file')
    case FILE_STATUS.busy:
      return new FileTransferError('interrupted', 'the sender is busy; retrying')
    default:
      return new FileTransferError(
        'protocol',
        `the sender refused the request (${statusName(status)})`,
      )
  }
}

function mapReceiveError(err: unknown, signal: AbortSignal): Error {
  if (signal.aborted) return err instanceof Error ? err : new Error(String(err))
  if (err instanceof FileTransferError) return err
  if (isProtocolError(err)) {
    return new FileTransferError('protocol', `the sender broke the file protocol: ${err.message}`, {
      cause: err,
    })
  }
  return new FileTransferError(
    'interrupted',
    'the connection to the contact dropped; the transfer resumes',
    {
      cause: err,
    },
  )
}

/** After a restart: re-seal the stored plaintext of chunks [0, upTo) to rebuild the running hash. */
export async function rebuildHash(
  sealer: ChunkSealer,
  sink: FileSink,
  size: number,
  upTo: number,
  sha256: Sha256Factory = nobleSha256,
): Promise<Sha256Hasher> {
  const hash = await sha256()
  hash.update(sealer.header)
  const per = Math.max(1, Math.floor(FILE_LIMITS.sinkBatchBytes / C.chunkBytes))
  for (let first = 0; first < upTo; first += per) {
    const end = Math.min(upTo, first + per)
    const offset = first * C.chunkBytes
    const length = Math.min(size, end * C.chunkBytes) - offset
    const plain = length > 0 ? await sink.read(offset, length) : new Uint8Array(0)
    const sealed: Promise<Uint8Array>[] = []
    for (let i = first; i < end; i++) {
      const at = (i - first) * C.chunkBytes
      sealed.push(sealer.seal(i, plain.subarray(at, at + chunkPlainLength(size, i))))
    }
    for (const ct of sealed) hash.update(await ct)
  }
  return hash
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
