/**
 * Inbound connections still in their handshake: TCP accepted, then the WebSocket upgrade, noise and
 * yamux, until libp2p reports the connection open. Each gets a deadline, and one address may have
 * only so many at once; past either, the socket is destroyed before libp2p holds anything for it.
 *
 * Why here: the websockets listener of @libp2p/websockets (10.1.21) waits for a socket's first byte
 * with no timeout, and libp2p's own inboundUpgradeTimeout starts only after the WebSocket upgrade,
 * so a socket that never sends a byte was held for good (issue 15). The guard takes the listener's
 * TCP server 'connection' listeners and calls them only for sockets it admits (ADR 0206).
 */
import { Server } from 'node:net'
import type { Socket } from 'node:net'

export type HandshakeDrop = 'deadline' | 'per_ip_cap'

export interface HandshakeGuardOptions {
  /** A socket must become an open libp2p connection within this long. */
  deadlineMs: number
  /** Sockets one remote address may have in their handshake at once. */
  maxPerIp: number
  onDrop: (reason: HandshakeDrop) => void
}

interface Pending {
  socket: Socket
  ip: string
  timer: NodeJS.Timeout
}

/** IPv4 peers on a dual-stack socket show as ::ffff:a.b.c.d; multiaddrs show a.b.c.d. */
export function plainIp(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip
}

export class HandshakeGuard {
  private readonly o: HandshakeGuardOptions
  private readonly pending = new Map<string, Pending>()
  private readonly perIp = new Map<string, number>()

  constructor(options: HandshakeGuardOptions) {
    this.o = options
  }

  get handshaking(): number {
    return this.pending.size
  }

  /** Puts the guard in front of a TCP server's 'connection' listeners. */
  attach(server: Server): void {
    const inner = server.listeners('connection') as Array<(socket: Socket) => void>
    server.removeAllListeners('connection')
    server.on('connection', (socket: Socket) => {
      if (!this.admit(socket)) return
      for (const listener of inner) listener.call(server, socket)
    })
  }

  /** libp2p opened a connection from ip:port: that socket finished its handshake. */
  opened(ip: string, port: number): void {
    const key = `${plainIp(ip)}|${port}`
    const p = this.pending.get(key)
    if (p !== undefined) this.forget(key, p)
  }

  /** Clears the deadlines (the relay is stopping; the sockets close with their listeners). */
  stop(): void {
    for (const [key, p] of this.pending) this.forget(key, p)
  }

  private admit(socket: Socket): boolean {
    // Destroying with an error below must never become an unhandled 'error' event.
    socket.on('error', () => undefined)
    const ip = plainIp(socket.remoteAddress ?? 'unknown')
    const key = `${ip}|${socket.remotePort ?? 0}`
    const count = this.perIp.get(ip) ?? 0
    if (count >= this.o.maxPerIp) {
      this.o.onDrop('per_ip_cap')
      socket.destroy()
      return false
    }
    this.perIp.set(ip, count + 1)
    const timer = setTimeout(() => {
      const p = this.pending.get(key)
      if (p === undefined) return
      this.forget(key, p)
      this.o.onDrop('deadline')
      // With an error, so a listener still waiting for the first byte (an 'error'-rejecting wait)
      // lets go of the socket too.
      socket.destroy(new Error('handshake deadline passed'))
    }, this.o.deadlineMs)
    timer.unref()
    const entry: Pending = { socket, ip, timer }
    this.pending.set(key, entry)
    socket.once('close', () => {
      if (this.pending.get(key) === entry) this.forget(key, entry)
    })
    return true
  }

  private forget(key: string, p: Pending): void {
    clearTimeout(p.timer)
    this.pending.delete(key)
    const n = (this.perIp.get(p.ip) ?? 1) - 1
    if (n <= 0) this.perIp.delete(p.ip)
    else this.perIp.set(p.ip, n)
  }
}

/**
 * The TCP servers behind a libp2p node's listeners. @libp2p/websockets keeps its net.Server on the
 * listener object; there is no public accessor, so this fails loudly if a release moves it.
 */
export function listenerServers(node: unknown): Server[] {
  const tm = (node as { components?: { transportManager?: { getListeners?: () => unknown[] } } })
    .components?.transportManager
  if (typeof tm?.getListeners !== 'function') {
    throw new Error('handshake guard: libp2p exposes no transport manager listeners')
  }
  const listeners = tm.getListeners()
  const servers = listeners
    .map((l) => (l as { server?: unknown }).server)
    .filter((s): s is Server => s instanceof Server)
  if (listeners.length > 0 && servers.length === 0) {
    throw new Error('handshake guard: no TCP server behind the listeners')
  }
  return servers
}
