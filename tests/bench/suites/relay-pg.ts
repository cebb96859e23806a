// Relay on PostgreSQL (issue #22): durable mailbox deposits/s through the relay with the PostgreSQL
// store against the same rows inserted straight into PostgreSQL at the same durability
// (synchronous_commit on, every row its own committed transaction, the relay arm's concurrency
// over a pool of the relay's size), interleaved A B A B; fetch latency p50/p99 (each fetch is signed, checked
// and burns its nonce durably); then the same with two relay instances on the one database, the
// senders split between them. Each relay instance is its own process; a private cluster
// (relay-node/test-support/pg-cluster.ts) runs on the same 2 cores as the relays, the senders and
// the baseline.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { interleave } from '../lib/interleave.ts'
import { percentile } from '../lib/stats.ts'
import {
  depositAddressOf,
  EXPIRY_BUCKETS_S,
  newMailboxCredentials,
} from '../../../core/src/mailbox/index.ts'
import { depositBurst, fetchLatencies, SEALED_BYTES } from '../lib/mailbox-load.ts'
import {
  createRawTables,
  pacedDeposits,
  rawInsertBurst,
  writeRelayBenchConfig,
} from '../lib/relay-pg-load.ts'
import { startPgCluster } from '../../../relay-node/test-support/pg-cluster.ts'
import { migratePg } from '../../../relay-node/src/store/pg-migrate.ts'
import { mailboxClientFor, spawnRelay, startClientNode } from '../../integration/relay-helpers.ts'
import type { RelayProcess } from '../../integration/relay-helpers.ts'

interface Sizes {
  mailboxes: number
  depositsPerRep: number
  concurrency: number
  fetches: number
  /** Fetches made and not counted before each latency series (JIT, prepared statements). */
  fetchWarmup: number
  repetitions: number
  warmup: number
}

const SIZES: Record<BenchMode, Sizes> = {
  // CI's figures come from smoke runs: a warm-up round and the stated 64 in flight, as in the SQLite
  // suite's smoke (ADR 0245). Without them the relay arm's one sample of 100 deposits paid the
  // relay's JIT and each pooled connection's statement preparation, and 16 in flight over 8
  // senders made batches of a few deposits.
  smoke: {
    mailboxes: 50,
    depositsPerRep: 300,
    concurrency: 64,
    fetches: 50,
    fetchWarmup: 10,
    repetitions: 1,
    warmup: 1,
  },
  quick: {
    mailboxes: 500,
    depositsPerRep: 1500,
    concurrency: 64,
    fetches: 400,
    fetchWarmup: 50,
    repetitions: 3,
    warmup: 1,
  },
  full: {
    mailboxes: 1000,
    depositsPerRep: 5000,
    concurrency: 64,
    fetches: 2000,
    fetchWarmup: 100,
    repetitions: 5,
    warmup: 1,
  },
}

/**
 * Client nodes sending: 8, so that 64 deposits are really in flight (a MailboxClient keeps at most 8
 * requests in flight, as a messenger does; with 4 the relay arm had 32 against the raw arm's 64).
 */
const SENDERS = 8
/**
 * The steady deposit load on instance 1 while instance 2's fetches are timed, as a share of the
 * two instances' measured deposit rate: a load they keep up with (under saturation every queue
 * grows and any latency goal is moot).
 */
const LOADED_SHARE = 0.5
/** The relay's pool (the default). */
const POOL = 8

/**
 * What a relay fetch costs PostgreSQL, straight: one committed nonce INSERT and one SELECT of the
 * mailbox's oldest rows, one after another. Its p99 beside the relay's shows how much of the
 * relay's tail is the database and the machine (fsync, scheduling) rather than the relay.
 */
async function rawFetchLatencies(
  raw: pg.Pool,
  mailboxId: Uint8Array,
  n: number,
): Promise<number[]> {
  const c = await raw.connect()
  try {
    const latencies: number[] = []
    for (let i = 0; i < n; i++) {
      const t = performance.now()
      await c.query({
        name: 'raw_nonce',
        text: 'INSERT INTO raw_nonces (nonce_key, expires_bucket) VALUES ($1, $2)',
        values: [Buffer.from(`${t}:${i}`), i],
      })
      await c.query({
        name: 'raw_fetch',
        text: 'SELECT seq, sealed, expires_at FROM raw_messages WHERE mailbox_id = $1 ORDER BY seq LIMIT 11',
        values: [Buffer.from(mailboxId)],
      })
      latencies.push(performance.now() - t)
    }
    return latencies
  } finally {
    c.release()
  }
}

async function measure(sizes: Sizes, log: (line: string) => void): Promise<Record<string, Metric>> {
  const cluster = await startPgCluster()
  const dirs: string[] = []
  const relays: RelayProcess[] = []
  const nodes = await Promise.all(Array.from({ length: SENDERS }, () => startClientNode()))
  const raw = new pg.Pool({
    connectionString: cluster.url,
    max: POOL,
    options: '-c synchronous_commit=on',
  })
  // An idle pooled connection the server ends (the cluster stopping) is reported here; unheard,
  // it would crash the bench process.
  raw.on('error', () => undefined)
  try {
    const admin = new pg.Client({ connectionString: cluster.url })
    await admin.connect()
    await migratePg(admin)
    await createRawTables(admin)
    await admin.end()
    // Each instance is its own process (as deployed): one event loop per relay, the senders and
    // the baseline in this one.
    const relayAt = async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hestia-bench-pg-'))
      dirs.push(dir)
      const config = join(dir, 'bench-config.json')
      writeRelayBenchConfig(config)
      const relay = await spawnRelay([
        '--data',
        join(dir, 'relay'),
        '--config',
        config,
        '--store',
        cluster.url,
        '--pg-pool',
        String(POOL),
        '--listen',
        '/ip4/127.0.0.1/tcp/0/ws',
        '--stun-port',
        '-1',
        '--admin-port',
        '-1',
        '--log-level',
        'warn',
      ])
      relays.push(relay)
      return relay
    }
    const first = await relayAt()
    const clients = nodes.map((n) => mailboxClientFor(n, first.multiaddrs[0]!))
    const boxes = Array.from({ length: sizes.mailboxes }, () => newMailboxCredentials())
    for (let i = 0; i < boxes.length; i += 16) {
      await Promise.all(boxes.slice(i, i + 16).map((b) => clients[0]!.create(b)))
    }
    log(`  relay.pg: ${boxes.length} mailboxes created`)
    const ids = boxes.map((b) => b.mailboxId)
    const rawBurstOf = rawInsertBurst(raw, ids, sizes.concurrency)
    // Each sample starts from an empty table, as each relay sample starts from the rows it left.
    const rawPgBurst = async () => {
      await raw.query('TRUNCATE raw_messages')
      return rawBurstOf(sizes.depositsPerRep)
    }
    const one = await interleave(
      {
        raw: rawPgBurst,
        relay: () => depositBurst(clients, boxes, sizes.depositsPerRep, sizes.concurrency),
      },
      {
        repetitions: sizes.repetitions,
        warmup: sizes.warmup,
        onSample: (arm, rep, v) => log(`  relay.pg ${arm} #${rep}: ${v.toFixed(0)}/s`),
      },
    )
    // Each latency series after a warm-up of its own, as the deposit arms have one: the first
    // requests of a path pay for JIT compilation and each pooled connection's statement
    // preparation, which a relay that has been up for a while has long paid.
    await fetchLatencies(clients[0]!, boxes[0]!, sizes.fetchWarmup)
    const lat1 = await fetchLatencies(clients[0]!, boxes[0]!, sizes.fetches)
    await rawFetchLatencies(raw, ids[0]!, sizes.fetchWarmup)
    const latRaw = await rawFetchLatencies(raw, ids[0]!, sizes.fetches)

    // Two instances: half the senders on each.
    const second = await relayAt()
    const split = nodes.map((n, i) =>
      mailboxClientFor(n, (i % 2 === 0 ? first : second).multiaddrs[0]!),
    )
    const two = await interleave(
      {
        raw: rawPgBurst,
        relay: () => depositBurst(split, boxes, sizes.depositsPerRep, sizes.concurrency),
      },
      {
        repetitions: sizes.repetitions,
        warmup: sizes.warmup,
        onSample: (arm, rep, v) => log(`  relay.pg2 ${arm} #${rep}: ${v.toFixed(0)}/s`),
      },
    )
    // Fetches on instance 2 while instance 1 takes nothing: what one more relay process costs.
    await fetchLatencies(split[1]!, boxes[0]!, sizes.fetchWarmup)
    const lat2 = await fetchLatencies(split[1]!, boxes[0]!, sizes.fetches)
    // The same on instance 2 while instance 1 takes a steady deposit load (other mailboxes).
    const loadRate = Math.max(10, Math.round(two.median.relay * LOADED_SHARE))
    const loaders = split.filter((_, i) => i % 2 === 0)
    const load = pacedDeposits(
      (i) =>
        loaders[i % loaders.length]!.deposit(
          depositAddressOf(boxes[1 + (i % (boxes.length - 1))]!),
          new Uint8Array(SEALED_BYTES).fill(0x5a),
          { expiryS: EXPIRY_BUCKETS_S[3] },
        ),
      loadRate,
    )
    let latLoaded: number[]
    try {
      await fetchLatencies(split[1]!, boxes[0]!, sizes.fetchWarmup)
      latLoaded = await fetchLatencies(split[1]!, boxes[0]!, sizes.fetches)
    } finally {
      const reached = await load.stop()
      log(`  relay.pg2 fetch under load: ${loadRate}/s asked, ${reached.toFixed(0)}/s stored`)
    }
    return {
      'relay.pg.deposit.per_s': {
        value: one.median.relay,
        unit: '/s',
        baseline: 'relay.pg_raw.per_s',
      },
      'relay.pg_raw.per_s': { value: one.median.raw, unit: '/s' },
      'relay.pg.fetch.p50_ms': { value: percentile(lat1, 50), unit: 'ms' },
      'relay.pg.fetch.p99_ms': { value: percentile(lat1, 99), unit: 'ms' },
      'relay.pg_raw.fetch.p50_ms': { value: percentile(latRaw, 50), unit: 'ms' },
      'relay.pg_raw.fetch.p99_ms': { value: percentile(latRaw, 99), unit: 'ms' },
      'relay.pg2.deposit.per_s': {
        value: two.median.relay,
        unit: '/s',
        baseline: 'relay.pg2_raw.per_s',
      },
      'relay.pg2_raw.per_s': { value: two.median.raw, unit: '/s' },
      'relay.pg2.fetch.p99_ms': { value: percentile(lat2, 99), unit: 'ms' },
      'relay.pg2.fetch_loaded.p50_ms': { value: percentile(latLoaded, 50), unit: 'ms' },
      'relay.pg2.fetch_loaded.p99_ms': { value: percentile(latLoaded, 99), unit: 'ms' },
    }
  } finally {
    await Promise.all(nodes.map(async (n) => n.stop()))
    for (const r of relays) {
      r.child.kill('SIGTERM')
      await r.exited
    }
    await raw.end()
    await cluster.destroy()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

const suite: BenchSuite = {
  prefix: 'relay.pg',
  metrics: [
    'relay.pg.deposit.per_s',
    'relay.pg_raw.per_s',
    'relay.pg.deposit.per_s.ratio',
    'relay.pg.fetch.p50_ms',
    'relay.pg.fetch.p99_ms',
    'relay.pg_raw.fetch.p50_ms',
    'relay.pg_raw.fetch.p99_ms',
    'relay.pg2.deposit.per_s',
    'relay.pg2_raw.per_s',
    'relay.pg2.deposit.per_s.ratio',
    'relay.pg2.fetch.p99_ms',
    'relay.pg2.fetch_loaded.p50_ms',
    'relay.pg2.fetch_loaded.p99_ms',
  ],
  async run({ mode, log }) {
    return measure(SIZES[mode], log)
  },
}

export default suite
