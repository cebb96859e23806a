/**
 * Sender side of `/hestia/file/1.0.0` (docs/protocol/files.md "Stream"): read the receiver's
 * request, check its proof, then stream sealed chunks from the requested index, never more than
 * FILE_LIMITS.windowChunks ahead of what the receiver reported verified and persisted.
 */
import type { Stream } from '@libp2p/interface'
import type { FileShareFields } from '../crypto/codecs.ts'
import { withDeadline } from '../wire/deadline.ts'
import { isProtocolError, ProtocolError } from '../wire/errors.ts'
import {
  decodeReceiverFrame,
  decodeRequest,
  encodeSenderFrame,
  proofMatches,
  requestProof,
  type FileRequestFields,
} from './codec.ts'
import { FILE_LIMITS, FILE_STATUS, FILE_TIMING, statusName } from './limits.ts'
import type { FileSource } from './ports.ts'
import { ChunkSealer, chunkCount, forEachSealedChunk } from './sealer.ts'
import { frameStream, type FrameStream } from './stream-io.ts'
import { FileTransferError } from './errors.ts'
import type { AesGcmProvider } from '../crypto/file-encryption.ts'

/** What the engine answers for a request: a file to serve, or a status to refuse with. */
export type ServeDecision =
  | {
      ok: true
      share: FileShareFields
      header: Uint8Array
      source: FileSource
      /** Aborted when the user pauses or cancels while the stream runs: `reason` is a status code. */
      signal: AbortSignal
      /** The request is authorised and streaming starts. */
      onStart(): Promise<void>
      onProgress(verifiedChunks: number): void
    }
  | { ok: false; status: number }

export type ServeLookup = (request: FileRequestFields, remotePeer: string) => Promise<ServeDecision>

export interface ServeResult {
  transferIdHex?: string
  outcome:
    'complete' | 'stopped' | 'refused' | 'rejected_request' | 'interrupted' | 'receiver_stopped'
  /** Chunk frames written on this stream (what "re-sent" costs after a resume). */
  chunksSent: number
  /** Most chunks ever sent and not yet reported verified (≤ the window). */
  maxInFlight: number
  bytesSent: number
  resumeFrom?: number
  error?: Error
  status?: number
}

export interface ServeOptions {
  aes?: AesGcmProvider
  windowChunks?: number
  idleMs?: number
  /** How long the first frame (the request) may take (FILE_TIMING.requestMs). */
  requestMs?: number
}

const READ_BUFFER = 64 * 1024

/**
 * Chunk frames per transport write: three 16,4xx-byte frames fill one 64 KiB data-channel
 * message between our browsers (ADR 0804) where one frame per write made two messages per chunk
 * (libp2p's length prefix, then the body), so the receiving page handled six message events
 * where it now handles two (ADR 0440). The bytes on the stream are the same.
 */
export const FRAMES_PER_WRITE = 3

export async function serveFileStream(
  stream: Stream,
  remotePeer: string,
  lookup: ServeLookup,
  opts: ServeOptions = {},
): Promise<ServeResult> {
  const io = frameStream(
    stream,
    Math.max(FILE_LIMITS.requestBytes, FILE_LIMITS.receiverFrameBytes),
    READ_BUFFER,
  )
  const idleMs = opts.idleMs ?? FILE_TIMING.frameIdleMs
  const requestMs = opts.requestMs ?? FILE_TIMING.requestMs
  const gate = await authorise(io, remotePeer, lookup, requestMs)
  if ('refused' in gate) return gate.refused
  await gate.decision.onStart()
  return new WindowedSend(io, gate.request, gate.decision, {
    window: opts.windowChunks ?? FILE_LIMITS.windowChunks,
    idleMs,
    ...(opts.aes ? { aes: opts.aes } : {}),
  }).run()
}

type Serve = Extract<ServeDecision, { ok: true }>

/**
 * Reads the request and decides: a file to serve, or the stop frame already sent and the result
 * to return (nothing was served; the engine changed nothing).
 */
async function authorise(
  io: FrameStream,
  remotePeer: string,
  lookup: ServeLookup,
  requestMs: number,
): Promise<{ request: FileRequestFields; decision: Serve } | { refused: ServeResult }> {
  let request: FileRequestFields
  try {
    const first = await io.read(requestMs)
    if (first === null) throw new ProtocolError('malformed', 'file stream closed before a request')
    request = decodeRequest(first)
  } catch (err) {
    // No request in time: reset the stream at once, so a silent stream frees its place without
    // waiting for a stop frame to drain (review RF-5). A bad request gets a typed stop frame.
    if ((err as { name?: string } | null)?.name === 'TimeoutError') io.abort(asError(err))
    else await stopWith(io, FILE_STATUS.malformed)
    return { refused: rejectedRequest(asError(err)) }
  }
  const decision = await lookup(request, remotePeer)
  if (!decision.ok) {
    await stopWith(io, decision.status)
    return { refused: refusedWith(decision.status) }
  }
  const { share } = decision
  const expected = requestProof(share.key, request.transferId, request.resumeFrom, remotePeer)
  if (!proofMatches(expected, request.proof)) {
    await stopWith(io, FILE_STATUS.forbidden)
    return { refused: refusedWith(FILE_STATUS.forbidden) }
  }
  if (request.resumeFrom > chunkCount(share.size) - 1) {
    await stopWith(io, FILE_STATUS.malformed)
    return {
      refused: rejectedRequest(
        new ProtocolError('malformed', 'resume_from is past the last chunk'),
      ),
    }
  }
  return { request, decision }
}

function rejectedRequest(error: Error): ServeResult {
  return { outcome: 'rejected_request', chunksSent: 0, maxInFlight: 0, bytesSent: 0, error }
}

function refusedWith(status: number): ServeResult {
  return { outcome: 'refused', chunksSent: 0, maxInFlight: 0, bytesSent: 0, status }
}

/**
 * Streams sealed chunks from the requested index, never more than `window` ahead of what the
 * receiver reported verified; receiver frames are read alongside and carry the final verdict.
 */
class WindowedSend {
  readonly #io: FrameStream
  readonly #request: FileRequestFields
  readonly #decision: Serve
  readonly #o: { window: number; idleMs: number; aes?: AesGcmProvider }
  readonly #last: number
  readonly #result: ServeResult
  #verified: number
  #complete = false
  #receiverStatus = 0
  #wake: (() => void) | null = null
  readonly #local = new AbortController()
  readonly #stop: AbortSignal

  constructor(
    io: FrameStream,
    request: FileRequestFields,
    decision: Serve,
    o: { window: number; idleMs: number; aes?: AesGcmProvider },
  ) {
    this.#io = io
    this.#request = request
    this.#decision = decision
    this.#o = o
    this.#last = chunkCount(decision.share.size) - 1
    this.#verified = request.resumeFrom
    this.#result = {
      outcome: 'interrupted',
      chunksSent: 0,
      maxInFlight: 0,
      bytesSent: 0,
      resumeFrom: request.resumeFrom,
    }
    this.#stop = AbortSignal.any([decision.signal, this.#local.signal])
  }

  async run(): Promise<ServeResult> {
    const reading = this.#readReceiverFrames()
    try {
      await this.#sendChunks()
      await reading
    } catch (err) {
      if (!this.#stop.aborted && this.#result.error === undefined) this.#result.error = asError(err)
    }
    await reading
    await this.#conclude()
    return this.#result
  }

  #wakeUp(): void {
    const w = this.#wake
    this.#wake = null
    w?.()
  }

  /** Receiver frames move the window and carry the final verdict (complete or a stop status). */
  async #readReceiverFrames(): Promise<void> {
    try {
      for (;;) {
        const bytes = await this.#io.read(this.#o.idleMs * 2, this.#stop)
        if (bytes === null) break
        const f = decodeReceiverFrame(bytes)
        if (f.verified > this.#last + 1 || f.verified < this.#verified) {
          throw new ProtocolError('malformed', 'receiver reported an impossible chunk count')
        }
        this.#verified = f.verified
        this.#decision.onProgress(this.#verified)
        if (f.status !== 0) this.#receiverStatus = f.status
        if (f.complete) this.#complete = true
        this.#wakeUp()
        if (this.#complete || this.#receiverStatus !== 0) break
      }
    } catch (err) {
      if (!this.#stop.aborted) this.#result.error = asError(err)
    } finally {
      this.#local.abort()
      this.#wakeUp()
    }
  }

  async #sendChunks(): Promise<void> {
    const { share, header, source } = this.#decision
    const stop = this.#stop
    const result = this.#result
    await this.#io.write(encodeSenderFrame({ kind: 'start', header }), stop)
    const sealer = await ChunkSealer.open(share.key, header, share.fileId, this.#o.aes)
    // Frames go out FRAMES_PER_WRITE at a time; a batch is sent before waiting on the window
    // (the receiver cannot move it for frames still held here) and at the end.
    let batch: Uint8Array[] = []
    let batchBytes = 0
    let batchLast = 0
    const flush = async (): Promise<void> => {
      if (batch.length === 0) return
      const frames = batch
      const bytes = batchBytes
      batch = []
      batchBytes = 0
      await this.#io.writeMany(frames, stop)
      result.maxInFlight = Math.max(result.maxInFlight, batchLast + 1 - this.#verified)
      result.chunksSent += frames.length
      result.bytesSent += bytes
    }
    await forEachSealedChunk(sealer, source, this.#request.resumeFrom, async (index, ct) => {
      if (index - this.#verified >= this.#o.window) await flush()
      while (index - this.#verified >= this.#o.window && !stop.aborted) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve
        })
      }
      stop.throwIfAborted()
      batch.push(encodeSenderFrame({ kind: 'chunk', index, data: ct }))
      batchBytes += ct.length
      batchLast = index
      if (batch.length >= FRAMES_PER_WRITE) await flush()
    })
    await flush()
  }

  /** The outcome, and how the stream ends: closed, a stop frame, or aborted. */
  async #conclude(): Promise<void> {
    const result = this.#result
    const { signal } = this.#decision
    if (this.#complete) {
      result.outcome = 'complete'
      await this.#io.close()
    } else if (signal.aborted) {
      result.outcome = 'stopped'
      const status = typeof signal.reason === 'number' ? signal.reason : FILE_STATUS.cancelled
      await stopWith(this.#io, status)
    } else if (this.#receiverStatus !== 0) {
      const status = this.#receiverStatus
      result.outcome = 'receiver_stopped'
      result.status = status
      result.error = new FileTransferError(
        status === FILE_STATUS.integrity ? 'integrity' : 'interrupted',
        `the receiver stopped the stream (${statusName(status)})`,
      )
      await this.#io.close()
    } else {
      result.outcome = 'interrupted'
      this.#io.abort(result.error ?? new Error('file stream interrupted'))
    }
  }
}

async function stopWith(io: FrameStream, status: number): Promise<void> {
  try {
    await withDeadline(2_000, (signal) =>
      io.write(encodeSenderFrame({ kind: 'stop', status }), signal),
    )
    await io.close()
  } catch (err) {
    io.abort(asError(err))
  }
}

function asError(err: unknown): Error {
  if (err instanceof Error) return err
  return isProtocolError(err) ? err : new Error(String(err))
}
