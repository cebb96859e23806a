/**
 * Watches the bytes every muxed stream of the relay receives, before any protocol reader sees them,
 * and resets a stream whose length prefixes cannot be honest or whose half-sent frames hold more
 * memory than the budgets allow.
 *
 * Why here: the length-prefixed readers inside libp2p (multistream-select, circuit relay v2 hop and
 * stop, identify) come from `lpStream` in @libp2p/utils, which reads a prefix that never ends for as
 * long as the peer sends it (ADR 0205). Those readers cannot be given a cap from outside, so the
 * guard sits in the muxer: it wraps each stream's `onData` (inbound and outbound streams alike),
 * follows the framing the stream is in (multistream-select frames, then the negotiated protocol's
 * frames, or raw bytes for protocols that switch to raw), and counts bytes of frames not yet
 * complete against a per-connection and a global budget.
 *
 * The mailbox protocol reads with its own capped reader and answers `malformed`/`oversize` itself;
 * for it the guard only keeps the budgets.
 */
import type { Stream, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'
import { varintBytesFor } from './capped-lp-stream.ts'

export type GuardViolation =
  'prefix_too_long' | 'frame_too_large' | 'connection_budget' | 'global_budget'

/** Why the guard reset a stream (the peer sees a stream reset). */
export class StreamGuardError extends Error {
  override readonly name = 'StreamGuardError'
  readonly code: GuardViolation
  constructor(code: GuardViolation, message: string) {
    super(message)
    this.code = code
  }
}

export interface ProtocolFraming {
  /** Largest frame body the protocol's reader accepts. */
  maxFrameBytes: number
  /** Frames before the stream carries raw bytes (hop and stop: 1); Infinity: framed to the end. */
  frames: number
  /** The protocol's own reader caps prefixes and frames (and answers); the guard keeps budgets. */
  readerEnforces?: boolean
}

export interface FrameGuardLimits {
  /** Bytes of incomplete frames one connection may hold across its streams. */
  perConnectionBytes: number
  /** Bytes of incomplete frames all connections together may hold. */
  globalBytes: number
}

/** multistream-select: frames of at most 1024 bytes (`MAX_PROTOCOL_LENGTH` of the library). */
export const MULTISTREAM_MAX_FRAME_BYTES = 1024
const MULTISTREAM_ID = '/multistream/1.0.0'

interface ConnectionRecord {
  held: number
  streams: Set<StreamWatch>
}

/**
 * Budgets for bytes held in incomplete frames. When the global budget is exceeded the stream that
 * holds the most on the connection that holds the most is reset, whoever sent the last byte: an
 * attacker filling the budget cannot make it reset a well-behaved client's single half frame.
 */
export class FrameGuard {
  private readonly limits: FrameGuardLimits
  private readonly protocols: ReadonlyMap<string, ProtocolFraming>
  private readonly onReset: (violation: GuardViolation) => void
  private total = 0
  private readonly connections = new Set<ConnectionRecord>()

  constructor(init: {
    limits: FrameGuardLimits
    protocols: ReadonlyMap<string, ProtocolFraming>
    onReset: (violation: GuardViolation) => void
  }) {
    this.limits = init.limits
    this.protocols = init.protocols
    this.onReset = init.onReset
  }

  /** Bytes held in incomplete frames right now, all connections. */
  get heldBytes(): number {
    return this.total
  }

  /** Wraps a stream muxer factory (e.g. yamux()) so every stream it makes is watched. */
  wrapMuxer<C>(
    inner: (components: C) => StreamMuxerFactory,
  ): (components: C) => StreamMuxerFactory {
    return (components) => {
      const factory = inner(components)
      const create = factory.createStreamMuxer.bind(factory)
      factory.createStreamMuxer = (maConn) => {
        const muxer = create(maConn) as StreamMuxer & { onRemoteStream?: (s: Stream) => void }
        if (typeof muxer.onRemoteStream !== 'function') {
          // A muxer upgrade that renamed the hook would silently drop the guard: refuse to start.
          throw new Error('stream guard: the muxer has no onRemoteStream hook')
        }
        const connection: ConnectionRecord = { held: 0, streams: new Set() }
        const onRemote = muxer.onRemoteStream.bind(muxer)
        muxer.onRemoteStream = (stream) => {
          this.watch(stream, connection)
          onRemote(stream)
        }
        const createStream = muxer.createStream.bind(muxer)
        muxer.createStream = async (options) => {
          const stream = await createStream(options)
          this.watch(stream, connection)
          return stream
        }
        return muxer
      }
      return factory
    }
  }

  private watch(stream: Stream, connection: ConnectionRecord): void {
    const s = stream as Stream & { onData?: (data: Uint8Array | Iterable<Uint8Array>) => void }
    if (typeof s.onData !== 'function') throw new Error('stream guard: the stream has no onData')
    const watch = new StreamWatch(this, stream, connection)
    connection.streams.add(watch)
    this.connections.add(connection)
    const deliver = s.onData.bind(stream)
    s.onData = (data) => {
      if (watch.observe(data)) deliver(data)
    }
    stream.addEventListener(
      'close',
      () => {
        watch.finish()
        connection.streams.delete(watch)
        if (connection.streams.size === 0) this.connections.delete(connection)
      },
      { once: true },
    )
  }

  /** @internal */
  framingOf(protocol: string): ProtocolFraming | undefined {
    return this.protocols.get(protocol)
  }

  /** @internal Moves `delta` bytes in or out of the budgets; false if `watch` was reset for it. */
  account(watch: StreamWatch, connection: ConnectionRecord, delta: number): boolean {
    connection.held += delta
    this.total += delta
    if (delta <= 0) return true
    if (connection.held > this.limits.perConnectionBytes) {
      watch.reset('connection_budget', `connection holds ${connection.held} bytes of frames`)
      return false
    }
    while (this.total > this.limits.globalBytes) {
      const victim = this.heaviest()
      if (victim === undefined) break
      victim.reset('global_budget', `relay holds ${this.total} bytes of incomplete frames`)
      if (victim === watch) return false
    }
    return true
  }

  /** @internal */
  reported(violation: GuardViolation): void {
    this.onReset(violation)
  }

  private heaviest(): StreamWatch | undefined {
    let top: ConnectionRecord | undefined
    for (const c of this.connections) if (top === undefined || c.held > top.held) top = c
    let victim: StreamWatch | undefined
    for (const w of top?.streams ?? []) if (victim === undefined || w.held > victim.held) victim = w
    return victim !== undefined && victim.held > 0 ? victim : undefined
  }
}

type Mode =
  | { kind: 'multistream' }
  | { kind: 'framed'; framing: ProtocolFraming; framesLeft: number }
  | { kind: 'off' }

/** One stream's framing state: where the current frame started and how much of it arrived. */
class StreamWatch {
  private readonly guard: FrameGuard
  private readonly stream: Stream
  private readonly connection: ConnectionRecord
  private mode: Mode = { kind: 'multistream' }
  /** Bytes of the current incomplete frame (prefix included), counted in the budgets. */
  held = 0
  private prefixBytes = 0
  private length = 0
  /** Body bytes still to come; -1 while reading the prefix. */
  private remaining = -1
  /** multistream-select frame bodies are kept to learn the protocol name (≤ 1024 bytes). */
  private text: number[] = []
  private dead = false

  constructor(guard: FrameGuard, stream: Stream, connection: ConnectionRecord) {
    this.guard = guard
    this.stream = stream
    this.connection = connection
  }

  /** Follows the framing over `data`; false when the stream was reset and the data must go. */
  observe(data: Uint8Array | Iterable<Uint8Array>): boolean {
    if (this.dead) return false
    if (this.off()) return true
    const chunks = data instanceof Uint8Array ? [data] : data
    for (const chunk of chunks) {
      let i = 0
      while (i < chunk.length && !this.off()) {
        i = this.step(chunk, i)
        if (this.dead) return false
      }
      if (this.off()) break
    }
    return true
  }

  /** Not watching any more: raw bytes, the reader's own checks, or the stream ended. */
  private off(): boolean {
    return this.mode.kind === 'off'
  }

  private limits(): { maxFrameBytes: number; readerEnforces: boolean } {
    return this.mode.kind === 'framed'
      ? {
          maxFrameBytes: this.mode.framing.maxFrameBytes,
          readerEnforces: this.mode.framing.readerEnforces === true,
        }
      : { maxFrameBytes: MULTISTREAM_MAX_FRAME_BYTES, readerEnforces: false }
  }

  /** Consumes bytes of `chunk` from `i`; returns the next index. */
  private step(chunk: Uint8Array, i: number): number {
    const { maxFrameBytes, readerEnforces } = this.limits()
    if (this.remaining < 0) {
      const b = chunk[i]!
      this.length += (b & 0x7f) * 2 ** (7 * this.prefixBytes)
      this.prefixBytes++
      if (!this.hold(1)) return chunk.length
      if (b >= 0x80) {
        if (this.prefixBytes >= varintBytesFor(maxFrameBytes)) {
          // Same reading as capped-lp-stream.ts: data bits past the cap are an oversize frame.
          if (this.length > maxFrameBytes) {
            this.violation(readerEnforces, 'frame_too_large', 'frame longer than the cap')
          } else this.violation(readerEnforces, 'prefix_too_long', 'length prefix too long')
        }
        return i + 1
      }
      if (this.length > maxFrameBytes) {
        this.violation(readerEnforces, 'frame_too_large', `frame of ${this.length} bytes`)
        return i + 1
      }
      this.remaining = this.length
      if (this.remaining === 0) this.frameDone()
      return i + 1
    }
    const take = Math.min(this.remaining, chunk.length - i)
    if (this.mode.kind === 'multistream')
      for (let k = 0; k < take; k++) this.text.push(chunk[i + k]!)
    this.remaining -= take
    if (!this.hold(take)) return chunk.length
    if (this.remaining === 0) this.frameDone()
    return i + take
  }

  private hold(n: number): boolean {
    this.held += n
    return this.guard.account(this, this.connection, n)
  }

  private release(): void {
    if (this.held > 0) this.guard.account(this, this.connection, -this.held)
    this.held = 0
  }

  private frameDone(): void {
    this.release()
    this.prefixBytes = 0
    this.length = 0
    this.remaining = -1
    if (this.mode.kind === 'multistream') {
      const name = new TextDecoder().decode(new Uint8Array(this.text)).replace(/\n$/, '')
      this.text = []
      if (name === MULTISTREAM_ID) return
      const framing = this.guard.framingOf(name)
      // A name the relay does not serve is answered "na" and another proposal follows.
      if (framing === undefined) return
      this.mode =
        framing.frames === 0
          ? { kind: 'off' }
          : { kind: 'framed', framing, framesLeft: framing.frames }
      return
    }
    if (this.mode.kind === 'framed' && --this.mode.framesLeft === 0) this.mode = { kind: 'off' }
  }

  private violation(readerEnforces: boolean, v: GuardViolation, message: string): void {
    if (readerEnforces) {
      // The protocol's reader sees the same bytes, answers the typed error and resets the stream.
      this.release()
      this.mode = { kind: 'off' }
      return
    }
    this.reset(v, message)
  }

  reset(violation: GuardViolation, message: string): void {
    if (this.dead) return
    this.dead = true
    this.release()
    this.mode = { kind: 'off' }
    this.guard.reported(violation)
    this.stream.abort(new StreamGuardError(violation, message))
  }

  /** The stream closed: its half frame no longer holds memory. */
  finish(): void {
    this.release()
    this.mode = { kind: 'off' }
  }
}
