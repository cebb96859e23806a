// Relay on PostgreSQL (issue 22, ADR 0233): tries the levers on `relay.pg.deposit.per_s` and
// `relay.pg.fetch.p99_ms` one at a time, each against the setting as built in the same run
// (interleaved A B A B), then accounts the CPU a deposit costs each process — the floor on a
// machine with two shared cores.
//
//   node_modules/.bin/node scripts/measure-relay-pg-levers.ts [--reps 3] [--deposits 1500]
//
// Levers: PostgreSQL's commit_delay/commit_siblings (group commit in the server; durability as
// before: synchronous_commit stays on and the relay answers after COMMIT), and the relay's pool
// size (--pg-pool 4 / 8 / 16). Prints one line per sample and a summary; nothing is kept.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { newMailboxCredentials } from '../core/src/mailbox/index.ts'
import { depositBurst, fetchLatencies } from '../tests/bench/lib/mailbox-load.ts'
import {
  accountCpu,
  createRawTables,
  rawInsertBurst,
  summarise,
  writeRelayBenchConfig,
} from '../tests/bench/lib/relay-pg-load.ts'
import type { CpuSample } from '../tests/bench/lib/relay-pg-load.ts'
import { interleave } from '../tests/bench/lib/interleave.ts'
import { percentile } from '../tests/bench/lib/stats.ts'
import { startPgCluster } from '../relay-node/test-support/pg-cluster.ts'
import { migratePg } from '../relay-node/src/store/pg-migrate.ts'
import {
  mailboxClientFor,
  spawnRelay,
  startClientNode,
} from '../tests/integration/relay-helpers.ts'
import type { RelayProcess } from '../tests/integration/relay-helpers.ts'

const { values: opts } = parseArgs({
  options: {
    reps: { type: 'string', default: '3' },
    deposits: { type: 'string', default: '1500' },
    fetches: { type: 'string', default: '300' },
  },
})
const REPS = Number(opts.reps)
const DEPOSITS = Number(opts.deposits)
const FETCHES = Number(opts.fetches)
const CONCURRENCY = 64
/** 8 × a client's 8 requests in flight: CONCURRENCY really in flight. */
const SENDERS = 8
const MAILBOXES = 500

async function main(): Promise<void> {
  const cluster = await startPgCluster()
  const dirs: string[] = []
  const relays: RelayProcess[] = []
  const nodes = await Promise.all(Array.from({ length: SENDERS }, () => startClientNode()))
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  const raw = new pg.Pool({
    connectionString: cluster.url,
    max: 8,
    options: '-c synchronous_commit=on',
  })
  raw.on('error', () => undefined)
  try {
    await migratePg(admin)
    await createRawTables(admin)
    const relayWithPool = async (pool: number) => {
      const dir = mkdtempSync(join(tmpdir(), 'hestia-levers-'))
      dirs.push(dir)
      const config = join(dir, 'config.json')
      writeRelayBenchConfig(config)
      const relay = await spawnRelay([
        ...['--data', join(dir, 'relay'), '--config', config, '--store', cluster.url],
        ...['--pg-pool', String(pool), '--listen', '/ip4/127.0.0.1/tcp/0/ws'],
        ...['--stun-port', '-1', '--admin-port', '-1', '--log-level', 'warn'],
      ])
      relays.push(relay)
      return { relay, clients: nodes.map((n) => mailboxClientFor(n, relay.multiaddrs[0]!)) }
    }
    const p8 = await relayWithPool(8)
    const boxes = Array.from({ length: MAILBOXES }, () => newMailboxCredentials())
    for (let i = 0; i < boxes.length; i += 16) {
      await Promise.all(boxes.slice(i, i + 16).map((b) => p8.clients[0]!.create(b)))
    }
    const deposit = (clients: typeof p8.clients) => () =>
      depositBurst(clients, boxes, DEPOSITS, CONCURRENCY)
    const rawBurstOf = rawInsertBurst(
      raw,
      boxes.map((b) => b.mailboxId),
      CONCURRENCY,
    )
    const rawBurst = () => rawBurstOf(DEPOSITS)
    const setCommitDelay = async (delayUs: number, siblings: number) => {
      await admin.query(`ALTER SYSTEM SET commit_delay = ${delayUs}`)
      await admin.query(`ALTER SYSTEM SET commit_siblings = ${siblings}`)
      await admin.query('SELECT pg_reload_conf()')
      await new Promise((r) => setTimeout(r, 200)) // backends pick SIGHUP up between queries
    }
    const log = (arm: string, rep: number, v: number) =>
      console.log(`  ${arm} #${rep}: ${v.toFixed(1)}`)
    const fetchP99 = async (clients: typeof p8.clients) =>
      percentile(await fetchLatencies(clients[0]!, boxes[0]!, FETCHES), 99)

    console.log(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)
    // 1. commit_delay (µs) with commit_siblings 2, against 0 (as built), same relay, same run.
    const delayed = (us: number) => async () => {
      await setCommitDelay(us, 2)
      return deposit(p8.clients)()
    }
    const cd = await interleave(
      { built: delayed(0), delay200: delayed(200), delay1000: delayed(1000) },
      { repetitions: REPS, warmup: 1, onSample: log },
    )
    const rawNow = await interleave({ raw: rawBurst }, { repetitions: REPS, onSample: log })
    const fetchDelay = async (us: number) => {
      await setCommitDelay(us, 2)
      return fetchP99(p8.clients)
    }
    const cdFetch = await interleave(
      { built: () => fetchDelay(0), delay1000: () => fetchDelay(1000) },
      { repetitions: REPS, onSample: (a, r, v) => log(`fetch p99 ${a}`, r, v) },
    )
    await setCommitDelay(0, 5)

    // 2. The relay's pool size: 4 and 16 against 8 (as built), three relay processes.
    const p4 = await relayWithPool(4)
    const p16 = await relayWithPool(16)
    const pools = await interleave(
      { pool8: deposit(p8.clients), pool4: deposit(p4.clients), pool16: deposit(p16.clients) },
      { repetitions: REPS, warmup: 1, onSample: log },
    )
    const poolFetch = await interleave(
      { pool8: () => fetchP99(p8.clients), pool16: () => fetchP99(p16.clients) },
      { repetitions: REPS, onSample: (a, r, v) => log(`fetch p99 ${a}`, r, v) },
    )

    // 3. The floor: CPU per deposit in each process, relay path against the raw path.
    const relayPid = p8.relay.child.pid!
    // Alternated: /proc counts in 10 ms ticks, so one sample is coarse; means over the repetitions.
    const sum = { relay: [] as CpuSample[], raw: [] as CpuSample[] }
    for (let i = 0; i < REPS; i++) {
      sum.relay.push(await accountCpu([relayPid], cluster.dir, DEPOSITS, deposit(p8.clients)))
      sum.raw.push(await accountCpu([], cluster.dir, DEPOSITS, rawBurst))
    }
    const relayCpu = summarise(sum.relay)
    const rawCpu = summarise(sum.raw)
    console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`)

    const f = (n: number) => n.toFixed(1)
    const r = (n: number) => n.toFixed(3)
    console.log('\nsummary (medians of the interleaved samples)')
    console.log(
      `commit_delay: built ${f(cd.median.built)}/s, 200us ${f(cd.median.delay200)}/s, 1000us ${f(cd.median.delay1000)}/s; raw ${f(rawNow.median.raw)}/s (ratio as built ${r(cd.median.built / rawNow.median.raw)})`,
    )
    console.log(
      `commit_delay fetch p99: built ${f(cdFetch.median.built)} ms, 1000us ${f(cdFetch.median.delay1000)} ms`,
    )
    console.log(
      `pool: 8 ${f(pools.median.pool8)}/s, 4 ${f(pools.median.pool4)}/s, 16 ${f(pools.median.pool16)}/s; fetch p99 pool 8 ${f(poolFetch.median.pool8)} ms, pool 16 ${f(poolFetch.median.pool16)} ms`,
    )
    for (const [name, c] of [
      ['relay path', relayCpu],
      ['raw path', rawCpu],
    ] as const) {
      const total = c.relay + c.pg + c.senders
      console.log(
        `${name}: ${f(c.rate)}/s; CPU ms per deposit: relay ${r(c.relay)}, postgres ${r(c.pg)}, senders/bench ${r(c.senders)}, total ${r(total)} -> at most ${f(2000 / total)}/s on 2 whole cores`,
      )
    }
  } finally {
    await Promise.all(nodes.map(async (n) => n.stop()))
    for (const relay of relays) {
      relay.child.kill('SIGTERM')
      await relay.exited
    }
    await admin.end().catch(() => undefined)
    await raw.end()
    await cluster.destroy()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

await main()
