// What the relay-on-PostgreSQL measurements share (issue 22): the relay-pg bench suite and the
// scripts measure-relay-pg-ab.ts / measure-relay-pg-levers.ts. The relay's test configuration
// (no rate limits, roomy quotas), the raw baseline's tables and its burst of committed INSERTs,
// and the CPU accounting per process from /proc (Linux only).

import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'
import { SEALED_BYTES } from './mailbox-load.ts'

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const TICKS_PER_S = 100
const UNLIMITED = { perSecond: 1e9, burst: 1e9 }

/**
 * Writes the relay configuration the measurements use to `path`: no rate limits (every sender
 * connects from 127.0.0.1) and quotas no burst reaches, so every deposit is stored.
 */
export function writeRelayBenchConfig(path: string): void {
  writeFileSync(
    path,
    JSON.stringify({
      mailbox: {
        maxMessagesPerMailbox: 1_000_000,
        maxBytesPerMailbox: 1e12,
        maxTotalBytes: 1e12,
        rate: {
          depositPerPeer: UNLIMITED,
          depositPerIp: UNLIMITED,
          readPerPeer: UNLIMITED,
          readPerIp: UNLIMITED,
          createPerIp: UNLIMITED,
          prekeyFetchPerIp: UNLIMITED,
        },
      },
      relay: { inboundConnectionsPerSecondPerIp: 1e6, maxHandshakingPerIp: 1000 },
    }),
  )
}

/** The baseline's tables: the messages table's columns and key, nothing else; and nonces. */
export async function createRawTables(db: pg.Pool | pg.Client): Promise<void> {
  await db.query(
    'CREATE TABLE raw_messages (mailbox_id bytea NOT NULL, seq bigint NOT NULL, sealed bytea NOT NULL, size integer NOT NULL, expires_at bigint NOT NULL, PRIMARY KEY (mailbox_id, seq))',
  )
  await db.query('ALTER TABLE raw_messages ALTER COLUMN sealed SET STORAGE EXTERNAL')
  await db.query(
    'CREATE TABLE raw_nonces (nonce_key bytea PRIMARY KEY, expires_bucket bigint NOT NULL)',
  )
}

/**
 * A burst function for the baseline: the same rows as the relay's deposits straight into
 * PostgreSQL at the same durability and concurrency (`concurrency` in flight over `raw`, a pool as
 * large as the relay's, each row one committed INSERT, synchronous_commit on, so PostgreSQL's own
 * group commit shares WAL flushes between them as the relay's batches share one commit).
 * Returns rows/s.
 */
export function rawInsertBurst(
  raw: pg.Pool,
  mailboxIds: readonly Uint8Array[],
  concurrency: number,
): (count: number) => Promise<number> {
  const ids = mailboxIds.map((id) => Buffer.from(id))
  const sealed = Buffer.alloc(SEALED_BYTES, 0x5a)
  let seq = 0
  return async (count) => {
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const i = next++
          await raw.query({
            name: 'raw_insert',
            text: 'INSERT INTO raw_messages (mailbox_id, seq, sealed, size, expires_at) VALUES ($1, $2, $3, $4, $5)',
            values: [ids[i % ids.length], seq++, sealed, SEALED_BYTES, Date.now() + 1e9],
          })
        }
      }),
    )
    return count / ((performance.now() - started) / 1000)
  }
}

/**
 * CPU ms (user + system) the processes have used so far; for the first one (PostgreSQL's
 * postmaster) also what its ended children used (a backend whose connection closed mid-sample
 * would otherwise take its time with it).
 */
export function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0
  for (const [i, pid] of pids.entries()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
      if (i === 0) ticks += Number(fields[13]) + Number(fields[14])
    } catch {
      // ended meanwhile
    }
  }
  return (ticks * 1000) / TICKS_PER_S
}

/** The postmaster of the cluster in `dir` (first) and every process it started. */
export function clusterPids(dir: string): number[] {
  const postmaster = Number(
    readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
  )
  const pids = [postmaster]
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster) {
        pids.push(Number(entry))
      }
    } catch {
      // gone meanwhile
    }
  }
  return pids
}

/** One sample: the rate and the CPU ms per deposit of each process group. */
export interface CpuSample {
  rate: number
  relay: number
  pg: number
  /** This process: the sending client nodes (or the raw arm's driver). */
  senders: number
}

/**
 * Runs `run` (which returns a rate for `count` deposits) and accounts the CPU each process spent
 * on it per deposit: the relay processes given, every process of the cluster in `clusterDir`
 * (backends started meanwhile count whole), and this process.
 */
export async function accountCpu(
  relayPids: readonly number[],
  clusterDir: string,
  count: number,
  run: () => Promise<number>,
): Promise<CpuSample> {
  const r0 = cpuMsOf(relayPids)
  const p0 = cpuMsOf(clusterPids(clusterDir))
  const s0 = process.cpuUsage()
  const rate = await run()
  const s = process.cpuUsage(s0)
  return {
    rate,
    relay: (cpuMsOf(relayPids) - r0) / count,
    pg: (cpuMsOf(clusterPids(clusterDir)) - p0) / count,
    senders: (s.user + s.system) / 1000 / count,
  }
}

export const median = (xs: readonly number[]): number =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length

/** Means of CPU samples and the median rate. */
export function summarise(list: readonly CpuSample[]): CpuSample {
  return {
    rate: median(list.map((s) => s.rate)),
    relay: mean(list.map((s) => s.relay)),
    pg: mean(list.map((s) => s.pg)),
    senders: mean(list.map((s) => s.senders)),
  }
}

/**
 * A steady deposit load in the background: `perSecond` deposits a second spread over `clients`
 * (paced, not as fast as possible: latency under a load the relay keeps up with, not under
 * saturation, where any queue grows without bound). `stop()` ends it and returns the rate reached.
 */
export function pacedDeposits(
  deposit: (i: number) => Promise<unknown>,
  perSecond: number,
): { stop: () => Promise<number> } {
  const started = performance.now()
  const inFlight = new Set<Promise<unknown>>()
  let sent = 0
  let done = 0
  let stopped = false
  const tick = () => {
    if (stopped) return
    const due = Math.floor(((performance.now() - started) / 1000) * perSecond)
    while (sent < due) {
      const p = deposit(sent++).then(
        () => done++,
        () => undefined,
      )
      inFlight.add(p)
      void p.finally(() => inFlight.delete(p))
    }
    timer = setTimeout(tick, 5)
  }
  let timer = setTimeout(tick, 0)
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await Promise.all(inFlight)
      return done / ((performance.now() - started) / 1000)
    },
  }
}
