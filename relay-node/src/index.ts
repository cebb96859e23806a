/**
 * @hestia/relay-node: the community relay. libp2p (WebSockets, noise, yamux, identify, ping, circuit
 * relay v2 server), sealed store-and-forward mailboxes (/hestia/mailbox/1.0.0), a STUN responder and
 * a loopback admin port (health, Prometheus metrics, stats, admin API).
 *
 * @example
 * import { startRelay } from '@hestia/relay-node'
 * const relay = await startRelay({ dataDir: './data/relay', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
 * console.log(relay.multiaddrs) // ['/ip4/127.0.0.1/tcp/41234/ws/p2p/12D3Koo...']
 * await relay.stop()
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
import { EXPIRY_BUCKETS_S, MAILBOX_PROTOCOL, MAX_SEALED_BYTES } from '@hestia/core/mailbox/index.ts'
import type { RelayInfo } from '@hestia/core/mailbox/index.ts'
import { createLibp2p } from 'libp2p'
import { relayFraming } from './framing-policy.ts'
import { FrameGuard } from './frame-guard.ts'
import { HandshakeGuard, listenerServers } from './handshake-guard.ts'
import { PeerStorePruner } from './peer-store-pruner.ts'
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { AdminServer } from './admin-server.ts'
import { loadAdminKeyHashes } from './admin-keys.ts'
import { AdminDenials } from './admin-denials.ts'
import { AuditLog } from './audit-log.ts'
import { BanList } from './bans.ts'
import { resolveOptions } from './config.ts'
import type { RelayOptions, RelayOptionsInput } from './config.ts'
import { beginRotation, loadOrCreateIdentity, promoteIfDue, readRotation } from './identity.ts'
import { DAY_MS, EXPIRY_GRACE_MS, MailboxService } from './mailbox-service.ts'
import { RelayMetrics } from './metrics.ts'
import { openMailboxStore } from './store/open-store.ts'
import { StunServer } from './stun-server.ts'

export type { RelayOptions, RelayOptionsInput } from './config.ts'
export { defaultOptions, resolveOptions } from './config.ts'
export type { MailboxStore } from './store/mailbox-store.ts'
export { SqliteMailboxStore, StoreOpenError } from './store/sqlite-store.ts'
export { PgMailboxStore } from './store/postgres-store.ts'

export const RELAY_INFO_FILE = 'relay.json'
/** Concurrent mailbox streams one connection may hold (a client needs a few; extra ones are reset). */
export const MAX_MAILBOX_STREAMS_PER_CONNECTION = 32
export { DATABASE_FILE } from './store/open-store.ts'

export interface RelayStats {
  peerId: string
  mailboxes: number
  storedMessages: number
  storedBytes: number
  oneTimePrekeys: number
  connections: number
  reservations: number
  subscribers: number
  uptimeSeconds: number
  rotation?: { nextPeerId: string; graceUntil: string }
}

export interface RelayHandle {
  readonly peerId: string
  /** Dialable multiaddrs, each ending in /p2p/<peerId>. */
  readonly multiaddrs: string[]
  readonly stunPort: number | undefined
  readonly adminPort: number | undefined
  readonly dataDir: string
  readonly node: Libp2p
  readonly logger: Logger
  stats(): Promise<RelayStats>
  /** Deletes expired messages, nonces and idle mailboxes now (also runs every sweepIntervalMs). */
  sweep(): Promise<void>
  rotateKey(
    graceMs?: number,
  ): Promise<{ nextPeerId: string; multiaddrs: string[]; graceUntil: string }>
  stop(): Promise<void>
}

type RelayNode = Libp2p<{ relay: CircuitRelayService }>

function ipOfAddr(addr: Multiaddr): string | undefined {
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

export async function startRelay(input: RelayOptionsInput): Promise<RelayHandle> {
  const o: RelayOptions = resolveOptions(input)
  const now = o.now ?? Date.now
  if (!['127.0.0.1', '::1', 'localhost'].includes(o.adminHost)) {
    throw new Error(
      `adminHost ${o.adminHost}: the admin port is loopback-only; use 127.0.0.1 or ::1`,
    )
  }
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
  chmodSync(o.dataDir, 0o700)
  const logger: Logger = pino(
    {
      level: o.logLevel,
      base: { service: 'hestia-relay' },
      // Defence in depth: nothing logs these, and if a future line tried, pino drops the value.
      redact: {
        paths: [
          'sealed',
          'capability',
          'signature',
          'privateKey',
          'authorization',
          '*.sealed',
          '*.capability',
        ],
        remove: true,
      },
    },
    o.logDestination === undefined
      ? undefined
      : pino.destination({ dest: o.logDestination, sync: true }),
  )
  const startedAt = now()

  // Opened first: a damaged database is refused before anything in DATA changes (ADR 0210); a
  // PostgreSQL store that is unreachable or not migrated is refused too (ADR 0230).
  const store = await openMailboxStore(o, logger)
  // After the database: a relay that refuses a damaged database has changed nothing on disk.
  if (promoteIfDue(o.dataDir, now()))
    logger.info('key rotation completed: the next identity is now current')
  const privateKey = await loadOrCreateIdentity(o.dataDir)
  const bans = new BanList(o.dataDir)
  const audit = new AuditLog(o.dataDir, {
    now,
    maxBytes: o.auditLogMaxBytes,
    keep: o.auditLogFiles,
  })
  const denials = new AdminDenials({ audit, now, rate: o.adminUnauthenticatedRate })
  const ipConnections = new Map<string, number>()
  const nodes: RelayNode[] = []
  /** Each node's peer store pruner (ADR 0212), dropped with its node. */
  const pruners = new Map<RelayNode, PeerStorePruner>()
  let nextNode: RelayNode | undefined
  let rotation = readRotation(o.dataDir)
  let stunPort: number | undefined
  let cachedStore = { mailboxes: 0, messages: 0, bytes: 0 }

  const reservationCount = () =>
    nodes.reduce((n, node) => n + node.services.relay.reservations.size, 0)
  const connectionCount = () => nodes.reduce((n, node) => n + node.getConnections().length, 0)

  // eslint-disable-next-line prefer-const -- assigned once the service exists, read lazily by metrics
  let service: MailboxService
  // eslint-disable-next-line prefer-const -- assigned right below, read lazily by metrics
  let frameGuard: FrameGuard
  // eslint-disable-next-line prefer-const -- assigned right below, read lazily by metrics
  let handshakes: HandshakeGuard
  const metrics = new RelayMetrics({
    connections: connectionCount,
    reservations: reservationCount,
    subscribers: () => service?.subscriberTotal ?? 0,
    store: () => cachedStore,
    partialFrameBytes: () => frameGuard?.heldBytes ?? 0,
    handshaking: () => handshakes?.handshaking ?? 0,
  })
  // One guard for every node (the budgets are the process's memory, rotation or not).
  frameGuard = new FrameGuard({
    limits: {
      perConnectionBytes: o.relay.partialFrameBytesPerConnection,
      globalBytes: o.relay.partialFrameBytesTotal,
    },
    protocols: relayFraming(),
    onReset: (reason) => metrics.streamsReset.inc({ reason }),
  })
  handshakes = new HandshakeGuard({
    deadlineMs: o.relay.handshakeDeadlineMs,
    maxPerIp: o.relay.maxHandshakingPerIp,
    onDrop: (reason) => metrics.handshakesDropped.inc({ reason }),
  })

  const relayInfo = (): RelayInfo => {
    const primary = nodes[0]
    const current = {
      peerId: primary?.peerId.toString() ?? '',
      multiaddrs: primary?.getMultiaddrs().map(String).slice(0, 16) ?? [],
      validUntilMs: BigInt(rotation?.state.graceUntil ?? 0),
    }
    return {
      current,
      ...(nextNode !== undefined
        ? {
            next: {
              peerId: nextNode.peerId.toString(),
              multiaddrs: nextNode.getMultiaddrs().map(String).slice(0, 16),
              validUntilMs: 0n,
            },
          }
        : {}),
      stunPort: stunPort ?? 0,
      maxSealedBytes: MAX_SEALED_BYTES,
      expiryBucketsS: [...EXPIRY_BUCKETS_S],
      maxMessagesPerMailbox: o.mailbox.maxMessagesPerMailbox,
      fileFallbackCapBytes: o.mailbox.fileFallbackCapBytes,
    }
  }

  service = new MailboxService({
    store,
    limits: o.mailbox,
    now,
    log: logger,
    metrics,
    info: relayInfo,
    isBanned: (peer, ip) => bans.isBanned(peer, ip),
    onFramingReset: (reason) => metrics.streamsReset.inc({ reason }),
  })
  await service.start()

  const createNode = async (
    key: PrivateKey,
    listen: string[],
    announce: string[],
  ): Promise<RelayNode> => {
    const tls =
      o.tlsCertFile !== undefined && o.tlsKeyFile !== undefined
        ? { cert: readFileSync(o.tlsCertFile), key: readFileSync(o.tlsKeyFile) }
        : undefined
    const node = await createLibp2p({
      privateKey: key,
      addresses: { listen, ...(announce.length > 0 ? { announce } : {}) },
      transports: [webSockets(tls !== undefined ? { https: tls } : {})],
      connectionEncrypters: [noise()],
      streamMuxers: [frameGuard.wrapMuxer(yamux())],
      connectionManager: {
        inboundUpgradeTimeout: o.relay.handshakeDeadlineMs,
        maxConnections: o.relay.maxConnections,
        inboundConnectionThreshold: o.relay.inboundConnectionsPerSecondPerIp,
        maxIncomingPendingConnections: o.relay.maxIncomingPendingConnections,
      },
      connectionGater: {
        denyInboundConnection: (maConn: MultiaddrConnection) => {
          const ip = ipOfAddr(maConn.remoteAddr)
          if (ip === undefined) return false
          return (
            bans.isBanned(undefined, ip) ||
            (ipConnections.get(ip) ?? 0) >= o.relay.maxConnectionsPerIp
          )
        },
        denyInboundEncryptedConnection: (peerId: PeerId) =>
          bans.isBanned(peerId.toString(), undefined),
        // The relay dials no one except to deliver relayed connections to peers already connected.
        denyDialMultiaddr: () => false,
      },
      services: {
        identify: identify(),
        ping: ping(),
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
    })
    for (const server of listenerServers(node)) handshakes.attach(server)
    node.addEventListener('connection:open', (e) => {
      const ip = ipOfAddr(e.detail.remoteAddr)
      if (ip !== undefined) ipConnections.set(ip, (ipConnections.get(ip) ?? 0) + 1)
      const port = tcpPortOfAddr(e.detail.remoteAddr)
      if (ip !== undefined && port !== undefined) handshakes.opened(ip, port)
    })
    node.addEventListener('connection:close', (e) => {
      const ip = ipOfAddr(e.detail.remoteAddr)
      if (ip === undefined) return
      const n = (ipConnections.get(ip) ?? 1) - 1
      if (n <= 0) ipConnections.delete(ip)
      else ipConnections.set(ip, n)
    })
    pruners.set(
      node,
      new PeerStorePruner(node, {
        keep: (peer) => node.services.relay.reservations.has(peer),
        onError: (err) => logger.warn({ err }, 'peer store pruning failed'),
      }),
    )
    await node.handle(MAILBOX_PROTOCOL, service.handleStream, {
      maxInboundStreams: MAX_MAILBOX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: 1,
    })
    return node
  }

  nodes.push(await createNode(privateKey, o.listen, o.announce))
  const rotationListen = () =>
    o.rotationListen.length > 0 ? o.rotationListen : withPort0(o.listen)
  if (rotation !== undefined) {
    nextNode = await createNode(rotation.key, rotationListen(), [])
    nodes.push(nextNode)
  }

  let stun: StunServer | undefined
  if (o.stunPort >= 0) {
    stun = new StunServer({
      host: o.stunHost,
      port: o.stunPort,
      onRequest: (result) => metrics.stunRequests.inc({ result }),
    })
    stunPort = await stun.start()
  }

  const refreshStoreGauges = async () => {
    const s = await store.stats()
    cachedStore = { mailboxes: s.mailboxes, messages: s.messages, bytes: s.bytes }
    return s
  }
  await refreshStoreGauges()

  const stats = async (): Promise<RelayStats> => {
    const s = await refreshStoreGauges()
    return {
      peerId: nodes[0]!.peerId.toString(),
      mailboxes: s.mailboxes,
      storedMessages: s.messages,
      storedBytes: s.bytes,
      oneTimePrekeys: s.oneTimePrekeys,
      connections: connectionCount(),
      reservations: reservationCount(),
      subscribers: service.subscriberTotal,
      uptimeSeconds: Math.round((now() - startedAt) / 1000),
      ...(rotation !== undefined
        ? {
            rotation: {
              nextPeerId: rotation.state.nextPeerId,
              graceUntil: new Date(rotation.state.graceUntil).toISOString(),
            },
          }
        : {}),
    }
  }

  let adminPort: number | undefined
  const writeRelayJson = () => {
    const info = relayInfo()
    const body = {
      peerId: info.current?.peerId,
      multiaddrs: info.current?.multiaddrs,
      stun: stunPort !== undefined ? { port: stunPort } : undefined,
      admin: adminPort !== undefined ? { url: `http://${o.adminHost}:${adminPort}` } : undefined,
      next:
        info.next !== undefined && rotation !== undefined
          ? {
              peerId: info.next.peerId,
              multiaddrs: info.next.multiaddrs,
              takesOverAt: new Date(rotation.state.graceUntil).toISOString(),
            }
          : undefined,
      pid: process.pid,
      startedAt: new Date(startedAt).toISOString(),
    }
    const tmp = join(o.dataDir, RELAY_INFO_FILE + '.tmp')
    writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o644 })
    renameSync(tmp, join(o.dataDir, RELAY_INFO_FILE))
  }

  let stopping: Promise<void> | undefined
  let rotationTimer: NodeJS.Timeout | undefined

  /**
   * At the end of the grace period the next identity takes over the main listen addresses: the old
   * node stops (its clients reconnect to the same addresses and find the next key there, which they
   * learned from `info`), a node with the next key starts in its place, the extra listener closes.
   */
  const completeRotation = async (): Promise<void> => {
    if (rotation === undefined || stopping !== undefined) return
    if (now() < rotation.state.graceUntil) return scheduleRotation()
    const { key } = rotation
    promoteIfDue(o.dataDir, now())
    rotation = undefined
    nextNode = undefined
    // nodes[] keeps the old primary until the new one runs, so the handle never sees no node.
    const old = [...nodes]
    for (const n of old) {
      pruners.get(n)?.stop()
      pruners.delete(n)
      await n.stop()
    }
    const fresh = await createNode(key, o.listen, o.announce)
    if (stopping !== undefined) {
      await fresh.stop()
      return
    }
    nodes.splice(0, nodes.length, fresh)
    writeRelayJson()
    logger.info(
      { peerId: nodes[0]!.peerId.toString(), multiaddrs: nodes[0]!.getMultiaddrs().map(String) },
      'key rotation completed: the next identity is now current',
    )
  }

  const scheduleRotation = (): void => {
    clearTimeout(rotationTimer)
    if (rotation === undefined) return
    const delay = Math.min(Math.max(0, rotation.state.graceUntil - now()), 2 ** 31 - 1)
    rotationTimer = setTimeout(() => {
      completeRotation().catch((err: unknown) => logger.error({ err }, 'key rotation failed'))
    }, delay)
    rotationTimer.unref()
  }

  const rotateKey = async (graceMs = o.rotationGraceMs) => {
    const started = await beginRotation(o.dataDir, now(), graceMs)
    rotation = started
    nextNode = await createNode(started.key, rotationListen(), [])
    nodes.push(nextNode)
    writeRelayJson()
    scheduleRotation()
    logger.info({ nextPeerId: started.state.nextPeerId }, 'key rotation started')
    return {
      nextPeerId: started.state.nextPeerId,
      multiaddrs: nextNode.getMultiaddrs().map(String),
      graceUntil: new Date(started.state.graceUntil).toISOString(),
    }
  }

  let admin: AdminServer | undefined
  if (o.adminPort >= 0) {
    admin = new AdminServer({
      host: o.adminHost,
      port: o.adminPort,
      keyHashes: () => loadAdminKeyHashes(o.dataDir, o.adminKeyHashes),
      audit,
      denials,
      metrics,
      log: logger,
      actions: {
        stats: async () => ({ ...(await stats()) }),
        health: () => ({
          ok: nodes.every((n) => n.status === 'started'),
          detail: { peerId: nodes[0]!.peerId.toString() },
        }),
        ban: async (kind, value) => {
          bans.add(kind, value)
          for (const node of nodes) {
            for (const c of node.getConnections()) {
              if (
                kind === 'peer'
                  ? c.remotePeer.toString() === value
                  : ipOfAddr(c.remoteAddr) === value
              ) {
                await c.close().catch(() => undefined)
              }
            }
          }
        },
        unban: (kind, value) => bans.remove(kind, value),
        bans: () => ({ peers: [...bans.peers], ips: [...bans.ips] }),
        purge: async (hex) => {
          const purged = await store.purgeMailbox(Buffer.from(hex, 'hex'))
          await service.refreshCounts()
          return purged
        },
        rotateKey: (graceMs) => rotateKey(graceMs),
      },
    })
    adminPort = await admin.start()
  }

  const sweep = async () => {
    const day = Math.floor(now() / DAY_MS) - Math.ceil(o.mailbox.mailboxIdleTtlMs / DAY_MS)
    // Expiry plus grace: a clock that jumped ahead by up to the grace deletes nothing early.
    const r = await store.sweep(now() - EXPIRY_GRACE_MS, day)
    if (r.mailboxes > 0) await service.refreshCounts()
    metrics.sweptMessages.inc(r.messages)
    if (r.messages + r.mailboxes > 0) logger.info(r, 'expired data deleted')
    let peers = 0
    for (const pruner of pruners.values()) peers += await pruner.sweep()
    if (peers > 0) logger.debug({ peers }, 'disconnected peers forgotten')
  }
  const sweepTimer = setInterval(() => {
    sweep().catch((err: unknown) => logger.error({ err }, 'sweep failed'))
  }, o.sweepIntervalMs)
  sweepTimer.unref()
  await sweep()

  writeRelayJson()
  scheduleRotation()
  logger.info(
    {
      peerId: nodes[0]!.peerId.toString(),
      multiaddrs: nodes[0]!.getMultiaddrs().map(String),
      stunPort,
      adminPort,
    },
    'relay started',
  )

  return {
    // Getters: a completed key rotation replaces the primary node.
    get peerId() {
      return nodes[0]!.peerId.toString()
    },
    get multiaddrs() {
      return nodes[0]!.getMultiaddrs().map(String)
    },
    get node() {
      return nodes[0]!
    },
    stunPort,
    adminPort,
    dataDir: o.dataDir,
    logger,
    stats,
    sweep,
    rotateKey,
    stop: () => {
      stopping ??= (async () => {
        clearInterval(sweepTimer)
        clearTimeout(rotationTimer)
        service.stop()
        handshakes.stop()
        for (const pruner of pruners.values()) pruner.stop()
        await Promise.all(
          nodes.map(async (n) => {
            await n.stop()
          }),
        )
        await store.close()
        await stun?.stop()
        await admin?.stop()
        denials.close()
        audit.close()
        logger.info('relay stopped')
        logger.flush()
      })()
      return stopping
    },
  }
}
