/**
 * hestia-relay CLI: `start` runs the relay; `migrate` prepares a PostgreSQL store; `stats`,
 * `admin-key` and `admin` talk to a running one.
 * Options come from defaults < --config JSON file < HESTIA_RELAY_* env vars < flags.
 */
import { Command, Option } from 'commander'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createAdminKey } from './admin-keys.ts'
import { RelayConfigError, mergeOptions } from './config.ts'
import type { RelayOptionsInput } from './config.ts'
import { RELAY_INFO_FILE, StoreOpenError, startRelay } from './relay.ts'
import type { RelayHandle } from './relay.ts'
import pg from 'pg'
import { PG_SCHEMA_VERSION, migratePg } from './store/pg-migrate.ts'
import { turnFromEnv } from './turn-credentials.ts'

const MiB = 1024 * 1024
const DAY_MS = 86_400_000

const int = (v: string) => {
  const n = Number(v)
  if (!Number.isInteger(n)) throw new Error(`not an integer: ${v}`)
  return n
}
const list = (v: string, prev: string[] | undefined) => [
  ...(prev ?? []),
  ...v.split(',').filter(Boolean),
]

interface StartFlags {
  data: string
  config?: string
  listen?: string[]
  announce?: string[]
  rotationListen?: string[]
  tlsCert?: string
  tlsKey?: string
  stunHost?: string
  stunPort?: number
  adminPort?: number
  adminKeyHash?: string[]
  logLevel?: RelayOptionsInput['logLevel']
  store?: string
  pgPool?: number
  instances?: string[]
  sqliteSynchronous?: 'FULL' | 'NORMAL'
  diskReserveMib?: number
  messageTtlDays?: number
  mailboxIdleDays?: number
  maxMessagesPerMailbox?: number
  maxMibPerMailbox?: number
  fileFallbackMib?: number
  maxTotalMib?: number
  maxMailboxes?: number
  maxConnections?: number
  maxConnectionsPerIp?: number
  maxReservations?: number
  rotationGraceHours?: number
  handshakeDeadlineSeconds?: number
  maxHandshakingPerIp?: number
  partialFrameMib?: number
  partialFrameKibPerConnection?: number
  auditLogMaxMib?: number
}

function optionsFromFlags(f: StartFlags): RelayOptionsInput {
  const fromFile: unknown = f.config === undefined ? {} : JSON.parse(readFileSync(f.config, 'utf8'))
  const fromFlags = {
    dataDir: f.data,
    listen: f.listen,
    announce: f.announce,
    rotationListen: f.rotationListen,
    tlsCertFile: f.tlsCert,
    tlsKeyFile: f.tlsKey,
    stunHost: f.stunHost,
    stunPort: f.stunPort,
    adminPort: f.adminPort,
    adminKeyHashes: f.adminKeyHash,
    logLevel: f.logLevel,
    store: f.store,
    pgPoolMax: f.pgPool,
    instances: f.instances,
    sqliteSynchronous: f.sqliteSynchronous,
    turn: turnFromEnv(process.env),
    diskReserveBytes: f.diskReserveMib === undefined ? undefined : f.diskReserveMib * MiB,
    auditLogMaxBytes: f.auditLogMaxMib === undefined ? undefined : f.auditLogMaxMib * MiB,
    rotationGraceMs:
      f.rotationGraceHours === undefined ? undefined : f.rotationGraceHours * 3_600_000,
    mailbox: {
      maxMessageTtlMs: f.messageTtlDays === undefined ? undefined : f.messageTtlDays * DAY_MS,
      mailboxIdleTtlMs: f.mailboxIdleDays === undefined ? undefined : f.mailboxIdleDays * DAY_MS,
      maxMessagesPerMailbox: f.maxMessagesPerMailbox,
      maxBytesPerMailbox: f.maxMibPerMailbox === undefined ? undefined : f.maxMibPerMailbox * MiB,
      fileFallbackCapBytes: f.fileFallbackMib === undefined ? undefined : f.fileFallbackMib * MiB,
      maxTotalBytes: f.maxTotalMib === undefined ? undefined : f.maxTotalMib * MiB,
      maxMailboxes: f.maxMailboxes,
    },
    relay: {
      maxConnections: f.maxConnections,
      maxConnectionsPerIp: f.maxConnectionsPerIp,
      maxReservations: f.maxReservations,
      handshakeDeadlineMs:
        f.handshakeDeadlineSeconds === undefined ? undefined : f.handshakeDeadlineSeconds * 1000,
      maxHandshakingPerIp: f.maxHandshakingPerIp,
      partialFrameBytesTotal: f.partialFrameMib === undefined ? undefined : f.partialFrameMib * MiB,
      partialFrameBytesPerConnection:
        f.partialFrameKibPerConnection === undefined
          ? undefined
          : f.partialFrameKibPerConnection * 1024,
    },
  }
  return mergeOptions(fromFile as RelayOptionsInput, fromFlags)
}

function adminUrl(data: string | undefined, explicit: string | undefined): string {
  if (explicit !== undefined) return explicit.replace(/\/$/, '')
  if (data === undefined) throw new Error('give --data DIR (to read relay.json) or --admin URL')
  const info = JSON.parse(readFileSync(join(data, RELAY_INFO_FILE), 'utf8')) as {
    admin?: { url?: string }
  }
  if (info.admin?.url === undefined)
    throw new Error('relay.json has no admin URL: is the admin port off?')
  return info.admin.url
}

const program = new Command()
  .name('hestia-relay')
  .description('Hestia community relay: circuit relay v2, STUN, sealed store-and-forward mailboxes')
  .showHelpAfterError()

program
  .command('start')
  .description(
    'Run the relay. Prints its dialable multiaddrs (/p2p/<peerId>) on stdout when ready and writes them to DIR/relay.json; logs JSON to stderr. SIGTERM/SIGINT stop it gracefully.',
  )
  .addOption(
    new Option('--data <dir>', 'data directory (identity key, database, audit log)')
      .env('HESTIA_RELAY_DATA')
      .makeOptionMandatory(),
  )
  .addOption(
    new Option(
      '--config <file>',
      'JSON config file (same shape as RelayOptions in relay-node/src/config.ts)',
    ).env('HESTIA_RELAY_CONFIG'),
  )
  .addOption(
    new Option(
      '--listen <multiaddr>',
      'listen multiaddr, repeatable or comma-separated (default /ip4/127.0.0.1/tcp/4510/ws)',
    )
      .env('HESTIA_RELAY_LISTEN')
      .argParser(list),
  )
  .addOption(
    new Option(
      '--announce <multiaddr>',
      'public multiaddr to announce instead, e.g. /dns4/relay.example/tcp/443/wss',
    )
      .env('HESTIA_RELAY_ANNOUNCE')
      .argParser(list),
  )
  .addOption(
    new Option(
      '--rotation-listen <multiaddr>',
      'listen multiaddr for the next identity during a key rotation (default: listen host, any port)',
    )
      .env('HESTIA_RELAY_ROTATION_LISTEN')
      .argParser(list),
  )
  .addOption(
    new Option('--tls-cert <file>', 'PEM certificate: serve wss on the listen port').env(
      'HESTIA_RELAY_TLS_CERT',
    ),
  )
  .addOption(
    new Option('--tls-key <file>', 'PEM private key for --tls-cert').env('HESTIA_RELAY_TLS_KEY'),
  )
  .addOption(
    new Option('--stun-host <ip>', 'STUN bind address (default 0.0.0.0)').env(
      'HESTIA_RELAY_STUN_HOST',
    ),
  )
  .addOption(
    new Option('--stun-port <port>', 'STUN UDP port; 0 = any, -1 = off (default 3478)')
      .env('HESTIA_RELAY_STUN_PORT')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--admin-port <port>',
      'loopback admin HTTP port (health, metrics, stats, admin API); 0 = any, -1 = off (default 4511)',
    )
      .env('HESTIA_RELAY_ADMIN_PORT')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--admin-key-hash <sha256hex>',
      'extra admin API key hash, repeatable (keys from `hestia-relay admin-key` are read from DIR/admin-keys)',
    )
      .env('HESTIA_RELAY_ADMIN_KEY_HASHES')
      .argParser(list),
  )
  .addOption(
    new Option('--log-level <level>', 'pino log level')
      .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .env('HESTIA_RELAY_LOG_LEVEL'),
  )
  .addOption(
    new Option(
      '--store <store>',
      "'sqlite' (default: DATA/mailboxes.sqlite) or postgres://user:password@host:port/db, shared by several relay instances (run `hestia-relay migrate` first)",
    ).env('HESTIA_RELAY_STORE'),
  )
  .addOption(
    new Option('--pg-pool <n>', 'PostgreSQL connections this instance holds at most (default 8)')
      .env('HESTIA_RELAY_PG_POOL')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--instances <multiaddr>',
      'other instances on this store, told to clients (ADR 0231)',
    )
      .env('HESTIA_RELAY_INSTANCES')
      .argParser(list),
  )
  .addOption(
    new Option('--sqlite-synchronous <mode>', 'FULL (fsync every commit, default) or NORMAL')
      .choices(['FULL', 'NORMAL'])
      .env('HESTIA_RELAY_SQLITE_SYNCHRONOUS'),
  )
  .addOption(
    new Option(
      '--disk-reserve-mib <n>',
      'free disk kept for fetch and ack: deposits answer storage_full below it (default 64; 0 off)',
    )
      .env('HESTIA_RELAY_DISK_RESERVE_MIB')
      .argParser(int),
  )
  .addOption(
    new Option('--message-ttl-days <n>', 'longest time a message is kept (default 14)')
      .env('HESTIA_RELAY_MESSAGE_TTL_DAYS')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--mailbox-idle-days <n>',
      'delete mailboxes nobody fetched from for this long (default 30)',
    )
      .env('HESTIA_RELAY_MAILBOX_IDLE_DAYS')
      .argParser(int),
  )
  .addOption(
    new Option('--max-messages-per-mailbox <n>', 'per-mailbox message quota (default 1000)')
      .env('HESTIA_RELAY_MAX_MESSAGES_PER_MAILBOX')
      .argParser(int),
  )
  .addOption(
    new Option('--max-mib-per-mailbox <n>', 'per-mailbox byte quota in MiB (default 32)')
      .env('HESTIA_RELAY_MAX_MIB_PER_MAILBOX')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--file-fallback-mib <n>',
      'largest file clients may send through a mailbox when no direct connection exists, in MiB (default 16; 0 announces none)',
    )
      .env('HESTIA_RELAY_FILE_FALLBACK_MIB')
      .argParser(int),
  )
  .addOption(
    new Option('--max-total-mib <n>', 'global quota on stored sealed bytes in MiB (default 2048)')
      .env('HESTIA_RELAY_MAX_TOTAL_MIB')
      .argParser(int),
  )
  .addOption(
    new Option('--max-mailboxes <n>', 'mailboxes this relay accepts (default 200000)')
      .env('HESTIA_RELAY_MAX_MAILBOXES')
      .argParser(int),
  )
  .addOption(
    new Option('--max-connections <n>', 'libp2p connections (default 5000)')
      .env('HESTIA_RELAY_MAX_CONNECTIONS')
      .argParser(int),
  )
  .addOption(
    new Option('--max-connections-per-ip <n>', 'connections per remote IP (default 32)')
      .env('HESTIA_RELAY_MAX_CONNECTIONS_PER_IP')
      .argParser(int),
  )
  .addOption(
    new Option('--max-reservations <n>', 'circuit relay v2 reservations (default 4096)')
      .env('HESTIA_RELAY_MAX_RESERVATIONS')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--handshake-deadline-seconds <n>',
      'an accepted socket must finish WebSocket, noise and yamux in this long, else it is closed (default 10)',
    )
      .env('HESTIA_RELAY_HANDSHAKE_DEADLINE_SECONDS')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--max-handshaking-per-ip <n>',
      'sockets one address may have in their handshake at once; more are closed on arrival (default 8)',
    )
      .env('HESTIA_RELAY_MAX_HANDSHAKING_PER_IP')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--partial-frame-mib <n>',
      'memory all streams together may hold in half-received frames, in MiB; past it the heaviest stream is reset (default 128)',
    )
      .env('HESTIA_RELAY_PARTIAL_FRAME_MIB')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--partial-frame-kib-per-connection <n>',
      'the same per connection, in KiB (default 1024)',
    )
      .env('HESTIA_RELAY_PARTIAL_FRAME_KIB_PER_CONNECTION')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--audit-log-max-mib <n>',
      'rotate DATA/audit.log at this size; 4 files are kept (default 16)',
    )
      .env('HESTIA_RELAY_AUDIT_LOG_MAX_MIB')
      .argParser(int),
  )
  .addOption(
    new Option(
      '--rotation-grace-hours <n>',
      'how long both identities are announced after a key rotation (default 24)',
    )
      .env('HESTIA_RELAY_ROTATION_GRACE_HOURS')
      .argParser(int),
  )
  .action(async (flags: StartFlags) => {
    // Handlers first: a supervisor may signal as soon as it sees the ready line on stdout, and a
    // signal during startup must still end in a clean stop.
    const state: { relay?: RelayHandle; requested?: string } = {}
    const shutdown = (signal: string) => {
      if (state.requested !== undefined) return
      state.requested = signal
      if (state.relay !== undefined) stopAndExit(state.relay, signal)
    }
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    process.on('SIGINT', () => shutdown('SIGINT'))
    let relay: RelayHandle
    try {
      relay = await startRelay({ ...optionsFromFlags(flags), logDestination: 2 })
    } catch (err) {
      // A database the relay will not open (or a store setting it cannot use): one sentence
      // saying what to do, no stack trace.
      if (!(err instanceof StoreOpenError) && !(err instanceof RelayConfigError)) throw err
      process.stderr.write(`hestia-relay: ${err.message}\n`)
      process.exit(2)
    }
    state.relay = relay
    if (state.requested !== undefined) return stopAndExit(relay, state.requested)
    process.stdout.write(relay.multiaddrs.join('\n') + '\n')
  })

program
  .command('migrate')
  .description(
    'Create or upgrade the relay schema in a PostgreSQL database (each migration once, in order, under a lock). Run it before starting the relays of a new version; prints the versions it applied.',
  )
  .addOption(
    new Option('--store <url>', 'postgres://user:password@host:port/db')
      .env('HESTIA_RELAY_STORE')
      .makeOptionMandatory(),
  )
  .action(async (flags: { store: string }) => {
    if (!/^postgres(ql)?:\/\//.test(flags.store)) {
      process.stderr.write(
        'hestia-relay: migrate is for a PostgreSQL store; the SQLite store migrates itself on start\n',
      )
      process.exit(2)
    }
    const client = new pg.Client({ connectionString: flags.store })
    try {
      await client.connect()
      const applied = await migratePg(client)
      process.stdout.write(
        applied.length === 0
          ? `schema ${PG_SCHEMA_VERSION}: already current\n`
          : `applied ${applied.join(', ')}; schema ${PG_SCHEMA_VERSION}\n`,
      )
    } catch (err) {
      process.stderr.write(`hestia-relay: migrate failed: ${(err as Error).message}\n`)
      process.exitCode = 2
    } finally {
      await client.end().catch(() => undefined)
    }
  })

function stopAndExit(relay: RelayHandle, signal: string): void {
  relay.logger.info({ signal }, 'shutting down')
  relay
    .stop()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      relay.logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
}

program
  .command('stats')
  .description(
    "Print a running relay's mailboxes, stored messages/bytes, connections, reservations (JSON)",
  )
  .addOption(
    new Option('--data <dir>', 'data directory of the running relay (reads relay.json)').env(
      'HESTIA_RELAY_DATA',
    ),
  )
  .option('--admin <url>', 'admin base URL instead, e.g. http://127.0.0.1:4511')
  .action(async (flags: { data?: string; admin?: string }) => {
    const res = await fetch(`${adminUrl(flags.data, flags.admin)}/stats`)
    process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n')
  })

program
  .command('admin-key')
  .description(
    'Create an admin API key: prints it once; only its SHA-256 hash is stored in DIR/admin-keys',
  )
  .addOption(
    new Option('--data <dir>', 'data directory').env('HESTIA_RELAY_DATA').makeOptionMandatory(),
  )
  .action((flags: { data: string }) => {
    const { key, hash } = createAdminKey(flags.data)
    process.stdout.write(`${key}\n`)
    process.stderr.write(
      `stored hash ${hash.slice(0, 12)}… in ${join(flags.data, 'admin-keys')}; the key is not stored, keep it now\n`,
    )
  })

program
  .command('admin')
  .description(
    'Call the admin API: ban|unban (--peer or --ip), purge (--mailbox HEX), rotate-key [--grace-hours N]. Key from HESTIA_RELAY_ADMIN_KEY.',
  )
  .argument('<action>', 'ban, unban, purge, rotate-key or bans')
  .addOption(
    new Option('--data <dir>', 'data directory of the running relay').env('HESTIA_RELAY_DATA'),
  )
  .option('--admin <url>', 'admin base URL instead of reading relay.json')
  .option('--peer <peerId>', 'peer id to ban/unban')
  .option('--ip <ip>', 'IP address to ban/unban')
  .option('--mailbox <hex>', 'mailbox id to purge (64 hex)')
  .option('--grace-hours <n>', 'rotation grace period in hours (fractions allowed)', Number)
  .addOption(
    new Option('--key <key>', 'admin API key').env('HESTIA_RELAY_ADMIN_KEY').makeOptionMandatory(),
  )
  .action(
    async (
      action: string,
      f: {
        data?: string
        admin?: string
        peer?: string
        ip?: string
        mailbox?: string
        graceHours?: number
        key: string
      },
    ) => {
      const url = `${adminUrl(f.data, f.admin)}/admin/${action}`
      const res = await fetch(url, {
        method: action === 'bans' ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${f.key}`, 'content-type': 'application/json' },
        ...(action === 'bans'
          ? {}
          : {
              body: JSON.stringify({
                peer: f.peer,
                ip: f.ip,
                mailbox: f.mailbox,
                graceHours: f.graceHours,
              }),
            }),
      })
      process.stdout.write(JSON.stringify(await res.json(), null, 2) + '\n')
      if (!res.ok) process.exitCode = 1
    },
  )

await program.parseAsync(process.argv)
