/**
 * The relay's libp2p nodes: the primary one on the main listen addresses and, during a key
 * rotation (ADR 0202), a second one with the next key on extra addresses. Every node shares the
 * process-wide guards (frame budgets, handshake deadline, per-IP connection cap, bans) and serves
 * the mailbox protocol; each has its own peer-store pruner (ADR 0212).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p, MultiaddrConnection, PeerId, PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import type { Multiaddr } from '@multiformats/multiaddr'
import { MAILBOX_PROTOCOL } from '@hestia/core/mailbox/index.ts'
import { relayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import { createLibp2p } from 'libp2p'
import type { Libp2pOptions } from 'libp2p'
import { readFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { BanList } from './bans.ts'
import type { RelayOptions } from './config.ts'
import type { FrameGuard } from './frame-guard.ts'
import { listenerServers } from './handshake-guard.ts'
import type { HandshakeGuard } from './handshake-guard.ts'
import type { LimitWarnings } from './limit-warnings.ts'
import type { MailboxService } from './mailbox-service.ts'
import { PeerStorePruner } from './peer-store-pruner.ts'

export type RelayNode = Libp2p<{ relay: CircuitRelayService }>

/** Concurrent mailbox streams one connection may hold (a client needs a few; extra ones are reset). */
export const MAX_MAILBOX_STREAMS_PER_CONNECTION = 32

export interface RelayNodesDeps {
  options: RelayOptions
  frameGuard: FrameGuard
  handshakes: HandshakeGuard
  /** Logs each kind of refusal for a limit (ADR 0460). */
  limits: LimitWarnings
  bans: BanList
  /** Serves /hestia/mailbox/1.0.0 on every node. */
  mailbox: Pick<MailboxService, 'handleStream'>
  logger: Logger
}

export function ipOfAddr(addr: Multiaddr): string | undefined {
  for (const c of addr.getComponents()) if (c.name === 'ip4' || c.name === 'ip6') return c.value
  return undefined
}

function tcpPortOfAddr(addr: Multiaddr): number | undefined {
  for (const c of addr.getComponents()) if (c.name === 'tcp') return Number(c.value)
  return undefined
}

function withPort0(addrs: readonly string[]): string[] {
  return addrs.map((a) => a.replace(/\/tcp\/\d+/, '/tcp/0'))
}

/**
 * How often the relay checks each connected peer, and how long it waits for the answer (ADR 0912).
 * The check is one yamux ping frame (12 bytes each way, answered in the peer's muxer), not
 * libp2p's connection monitor (a new `/ipfs/ping/1.0.0` stream with multistream-select every
 * time, ~10x the bytes; at 10 s it was most of an idle client's relay traffic, ADR 0910). What it
 * is for: dropping a peer that vanished without closing (a laptop that slept, a NAT that forgot
 * it) so its reservation, subscriptions and its address's connection slots are freed within ~70 s
 * (a device that wakes behind the same NAT opens up to 13 new connections while its old ones still
 * count); and it keeps NAT bindings warm, so yamux's own 30 s keep-alive is off. Stored mail does
 * not depend on it: a push into a dead subscription is fetched again after the resubscribe.
 */
const PEER_PING_INTERVAL_MS = 60_000
const PEER_PING_TIMEOUT_MS = 10_000

/** libp2p settings of one relay node: transports, limits, gater and the circuit relay server. */
function relayNodeOptions(
  deps: RelayNodesDeps,
  key: PrivateKey,
  addresses: { listen: string[]; announce: string[] },
  denyInboundIp: (ip: string) => boolean,
  reservationsOf: () => CircuitRelayService['reservations'] | undefined,
): Libp2pOptions<{
  identify: unknown
  ping: unknown
  liveness: unknown
  relay: CircuitRelayService
}> {
  const o = deps.options
  const tls =
    o.tlsCertFile !== undefined && o.tlsKeyFile !== undefined
      ? { cert: readFileSync(o.tlsCertFile), key: readFileSync(o.tlsKeyFile) }
      : undefined
  const { listen, announce } = addresses
  return {
    privateKey: key,
    addresses: { listen, ...(announce.length > 0 ? { announce } : {}) },
    transports: [webSockets(tls !== undefined ? { https: tls } : {})],
    connectionEncrypters: [noise()],
    streamMuxers: [deps.frameGuard.wrapMuxer(yamux({ enableKeepAlive: false }))],
    connectionManager: {
      inboundUpgradeTimeout: o.relay.handshakeDeadlineMs,
      maxConnections: o.relay.maxConnections,
      inboundConnectionThreshold: o.relay.inboundConnectionsPerSecondPerIp,
      maxIncomingPendingConnections: o.relay.maxIncomingPendingConnections,
    },
    connectionMonitor: { enabled: false },
    connectionGater: {
      denyInboundConnection: (maConn: MultiaddrConnection) => {
        const ip = ipOfAddr(maConn.remoteAddr)
        return ip !== undefined && denyInboundIp(ip)
      },
      denyInboundEncryptedConnection: (peerId: PeerId) =>
        deps.bans.isBanned(peerId.toString(), undefined),
      // Not a refusal: the reservation store refuses a new peer when full, without a word, so
      // the operator is told here (ADR 0460).
      denyInboundRelayReservation: (peer: PeerId) => {
        const reservations = reservationsOf()
        if (
          reservations !== undefined &&
          reservations.size >= o.relay.maxReservations &&
          !reservations.has(peer)
        )
          deps.limits.refused('reservations_full')
        return false
      },
      // The relay dials no one except to deliver relayed connections to peers already connected.
      denyDialMultiaddr: () => false,
    },
    services: {
      identify: identify(),
      ping: ping(),
      liveness: relayKeepAlive({
        intervalMs: PEER_PING_INTERVAL_MS,
        timeoutMs: PEER_PING_TIMEOUT_MS,
      }),
      relay: circuitRelayServer({
        reservations: {
          maxReservations: o.relay.maxReservations,
          reservationTtl: o.relay.reservationTtlMs,
          defaultDataLimit: BigInt(o.relay.relayedDataLimitBytes),
          defaultDurationLimit: o.relay.relayedDurationLimitMs,
        },
        maxInboundHopStreams: o.relay.maxInboundHopStreams,
        hopTimeout: o.relay.handshakeDeadlineMs,
      }),
    },
  }
}

export class RelayNodes {
  readonly #deps: RelayNodesDeps
  /** Open connections per remote IP over every node (the per-IP cap counts them all). */
  readonly #ipConnections = new Map<string, number>()
  readonly #pruners = new Map<RelayNode, PeerStorePruner>()
  /** [primary] or, during a rotation, [primary, next]. */
  #nodes: RelayNode[] = []
  #next: RelayNode | undefined

  constructor(deps: RelayNodesDeps) {
    this.#deps = deps
  }

  get primary(): RelayNode {
    return this.#nodes[0]!
  }

  get next(): RelayNode | undefined {
    return this.#next
  }

  get all(): readonly RelayNode[] {
    return this.#nodes
  }

  /** Starts the primary node on the main listen and announce addresses. */
  async startPrimary(key: PrivateKey): Promise<void> {
    const o = this.#deps.options
    this.#nodes.push(await this.#create(key, o.listen, o.announce))
  }

  /** Starts the next identity's node beside the primary (rotation listen addresses). */
  async startNext(key: PrivateKey): Promise<RelayNode> {
    const o = this.#deps.options
    const listen = o.rotationListen.length > 0 ? o.rotationListen : withPort0(o.listen)
    this.#next = await this.#create(key, listen, [])
    this.#nodes.push(this.#next)
    return this.#next
  }

  /**
   * The next identity takes over the main addresses: every node stops, then one with `key` starts
   * in their place. The list keeps the old primary until the new node runs, so `primary` always
   * names a node. Returns false (and leaves nothing running) when `stopping()` turned true meanwhile.
   */
  async replaceWith(key: PrivateKey, stopping: () => boolean): Promise<boolean> {
    this.#next = undefined
    for (const node of [...this.#nodes]) {
      this.#pruners.get(node)?.stop()
      this.#pruners.delete(node)
      await node.stop()
    }
    const o = this.#deps.options
    const fresh = await this.#create(key, o.listen, o.announce)
    if (stopping()) {
      await fresh.stop()
      return false
    }
    this.#nodes.splice(0, this.#nodes.length, fresh)
    return true
  }

  connectionCount(): number {
    return this.#nodes.reduce((n, node) => n + node.getConnections().length, 0)
  }

  reservationCount(): number {
    return this.#nodes.reduce((n, node) => n + node.services.relay.reservations.size, 0)
  }

  healthy(): boolean {
    return this.#nodes.every((n) => n.status === 'started')
  }

  /** Closes every connection of a banned peer or IP. */
  async disconnect(kind: 'peer' | 'ip', value: string): Promise<void> {
    for (const node of this.#nodes) {
      for (const c of node.getConnections()) {
        const match =
          kind === 'peer' ? c.remotePeer.toString() === value : ipOfAddr(c.remoteAddr) === value
        if (match) await c.close().catch(() => undefined)
      }
    }
  }

  /** Forgets disconnected peers without a reservation; returns how many. */
  async sweepPeers(): Promise<number> {
    let peers = 0
    for (const pruner of this.#pruners.values()) peers += await pruner.sweep()
    return peers
  }

  async stop(): Promise<void> {
    for (const pruner of this.#pruners.values()) pruner.stop()
    await Promise.all(
      this.#nodes.map(async (n) => {
        await n.stop()
      }),
    )
  }

  async #create(key: PrivateKey, listen: string[], announce: string[]): Promise<RelayNode> {
    const { bans, limits, options: o } = this.#deps
    const denyInboundIp = (ip: string) => {
      if (bans.isBanned(undefined, ip)) return true
      if ((this.#ipConnections.get(ip) ?? 0) < o.relay.maxConnectionsPerIp) return false
      limits.refused('connections_per_ip')
      return true
    }
    const created: { node?: RelayNode } = {}
    const node = (await createLibp2p(
      relayNodeOptions(
        this.#deps,
        key,
        { listen, announce },
        denyInboundIp,
        () => created.node?.services.relay.reservations,
      ),
    )) as RelayNode
    created.node = node
    warnOnRefusedSockets(node, o, limits)
    this.#track(node)
    await node.handle(MAILBOX_PROTOCOL, this.#deps.mailbox.handleStream, {
      maxInboundStreams: MAX_MAILBOX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: 1,
    })
    return node
  }

  /** Per-IP connection counts, handshake tracking and the peer-store pruner of one node. */
  #track(node: RelayNode): void {
    const { handshakes, logger } = this.#deps
    for (const server of listenerServers(node)) handshakes.attach(server)
    node.addEventListener('connection:open', (e) => {
      const ip = ipOfAddr(e.detail.remoteAddr)
      if (ip !== undefined) this.#ipConnections.set(ip, (this.#ipConnections.get(ip) ?? 0) + 1)
      const port = tcpPortOfAddr(e.detail.remoteAddr)
      if (ip !== undefined && port !== undefined) handshakes.opened(ip, port)
    })
    node.addEventListener('connection:close', (e) => {
      const ip = ipOfAddr(e.detail.remoteAddr)
      if (ip === undefined) return
      const n = (this.#ipConnections.get(ip) ?? 1) - 1
      if (n <= 0) this.#ipConnections.delete(ip)
      else this.#ipConnections.set(ip, n)
    })
    this.#pruners.set(
      node,
      new PeerStorePruner(node, {
        keep: (peer) => node.services.relay.reservations.has(peer),
        onError: (err) => logger.warn({ err }, 'peer store pruning failed'),
      }),
    )
  }
}

/** What libp2p's connection manager shows of its inbound limits (not in its public interface). */
interface InboundAdmission {
  acceptIncomingConnection(maConn: MultiaddrConnection): boolean
  incomingPendingConnections?: number
}

/**
 * libp2p refuses a socket over maxConnections, maxIncomingPendingConnections or the per-address
 * connection rate with a debug line only; the relay warns (ADR 0460). Which limit it was is read
 * from the same counters libp2p checked; the rest is the per-address rate.
 */
function warnOnRefusedSockets(node: RelayNode, o: RelayOptions, limits: LimitWarnings): void {
  const manager = (node as unknown as { components?: { connectionManager?: InboundAdmission } })
    .components?.connectionManager
  if (typeof manager?.acceptIncomingConnection !== 'function') {
    throw new Error('limit warnings: libp2p exposes no inbound connection admission')
  }
  const accept = manager.acceptIncomingConnection.bind(manager)
  manager.acceptIncomingConnection = (maConn) => {
    if (accept(maConn)) return true
    if ((manager.incomingPendingConnections ?? 0) >= o.relay.maxIncomingPendingConnections)
      limits.refused('pending_upgrades')
    else if (node.getConnections().length >= o.relay.maxConnections)
      limits.refused('connections_max')
    else limits.refused('connection_rate_per_ip')
    return false
  }
}
