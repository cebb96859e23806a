/**
 * A varint-length-prefixed reader that caps the prefix itself, not only the length it decodes to.
 *
 * Why not `lpStream` from @libp2p/utils (7.4.1): it reads the prefix one byte at a time and keeps
 * going while the bytes fail to decode, so a peer that sends bytes which all carry the continuation
 * bit is read for as long as it sends; its `maxLengthLength` check only runs once a prefix decoded.
 * Issue 15 measured 2 MiB of 0x80 taking the relay from 135 to 513 MiB. Here a prefix longer than
 * the bytes the largest allowed frame needs is an error after that many bytes (ADR 0205).
 */
import type { AbortOptions, MessageStream } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'

/** Bytes an unsigned varint needs for `n` (1 for 0..127, 2 up to 16383, ...). */
export function varintBytesFor(n: number): number {
  let bytes = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    bytes++
  }
  return bytes
}

export type FrameLengthProblem = 'prefix_too_long' | 'frame_too_large'

/** The length prefix broke the cap: the framing is lost, so the stream cannot go on. */
export class FrameLengthError extends Error {
  override readonly name = 'FrameLengthError'
  readonly code: FrameLengthProblem
  constructor(code: FrameLengthProblem, message: string) {
    super(message)
    this.code = code
  }
}

export interface CappedLpStream {
  /** The next frame's body, or null when the peer closed cleanly between frames. */
  read(options?: AbortOptions): Promise<Uint8Array | null>
  write(data: Uint8Array, options?: AbortOptions): Promise<void>
}

export function cappedLpStream(
  stream: MessageStream,
  options: { maxFrameBytes: number; maxBufferedBytes?: number },
): CappedLpStream {
  const { maxFrameBytes } = options
  const maxPrefixBytes = varintBytesFor(maxFrameBytes)
  const bytes = byteStream(stream, {
    maxBufferSize: options.maxBufferedBytes ?? 2 * (maxFrameBytes + maxPrefixBytes),
  })
  return {
    async read(abort) {
      let length = 0
      for (let i = 0; ; i++) {
        if (i === maxPrefixBytes) {
          // Still going: the length is at least 128^i. Data bits already past the cap announce an
          // oversize frame; none (0x80 0x80 …) is padding that no honest encoder writes.
          if (length > maxFrameBytes) {
            throw new FrameLengthError(
              'frame_too_large',
              `frame longer than ${maxFrameBytes} bytes`,
            )
          }
          throw new FrameLengthError(
            'prefix_too_long',
            `length prefix longer than ${maxPrefixBytes} bytes`,
          )
        }
        const chunk =
          i === 0 ? await firstByte(bytes, abort) : await bytes.read({ ...abort, bytes: 1 })
        if (chunk === null) return null
        const b = chunk.get(0)
        length += (b & 0x7f) * 2 ** (7 * i)
        if (b < 0x80) break
      }
      if (length > maxFrameBytes) {
        throw new FrameLengthError(
          'frame_too_large',
          `frame of ${length} bytes, more than ${maxFrameBytes}`,
        )
      }
      if (length === 0) return new Uint8Array(0)
      return (await bytes.read({ ...abort, bytes: length })).subarray()
    },
    async write(data, abort) {
      const prefixBytes = varintBytesFor(data.byteLength)
      const frame = new Uint8Array(prefixBytes + data.byteLength)
      let n = data.byteLength
      for (let i = 0; i < prefixBytes; i++) {
        frame[i] = (n & 0x7f) | (i < prefixBytes - 1 ? 0x80 : 0)
        n = Math.floor(n / 0x80)
      }
      frame.set(data, prefixBytes)
      await bytes.write(frame, abort)
    },
  }
}

/** The first prefix byte, or null when the stream ended cleanly before it (between frames). */
async function firstByte(
  bytes: ReturnType<typeof byteStream>,
  abort: AbortOptions | undefined,
): Promise<{ get(i: number): number } | null> {
  try {
    return await bytes.read({ ...abort, bytes: 1 })
  } catch (err) {
    if (err instanceof Error && err.name === 'UnexpectedEOFError') return null
    throw err
  }
}
