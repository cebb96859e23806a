/**
 * Receiver side of `/hestia/file/1.0.0`: ask for the file from the first chunk not yet verified,
 * authenticate each chunk (AEAD), persist it, and only then count it and move the sender's window;
 * at the end compare the SHA-256 of the whole ciphertext with the share record.
 */
import type { Stream } from '@libp2p/interface'
import { bytesEqual } from '../crypto/bytes.ts'
import type { FileShareFields } from '../crypto/codecs.ts'
import { COBBLESTONE_256, type AesGcmProvider } from '../crypto/file-encryption.ts'
import { withDeadline } from '../wire/deadline.ts'
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
  return new ReceiveAttempt(io, o).run()
}

/** One receiving attempt: request, start frame, the chunks in order, the final check. */
class ReceiveAttempt {
  readonly #io: FrameStream
  readonly #o: ReceiveOptions
  readonly #idleMs: number
  readonly #last: number
  readonly #from: number
  /** Counted as frames arrive, also visible to the caller when the attempt fails. */
  readonly #result: ReceiveResult
  readonly #writer: SinkWriter

  constructor(io: FrameStream, o: ReceiveOptions) {
    this.#io = io
    this.#o = o
    this.#idleMs = o.idleMs ?? FILE_TIMING.frameIdleMs
    this.#last = chunkCount(o.share.size) - 1
    this.#from = o.state.verifiedChunks
    this.#result = o.counters ?? { chunksReceived: 0, bytesReceived: 0 }
    this.#writer = new SinkWriter(io, o, this.#last)
  }

  async run(): Promise<ReceiveResult> {
    try {
      const sealer = await this.#start()
      await this.#pullChunks(sealer, this.#o.state.hash!)
      await this.#finish(this.#o.state.hash!)
      return this.#result
    } catch (err) {
      throw await this.#failed(err)
    }
  }

  /** Sends the request, checks the start frame's header, and readies the running hash. */
  async #start(): Promise<ChunkSealer> {
    const { share, sink, state, signal } = this.#o
    signal.throwIfAborted()
    const proof = requestProof(share.key, share.fileId, this.#from, this.#o.localPeer)
    await this.#io.write(
      encodeRequest({ transferId: share.fileId, resumeFrom: this.#from, proof }),
      signal,
    )
    const first = await readFrame(this.#io, this.#idleMs, signal)
    if (first.kind === 'stop') throw stopError(first.status)
    if (first.kind !== 'start') throw new ProtocolError('malformed', 'expected the start frame')
    const header = fileHeader(share)
    if (!bytesEqual(header, first.header)) {
      throw new FileTransferError(
        'integrity',
        'the sender streamed another file header than the offer describes',
      )
    }
    const sealer = await ChunkSealer.open(share.key, header, share.fileId, this.#o.aes)
    if (state.hash === null || state.hashedChunks !== this.#from) {
      state.hash = await rebuildHash(
        sealer,
        sink,
        share.size,
        this.#from,
        this.#o.sha256 ?? nobleSha256,
      )
      state.hashedChunks = this.#from
    }
    return sealer
  }

  /**
   * Reads chunk frames in order. Decryption is pipelined: up to DECRYPT_AHEAD chunks are being
   * authenticated (WebCrypto, off the main thread) while the next frames are read; results are
   * consumed strictly in order.
   */
  async #pullChunks(sealer: ChunkSealer, hash: Sha256Hasher): Promise<void> {
    const last = this.#last
    const inFlight: InFlightChunk[] = []
    let requested = this.#from
    let next = this.#from
    while (next <= last) {
      if (requested <= last) {
        const f = await readFrame(this.#io, this.#idleMs, this.#o.signal)
        if (f.kind === 'stop') throw stopError(f.status)
        if (f.kind !== 'chunk')
          throw new ProtocolError('malformed', 'unexpected frame inside the file')
        if (f.index !== requested) {
          throw new ProtocolError('malformed', `chunk ${f.index} arrived, ${requested} expected`)
        }
        const plain = sealer.open(requested, f.data, requested === last)
        plain.catch(() => undefined) // awaited in order by #consume()
        inFlight.push({ index: requested, data: f.data, plain })
        requested++
      }
      if (inFlight.length >= DECRYPT_AHEAD || requested > last) {
        next = await this.#consume(inFlight.shift()!, hash)
      }
    }
  }

  /** The oldest chunk in flight: authenticated, hashed, counted, queued for the sink. */
  async #consume(head: InFlightChunk, hash: Sha256Hasher): Promise<number> {
    let pt: Uint8Array
    try {
      pt = await head.plain
    } catch (err) {
      throw new FileTransferError(
        'integrity',
        `chunk ${head.index} failed authentication: the data was altered`,
        { cause: err },
      )
    }
    hash.update(head.data)
    this.#o.state.hashedChunks = head.index + 1
    this.#result.chunksReceived++
    this.#result.bytesReceived += head.data.length
    await this.#writer.add(pt, head.index)
    return head.index + 1
  }

  /** Every chunk is stored: the whole-file check, then the sink saves it and the sender hears so. */
  async #finish(hash: Sha256Hasher): Promise<void> {
    await this.#writer.settled()
    await this.#o.onVerifying?.()
    if (!bytesEqual(hash.digest(), this.#o.share.ciphertextSha256)) {
      this.#o.state.hash = null
      throw new FileTransferError(
        'integrity',
        'the whole file does not match its SHA-256 from the offer',
      )
    }
    await this.#o.sink.complete()
    const done = encodeReceiverFrame({ verified: this.#last + 1, complete: true, status: 0 })
    await withDeadline(2_000, (signal) => this.#io.write(done, signal)).catch(() => undefined)
    await this.#io.close()
  }

  /** Keeps what was verified, tells the sender why it stops when it should know, returns the error. */
  async #failed(err: unknown): Promise<Error> {
    const { signal, state } = this.#o
    // Chunks verified before the failure are kept (they are authentic) unless the sink itself failed.
    if (!(err instanceof FileTransferError && err.code === 'storage_full')) {
      await this.#writer.drain().catch(() => undefined)
    }
    const mapped = mapReceiveError(err, signal)
    const status =
      mapped instanceof FileTransferError && mapped.code === 'integrity'
        ? FILE_STATUS.integrity
        : mapped instanceof FileTransferError && mapped.code === 'storage_full'
          ? FILE_STATUS.storage_full
          : signal.aborted && typeof signal.reason === 'number'
            ? signal.reason
            : 0
    if (status !== 0) {
      const why = encodeReceiverFrame({ verified: state.verifiedChunks, complete: false, status })
      await withDeadline(1_000, (signal) => this.#io.write(why, signal)).catch(() => undefined)
      await this.#io.close()
    } else {
      this.#io.abort(mapped)
    }
    return mapped
  }
}

interface InFlightChunk {
  index: number
  data: Uint8Array
  plain: Promise<Uint8Array>
}

/**
 * Authenticated plaintext to the sink, in order and in batches. One sink write runs while the next
 * batch is decrypted (a disk write no longer stalls the stream); a chunk counts as verified only
 * once its write resolved, and the sender's window moves with those acks.
 */
class SinkWriter {
  readonly #io: FrameStream
  readonly #o: ReceiveOptions
  readonly #last: number
  readonly #ackEvery: number
  #pending: Uint8Array[] = []
  #pendingBytes = 0
  #pendingFrom: number
  #writing: Promise<void> = Promise.resolve()
  #lastAck: number

  constructor(io: FrameStream, o: ReceiveOptions, last: number) {
    this.#io = io
    this.#o = o
    this.#last = last
    this.#ackEvery = o.ackEveryChunks ?? FILE_LIMITS.ackEveryChunks
    this.#pendingFrom = o.state.verifiedChunks
    this.#lastAck = o.state.verifiedChunks
  }

  /** Queues chunk `index`'s plaintext; starts a write once a batch is full or the file is. */
  async add(plain: Uint8Array, index: number): Promise<void> {
    this.#pending.push(plain)
    this.#pendingBytes += plain.length
    if (this.#pendingBytes >= FILE_LIMITS.sinkBatchBytes || index + 1 > this.#last) {
      await this.#flush()
    }
  }

  /** Settles when the running write has (its error, if any, is thrown here). */
  settled(): Promise<void> {
    return this.#writing
  }

  /** Writes whatever is queued and waits for it (after a failure: keep what was verified). */
  async drain(): Promise<void> {
    await this.#flush()
    await this.#writing
  }

  /** Waits for the previous write, then starts writing what is pending. */
  async #flush(): Promise<void> {
    await this.#writing
    if (this.#pending.length === 0) return
    const batch =
      this.#pending.length === 1 ? this.#pending[0]! : concat(this.#pending, this.#pendingBytes)
    const offset = this.#pendingFrom * C.chunkBytes
    const upTo = this.#pendingFrom + this.#pending.length
    this.#pending = []
    this.#pendingBytes = 0
    this.#pendingFrom = upTo
    const started = this.#write(batch, offset, upTo)
    started.catch(() => undefined) // awaited by the next flush or the end of the file
    this.#writing = started
  }

  async #write(batch: Uint8Array, offset: number, upTo: number): Promise<void> {
    try {
      await this.#o.sink.write(offset, batch)
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
    this.#o.state.verifiedChunks = upTo
    this.#o.onVerified(upTo)
    // Acked as soon as the write lands, not at the next chunk: the sender may be waiting on this
    // ack with its whole window in flight, in which case no further chunk would come.
    if (upTo - this.#lastAck >= this.#ackEvery && upTo <= this.#last) {
      this.#lastAck = upTo
      await this.#io.write(
        encodeReceiverFrame({ verified: upTo, complete: false, status: 0 }),
        this.#o.signal,
      )
    }
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
