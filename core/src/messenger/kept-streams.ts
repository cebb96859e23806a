/**
 * The sending side of a protocol whose handler takes many frames per stream, each answered by a
 * one-byte, length-prefixed transport ack (DIRECT_ACK): one stream kept open per peer, used by the
 * chat (`/hestia/chat/1.0.0`, chat-stream.ts, ADR 0422) and by our own devices
 * (`/hestia/own/1.0.0`, devices/own-direct.ts, ADR 0790). Who may be sent what, how a stream is
 * opened and what a failure means stay with them; this holds the streams.
 *
 * - One kept stream per peer. A send finding it busy (another frame waiting for its ack) or not
 *   usable (ended, or no longer on the peer's current direct connection) opens a stream of its own;
 *   a fresh stream is kept after its first frame when none is, else closed: nothing queues here.
 * - A kept stream that carried nothing for `idleMs` is closed, and so is one that carried
 *   `framesPerStream` frames (before the handler's own limits end it). An idle open stream sends
 *   nothing and does not keep the connection in use: each acked frame counts as use, the open
 *   stream does not (idle-connections.ts, ADR 0424).
 * - A kept stream that turns out gone under a frame (the peer reset or ended it) is reset and the
 *   frame goes on a fresh stream once. No ack within directAckMs resets the stream and aborts the
 *   connection carrying it: a connection is judged by what it carries (ADR 0910).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { deadline, withDeadline } from '../wire/deadline.ts'
import { traceMark } from '../wire/latency-trace.ts'
import { noteConnectionUse } from './idle-connections.ts'
import { DIRECT_ACK, MESSENGER_TIMING } from './limits.ts'

/** How long a graceful close of a stream may take before it is aborted. */
const CLOSE_WAIT_MS = 2_000

/** A stream opened for frames, and the connection that carries it. */
export interface OpenedStream {
  stream: Stream
  connection: Connection
}

interface Kept {
  readonly stream: Stream
  readonly lp: ReturnType<typeof lpStream>
  readonly connection: Connection
  busy: boolean
  frames: number
  timer: ReturnType<typeof setTimeout> | undefined
}

/** The stream ended under the frame (reset, or ended by the peer) before the ack budget ran out. */
export class StreamGone extends Error {
  override readonly name = 'StreamGone'
}

/** No transport ack within directAckMs: the stream was reset and its connection aborted. */
export class AckTimeout extends Error {
  override readonly name = 'AckTimeout'
}

export interface KeptStreamsOptions {
  /** Frames one stream carries before it is closed (at most the handler's own limit). */
  framesPerStream: number
  /** A kept stream with no frame for this long is closed; 0 keeps none (one stream per frame). */
  idleMs: number
  /** A refused frame leaves its stream kept (the handler goes on after it); else it is closed. */
  keepRefused: boolean
  /** Why a silent connection is aborted (its error message). */
  silentReason: string
  /** Called with the connection of each frame acked (either answer). */
  onAck?(connection: Connection): void
  /** Marks each frame's write, written and ack (latency-trace.ts). */
  trace?: boolean
}

export class KeptStreams {
  readonly #o: KeptStreamsOptions
  readonly #kept = new Map<string, Kept>()
  #closed = false

  constructor(options: KeptStreamsOptions) {
    if (!(options.idleMs >= 0)) throw new RangeError('kept stream idle time: 0 ms or more')
    this.#o = options
  }

  /** Streams kept open now (tests, diagnostics). */
  get size(): number {
    return this.#kept.size
  }

  /**
   * Sends `frame` to `key` and waits for its transport ack: on the kept stream when it is free and
   * on `current` (the peer's direct connection now), else on a fresh one from `open`. Gives whether
   * the peer took it (its ack), or undefined when `open` gave no stream. Throws StreamGone when
   * the fresh stream ended under the frame, AckTimeout, or what `open` threw.
   */
  async send(
    key: string,
    current: Connection | undefined,
    frame: Uint8Array,
    open: () => Promise<OpenedStream | undefined>,
  ): Promise<boolean | undefined> {
    const kept = this.#kept.get(key)
    if (kept !== undefined && !kept.busy) {
      if (!usable(kept, current)) this.#drop(key, kept)
      else {
        try {
          const taken = await this.#exchange(kept, frame)
          if (taken || this.#o.keepRefused) this.#rest(key, kept)
          else this.#drop(key, kept)
          return taken
        } catch (err) {
          this.#drop(key, kept)
          // Gone under the frame (not silent): the frame goes on a fresh stream once.
          if (!(err instanceof StreamGone)) throw err
        }
      }
    }
    const opened = await open()
    if (opened === undefined) return undefined
    const fresh: Kept = {
      ...opened,
      lp: lpStream(opened.stream, { maxDataLength: 16 }),
      busy: false,
      frames: 0,
      timer: undefined,
    }
    const taken = await this.#exchange(fresh, frame)
    if (taken || this.#o.keepRefused) this.#keepOrClose(key, fresh)
    else void closeGently(fresh.stream)
    return taken
  }

  /** Closes every kept stream; until reopen(), later sends use one stream each. */
  async close(): Promise<void> {
    this.#closed = true
    const all = [...this.#kept]
    this.#kept.clear()
    await Promise.all(all.map(([, k]) => this.#closeKept(k)))
  }

  /** Keeps streams again after close(). */
  reopen(): void {
    this.#closed = false
  }

  /** One frame out, its one-byte ack in, within directAckMs; a failed stream is reset. */
  async #exchange(k: Kept, frame: Uint8Array): Promise<boolean> {
    k.busy = true
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    const limit = deadline(MESSENGER_TIMING.directAckMs)
    const mark = this.#o.trace === true ? traceMark : () => undefined
    try {
      let ack: Uint8Array
      try {
        mark('stream.write')
        await k.lp.write(frame, { signal: limit.signal })
        mark('stream.written')
        ack = (await k.lp.read({ signal: limit.signal })).subarray()
        mark('stream.ack')
      } catch (err) {
        abortStream(k.stream, err)
        if (!limit.signal.aborted) throw new StreamGone('the stream ended', { cause: err })
        k.connection.abort(new Error(this.#o.silentReason))
        throw new AckTimeout(this.#o.silentReason, { cause: err })
      }
      k.frames++
      // A kept stream stays open between frames, so its opening alone says nothing about use:
      // each acked frame does (idle-connections.ts, ADR 0424).
      noteConnectionUse(k.connection)
      this.#o.onAck?.(k.connection)
      return ack.length === 1 && ack[0] === DIRECT_ACK.stored
    } finally {
      limit.clear()
      k.busy = false
    }
  }

  /** A fresh stream after its first frame: kept when no other is, else closed. */
  #keepOrClose(key: string, k: Kept): void {
    if (this.#closed || this.#o.idleMs === 0 || this.#kept.has(key)) {
      void this.#closeKept(k)
      return
    }
    this.#kept.set(key, k)
    k.stream.addEventListener('close', () => this.#forget(key, k), { once: true })
    this.#rest(key, k)
  }

  /** Between frames: closed once it carried its share of frames, or after idleMs without one. */
  #rest(key: string, k: Kept): void {
    if (this.#kept.get(key) !== k) return void this.#closeKept(k)
    if (k.frames >= this.#o.framesPerStream) return this.#drop(key, k)
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = setTimeout(() => this.#drop(key, k), this.#o.idleMs)
  }

  #drop(key: string, k: Kept): void {
    this.#forget(key, k)
    void this.#closeKept(k)
  }

  #forget(key: string, k: Kept): void {
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    if (this.#kept.get(key) === k) this.#kept.delete(key)
  }

  async #closeKept(k: Kept): Promise<void> {
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    await closeGently(k.stream)
  }
}

/** Open both ways, on the peer's current direct connection. */
function usable(k: Kept, current: Connection | undefined): boolean {
  return (
    k.stream.status === 'open' &&
    k.stream.writeStatus === 'writable' &&
    k.stream.readStatus !== 'closing' &&
    k.stream.readStatus !== 'closed' &&
    k.connection.status === 'open' &&
    current === k.connection
  )
}

/** Closes an open stream within CLOSE_WAIT_MS, else aborts it (libp2p's own wait is 10 s, ADR 0911). */
export async function closeGently(stream: Stream): Promise<void> {
  if (stream.status !== 'open') return
  await withDeadline(CLOSE_WAIT_MS, (signal) => stream.close({ signal })).catch((err: unknown) =>
    abortStream(stream, err),
  )
}

export function abortStream(stream: Stream, err: unknown): void {
  stream.abort(err instanceof Error ? err : new Error(String(err)))
}
