/** Length-prefixed frames over a libp2p 3 stream, with per-read idle timeouts. */
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { withDeadline } from '../wire/deadline.ts'
import { ProtocolError } from '../wire/errors.ts'
import { IdleWatch } from './idle-watch.ts'

/** How long a close waits for the other side's FIN_ACK (libp2p's own default). */
const CLOSE_WAIT_MS = 10_000

export interface FrameStream {
  /** The next frame, or null when the peer closed its side cleanly. */
  read(timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array | null>
  /** Resolves once the frame is handed to the transport (waits for drain: back-pressure). */
  write(frame: Uint8Array, signal?: AbortSignal): Promise<void>
  /**
   * Several frames as one transport write: the same bytes as writing them one by one, in fewer
   * and larger data-channel messages, copied once into one buffer (ADR 0440).
   */
  writeMany(frames: readonly Uint8Array[], signal?: AbortSignal): Promise<void>
  close(): Promise<void>
  abort(err: Error): void
}

export function frameStream(
  stream: Stream,
  maxFrameBytes: number,
  maxBufferBytes: number,
): FrameStream {
  resumeSendingAtHalfBuffer(stream)
  const lp = lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: maxBufferBytes })
  // One idle timer for the stream, stopped when it ends (not AbortSignal.timeout, which keeps the
  // stream in memory until it fires: wire/deadline.ts, ADR 0911; not one timer per frame: ADR 0440).
  const idle = new IdleWatch()
  return {
    async read(timeoutMs, signal) {
      idle.begin(timeoutMs)
      try {
        return (await lp.read({ signal: idle.signalWith(signal) })).subarray()
      } catch (err) {
        const e = err as { name?: string }
        if (
          e.name === 'UnexpectedEOFError' &&
          stream.readBufferLength === 0 &&
          isClosedCleanly(stream)
        ) {
          return null
        }
        if (e.name === 'InvalidDataLengthError' || e.name === 'InvalidDataLengthLengthError') {
          throw new ProtocolError(
            'oversize',
            `file stream frame above the cap of ${maxFrameBytes} bytes`,
            {
              cause: err,
            },
          )
        }
        throw err
      } finally {
        idle.end()
      }
    },
    async write(frame, signal) {
      await lp.write(frame, signal === undefined ? {} : { signal })
    },
    async writeMany(frames, signal) {
      if (frames.length === 0) return
      // lpStream's framing (an unsigned varint length, then the frame) into one buffer: libp2p
      // sends a single-buffer write as views, where a list of parts is first joined (a copy).
      if (!stream.send(lengthPrefixed(frames))) {
        await stream.onDrain(signal === undefined ? {} : { signal })
      }
    },
    async close() {
      idle.stop()
      // Given no signal, libp2p's close waits on a 10 s timeout signal of its own.
      await withDeadline(CLOSE_WAIT_MS, (signal) => stream.close({ signal })).catch(() => undefined)
    },
    abort(err) {
      idle.stop()
      stream.abort(err)
    },
  }
}

/**
 * What a libp2p WebRTC stream exposes of its data channel (@libp2p/webrtc's WebRTCStream: public
 * `channel` and `maxBufferedAmount`). Structural, so this module stays free of DOM types.
 */
interface DataChannelBacked {
  channel?: { bufferedAmountLowThreshold?: unknown }
  maxBufferedAmount?: unknown
}

/**
 * @libp2p/webrtc stops writing once the channel buffers `maxBufferedAmount` (2 MiB) and resumes
 * only when the buffer is EMPTY (its bufferedAmountLowThreshold is 0): the link idles for as long
 * as the page takes to answer the drain event, once every 2 MiB. Resuming at half leaves 1 MiB
 * queued meanwhile, as the bare-channel baseline does (ADR 0427). The drain event only wakes a
 * stream that is waiting for it, so an earlier event changes nothing else. Other transports
 * (WebSockets, yamux in tests) have no such channel and are left alone.
 */
export function resumeSendingAtHalfBuffer(stream: Stream): void {
  const s = stream as unknown as DataChannelBacked
  const channel = s.channel
  if (
    channel === undefined ||
    typeof channel.bufferedAmountLowThreshold !== 'number' ||
    typeof s.maxBufferedAmount !== 'number' ||
    !(s.maxBufferedAmount > 0)
  ) {
    return
  }
  channel.bufferedAmountLowThreshold = Math.floor(s.maxBufferedAmount / 2)
}

function isClosedCleanly(stream: Stream): boolean {
  return stream.remoteWriteStatus !== 'writable'
}

/** `frames`, each after its length as an unsigned varint (the framing lpStream reads). */
export function lengthPrefixed(frames: readonly Uint8Array[]): Uint8Array {
  let total = 0
  for (const f of frames) total += varintLength(f.length) + f.length
  const out = new Uint8Array(total)
  let at = 0
  for (const f of frames) {
    for (let n = f.length; ; n >>>= 7) {
      if (n < 0x80) {
        out[at++] = n
        break
      }
      out[at++] = (n & 0x7f) | 0x80
    }
    out.set(f, at)
    at += f.length
  }
  return out
}

function varintLength(n: number): number {
  let length = 1
  while (n >= 0x80) {
    n >>>= 7
    length++
  }
  return length
}
