/**
 * Liveness of the connections to our relays, and nothing else (ADR 0910). libp2p's connection
 * monitor pings every connection, contacts' WebRTC connections included; the browser node turns it
 * off and runs this instead.
 *
 * Every `intervalMs`, each open connection that is neither WebRTC nor limited (that is, a relay's
 * WebSocket) gets one `/ipfs/ping/1.0.0` round trip of 32 bytes. No answer within `timeoutMs` (or
 * a stream that cannot open) means the connection is dead although the socket looks open (a NAT
 * that forgot it, a laptop that slept): it is aborted, and the messenger's keeper dials the relay
 * again within seconds. A relay that does not speak ping answered, so it is alive.
 *
 * NAT bindings do not need this: yamux pings every 30 s on the same connection (both ends).
 */
import type { Connection, Startable } from '@libp2p/interface'
import { byteStream } from '@libp2p/utils'

export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
const PING_BYTES = 32

export interface RelayKeepAliveOptions {
  readonly intervalMs: number
  /** A ping slower than this counts as a dead connection. */
  readonly timeoutMs: number
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
  #timer: ReturnType<typeof setInterval> | undefined
  #stopped = new AbortController()

  constructor(components: RelayKeepAliveComponents, options: RelayKeepAliveOptions) {
    if (!(options.intervalMs > 0) || !(options.timeoutMs > 0))
      throw new RangeError('intervalMs and timeoutMs must be above 0')
    this.#components = components
    this.#options = options
  }

  readonly [Symbol.toStringTag] = 'hestia/relay-keepalive'

  start(): void {
    this.#stopped = new AbortController()
    this.#timer = setInterval(() => void this.pingRelays(), this.#options.intervalMs)
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
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
    const signal = AbortSignal.any([
      AbortSignal.timeout(this.#options.timeoutMs),
      this.#stopped.signal,
    ])
    try {
      await pingOnce(connection, signal)
      return true
    } catch (err) {
      if (this.#stopped.signal.aborted) return true
      if (err instanceof Error && err.name === 'UnsupportedProtocolError') return true
      connection.abort(err instanceof Error ? err : new Error(String(err)))
      return false
    }
  }
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
