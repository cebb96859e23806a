// Relay on PostgreSQL (issue 22, ADR 0240): one code change of the relay measured against the code
// before it, in the same minutes. On a machine whose load moves from 3 to 15 within a run, two
// bench runs minutes apart cannot tell a 20 % change from the noise; here both builds run side by
// side and are sampled alternately (A B raw A B raw …), then the CPU each process spends per
// deposit is accounted for each arm.
//
//   git worktree add --detach /tmp/before <commit>   # the code before the change
//   ln -s $PWD/node_modules /tmp/before/node_modules
//   ln -s $PWD/relay-node/node_modules /tmp/before/relay-node/node_modules
//   node_modules/.bin/node scripts/measure-relay-pg-ab.ts --before /tmp/before [--reps 4]
//
// Each build gets its own database in one private cluster (migrated by its own `hestia-relay
// migrate`) and its own relay process; the same four sending nodes, mailboxes and load drive both.
// The raw arm is the relay-pg suite's baseline (the same rows, one committed INSERT each, 64 in
// flight over a pool of 8). Prints one line per sample and a summary; nothing is kept.

import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import {
  depositAddressOf,
  EXPIRY_BUCKETS_S,
  newMailboxCredentials,
} from '../core/src/mailbox/index.ts'
import { depositBurst, fetchLatencies, SEALED_BYTES } from '../tests/bench/lib/mailbox-load.ts'
import {
  accountCpu,
  createRawTables,
  pacedDeposits,
  rawInsertBurst,
  summarise,
  writeRelayBenchConfig,
} from '../tests/bench/lib/relay-pg-load.ts'
import type { CpuSample } from '../tests/bench/lib/relay-pg-load.ts'
import { interleave } from '../tests/bench/lib/interleave.ts'
import { percentile } from '../tests/bench/lib/stats.ts'
import { startPgCluster } from '../relay-node/test-support/pg-cluster.ts'
import { mailboxClientFor, startClientNode } from '../tests/integration/relay-helpers.ts'

const { values: opts } = parseArgs({
  options: {
    before: { type: 'string' },
    reps: { type: 'string', default: '4' },
    deposits: { type: 'string', default: '1500' },
    fetches: { type: 'string', default: '300' },
    'cpu-prof': { type: 'string' },
    /** Deposits/s of the steady load the loaded fetch series runs under (each arm its own). */
    'load-rate': { type: 'string', default: '200' },
  },
})
if (opts.before === undefined) throw new Error('--before DIR: a checkout of the code before')
const BEFORE = resolve(opts.before)
const AFTER = resolve(import.meta.dirname, '..')
const REPS = Number(opts.reps)
const DEPOSITS = Number(opts.deposits)
const FETCHES = Number(opts.fetches)
const CONCURRENCY = 64
/** 8 × a client's 8 requests in flight: CONCURRENCY really in flight. */
const SENDERS = 8
const LOAD_RATE = Number(opts['load-rate'])
const MAILBOXES = 500
async function withClient<T>(url: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await body(c)
  } finally {
    await c.end()
  }
}

const bin = (checkout: string) => join(checkout, 'relay-node', 'bin', 'hestia-relay.js')

/** `hestia-relay migrate` of that checkout: each build brings its own schema. */
function migrate(checkout: string, url: string): void {
  const r = spawnSync(process.execPath, [bin(checkout), 'migrate', '--store', url], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`migrate failed in ${checkout}: ${r.stderr}`)
}

interface Relay {
  pid: number
  addr: string
  stop: () => Promise<void>
}

async function startRelay(
  checkout: string,
  url: string,
  dir: string,
  prof?: string,
): Promise<Relay> {
  const config = join(dir, 'config.json')
  writeRelayBenchConfig(config)
  const args = [
    ...(prof !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []),
    bin(checkout),
    'start',
    ...['--data', join(dir, 'relay'), '--config', config, '--store', url, '--pg-pool', '8'],
    ...['--listen', '/ip4/127.0.0.1/tcp/0/ws', '--stun-port', '-1', '--admin-port', '-1'],
    ...['--log-level', 'warn'],
  ]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise((r) => child.once('exit', r))
  const addr = await new Promise<string>((ok, fail) => {
    let out = ''
    const timer = setTimeout(() => fail(new Error(`relay did not start: ${err}`)), 20_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) {
        clearTimeout(timer)
        ok(out.split('\n')[0]!.trim())
      }
    })
  })
  return {
    pid: child.pid!,
    addr,
    stop: async () => {
      child.kill('SIGTERM')
      await exited
    },
  }
}

async function main(): Promise<void> {
  const cluster = await startPgCluster()
  const dirs: string[] = []
  const relays: Relay[] = []
  const nodes = await Promise.all(Array.from({ length: SENDERS }, () => startClientNode()))
  let raw: pg.Pool | undefined
  try {
    const urlBefore = await cluster.createDatabase('before_change')
    const urlAfter = await cluster.createDatabase('after_change')
    migrate(BEFORE, urlBefore)
    migrate(AFTER, urlAfter)
    // Calls of the PL/pgSQL functions are counted, so the mean batch size can be read at the end.
    await withClient(urlAfter, async (c) => {
      await c.query("ALTER SYSTEM SET track_functions = 'pl'")
      await c.query('SELECT pg_reload_conf()')
    })
    raw = new pg.Pool({ connectionString: urlAfter, max: 8, options: '-c synchronous_commit=on' })
    raw.on('error', () => undefined)
    await createRawTables(raw)
    const relayFor = async (checkout: string, url: string, prof?: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'hestia-ab-'))
      dirs.push(dir)
      const relay = await startRelay(checkout, url, dir, prof)
      relays.push(relay)
      return { relay, clients: nodes.map((n) => mailboxClientFor(n, relay.addr)) }
    }
    const before = await relayFor(BEFORE, urlBefore)
    const after = await relayFor(AFTER, urlAfter, opts['cpu-prof'])
    const boxes = Array.from({ length: MAILBOXES }, () => newMailboxCredentials())
    for (let i = 0; i < boxes.length; i += 16) {
      const slice = boxes.slice(i, i + 16)
      await Promise.all(slice.map((b) => before.clients[0]!.create(b)))
      await Promise.all(slice.map((b) => after.clients[0]!.create(b)))
    }
    const rawBurstOf = rawInsertBurst(
      raw,
      boxes.map((b) => b.mailboxId),
      CONCURRENCY,
    )
    const rawBurst = () => rawBurstOf(DEPOSITS)
    const burst = (clients: typeof before.clients) => () =>
      depositBurst(clients, boxes, DEPOSITS, CONCURRENCY)
    const log = (arm: string, rep: number, v: number) =>
      console.log(`  ${arm} #${rep}: ${v.toFixed(1)}`)
    console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)

    // CPU per deposit of each process, with the rate, arms alternated.
    const account = (relayPid: number | undefined, run: () => Promise<number>) =>
      accountCpu(relayPid === undefined ? [] : [relayPid], cluster.dir, DEPOSITS, run)
    const samples: Record<'before' | 'after' | 'raw', CpuSample[]> = {
      before: [],
      after: [],
      raw: [],
    }
    await burst(before.clients)() // warm-up
    await burst(after.clients)()
    await rawBurst()
    for (let i = 0; i < REPS; i++) {
      const order = i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const)
      for (const arm of order) {
        const side = arm === 'before' ? before : after
        const s = await account(side.relay.pid, burst(side.clients))
        samples[arm].push(s)
        log(arm, i, s.rate)
      }
      const s = await account(undefined, rawBurst)
      samples.raw.push(s)
      log('raw', i, s.rate)
    }
    // Batches of the deposit samples only (the loaded series below adds small ones). Backends
    // report their counts when idle for a second.
    await new Promise((r) => setTimeout(r, 1_500))
    const calls = await withClient(urlAfter, async (c) => {
      const r = await c.query<{ funcname: string; calls: string }>(
        'SELECT funcname, calls FROM pg_stat_user_functions',
      )
      return Object.fromEntries(r.rows.map((row) => [row.funcname, Number(row.calls)]))
    })
    const batches = calls.hestia_deposit_batch_checked ?? calls.hestia_deposit_batch
    const deposits = (REPS + 1) * DEPOSITS
    const batchLine =
      batches === undefined
        ? 'after: no deposit batch calls counted'
        : `after: ${batches} deposit batch calls for ${deposits} deposits (mean batch ${(deposits / batches).toFixed(1)}); per-deposit function calls (fallback path) ${calls.hestia_deposit_checked ?? 0}`
    const fetchP99 = (clients: typeof before.clients) => async () =>
      percentile(await fetchLatencies(clients[0]!, boxes[0]!, FETCHES), 99)
    const fetch = await interleave(
      { before: fetchP99(before.clients), after: fetchP99(after.clients) },
      { repetitions: REPS, onSample: (a, r, v) => log(`fetch p99 ${a}`, r, v) },
    )
    // The same while that relay takes a steady deposit load from the other senders (other
    // mailboxes): whether a fetch waits behind the deposits being committed.
    const sealed = new Uint8Array(SEALED_BYTES).fill(0x5a)
    const loadedP99 = (clients: typeof before.clients) => async () => {
      const load = pacedDeposits(
        (i) =>
          clients[1 + (i % (clients.length - 1))]!.deposit(
            depositAddressOf(boxes[1 + (i % (boxes.length - 1))]!),
            sealed,
            { expiryS: EXPIRY_BUCKETS_S[3] },
          ),
        LOAD_RATE,
      )
      try {
        return await fetchP99(clients)()
      } finally {
        console.log(`  (load reached ${(await load.stop()).toFixed(0)}/s)`)
      }
    }
    const loaded = await interleave(
      { before: loadedP99(before.clients), after: loadedP99(after.clients) },
      { repetitions: REPS, onSample: (a, r, v) => log(`loaded fetch p99 ${a}`, r, v) },
    )
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)

    const f = (n: number) => n.toFixed(1)
    const r = (n: number) => n.toFixed(3)
    console.log('\nsummary (rates: medians; CPU: means over the samples)')
    const rawRate = summarise(samples.raw).rate
    for (const arm of ['before', 'after', 'raw'] as const) {
      const c = summarise(samples[arm])
      console.log(
        `${arm}: ${f(c.rate)}/s (ratio to raw ${r(c.rate / rawRate)}); CPU ms per deposit: relay ${r(c.relay)}, postgres ${r(c.pg)}, senders ${r(c.senders)}, total ${r(c.relay + c.pg + c.senders)}`,
      )
    }
    console.log(`fetch p99: before ${f(fetch.median.before)} ms, after ${f(fetch.median.after)} ms`)
    console.log(
      `fetch p99 under ${LOAD_RATE} deposits/s: before ${f(loaded.median.before)} ms, after ${f(loaded.median.after)} ms`,
    )
    console.log(batchLine)
  } finally {
    await Promise.all(nodes.map(async (n) => n.stop()))
    for (const relay of relays) await relay.stop()
    await raw?.end()
    await cluster.destroy()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

await main()
