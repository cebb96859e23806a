/**
 * Relay options and their defaults: sized for a community relay on a small VPS (thousands of
 * clients). The CLI merges defaults < config file < HESTIA_RELAY_* env vars < flags (cli.ts).
 */
import type { MailboxLimits } from './mailbox-service.ts'
import type { RateLimit } from './rate-limit.ts'
import { instanceListProblem } from './store/instance-list.ts'
import { DEFAULT_RESERVE_FREE_BYTES } from './store/sqlite-store.ts'
import { defaultTurnOptions, turnOptionsProblem } from './turn-credentials.ts'
import type { TurnOptions } from './turn-credentials.ts'

const MiB = 1024 * 1024
const DAY_MS = 86_400_000

export interface RelayOptions {
  /** Data directory: identity key, database, bans, admin key hashes, audit log, relay.json. */
  dataDir: string
  /** libp2p listen multiaddrs, e.g. /ip4/0.0.0.0/tcp/4510/ws */
  listen: string[]
  /** Public multiaddrs to announce instead of the listen ones (behind NAT or a TLS proxy). */
  announce: string[]
  /** Listen addrs for the next identity during a key rotation (default: listen host, any port). */
  rotationListen: string[]
  /** PEM files for wss on the listen port itself (else: plain ws, or TLS at a proxy). */
  tlsCertFile?: string
  tlsKeyFile?: string
  stunHost: string
  /** UDP port for STUN binding requests; 0 = any free port, -1 = off. */
  stunPort: number
  /** Loopback admin HTTP (health, metrics, stats, admin API); 0 = any free port, -1 = off. */
  adminHost: string
  adminPort: number
  /** Extra admin key SHA-256 hashes (besides DATA/admin-keys). */
  adminKeyHashes: string[]
  /** Admin requests without a valid key, per source address; past it they get 429. */
  adminUnauthenticatedRate: RateLimit
  /** The audit log rotates (audit.log → audit.log.1 …) once it would pass this size. */
  auditLogMaxBytes: number
  /** Audit log files kept, the current one included. */
  auditLogFiles: number
  /**
   * Where mailboxes are kept: 'sqlite' (default, DATA/mailboxes.sqlite) or a postgres:// URL that
   * several relay instances share (docs/adr/0230-relay-postgresql-store.md).
   */
  store: string
  /** Connections one instance holds to PostgreSQL at most (at least 2). */
  pgPoolMax: number
  /**
   * The other instances sharing this PostgreSQL store (multiaddrs ending in /p2p/<id>), advertised
   * to clients for fail-over (ADR 0231). Only with a postgres:// store.
   */
  instances: string[]
  /** SQLite durability: FULL (default) or NORMAL (see docs/adr/0201-relay-storage.md). */
  sqliteSynchronous: 'FULL' | 'NORMAL'
  /**
   * Free disk kept for fetch, ack and checkpoints: deposits, prekey publishes and creations answer
   * storage_full below it (ADR 0210); 0 turns it off.
   */
  diskReserveBytes: number
  /** The operator's coturn, whose time-limited credentials `info` hands out (ADR 0450). */
  turn: TurnOptions
  /** Rotation grace period: both identities are announced this long. */
  rotationGraceMs: number
  sweepIntervalMs: number
  mailbox: MailboxLimits
  relay: {
    maxConnections: number
    maxConnectionsPerIp: number
    /** New inbound connections per second per IP (libp2p inboundConnectionThreshold). */
    inboundConnectionsPerSecondPerIp: number
    maxIncomingPendingConnections: number
    maxReservations: number
    reservationTtlMs: number
    /** Relayed connections carry signalling only, until peers upgrade to direct WebRTC. */
    relayedDataLimitBytes: number
    relayedDurationLimitMs: number
    maxInboundHopStreams: number
    /** An accepted socket must become an open libp2p connection (WebSocket, noise, yamux) in this long. */
    handshakeDeadlineMs: number
    /** Sockets one remote address may have in their handshake at once. */
    maxHandshakingPerIp: number
    /** Bytes of incomplete frames one connection may hold across its streams. */
    partialFrameBytesPerConnection: number
    /** Bytes of incomplete frames all connections together may hold. */
    partialFrameBytesTotal: number
  }
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
  /** Injected clock (tests). */
  now?: () => number
  /** Where pino writes: a file descriptor or path (default stdout; the CLI logs to stderr). */
  logDestination?: number | string
}

export function defaultOptions(dataDir: string): RelayOptions {
  return {
    dataDir,
    listen: ['/ip4/127.0.0.1/tcp/4510/ws'],
    announce: [],
    rotationListen: [],
    stunHost: '0.0.0.0',
    stunPort: 3478,
    adminHost: '127.0.0.1',
    adminPort: 4511,
    adminKeyHashes: [],
    adminUnauthenticatedRate: { perSecond: 1, burst: 10 },
    auditLogMaxBytes: 16 * MiB,
    auditLogFiles: 4,
    store: 'sqlite',
    pgPoolMax: 8,
    instances: [],
    sqliteSynchronous: 'FULL',
    diskReserveBytes: DEFAULT_RESERVE_FREE_BYTES,
    turn: defaultTurnOptions(),
    rotationGraceMs: DAY_MS,
    sweepIntervalMs: 10 * 60_000,
    mailbox: {
      maxMessageTtlMs: 14 * DAY_MS,
      mailboxIdleTtlMs: 30 * DAY_MS,
      maxMessagesPerMailbox: 1000,
      maxBytesPerMailbox: 32 * MiB,
      fileFallbackCapBytes: 16 * MiB,
      maxTotalBytes: 2048 * MiB,
      maxMailboxes: 200_000,
      rate: {
        depositPerPeer: { perSecond: 20, burst: 100 },
        depositPerIp: { perSecond: 100, burst: 400 },
        readPerPeer: { perSecond: 20, burst: 100 },
        readPerIp: { perSecond: 100, burst: 400 },
        createPerIp: { perSecond: 1, burst: 20 },
        prekeyFetchPerIp: { perSecond: 1, burst: 20 },
      },
    },
    relay: {
      maxConnections: 5000,
      maxConnectionsPerIp: 32,
      inboundConnectionsPerSecondPerIp: 5,
      maxIncomingPendingConnections: 64,
      maxReservations: 4096,
      reservationTtlMs: 2 * 3_600_000,
      relayedDataLimitBytes: 256 * 1024,
      relayedDurationLimitMs: 2 * 60_000,
      maxInboundHopStreams: 512,
      handshakeDeadlineMs: 10_000,
      maxHandshakingPerIp: 8,
      // Eight 64 KiB deposits in flight (the client's stream pool) fit; 32 half frames do not.
      partialFrameBytesPerConnection: 1 * MiB,
      // A quarter of the 512 MiB container limit (relay-node/compose.yaml).
      partialFrameBytesTotal: 128 * MiB,
    },
    logLevel: 'info',
  }
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K]
}
export type RelayOptionsInput = DeepPartial<RelayOptions> & { dataDir: string }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Deep-merges `over` into `base` (arrays and functions replace). */
export function mergeOptions<T>(base: T, over: unknown): T {
  if (!isPlainObject(over) || !isPlainObject(base)) return (over === undefined ? base : over) as T
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue
    out[k] = isPlainObject(v) && isPlainObject(out[k]) ? mergeOptions(out[k], v) : v
  }
  return out as T
}

export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError'
}

/** Sealed bytes a file of `cap` bytes takes as mailbox pieces (three 16 KiB chunks per 64 KiB). */
export function fileFallbackSealedBytes(cap: number): number {
  return Math.ceil(cap / (3 * 16 * 1024)) * 64 * 1024
}

/** The largest file whose pieces fit in a mailbox quota of `quotaBytes`. */
export function largestFallbackFile(quotaBytes: number): number {
  return Math.floor(quotaBytes / (64 * 1024)) * 3 * 16 * 1024
}

export function resolveOptions(input: RelayOptionsInput): RelayOptions {
  const options = mergeOptions(defaultOptions(input.dataDir), input)
  if (!Number.isSafeInteger(options.diskReserveBytes) || options.diskReserveBytes < 0) {
    throw new RelayConfigError('the disk reserve must be a whole number of bytes, 0 or more')
  }
  checkHostileLoadLimits(options)
  checkStore(options)
  const turnProblem = turnOptionsProblem(options.turn)
  if (turnProblem !== null) throw new RelayConfigError(turnProblem)
  const { fileFallbackCapBytes, maxBytesPerMailbox } = options.mailbox
  if (input.mailbox?.fileFallbackCapBytes === undefined) {
    // Not set: the default, or less when a smaller mailbox quota could not hold its pieces.
    options.mailbox.fileFallbackCapBytes = Math.min(
      fileFallbackCapBytes,
      largestFallbackFile(maxBytesPerMailbox),
    )
    return options
  }
  if (
    !Number.isSafeInteger(fileFallbackCapBytes) ||
    fileFallbackCapBytes < 0 ||
    fileFallbackCapBytes > 0xffff_ffff
  ) {
    throw new RelayConfigError('the file fallback cap must be a whole number of bytes under 4 GiB')
  }
  if (fileFallbackSealedBytes(fileFallbackCapBytes) > maxBytesPerMailbox) {
    throw new RelayConfigError(
      `a ${fileFallbackCapBytes}-byte file takes ${fileFallbackSealedBytes(fileFallbackCapBytes)} ` +
        `sealed bytes, more than the per-mailbox quota (${maxBytesPerMailbox}): lower the file ` +
        'fallback cap or raise the mailbox quota',
    )
  }
  return options
}

/** 'sqlite' or a PostgreSQL URL; a typo must not silently fall back to SQLite. */
function checkStore(o: RelayOptions): void {
  if (o.store !== 'sqlite' && !/^postgres(ql)?:\/\//.test(o.store)) {
    throw new RelayConfigError(
      `the store must be 'sqlite' or a postgres://user:password@host:port/database URL (got ${o.store.split('@').pop()})`,
    )
  }
  if (o.instances.length > 0 && o.store === 'sqlite') {
    throw new RelayConfigError('--instances needs a shared postgres:// store (SQLite is one relay)')
  }
  const problem = instanceListProblem(o.instances)
  if (problem !== undefined) throw new RelayConfigError(`--instances: ${problem}`)
  if (!Number.isSafeInteger(o.pgPoolMax) || o.pgPoolMax < 2 || o.pgPoolMax > 1000) {
    throw new RelayConfigError(
      `the PostgreSQL pool needs 2 to 1000 connections (got ${o.pgPoolMax})`,
    )
  }
}

/** The limits of ADRs 0205–0207 and the audit log: a zero or negative one would switch a guard off. */
function checkHostileLoadLimits(o: RelayOptions): void {
  const positive: Array<[string, number]> = [
    ['the handshake deadline', o.relay.handshakeDeadlineMs],
    ['the handshaking sockets per IP', o.relay.maxHandshakingPerIp],
    ['the partial-frame budget per connection', o.relay.partialFrameBytesPerConnection],
    ['the partial-frame budget', o.relay.partialFrameBytesTotal],
    ['the audit log size', o.auditLogMaxBytes],
    ['the audit log files', o.auditLogFiles],
  ]
  for (const [name, value] of positive) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RelayConfigError(`${name} must be a whole number above 0 (got ${value})`)
    }
  }
  if (o.relay.partialFrameBytesPerConnection > o.relay.partialFrameBytesTotal) {
    throw new RelayConfigError(
      'the partial-frame budget per connection cannot be larger than the budget for all of them',
    )
  }
}
