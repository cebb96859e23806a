/**
 * Liveness of the connections to our relays, and nothing else (ADR 0910). libp2p's connection
 * monitor pings every connection, contacts' WebRTC connections included; the browser node turns it
 * off and runs this instead.
 *
 * Every `intervalMs` (each wait drawn within ± `jitter` of it), each open connection that is
 * neither WebRTC nor limited (that is, a relay's WebSocket) gets one round trip: a yamux ping frame
 * (12 bytes each way, answered inside the other end's muxer, ADR 0912) where the connection's
 * muxer has one, else an `/ipfs/ping/1.0.0` stream (multistream-select, 32 bytes each way, close:
 * ~10x the bytes). No answer within `timeoutMs` (or a stream that cannot open) means the
 * connection is dead although the socket looks open (a NAT that forgot it, a laptop that slept):
 * it is aborted, and the messenger's keeper dials the relay again within seconds. A relay that
 * does not speak ping answered, so it is alive.
 *
 * The relay runs the same check on its side (relay-node/src/relay-nodes.ts), which also keeps NAT
 * bindings warm.
 */
import type { Connection, Startable } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'
import { deadline } from '../wire/deadline.ts'

export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_BYTES = 32

export interface RelayKeepAliveOptions {
  readonly intervalMs: number
  /** A ping slower than this counts as a dead connection. */
  readonly timeoutMs: number
  /**
   * Each wait is `intervalMs` × (1 ± jitter), drawn anew (0 to 1; default 0). A device's mailbox
   * links each run their own check: without jitter, links opened within a second of each other
   * would ping within a second of each other forever, a timing pattern that links them (ADR 0912).
   */
  readonly jitter?: number
  /** 'muxer' (default): a yamux ping frame where available; 'stream': always `/ipfs/ping/1.0.0`. */
  readonly probe?: 'muxer' | 'stream'
}

export interface RelayKeepAliveComponents {
  readonly connectionManager: { getConnections(): Connection[] }
}

export function relayKeepAlive(
  options: RelayKeepAliveOptions,
): (components: RelayKeepAliveComponents) => RelayKeepAlive {
  return (components) => new RelayKeepAlive(components, options)
}

export class RelayKeepAlive implements Startable {
  readonly #components: RelayKeepAliveComponents
  readonly #options: RelayKeepAliveOptions
  #timer: ReturnType<typeof setTimeout> | undefined
  #stopped = new AbortController()

  constructor(components: RelayKeepAliveComponents, options: RelayKeepAliveOptions) {
    if (!(options.intervalMs > 0) || !(options.timeoutMs > 0))
      throw new RangeError('intervalMs and timeoutMs must be above 0')
    const jitter = options.jitter ?? 0
    if (!(jitter >= 0 && jitter <= 1)) throw new RangeError('jitter must be within 0 and 1')
    this.#components = components
    this.#options = options
  }

  readonly [Symbol.toStringTag] = 'hestia/relay-keepalive'

  start(): void {
    this.#stopped = new AbortController()
    this.#schedule()
  }

  /** The next wait: intervalMs, moved by up to ± jitter (a fresh draw each time). */
  nextDelayMs(): number {
    const jitter = this.#options.jitter ?? 0
    return this.#options.intervalMs * (1 + jitter * (2 * Math.random() - 1))
  }

  #schedule(): void {
    // This run's own signal: a stop and start while a check is in flight must not leave two chains.
    const run = this.#stopped.signal
    this.#timer = setTimeout(() => {
      void this.pingRelays().finally(() => {
        if (!run.aborted) this.#schedule()
      })
    }, this.nextDelayMs())
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#stopped.abort()
  }

  /** One ping on every relay connection; resolves with how many were aborted as dead. */
  async pingRelays(): Promise<number> {
    const relays = this.#components.connectionManager.getConnections().filter(isRelayConnection)
    const results = await Promise.all(relays.map((c) => this.#check(c)))
    return results.filter((alive) => !alive).length
  }

  async #check(connection: Connection): Promise<boolean> {
    const limit = deadline(this.#options.timeoutMs)
    const signal = AbortSignal.any([limit.signal, this.#stopped.signal])
    try {
      const muxer = this.#options.probe === 'stream' ? undefined : pingableMuxer(connection)
      if (muxer !== undefined) await muxerPing(muxer, signal)
      else await pingOnce(connection, signal)
      return true
    } catch (err) {
      if (this.#stopped.signal.aborted) return true
      if (err instanceof Error && err.name === 'UnsupportedProtocolError') return true
      connection.abort(err instanceof Error ? err : new Error(String(err)))
      return false
    } finally {
      limit.clear()
    }
  }
}

/** What a yamux muxer offers: a ping frame answered by the other end's muxer, resolving with the RTT. */
interface PingableMuxer {
  ping(options?: { signal?: AbortSignal }): Promise<number>
}

/**
 * The connection's stream muxer, if it can ping. libp2p 3.3.x keeps it as `connection.muxer`
 * (not in the Connection interface); anything else falls back to the ping stream, so a libp2p
 * upgrade that hides it costs bytes, not liveness (relay-keepalive.test.ts notices).
 */
export function pingableMuxer(connection: Connection): PingableMuxer | undefined {
  const muxer = (connection as Connection & { muxer?: Partial<PingableMuxer> }).muxer
  return typeof muxer?.ping === 'function' ? (muxer as PingableMuxer) : undefined
}

async function muxerPing(muxer: PingableMuxer, signal: AbortSignal): Promise<void> {
  // yamux keeps one ping outstanding and lets later ones wait for its answer; one that never
  // comes is what this timeout turns into a dead connection.
  await muxer.ping({ signal })
  signal.throwIfAborted()
}

async function pingOnce(connection: Connection, signal: AbortSignal): Promise<void> {
  const stream = await connection.newStream(PING_PROTOCOL, { signal })
  try {
    const bytes = byteStream(stream)
    const sent = crypto.getRandomValues(new Uint8Array(PING_BYTES))
    const [, echo] = await Promise.all([
      bytes.write(sent, { signal }),
      bytes.read({ bytes: PING_BYTES, signal }),
    ])
    const got = echo.subarray()
    if (got.length !== PING_BYTES || got.some((b, i) => b !== sent[i]))
      throw new Error('the relay answered the ping with other bytes')
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/** A relay's connection: open, not limited, not WebRTC (contacts connect over WebRTC only). */
export function isRelayConnection(c: Connection): boolean {
  return (
    c.status === 'open' && c.limits === undefined && !c.remoteAddr.toString().includes('/webrtc')
  )
}
