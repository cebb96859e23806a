/**
 * @hestia/relay-node: the community relay. libp2p (WebSockets, noise, yamux, identify, ping, circuit
 * relay v2 server), sealed store-and-forward mailboxes (/hestia/mailbox/1.0.0), a STUN responder and
 * a loopback admin port (health, Prometheus metrics, stats, admin API).
 *
 * `startRelay` puts the parts together: the local state in the data directory, the guards and
 * metrics, the mailbox service, the libp2p nodes (relay-nodes.ts) and key rotation
 * (key-rotation.ts), STUN, the admin port (relay-admin.ts), the sweeper (relay-sweeper.ts) and
 * relay.json (relay-info.ts).
 *
 * @example
 * import { startRelay } from '@hestia/relay-node'
 * const relay = await startRelay({ dataDir: './data/relay', listen: ['/ip4/127.0.0.1/tcp/0/ws'] })
 * console.log(relay.multiaddrs) // ['/ip4/127.0.0.1/tcp/41234/ws/p2p/12D3Koo...']
 * await relay.stop()
 */
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import { chmodSync, mkdirSync } from 'node:fs'
import { pino } from 'pino'
import type { Logger } from 'pino'
import { AdminDenials } from './admin-denials.ts'
import type { AdminServer } from './admin-server.ts'
import { AuditLog } from './audit-log.ts'
import { BanList } from './bans.ts'
import { resolveOptions } from './config.ts'
import type { RelayOptions, RelayOptionsInput } from './config.ts'
import { FrameGuard } from './frame-guard.ts'
import { relayFraming } from './framing-policy.ts'
import { HandshakeGuard } from './handshake-guard.ts'
import { LimitWarnings } from './limit-warnings.ts'
import { loadOrCreateIdentity, promoteIfDue } from './identity.ts'
import { KeyRotation } from './key-rotation.ts'
import type { RotationStarted } from './key-rotation.ts'
import { MailboxService } from './mailbox-service.ts'
import { RelayMetrics } from './metrics.ts'
import { checkAdminHost, startAdmin } from './relay-admin.ts'
import { relayInfo, writeRelayJson } from './relay-info.ts'
import type { RelaySelf } from './relay-info.ts'
import { RelayNodes } from './relay-nodes.ts'
import { startSweeper } from './relay-sweeper.ts'
import type { Sweeper } from './relay-sweeper.ts'
import type { MailboxStore } from './store/mailbox-store.ts'
import { openMailboxStore } from './store/open-store.ts'
import { StunServer } from './stun-server.ts'

export type { RelayOptions, RelayOptionsInput } from './config.ts'
export { defaultOptions, resolveOptions } from './config.ts'
export type { MailboxStore } from './store/mailbox-store.ts'
export { SqliteMailboxStore, StoreOpenError } from './store/sqlite-store.ts'
export { PgMailboxStore } from './store/postgres-store.ts'
export { RELAY_INFO_FILE } from './relay-info.ts'
export { MAX_MAILBOX_STREAMS_PER_CONNECTION } from './relay-nodes.ts'
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
  rotateKey(graceMs?: number): Promise<RotationStarted>
  stop(): Promise<void>
}

type StoreCounts = { mailboxes: number; messages: number; bytes: number }

/** What the metrics read lazily: parts made after the metrics themselves. */
interface Gauges {
  nodes?: RelayNodes
  mailbox?: MailboxService
  frameGuard?: FrameGuard
  handshakes?: HandshakeGuard
  store: StoreCounts
}

/** State kept in the data directory, plus the store. */
interface LocalState {
  store: MailboxStore
  privateKey: PrivateKey
  bans: BanList
  audit: AuditLog
  denials: AdminDenials
}

/** Everything running once the relay has started. */
interface Running extends LocalState {
  o: RelayOptions
  now: () => number
  logger: Logger
  gauges: Gauges
  metrics: RelayMetrics
  handshakes: HandshakeGuard
  mailbox: MailboxService
  nodes: RelayNodes
  rotation: KeyRotation
  self: RelaySelf
  stun: StunServer | undefined
  admin: AdminServer | undefined
  sweeper: Sweeper
}

function createRelayLogger(o: RelayOptions): Logger {
  return pino(
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
}

/** Opens the data directory's state in the order that keeps a refused start from changing it. */
async function openLocalState(
  o: RelayOptions,
  now: () => number,
  logger: Logger,
): Promise<LocalState> {
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
  return { store, privateKey, bans, audit, denials }
}

/** Metrics and the process-wide guards (one for every node: the budgets are the process's memory). */
function createInstruments(o: RelayOptions, gauges: Gauges, logger: Logger) {
  const metrics = new RelayMetrics({
    connections: () => gauges.nodes?.connectionCount() ?? 0,
    reservations: () => gauges.nodes?.reservationCount() ?? 0,
    subscribers: () => gauges.mailbox?.subscriberTotal ?? 0,
    store: () => gauges.store,
    partialFrameBytes: () => gauges.frameGuard?.heldBytes ?? 0,
    handshaking: () => gauges.handshakes?.handshaking ?? 0,
  })
  gauges.frameGuard = new FrameGuard({
    limits: {
      perConnectionBytes: o.relay.partialFrameBytesPerConnection,
      globalBytes: o.relay.partialFrameBytesTotal,
    },
    protocols: relayFraming(),
    onReset: (reason) => metrics.streamsReset.inc({ reason }),
  })
  const limits = new LimitWarnings(logger, {
    reservations_full: o.relay.maxReservations,
    connections_per_ip: o.relay.maxConnectionsPerIp,
    connections_max: o.relay.maxConnections,
    pending_upgrades: o.relay.maxIncomingPendingConnections,
    connection_rate_per_ip: o.relay.inboundConnectionsPerSecondPerIp,
    handshakes_per_ip: o.relay.maxHandshakingPerIp,
    handshake_deadline: o.relay.handshakeDeadlineMs,
  })
  gauges.handshakes = new HandshakeGuard({
    deadlineMs: o.relay.handshakeDeadlineMs,
    maxPerIp: o.relay.maxHandshakingPerIp,
    onDrop: (reason) => {
      metrics.handshakesDropped.inc({ reason })
      limits.refused(reason === 'per_ip_cap' ? 'handshakes_per_ip' : 'handshake_deadline')
    },
  })
  return { metrics, frameGuard: gauges.frameGuard, handshakes: gauges.handshakes, limits }
}

/** The mailbox service, the nodes and the rotation, wired to each other; then they start. */
async function startNetwork(
  o: RelayOptions,
  now: () => number,
  logger: Logger,
  local: LocalState,
  startedAt: number,
) {
  const gauges: Gauges = { store: { mailboxes: 0, messages: 0, bytes: 0 } }
  const { metrics, frameGuard, handshakes, limits } = createInstruments(o, gauges, logger)
  const ports: { stun?: number; admin?: number } = {}
  // The nodes serve the mailbox, which answers `info` from the nodes: the handler is bound late.
  const nodes = new RelayNodes({
    options: o,
    frameGuard,
    handshakes,
    limits,
    bans: local.bans,
    mailbox: { handleStream: (stream, connection) => mailbox.handleStream(stream, connection) },
    logger,
  })
  const self: RelaySelf = {
    options: o,
    nodes,
    rotation: () => rotation.state,
    stunPort: () => ports.stun,
    adminPort: () => ports.admin,
    startedAt,
  }
  const rotation = new KeyRotation({
    dataDir: o.dataDir,
    defaultGraceMs: o.rotationGraceMs,
    nodes,
    now,
    logger,
    published: () => writeRelayJson(self),
  })
  const mailbox = new MailboxService({
    store: local.store,
    limits: o.mailbox,
    now,
    log: logger,
    metrics,
    info: () => relayInfo(self),
    isBanned: (peer, ip) => local.bans.isBanned(peer, ip),
    onFramingReset: (reason) => metrics.streamsReset.inc({ reason }),
  })
  Object.assign(gauges, { nodes, mailbox })
  await mailbox.start()
  await nodes.startPrimary(local.privateKey)
  await rotation.resume()
  const stun = await startStun(o, metrics)
  ports.stun = stun?.port
  return { gauges, metrics, handshakes, mailbox, nodes, rotation, self, ports, stun: stun?.server }
}

async function startStun(
  o: RelayOptions,
  metrics: RelayMetrics,
): Promise<{ server: StunServer; port: number } | undefined> {
  if (o.stunPort < 0) return undefined
  const server = new StunServer({
    host: o.stunHost,
    port: o.stunPort,
    onRequest: (result) => metrics.stunRequests.inc({ result }),
  })
  return { server, port: await server.start() }
}

type StatsSource = Pick<Running, 'store' | 'gauges' | 'rotation' | 'nodes' | 'mailbox' | 'now'>

/** The store gauges are read from the store on stats and at start, then cached for the metrics. */
async function readStats(r: StatsSource, startedAt: number): Promise<RelayStats> {
  const s = await r.store.stats()
  r.gauges.store = { mailboxes: s.mailboxes, messages: s.messages, bytes: s.bytes }
  const rotation = r.rotation.state
  return {
    peerId: r.nodes.primary.peerId.toString(),
    mailboxes: s.mailboxes,
    storedMessages: s.messages,
    storedBytes: s.bytes,
    oneTimePrekeys: s.oneTimePrekeys,
    connections: r.nodes.connectionCount(),
    reservations: r.nodes.reservationCount(),
    subscribers: r.mailbox.subscriberTotal,
    uptimeSeconds: Math.round((r.now() - startedAt) / 1000),
    ...(rotation !== undefined
      ? {
          rotation: {
            nextPeerId: rotation.nextPeerId,
            graceUntil: new Date(rotation.graceUntil).toISOString(),
          },
        }
      : {}),
  }
}

/** Stops everything once, in the order that lets in-flight work finish against open parts. */
async function stopRunning(r: Running): Promise<void> {
  r.sweeper.stop()
  r.rotation.stop()
  r.mailbox.stop()
  r.handshakes.stop()
  await r.nodes.stop()
  await r.store.close()
  await r.stun?.stop()
  await r.admin?.stop()
  r.denials.close()
  r.audit.close()
  r.logger.info('relay stopped')
  r.logger.flush()
}

function relayHandle(r: Running, startedAt: number): RelayHandle {
  let stopping: Promise<void> | undefined
  return {
    // Getters: a completed key rotation replaces the primary node.
    get peerId() {
      return r.nodes.primary.peerId.toString()
    },
    get multiaddrs() {
      return r.nodes.primary.getMultiaddrs().map(String)
    },
    get node() {
      return r.nodes.primary
    },
    stunPort: r.self.stunPort(),
    adminPort: r.self.adminPort(),
    dataDir: r.o.dataDir,
    logger: r.logger,
    stats: () => readStats(r, startedAt),
    sweep: () => r.sweeper.sweep(),
    rotateKey: (graceMs) => r.rotation.rotateKey(graceMs),
    stop: () => (stopping ??= stopRunning(r)),
  }
}

export async function startRelay(input: RelayOptionsInput): Promise<RelayHandle> {
  const o: RelayOptions = resolveOptions(input)
  const now = o.now ?? Date.now
  checkAdminHost(o.adminHost)
  mkdirSync(o.dataDir, { recursive: true, mode: 0o700 })
  chmodSync(o.dataDir, 0o700)
  const logger = createRelayLogger(o)
  const startedAt = now()
  const local = await openLocalState(o, now, logger)
  const net = await startNetwork(o, now, logger, local, startedAt)
  const stats = () => readStats({ ...local, ...net, now }, startedAt)
  await stats()
  const admin = await startAdmin({ ...local, ...net, options: o, logger, stats })
  net.ports.admin = admin?.port
  const sweeper = startSweeper({ ...local, ...net, options: o, logger, now })
  await sweeper.sweep()
  const r: Running = { ...local, ...net, o, now, logger, admin: admin?.server, sweeper }
  writeRelayJson(r.self)
  r.rotation.schedule()
  logger.info(
    {
      peerId: r.nodes.primary.peerId.toString(),
      multiaddrs: r.nodes.primary.getMultiaddrs().map(String),
      stunPort: net.ports.stun,
      adminPort: net.ports.admin,
    },
    'relay started',
  )
  return relayHandle(r, startedAt)
}
