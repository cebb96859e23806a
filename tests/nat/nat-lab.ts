/**
 * The processes of the NAT test, each started inside a namespace with `ip netns exec` (which
 * execs, so the PID we hold is the program's own): the relay and coturn in the public namespace,
 * the UDP reflector that classifies NATs, and one nat-peer.ts per home. Everything started here is
 * ended here by its PID (`stopAll`), with bounded waits.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { PUBLIC_SERVICE_IP } from './topology.ts'
import type { Home } from './topology.ts'

const root = resolve(import.meta.dirname, '..', '..')
const here = import.meta.dirname

export const RELAY_WS_PORT = 4510
export const RELAY_STUN_PORT = 3478
export const TURN_PORT = 3479
const REFLECT_PORTS = [3490, 3491] as const

const started = new Set<ChildProcess>()

function spawnInNs(
  ns: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; ipc?: boolean } = {},
) {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: opts.ipc === true ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['pipe', 'pipe', 'pipe'],
  })
  started.add(child)
  child.once('exit', () => started.delete(child))
  return child
}

/** Resolves with the first stdout/stderr line matching `ready`; rejects on exit or after `ms`. */
function waitForLine(
  child: ChildProcess,
  ready: RegExp,
  ms: number,
  what: string,
): Promise<string> {
  return new Promise((ok, fail) => {
    let seen = ''
    const timer = setTimeout(
      () => fail(new Error(`${what} not ready in ${ms} ms: ${seen.slice(-400)}`)),
      ms,
    )
    const onData = (chunk: Buffer) => {
      seen += chunk.toString()
      const line = seen.split('\n').find((l) => ready.test(l))
      if (line !== undefined) {
        clearTimeout(timer)
        ok(line)
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      fail(new Error(`${what} exited (${code}): ${seen.slice(-400)}`))
    })
  })
}

/** coturn with the shared secret, relaying on the public service address. */
export async function startTurn(pub: string, dir: string, secret: string): Promise<ChildProcess> {
  const child = spawnInNs(pub, 'turnserver', [
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
  await waitForLine(child, /Total General servers/, 15_000, 'turnserver')
  return child
}

/** The relay as an operator runs it (the CLI), TURN settings through its environment. */
export async function startRelayCli(pub: string, dataDir: string, turnSecret: string) {
  const child = spawnInNs(
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
  const line = await waitForLine(child, /\/p2p\/12D3/, 30_000, 'relay')
  return { child, multiaddr: line.trim() }
}

export function newTurnSecret(): string {
  return randomBytes(24).toString('base64url')
}

/** The reflector of udp-mapping.ts in the public namespace. */
export async function startReflector(pub: string): Promise<ChildProcess> {
  const child = spawnInNs(pub, process.execPath, [
    join(here, 'udp-mapping.ts'),
    'reflect',
    PUBLIC_SERVICE_IP,
    ...REFLECT_PORTS.map(String),
  ])
  await waitForLine(child, /^ready/, 10_000, 'reflector')
  return child
}

export interface NatBehaviour {
  /** One outside address for two destinations (cone) or one per destination (symmetric). */
  mapping: 'endpoint-independent' | 'per-destination'
  /** A host the home never wrote to got through (full cone). */
  unsolicitedGetsIn: boolean
}

export function probeNat(home: Home): NatBehaviour {
  const out = execFileSync(
    'ip',
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
    { encoding: 'utf8', timeout: 10_000 },
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
    this.child = spawnInNs(home.ns, process.execPath, [join(here, 'nat-peer.ts')], { ipc: true })
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
      this.child.send({ id, op, args })
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
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/** Ends every process this module started that is still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...started].map((c) => stopProcess(c)))
}
