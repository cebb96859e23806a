/**
 * Closes a contact's direct (WebRTC) connection once it has carried no chat or file stream for
 * `idleMs` (ADR 0910). An open WebRTC connection is never silent: ICE consent checks every ~5 s
 * and SCTP heartbeats cost bytes, packets and radio wake-ups for every online contact, while a
 * re-dial through the relay costs one round of signalling when the contact is written to again.
 *
 * What counts as use is what the user caused: a stream of one of `protocols` (chat frames,
 * receipts, call signalling, files) opened in either direction, and any such stream still open (a
 * long file transfer). libp2p's own ping and identify streams do not count. Connections to relays
 * (WebSockets) are never touched.
 *
 * Streams of `keptProtocols` (the chat stream kept open per contact, ADR 0422) stay open between
 * uses: an open one is not use by itself, or a kept stream would hold an idle connection open for
 * its own idle time on top of ours (ADR 0424: in the browser test the connection was still open
 * after 150 s). What such a stream carries is reported frame by frame with `noteConnectionUse`.
 *
 * A relayed (limited) connection to a contact only exists to signal a WebRTC dial; once no stream
 * is open on it for `relayedIdleMs` it is closed too (its yamux keep-alive otherwise crosses the
 * relay every 30 s until the relay's 2-minute limit ends it).
 *
 * A libp2p service, so it starts and stops with the node:
 *   services: { idleDirect: idleDirectConnections({ idleMs: 180_000, protocols: [CHAT_PROTOCOL] }) }
 */
import type { Connection, Startable, Stream, StreamMiddleware } from '@libp2p/interface'
import { withDeadline } from '../wire/deadline.ts'

export interface IdleDirectOptions {
  /** A direct connection with no user stream for this long is closed. */
  readonly idleMs: number
  /** Protocols whose streams count as use (chat, file). */
  readonly protocols: readonly string[]
  /**
   * Protocols among `protocols` whose streams stay open between uses (the kept chat stream): an
   * open one does not count; each frame it carries does, through noteConnectionUse.
   */
  readonly keptProtocols?: readonly string[]
  /** A relayed connection to a contact with no open stream this long is closed (default 15 s). */
  readonly relayedIdleMs?: number
  /** How often connections are checked; default a sixth of the shorter idle time, 50 ms–30 s. */
  readonly checkMs?: number
  /** Called after a connection was closed for being idle (diagnostics, tests). */
  readonly onClosed?: (connection: Connection) => void
  /** Each close decision and what the connection last carried (diagnostics). */
  readonly log?: (message: string) => void
}

/** The slice of libp2p's components this service needs (structural, no internal imports). */
export interface IdleDirectComponents {
  readonly registrar: {
    use(protocol: string, middleware: StreamMiddleware[]): void
    unuse(protocol: string): void
    getMiddleware(protocol: string): StreamMiddleware[]
  }
  readonly connectionManager: { getConnections(): Connection[] }
}

/**
 * Last use reported by the protocol code per connection (a frame on a kept stream). Keyed by the
 * connection object, so a closed connection's entry goes with it.
 */
const noted = new WeakMap<Connection, number>()

/**
 * A frame went over (or came in on) a long-lived stream of `connection`: the connection is in use
 * now. The kept chat stream's sender and handler call this for every frame (ADR 0424).
 */
export function noteConnectionUse(connection: Connection, at: number = Date.now()): void {
  if ((noted.get(connection) ?? 0) < at) noted.set(connection, at)
}

/** How long a graceful close may take before the connection is aborted. */
const CLOSE_GRACE_MS = 2_000
/** A WebRTC dial's signalling takes a few seconds at most (its budget is 3 s). */
const RELAYED_IDLE_MS = 15_000

export function idleDirectConnections(
  options: IdleDirectOptions,
): (components: IdleDirectComponents) => IdleDirectConnections {
  return (components) => new IdleDirectConnections(components, options)
}

export class IdleDirectConnections implements Startable {
  readonly #components: IdleDirectComponents
  readonly #options: IdleDirectOptions
  readonly #protocols: ReadonlySet<string>
  /** Protocols an open stream of which is use by itself (`protocols` minus `keptProtocols`). */
  readonly #heldWhileOpen: ReadonlySet<string>
  readonly #relayedIdleMs: number
  /** Last use per connection id; absent: the connection's open time. */
  readonly #lastUse = new Map<string, number>()
  #timer: ReturnType<typeof setInterval> | undefined

  constructor(components: IdleDirectComponents, options: IdleDirectOptions) {
    this.#relayedIdleMs = options.relayedIdleMs ?? RELAYED_IDLE_MS
    if (!(options.idleMs > 0) || !(this.#relayedIdleMs > 0))
      throw new RangeError('idle times must be above 0')
    this.#components = components
    this.#options = options
    this.#protocols = new Set(options.protocols)
    const kept = new Set(options.keptProtocols ?? [])
    this.#heldWhileOpen = new Set(options.protocols.filter((p) => !kept.has(p)))
  }

  readonly [Symbol.toStringTag] = 'hestia/idle-direct-connections'

  start(): void {
    copyMiddlewareOnRead(this.#components.registrar)
    // libp2p runs a protocol's middleware for outbound streams (newStream) and inbound ones
    // (before the handler): one hook sees both directions.
    const touch: StreamMiddleware = (stream, connection, next) => {
      this.#lastUse.set(connection.id, Date.now())
      next(stream, connection)
    }
    for (const protocol of this.#protocols) this.#components.registrar.use(protocol, [touch])
    const { idleMs } = this.#options
    const shorter = Math.min(idleMs, this.#relayedIdleMs)
    const checkMs = this.#options.checkMs ?? Math.max(50, Math.min(shorter / 6, 30_000))
    this.#timer = setInterval(() => this.closeIdle(Date.now()), checkMs)
  }

  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    for (const protocol of this.#protocols) this.#components.registrar.unuse(protocol)
    this.#lastUse.clear()
  }

  /** Closes every direct connection idle at `now`; returns how many it closed. */
  closeIdle(now: number): number {
    const live = new Set<string>()
    let closed = 0
    for (const connection of this.#components.connectionManager.getConnections()) {
      live.add(connection.id)
      let idleMs: number
      if (isContactDirect(connection)) {
        idleMs = this.#options.idleMs
        if (connection.streams.some((s) => this.#inUse(s))) this.#lastUse.set(connection.id, now)
      } else if (isContactRelayed(connection)) {
        idleMs = this.#relayedIdleMs
        if (connection.streams.length > 0) this.#lastUse.set(connection.id, now)
      } else continue
      const opened = this.#lastUse.get(connection.id) ?? connection.timeline.open
      const frame = noted.get(connection) ?? 0
      const last = Math.max(opened, frame)
      if (now - last < idleMs) continue
      this.#options.log?.(
        `closing an idle ${idleMs === this.#options.idleMs ? 'direct' : 'relayed'} connection to ` +
          `${connection.remotePeer.toString()}: last use ${Math.round((now - last) / 1000)} s ago ` +
          `(${frame >= opened ? 'a frame on a kept stream' : 'a stream opened or open, or the connection opened'})`,
      )
      this.#lastUse.delete(connection.id)
      closed++
      void closeGently(connection).then(() => this.#options.onClosed?.(connection))
    }
    for (const id of this.#lastUse.keys()) if (!live.has(id)) this.#lastUse.delete(id)
    return closed
  }

  #inUse(stream: Stream): boolean {
    return stream.protocol !== undefined && this.#heldWhileOpen.has(stream.protocol)
  }
}

const patched = new WeakSet<object>()

/**
 * libp2p 3.3.11 (connection.js `onIncomingStream`) appends the protocol handler to the array
 * `getMiddleware` returns, which is the registrar's own array: every inbound stream adds one more
 * handler call to every later stream of that protocol, both directions (ADR 0910, upstream
 * report). Handing out a copy keeps the registered chain as it was registered.
 */
function copyMiddlewareOnRead(registrar: IdleDirectComponents['registrar']): void {
  if (patched.has(registrar)) return
  patched.add(registrar)
  const read = registrar.getMiddleware.bind(registrar)
  registrar.getMiddleware = (protocol: string) => [...read(protocol)]
}

/** A contact's direct connection: open WebRTC, neither relayed nor limited. */
export function isContactDirect(c: Connection): boolean {
  return (
    c.status === 'open' && c.limits === undefined && c.remoteAddr.toString().includes('/webrtc')
  )
}

/** A relayed connection (through a relay's circuit) to another peer: WebRTC signalling. */
export function isContactRelayed(c: Connection): boolean {
  const addr = c.remoteAddr.toString()
  return c.status === 'open' && addr.includes('/p2p-circuit') && !addr.includes('/webrtc')
}

async function closeGently(connection: Connection): Promise<void> {
  try {
    // A deadline, not AbortSignal.timeout: a close that ended drops its signal (and whatever the
    // close's listeners on it hold) at once, not after the grace time (ADR 0911).
    await withDeadline(CLOSE_GRACE_MS, (signal) => connection.close({ signal }))
  } catch (err) {
    connection.abort(err instanceof Error ? err : new Error(String(err)))
  }
}
