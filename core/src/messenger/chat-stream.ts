/**
 * The sending side of `/hestia/chat/1.0.0` with one stream kept open per contact device (issue #21,
 * ADR 0422). A stream per frame cost a new RTCDataChannel, its protocol selection and a peer-store
 * write at both ends, then a close handshake: about 5 ms of a 20 ms round trip in Node, each way
 * (scripts/profile-direct-message.ts). The handler already serves up to framesPerStream frames
 * per stream, each acked in order (chat-protocol.ts), so nothing on the wire changes.
 *
 * - One kept stream per peer. A send finding it busy (another frame waiting for its ack) opens a
 *   stream of its own for that frame, as before, and closes it after: a slow ack never holds up
 *   the next frame, and nothing queues here.
 * - A kept stream that carried nothing for `idleMs` is closed, well before the handler's own 30 s
 *   wait ends it from the other side; so is one that carried framesPerStream frames. An idle open
 *   stream sends nothing (no keep-alive of its own) and does not keep the connection in use: each
 *   frame counts as use, the open stream does not (idle-connections.ts, ADR 0424).
 * - A kept stream that turns out gone (the peer reset or ended it) is dropped and the frame goes
 *   on a fresh stream once; a frame the peer may have stored before that is acked again as a
 *   known duplicate (the ratchet refuses the replay). No ack within directAckMs ends the stream
 *   and the connection, as for a one-off stream.
 */
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { ProtocolError } from '../wire/errors.ts'
import { deadline, withDeadline } from '../wire/deadline.ts'
import { DirectSendError, openChatStream } from './chat-protocol.ts'
import { noteConnectionUse } from './idle-connections.ts'
import { DIRECT_ACK, MESSENGER_LIMITS, MESSENGER_TIMING } from './limits.ts'
import { connectionCarrying, directConnection, type MessengerNet } from './net.ts'
import { traceMark } from '../wire/latency-trace.ts'

/** How long a graceful close of a kept stream may take before it is aborted. */
const CLOSE_WAIT_MS = 2_000

type FramedStream = ReturnType<typeof lpStream>

interface Kept {
  readonly stream: Stream
  readonly lp: FramedStream
  readonly connection: Connection
  busy: boolean
  frames: number
  timer: ReturnType<typeof setTimeout> | undefined
}

/** The kept stream ended under the frame (reset, or ended by the peer): try a fresh one. */
class StreamGone extends Error {
  override readonly name = 'StreamGone'
}

export interface ChatStreamsOptions {
  /**
   * A kept stream with no frame for this long is closed (default MESSENGER_TIMING.chatStreamIdleMs);
   * 0 keeps none: one stream per frame, as before ADR 0422.
   */
  idleMs?: number
}

export class ChatStreams {
  readonly #net: MessengerNet
  readonly #idleMs: number
  readonly #kept = new Map<string, Kept>()
  #closed = false

  constructor(net: MessengerNet, options: ChatStreamsOptions = {}) {
    const idleMs = options.idleMs ?? MESSENGER_TIMING.chatStreamIdleMs
    if (!(idleMs >= 0)) throw new RangeError('chat stream idle time: 0 ms or more')
    this.#net = net
    this.#idleMs = idleMs
  }

  /** Streams kept open now (tests, diagnostics). */
  get kept(): number {
    return this.#kept.size
  }

  /**
   * Sends `frame` to `peer` and waits for its transport ack: on the kept stream when it is free,
   * else on a fresh one (dialled through `relays` within directDialMs when no direct connection
   * exists). Throws DirectSendError as sendDirect does.
   */
  async send(peer: PeerId, relays: readonly string[], frame: Uint8Array): Promise<void> {
    if (frame.length > MESSENGER_LIMITS.directFrameBytes) {
      throw new ProtocolError('oversize', 'direct frame above the cap')
    }
    const key = peer.toString()
    const kept = this.#kept.get(key)
    if (kept !== undefined && !kept.busy) {
      if (this.#usable(kept, peer)) {
        try {
          await this.#exchange(kept, peer, frame)
          this.#rest(key, kept)
          return
        } catch (err) {
          if (!(err instanceof StreamGone)) {
            if (err instanceof DirectSendError && err.code === 'rejected') this.#rest(key, kept)
            throw err
          }
        }
      }
      this.#drop(key, kept)
    }
    const { stream, connection } = await openChatStream(this.#net, peer, relays)
    const fresh = this.#framed(stream, connection)
    try {
      await this.#exchange(fresh, peer, frame)
    } catch (err) {
      if (err instanceof DirectSendError && err.code === 'rejected') {
        this.#keepOrClose(key, fresh)
        throw err
      }
      abort(stream, err)
      if (err instanceof StreamGone)
        throw new DirectSendError('no_ack', 'the chat stream ended before the ack', { cause: err })
      throw err
    }
    this.#keepOrClose(key, fresh)
  }

  /** Closes every kept stream (the messenger stops); later sends use one stream each. */
  async close(): Promise<void> {
    this.#closed = true
    const all = [...this.#kept]
    this.#kept.clear()
    await Promise.all(all.map(([, k]) => this.#closeGently(k)))
  }

  #framed(stream: Stream, connection: Connection): Kept {
    return {
      stream,
      lp: lpStream(stream, { maxDataLength: 16 }),
      connection,
      busy: false,
      frames: 0,
      timer: undefined,
    }
  }

  /** Still open both ways, on the connection a new stream would use now. */
  #usable(k: Kept, peer: PeerId): boolean {
    return (
      k.stream.status === 'open' &&
      k.stream.writeStatus === 'writable' &&
      k.stream.readStatus !== 'closing' &&
      k.stream.readStatus !== 'closed' &&
      k.connection.status === 'open' &&
      directConnection(this.#net, peer) === k.connection
    )
  }

  /** One frame out, its one-byte ack in, within directAckMs. */
  async #exchange(k: Kept, peer: PeerId, frame: Uint8Array): Promise<void> {
    k.busy = true
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    const limit = deadline(MESSENGER_TIMING.directAckMs)
    try {
      let ack: Uint8Array
      try {
        traceMark('stream.write')
        await k.lp.write(frame, { signal: limit.signal })
        traceMark('stream.written')
        ack = (await k.lp.read({ signal: limit.signal })).subarray()
        traceMark('stream.ack')
      } catch (err) {
        if (!limit.signal.aborted) throw new StreamGone('chat stream ended', { cause: err })
        // No ack within the budget: the connection is judged by what it carries (ADR 0910).
        abort(k.stream, err)
        connectionCarrying(this.#net, peer, k.stream)?.abort(
          new Error('no transport ack within the ack budget'),
        )
        throw new DirectSendError('no_ack', 'no transport ack from the contact', { cause: err })
      }
      k.frames++
      // The kept stream stays open between frames, so its opening alone says nothing about use:
      // each acked frame does (idle-connections.ts, ADR 0424).
      noteConnectionUse(k.connection)
      if (ack.length !== 1 || ack[0] !== DIRECT_ACK.stored) {
        throw new DirectSendError('rejected', 'the contact rejected the frame')
      }
    } finally {
      limit.clear()
      k.busy = false
    }
  }

  /** A fresh stream after its first frame: kept when no other is, else closed. */
  #keepOrClose(key: string, k: Kept): void {
    if (this.#closed || this.#idleMs === 0 || this.#kept.has(key)) {
      void this.#closeGently(k)
      return
    }
    this.#kept.set(key, k)
    k.stream.addEventListener('close', () => this.#forget(key, k), { once: true })
    this.#rest(key, k)
  }

  /** Between frames: closed once it carried its share of frames, or after idleMs without one. */
  #rest(key: string, k: Kept): void {
    if (this.#kept.get(key) !== k) return
    if (k.frames >= MESSENGER_LIMITS.framesPerStream) {
      this.#drop(key, k)
      return
    }
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = setTimeout(() => this.#drop(key, k), this.#idleMs)
  }

  #drop(key: string, k: Kept): void {
    this.#forget(key, k)
    void this.#closeGently(k)
  }

  #forget(key: string, k: Kept): void {
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    if (this.#kept.get(key) === k) this.#kept.delete(key)
  }

  async #closeGently(k: Kept): Promise<void> {
    if (k.timer !== undefined) clearTimeout(k.timer)
    k.timer = undefined
    if (k.stream.status !== 'open') return
    // Our own time limit: libp2p's close would start a 10 s timeout signal of its own (ADR 0911).
    await withDeadline(CLOSE_WAIT_MS, (signal) => k.stream.close({ signal })).catch(
      (err: unknown) => abort(k.stream, err),
    )
  }
}

function abort(stream: Stream, err: unknown): void {
  stream.abort(err instanceof Error ? err : new Error(String(err)))
}
