/** Length-prefixed frames over a libp2p 3 stream, with per-read idle timeouts. */
import type { Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { ProtocolError } from '../wire/errors.ts'

export interface FrameStream {
  /** The next frame, or null when the peer closed its side cleanly. */
  read(timeoutMs: number, signal?: AbortSignal): Promise<Uint8Array | null>
  /** Resolves once the frame is handed to the transport (waits for drain: back-pressure). */
  write(frame: Uint8Array, signal?: AbortSignal): Promise<void>
  close(): Promise<void>
  abort(err: Error): void
}

export function frameStream(
  stream: Stream,
  maxFrameBytes: number,
  maxBufferBytes: number,
): FrameStream {
  const lp = lpStream(stream, { maxDataLength: maxFrameBytes, maxBufferSize: maxBufferBytes })
  return {
    async read(timeoutMs, signal) {
      const timeout = AbortSignal.timeout(timeoutMs)
      const s = signal === undefined ? timeout : AbortSignal.any([signal, timeout])
      try {
        return (await lp.read({ signal: s })).subarray()
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
      }
    },
    async write(frame, signal) {
      await lp.write(frame, signal === undefined ? {} : { signal })
    },
    async close() {
      await stream.close().catch(() => undefined)
    },
    abort(err) {
      stream.abort(err)
    },
  }
}

function isClosedCleanly(stream: Stream): boolean {
  return stream.remoteWriteStatus !== 'writable'
}
