/**
 * The processes of the NAT test, each started inside a namespace with `ip netns exec` (which
 * execs, so the PID we hold is the program's own): the relay and coturn in the public namespace,
 * the UDP reflector that classifies NATs, and one nat-peer.ts per home. Everything started here is
 * ended here by its PID (`stopAll`), with bounded waits.
 *
 * Start-up is checked, not assumed: a service counts as up when it printed its ready line AND
 * answers on its port (STUN for coturn and the relay's responder); one that does not within its
 * deadline is stopped and started once more with a longer one (a loaded CI machine), and then the
 * error names the service, the command, its last output and what to check.
 */
import { execFile, execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'
import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { PUBLIC_SERVICE_IP, childPath, tool } from './topology.ts'
import type { Home } from './topology.ts'

const root = resolve(import.meta.dirname, '..', '..')
const here = import.meta.dirname

export const RELAY_WS_PORT = 4510
export const RELAY_STUN_PORT = 3478
export const TURN_PORT = 3479
const REFLECT_PORTS = [3490, 3491] as const

const started = new Set<ChildProcess>()
const execFileAsync = promisify(execFile)

/**
 * The environment of a process in the namespaces: ours without what would change what it does
 * there (a HESTIA_RELAY_* setting from the CI's environment, node:test's child context), and a
 * PATH that has the system directories.
 */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: childPath() }
  for (const key of Object.keys(env)) {
    if (key.startsWith('HESTIA_RELAY_') || key === 'NODE_TEST_CONTEXT') delete env[key]
  }
  return { ...env, ...extra }
}

/** What a spawned process did: its output so far (bounded) and a spawn error, if any. */
interface Started {
  child: ChildProcess
  command: string
  output: () => string
  spawnError: () => Error | undefined
}

function spawnInNs(
  ns: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {},
): Started {
  const child = spawn(tool('ip'), ['netns', 'exec', ns, cmd, ...args], {
    cwd: root,
    env: childEnv(opts.env),
    stdio: opts.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
  })
  let output = ''
  let spawnError: Error | undefined
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  // Without a listener a failed spawn (or kill) is an uncaught exception that fails whatever
  // test or hook is running with no word about which process it was.
  child.on('error', (err) => {
    spawnError = err
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  return {
    child,
    command: `ip netns exec ${ns} ${cmd} ${args.join(' ')}`,
    output: () => output,
    spawnError: () => spawnError,
  }
}

/** Resolves with the first output line matching `ready`; rejects on exit, error or after `ms`. */
function waitForLine(s: Started, ready: RegExp, ms: number, what: string): Promise<string> {
  return new Promise((ok, fail) => {
    const tail = () => s.output().slice(-600).trim() || '(no output)'
    const done = (err?: Error, line?: string) => {
      clearTimeout(timer)
      clearInterval(poll)
      s.child.off('exit', onExit)
      s.child.off('error', onError)
      if (err !== undefined) fail(err)
      else ok(line!)
    }
    const check = () => {
      const line = s
        .output()
        .split('\n')
        .find((l) => ready.test(l))
      if (line !== undefined) done(undefined, line)
    }
    const onExit = (code: number | null, signal: string | null) =>
      done(
        new Error(`${what} exited (${code ?? signal}) before it was ready; last output: ${tail()}`),
      )
    const onError = (err: Error) => done(new Error(`${what} could not be started: ${err.message}`))
    const timer = setTimeout(
      () => done(new Error(`${what} not ready in ${ms} ms; last output: ${tail()}`)),
      ms,
    )
    // The output is collected by spawnInNs; a line may already be there.
    const poll = setInterval(check, 50)
    s.child.once('exit', onExit)
    s.child.once('error', onError)
    check()
  })
}

/**
 * Starts a service (`spawnIt`) and waits until `ready` says it is up; if it is not up in time (or
 * died), stops it and tries once more with twice the deadline. The error after that says what to
 * look at.
 */
async function startService<R>(
  what: string,
  deadlineMs: number,
  spawnIt: () => Started,
  ready: (s: Started, deadlineMs: number) => Promise<R>,
  hint: string,
): Promise<R> {
  let last: Error | undefined
  for (const ms of [deadlineMs, 2 * deadlineMs]) {
    const s = spawnIt()
    try {
      return await ready(s, ms)
    } catch (err) {
      last = err as Error
      await stopProcess(s.child)
      if (ms === deadlineMs) console.log(`# ${what} did not start (${last.message}); once more`)
    }
  }
  throw new Error(`${what} did not start, twice: ${last!.message} — ${hint}`)
}

/** The STUN servers on `ports` in the public namespace answer a Binding request (udp-mapping.ts). */
async function stunAnswers(pub: string, ports: number[], ms: number): Promise<void> {
  const args = [join(here, 'udp-mapping.ts'), 'stun', PUBLIC_SERVICE_IP, ...ports.map(String)]
  try {
    await execFileAsync(tool('ip'), ['netns', 'exec', pub, process.execPath, ...args, String(ms)], {
      encoding: 'utf8',
      env: childEnv(),
      timeout: ms + 15_000,
    })
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string }
    throw new Error(`STUN check: ${e.stdout?.trim() || e.stderr?.trim() || e.message}`, {
      cause: err,
    })
  }
}

/** coturn with the shared secret, relaying on the public service address; answers STUN. */
export async function startTurn(pub: string, dir: string, secret: string) {
  const spawnIt = () => {
    rmSync(join(dir, 'turndb'), { force: true })
    return spawnInNs(pub, tool('turnserver'), [
      '-n',
      `--listening-ip=${PUBLIC_SERVICE_IP}`,
      `--relay-ip=${PUBLIC_SERVICE_IP}`,
      `--listening-port=${TURN_PORT}`,
      '--min-port=49160',
      '--max-port=49200',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=hestia.test',
      '--fingerprint',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--no-tcp-relay',
      '--no-multicast-peers',
      // compose.yaml's deny list, with the test's "public" range let through (it is 172.16/12 here).
      '--denied-peer-ip=10.0.0.0-10.255.255.255',
      '--denied-peer-ip=127.0.0.0-127.255.255.255',
      '--denied-peer-ip=192.168.0.0-192.168.255.255',
      '--allowed-peer-ip=172.16.0.0-172.16.255.255',
      '--log-file=stdout',
      '--simple-log',
      `--pidfile=${join(dir, 'turnserver.pid')}`,
      `--userdb=${join(dir, 'turndb')}`,
    ])
  }
  const ready = async (s: Started, ms: number) => {
    await waitForLine(s, /Total General servers/, ms, 'turnserver')
    await stunAnswers(pub, [TURN_PORT], ms)
    return s.child
  }
  return startService(
    'coturn (turnserver)',
    20_000,
    spawnIt,
    ready,
    'Check that coturn runs here (`turnserver --version`; apt-get install coturn) and that nothing else in the namespace holds its port.',
  )
}

/** The relay as an operator runs it (the CLI), TURN settings through its environment. */
export async function startRelayCli(pub: string, dataDir: string, turnSecret: string) {
  const spawnIt = () =>
    spawnInNs(
      pub,
      process.execPath,
      [
        join(root, 'relay-node/bin/hestia-relay.js'),
        'start',
        '--data',
        dataDir,
        '--listen',
        `/ip4/${PUBLIC_SERVICE_IP}/tcp/${RELAY_WS_PORT}/ws`,
        '--stun-host',
        PUBLIC_SERVICE_IP,
        '--stun-port',
        String(RELAY_STUN_PORT),
        '--admin-port',
        '-1',
        '--log-level',
        'warn',
      ],
      {
        env: {
          HESTIA_RELAY_TURN_URLS: `turn:${PUBLIC_SERVICE_IP}:${TURN_PORT}?transport=udp`,
          HESTIA_RELAY_TURN_SECRET: turnSecret,
        },
      },
    )
  const ready = async (s: Started, ms: number) => {
    const line = await waitForLine(s, /\/p2p\/12D3/, ms, 'relay')
    await stunAnswers(pub, [RELAY_STUN_PORT], ms)
    return { child: s.child, multiaddr: line.trim() }
  }
  return startService(
    'relay (hestia-relay start)',
    45_000,
    spawnIt,
    ready,
    'Run `node relay-node/bin/hestia-relay.js start --data /tmp/r` by hand to see whether it starts here; a machine under heavy load needs longer.',
  )
}

export function newTurnSecret(): string {
  return randomBytes(24).toString('base64url')
}

/** The reflector of udp-mapping.ts in the public namespace. */
export async function startReflector(pub: string) {
  const spawnIt = () =>
    spawnInNs(pub, process.execPath, [
      join(here, 'udp-mapping.ts'),
      'reflect',
      PUBLIC_SERVICE_IP,
      ...REFLECT_PORTS.map(String),
    ])
  const ready = async (s: Started, ms: number) => {
    await waitForLine(s, /^ready/, ms, 'reflector')
    return s.child
  }
  return startService(
    'NAT reflector (udp-mapping.ts)',
    15_000,
    spawnIt,
    ready,
    'It binds UDP ports 3490-3492 on the public address; its output says why it did not.',
  )
}

export interface NatBehaviour {
  /** One outside address for two destinations (cone) or one per destination (symmetric). */
  mapping: 'endpoint-independent' | 'per-destination'
  /** A host the home never wrote to got through (full cone). */
  unsolicitedGetsIn: boolean
}

export function probeNat(home: Home): NatBehaviour {
  const out = execFileSync(
    tool('ip'),
    [
      'netns',
      'exec',
      home.ns,
      process.execPath,
      join(here, 'udp-mapping.ts'),
      'probe',
      PUBLIC_SERVICE_IP,
      ...REFLECT_PORTS.map(String),
    ],
    { encoding: 'utf8', timeout: 15_000, env: childEnv() },
  )
  const { mapped, unsolicited } = JSON.parse(out) as {
    mapped: (string | null)[]
    unsolicited: boolean
  }
  if (mapped.includes(null)) throw new Error(`no answer through the ${home.nat} NAT: ${out}`)
  return {
    mapping: mapped[0] === mapped[1] ? 'endpoint-independent' : 'per-destination',
    unsolicitedGetsIn: unsolicited,
  }
}

/** A nat-peer.ts process in a home, driven over IPC; every request has a deadline. */
export class PeerProcess {
  readonly child: ChildProcess
  readonly name: string
  #next = 1
  readonly #pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>()
  readonly #ready: Promise<void>
  #stderr = ''

  constructor(name: string, home: Home) {
    this.name = name
    this.child = spawnInNs(home.ns, process.execPath, [join(here, 'nat-peer.ts')], {
      ipc: true,
    }).child
    this.child.stderr?.on('data', (c: Buffer) => {
      this.#stderr = (this.#stderr + c.toString()).slice(-2000)
      if (process.env.HESTIA_NAT_LOG !== undefined) process.stderr.write(c)
    })
    this.#ready = new Promise((ok, fail) => {
      this.child.on('message', (raw) => {
        const m = raw as {
          ready?: true
          id?: number
          ok?: boolean
          value?: unknown
          error?: string
        }
        if (m.ready === true) return ok()
        const p = this.#pending.get(m.id!)
        this.#pending.delete(m.id!)
        if (m.ok === true) p?.ok(m.value)
        else p?.fail(new Error(`${this.name}: ${m.error}`))
      })
      this.child.once('exit', (code) => {
        const err = new Error(`${this.name} exited (${code}): ${this.#stderr.slice(-600)}`)
        fail(err)
        for (const p of this.#pending.values()) p.fail(err)
        this.#pending.clear()
      })
    })
  }

  async rpc<T>(op: string, args: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<T> {
    await this.#ready
    const id = this.#next++
    return new Promise<T>((ok, fail) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id)
        fail(new Error(`${this.name} ${op}: no answer in ${timeoutMs} ms`))
      }, timeoutMs)
      this.#pending.set(id, {
        ok: (v) => (clearTimeout(timer), ok(v as T)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      })
      // A closed channel (the peer died just now) fails this request, not the whole run.
      this.child.send({ id, op, args }, (err) => {
        if (err === null || !this.#pending.has(id)) return
        this.#pending.delete(id)
        clearTimeout(timer)
        fail(new Error(`${this.name} ${op}: ${err.message}`))
      })
    })
  }

  async stop(): Promise<void> {
    await this.rpc('stop', {}, 10_000).catch(() => undefined)
    await stopProcess(this.child)
  }
}

/** SIGTERM, then SIGKILL if it is still there after 3 s; resolves once it exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  if (child.connected) child.disconnect()
  if (child.pid === undefined) return // never started (spawn failed): nothing to wait for
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/** Ends every process this module started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((c) => stopProcess(c)))
}
