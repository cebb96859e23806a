/**
 * A private PostgreSQL cluster for tests: initdb in a temporary directory, the server on a
 * loopback port with its unix socket in that directory, stopped by its PID and removed afterwards.
 * Nothing outside the temporary directory is touched (no system cluster, no port other than the one
 * picked here).
 *
 * PostgreSQL refuses to run as root, and CI runs as root: then the cluster runs as the `postgres`
 * system user (Debian's package creates it): the processes are spawned with its uid and gid.
 *
 * A test that cannot get a cluster must fail in CI (CI set, or running as root): `requirePg()`
 * returns a skip reason only on a developer machine without PostgreSQL, and throws otherwise.
 *
 * A cluster that goes away while tests use it (its server killed or crashed by something other
 * than the test) is reported at once: a clear PgClusterLostError on stderr, to every
 * `whileClusterAlive` body running then (pg-test.ts wraps each test in one), and from every later
 * call on the cluster. Without that, a test waits for answers that never come, until its timeout.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

const PG_BIN_DIRS = [
  '/usr/lib/postgresql/17/bin',
  '/usr/lib/postgresql/16/bin',
  '/usr/lib/postgresql/15/bin',
]

export function findPgBin(): string | undefined {
  const fromEnv = process.env.HESTIA_PG_BIN
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'initdb'))) return fromEnv
  return PG_BIN_DIRS.find((d) => existsSync(join(d, 'initdb')) && existsSync(join(d, 'postgres')))
}

/** True where a missing PostgreSQL is a failure rather than a reason to skip. */
export function pgRequired(): boolean {
  const ci = process.env.CI
  return (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false') || process.getuid?.() === 0
}

export class PgUnavailableError extends Error {
  override readonly name: string = 'PgUnavailableError'
}

/** The test's cluster went away without the test stopping it. */
export class PgClusterLostError extends PgUnavailableError {
  override readonly name = 'PgClusterLostError'
}

/** Told when any cluster of this process is lost (whileClusterAlive). */
const lossListeners = new Set<(err: PgClusterLostError) => void>()
/** The first loss in this process: later bodies fail at once. */
let firstLoss: PgClusterLostError | undefined

/**
 * Runs `body`; rejects with the PgClusterLostError as soon as a test cluster of this process goes
 * away unexpectedly (or already has), whatever `body` is waiting for.
 */
export async function whileClusterAlive<T>(body: () => Promise<T>): Promise<T> {
  if (firstLoss !== undefined) throw firstLoss
  let listener: ((err: PgClusterLostError) => void) | undefined
  const lost = new Promise<never>((_, reject) => {
    listener = reject
    lossListeners.add(reject)
  })
  try {
    return await Promise.race([body(), lost])
  } finally {
    lossListeners.delete(listener!)
  }
}

function reportLoss(err: PgClusterLostError): void {
  firstLoss ??= err
  console.error(err.message)
  for (const listener of [...lossListeners]) listener(err)
}

/**
 * Undefined when a cluster can be started here; a skip reason on a developer machine without
 * PostgreSQL; throws PgUnavailableError in CI or as root, where the test must not pass silently.
 */
export function requirePg(): string | undefined {
  if (findPgBin() !== undefined) return undefined
  const reason =
    'PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin): `apt-get install postgresql`, or run `npm test`, which installs it'
  if (pgRequired()) throw new PgUnavailableError(reason)
  return reason
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export interface PgCluster {
  /** postgres://… for the test database on 127.0.0.1. */
  readonly url: string
  readonly port: number
  readonly dir: string
  /** Creates another empty database and returns its URL (one per test keeps tests apart). */
  createDatabase(name: string): Promise<string>
  /** Immediate shutdown (like a crash: no checkpoint) and start again on the same port and data. */
  restart(options?: { downMs?: number }): Promise<void>
  /** Stops the server (SIGINT: fast shutdown) without removing the data. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server by its PID and deletes the directory. */
  destroy(): Promise<void>
}

/** The uid/gid the server runs as: the `postgres` user when we are root, else undefined (us). */
export function pgServerUser(): { uid: number; gid: number } | undefined {
  return asUser()
}

function asUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
  const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
  if (uid.status !== 0 || gid.status !== 0) {
    throw new PgUnavailableError(
      "running as root and there is no `postgres` system user to run PostgreSQL as (Debian's postgresql package creates it)",
    )
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) }
}

async function waitReady(url: string, server: ChildProcess, logPath: string): Promise<void> {
  const deadline = Date.now() + 30_000
  let last: unknown
  while (Date.now() < deadline) {
    if (server.exitCode !== null || server.signalCode !== null) {
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''
      throw new PgUnavailableError(
        `postgres exited (${server.exitCode ?? server.signalCode}):\n${log}`,
      )
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
      await client.end()
      return
    } catch (err) {
      last = err
      await client.end().catch(() => undefined)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new PgUnavailableError(`postgres did not accept connections within 30 s: ${String(last)}`)
}

/**
 * Starts a private cluster. Call `destroy()` in an `after` hook; the process is also killed when
 * the test process exits, so a failed test does not leave a server running.
 */
export async function startPgCluster(options: { fsync?: boolean } = {}): Promise<PgCluster> {
  const bin = findPgBin()
  if (bin === undefined) throw new PgUnavailableError(requirePg() ?? 'PostgreSQL is not installed')
  const user = asUser()
  const dir = mkdtempSync(join(tmpdir(), 'hestia-pg-'))
  const data = join(dir, 'data')
  const logPath = join(dir, 'server.log')
  if (user !== undefined) {
    chownSync(dir, user.uid, user.gid)
    chmodSync(dir, 0o700)
  }
  // A password even on loopback: other users of a shared machine cannot reach the test cluster.
  const password = randomBytes(18).toString('base64url')
  const pwfile = join(dir, 'pwfile')
  writeFileSync(pwfile, password + '\n', { mode: 0o600 })
  if (user !== undefined) chownSync(pwfile, user.uid, user.gid)
  const init = spawnSync(
    join(bin, 'initdb'),
    [
      ...['-D', data, '-U', 'hestia', '-A', 'scram-sha-256', `--pwfile=${pwfile}`],
      ...['-E', 'UTF8', '--no-locale', '--no-instructions'],
    ],
    { encoding: 'utf8', ...(user ?? {}) },
  )
  rmSync(pwfile, { force: true })
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new PgUnavailableError(`initdb failed: ${init.stderr || init.stdout}`)
  }
  const port = await freePort()
  let server: ChildProcess | undefined
  const killOnExit = () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      try {
        process.kill(server.pid, 'SIGQUIT')
      } catch {
        // already gone
      }
    }
  }
  process.once('exit', killOnExit)

  const base = `postgres://hestia:${password}@127.0.0.1:${port}`
  /** Set while the test itself stops the server (stop, restart, destroy). */
  let stopping = false
  let lostError: PgClusterLostError | undefined
  const watch = (s: ChildProcess) => {
    s.once('exit', (code, signal) => {
      if (stopping || server !== s) return
      const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''
      lostError = new PgClusterLostError(
        `the test's PostgreSQL cluster on port ${port} (${dir}) went away: postgres ${s.pid} exited (${signal ?? code}) without the test stopping it; its data directory is ${existsSync(data) ? 'still there' : 'gone'}. Tests using it fail now instead of waiting. Last lines of server.log:\n${log.split('\n').slice(-15).join('\n')}`,
      )
      reportLoss(lostError)
    })
  }
  const notLost = () => {
    if (lostError !== undefined) throw lostError
  }
  const start = async () => {
    notLost()
    const args = [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `fsync=${options.fsync === false ? 'off' : 'on'}`,
      '-c',
      'synchronous_commit=on',
      '-c',
      'max_connections=60',
      '-c',
      'shared_buffers=32MB',
    ]
    const log = openSync(logPath, 'a')
    try {
      // Spawned directly (as the postgres user's uid/gid when we are root), so the child PID is the
      // postmaster's and signals reach it.
      server = spawn(join(bin, 'postgres'), args, {
        stdio: ['ignore', log, log],
        ...(user ?? {}),
      })
    } finally {
      closeSync(log)
    }
    stopping = false
    await waitReady(`${base}/postgres`, server, logPath)
    // Watched once up: a server that fails to start is waitReady's error.
    watch(server)
  }
  const stopWith = async (signal: NodeJS.Signals) => {
    const s = server
    if (s === undefined || s.exitCode !== null || s.signalCode !== null) return
    stopping = true
    const exited = new Promise<void>((r) => s.once('exit', () => r()))
    if (s.pid !== undefined) process.kill(s.pid, signal)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))])
    clearTimeout(timer)
    if (s.exitCode === null && s.signalCode === null && s.pid !== undefined) {
      process.kill(s.pid, 'SIGKILL')
      await exited
    }
  }

  try {
    await start()
  } catch (err) {
    await stopWith('SIGQUIT')
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
  const admin = async (sql: string) => {
    notLost()
    const c = new pg.Client({
      connectionString: `${base}/postgres`,
      connectionTimeoutMillis: 10_000,
    })
    await c.connect()
    try {
      await c.query(sql)
    } finally {
      await c.end()
    }
  }
  await admin('CREATE DATABASE hestia')
  return {
    url: `${base}/hestia`,
    port,
    dir,
    async createDatabase(name: string) {
      if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`)
      await admin(`CREATE DATABASE ${name}`)
      return `${base}/${name}`
    },
    async restart(opts = {}) {
      notLost()
      // SIGQUIT: immediate shutdown, recovery from WAL on the next start, as after a crash.
      await stopWith('SIGQUIT')
      if (opts.downMs !== undefined) await new Promise((r) => setTimeout(r, opts.downMs))
      await start()
    },
    stop: () => stopWith('SIGINT'),
    start,
    async destroy() {
      await stopWith('SIGINT')
      process.removeListener('exit', killOnExit)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
