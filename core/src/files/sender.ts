/**
 * Sender side of `/hestia/file/1.0.0` (docs/protocol/files.md "Stream"): read the receiver's
 * request, check its proof, then stream sealed chunks from the requested index, never more than
 * FILE_LIMITS.windowChunks ahead of what the receiver reported verified and persisted.
 */
import type { Stream } from '@libp2p/interface'
import type { FileShareFields } from '../crypto/codecs.ts'
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
}

const READ_BUFFER = 64 * 1024

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
  let request: FileRequestFields
  try {
    const first = await io.read(idleMs)
    if (first === null) throw new ProtocolError('malformed', 'file stream closed before a request')
    request = decodeRequest(first)
  } catch (err) {
    await stopWith(io, FILE_STATUS.malformed)
    return {
      outcome: 'rejected_request',
      chunksSent: 0,
      maxInFlight: 0,
      bytesSent: 0,
      error: asError(err),
    }
  }
  const decision = await lookup(request, remotePeer)
  if (!decision.ok) {
    await stopWith(io, decision.status)
    return {
      outcome: 'refused',
      chunksSent: 0,
      maxInFlight: 0,
      bytesSent: 0,
      status: decision.status,
    }
  }
  const { share, source } = decision
  const expected = requestProof(share.key, request.transferId, request.resumeFrom, remotePeer)
  if (!proofMatches(expected, request.proof)) {
    await stopWith(io, FILE_STATUS.forbidden)
    return {
      outcome: 'refused',
      chunksSent: 0,
      maxInFlight: 0,
      bytesSent: 0,
      status: FILE_STATUS.forbidden,
    }
  }
  const last = chunkCount(share.size) - 1
  if (request.resumeFrom > last) {
    await stopWith(io, FILE_STATUS.malformed)
    return {
      outcome: 'rejected_request',
      chunksSent: 0,
      maxInFlight: 0,
      bytesSent: 0,
      error: new ProtocolError('malformed', 'resume_from is past the last chunk'),
    }
  }

  await decision.onStart()
  const window = opts.windowChunks ?? FILE_LIMITS.windowChunks
  const result: ServeResult = {
    outcome: 'interrupted',
    chunksSent: 0,
    maxInFlight: 0,
    bytesSent: 0,
    resumeFrom: request.resumeFrom,
  }
  let verified = request.resumeFrom
  let complete = false
  let receiverStatus = 0
  let wake: (() => void) | null = null
  const wakeUp = () => {
    const w = wake
    wake = null
    w?.()
  }
  const local = new AbortController()
  const stop = AbortSignal.any([decision.signal, local.signal])

  // Receiver frames run alongside the writes: they move the window and carry the final verdict.
  const reading = (async () => {
    try {
      for (;;) {
        const bytes = await io.read(idleMs * 2, stop)
        if (bytes === null) break
        const f = decodeReceiverFrame(bytes)
        if (f.verified > last + 1 || f.verified < verified) {
          throw new ProtocolError('malformed', 'receiver reported an impossible chunk count')
        }
        verified = f.verified
        decision.onProgress(verified)
        if (f.status !== 0) receiverStatus = f.status
        if (f.complete) complete = true
        wakeUp()
        if (complete || receiverStatus !== 0) break
      }
    } catch (err) {
      if (!stop.aborted) result.error = asError(err)
    } finally {
      local.abort()
      wakeUp()
    }
  })()

  try {
    await io.write(encodeSenderFrame({ kind: 'start', header: decision.header }), stop)
    const sealer = await ChunkSealer.open(share.key, decision.header, share.fileId, opts.aes)
    await forEachSealedChunk(sealer, source, request.resumeFrom, async (index, ct) => {
      while (index - verified >= window && !stop.aborted) {
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
      stop.throwIfAborted()
      await io.write(encodeSenderFrame({ kind: 'chunk', index, data: ct }), stop)
      result.maxInFlight = Math.max(result.maxInFlight, index + 1 - verified)
      result.chunksSent++
      result.bytesSent += ct.length
    })
    await reading
  } catch (err) {
    if (!stop.aborted && result.error === undefined) result.error = asError(err)
  }
  await reading
  if (complete) {
    result.outcome = 'complete'
    await io.close()
  } else if (decision.signal.aborted) {
    result.outcome = 'stopped'
    const status =
      typeof decision.signal.reason === 'number' ? decision.signal.reason : FILE_STATUS.cancelled
    await stopWith(io, status)
  } else if (receiverStatus !== 0) {
    result.outcome = 'receiver_stopped'
    result.status = receiverStatus
    result.error = new FileTransferError(
      receiverStatus === FILE_STATUS.integrity ? 'integrity' : 'interrupted',
      `the receiver stopped the stream (${statusName(receiverStatus)})`,
    )
    await io.close()
  } else {
    result.outcome = 'interrupted'
    io.abort(result.error ?? new Error('file stream interrupted'))
  }
  return result
}

async function stopWith(io: FrameStream, status: number): Promise<void> {
  try {
    await io.write(encodeSenderFrame({ kind: 'stop', status }), AbortSignal.timeout(2_000))
    await io.close()
  } catch (err) {
    io.abort(asError(err))
  }
}

function asError(err: unknown): Error {
  if (err instanceof Error) return err
  return isProtocolError(err) ? err : new Error(String(err))
}
