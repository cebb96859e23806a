/**
 * PostgreSQL MailboxStore: several relay instances share one database (ADR 0230, docs/relay/
 * OPERATIONS.md). node-postgres (`pg`) with a bounded pool; every statement is a named (prepared)
 * one; each write is one call of a PL/pgSQL function (pg-migrations/0001_mailboxes.sql), so it is
 * one round trip.
 *
 * Durability: every connection runs with synchronous_commit=on and a write resolves only after
 * COMMIT returned, so an acknowledged deposit is in the WAL on disk. Writes queued while one batch
 * commits share the next transaction (group commit, as in the SQLite store); a batch whose
 * transaction fails is retried one write per transaction, so one bad write cannot fail the others.
 *
 * Across instances: every queued write first locks the one relay_totals row (a write alone is
 * its own one-statement transaction; writes queued together share one). That orders all
 * writers (no deadlocks), makes the relay-wide byte quota exact, and keeps per-mailbox sequence
 * numbers in commit order, which is also the order of the NOTIFY each deposit sends: another
 * instance's subscribers get deposits in order (watchDeposits). TTL sweeps run on one instance at a
 * time (a session advisory lock); the others skip that round. A fetch's nonce is the exception: it
 * is not queued and takes no totals lock (ADR 0241), so it commits beside a deposit batch.
 *
 * Errors: a full disk answers `storage_full` (ADR 0210); a database that cannot be reached (down,
 * restarting, connection lost mid-commit) answers the retryable `internal` with a retry hint. In
 * neither case was the write acknowledged; if a commit's outcome is unknown the write may still
 * have landed, and a client retry then stores a second copy (clients drop duplicates by message id).
 */
import pg from 'pg'
import type {
  CreateOutcome,
  DepositCheck,
  DepositInput,
  DepositOutcome,
  MailboxRecord,
  MailboxStore,
  QuotaLimits,
  StoreEvents,
  StoreStats,
  StoredRow,
  SweepResult,
} from './mailbox-store.ts'
import { lastExpiredNonceBucket, nonceBucket, nonceKey } from './nonce-key.ts'
import { fetchPage, mailboxRecordOf } from './mailbox-row.ts'
import { PgDepositFeed } from './pg-deposit-feed.ts'
import { depositMany, depositOutcomeOf, depositsTogether } from './pg-deposit-batch.ts'
import type { DepositArgs } from './pg-deposit-batch.ts'
import {
  PgStoreOpenError,
  isPgDiskFull,
  isPgUnavailable,
  redactUrl,
  toStoreError,
} from './pg-errors.ts'
import { checkPgSchema } from './pg-migrate.ts'

export { PgStoreOpenError, isPgUnavailable, redactUrl } from './pg-errors.ts'
export { DEPOSIT_CHANNEL } from './pg-deposit-feed.ts'

/** Writes per transaction: bounds how long one instance holds the relay_totals lock. */
const MAX_BATCH = 256
const SWEEP_BATCH = 1000
/** pg_try_advisory_lock key for TTL sweeps ('hestia-s' as a 64-bit number). */
const SWEEP_LOCK = '7522251233571270771'
export const DEFAULT_PG_POOL_MAX = 8

export interface PgStoreOptions {
  /** postgres://user:password@host:port/database (libpq-style query options allowed). */
  url: string
  /** Connections this instance holds at most (one writer, readers, one sweeper). Default 8. */
  poolMax?: number
  /** Told once when writes start failing for lack of disk space and once when they work again. */
  onStorageFull?: (full: boolean, err?: unknown) => void
  /** Told about connection trouble (the pool and the LISTEN connection recover by themselves). */
  onConnectionError?: (err: unknown) => void
}

interface QueuedWrite {
  run: (c: pg.PoolClient) => Promise<unknown>
  /** Adds data (deposit, prekeys, a new mailbox): only its success shows the disk has room again. */
  grows: boolean
  /** Set on deposits: a batch sends its deposits in one call (pg-deposit-batch.ts). */
  deposit?: DepositArgs
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/** node-postgres wants Buffers for bytea; a view over the same memory, no copy. */
function buf(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

/** A plain Uint8Array copy: results compare equal to what the SQLite store returns. */
function bytes(v: unknown): Uint8Array {
  return new Uint8Array(v as Buffer)
}

function num(v: unknown): number {
  return Number(v)
}

/** Unnamed (simple protocol): a prepared statement cannot hold two commands. */
const BEGIN_AND_LOCK = 'BEGIN; SELECT bytes FROM relay_totals WHERE id FOR UPDATE'

const Q = {
  create: {
    name: 'h_create',
    text: 'SELECT hestia_create_mailbox($1, $2, $3, $4, $5::bigint) AS r',
  },
  getMailbox: {
    name: 'h_get_mailbox',
    text: 'SELECT id, auth_key, capability_hash, last_seen_day, msg_count, byte_count FROM mailboxes WHERE id = $1',
  },
  fetch: {
    name: 'h_fetch',
    text: 'SELECT seq, sealed, expires_at FROM messages WHERE mailbox_id = $1 AND seq > $4::bigint AND expires_at > $2 ORDER BY seq LIMIT $3',
  },
  depositExpected: {
    name: 'h_deposit_expected',
    text: 'SELECT outcome, seq FROM hestia_deposit_expected($1, $2, $3, $4, $5, $6::bigint, $7, $8, $9)',
  },
  getMessage: {
    name: 'h_get_message',
    text: 'SELECT seq, sealed, expires_at FROM messages WHERE mailbox_id = $1 AND seq = $2',
  },
  ack: { name: 'h_ack', text: 'SELECT hestia_ack($1, $2::bigint[]) AS n' },
  // Not through hestia_use_nonce (which takes the totals lock first): a nonce touches no total and
  // locks at most one mailbox row, after its own key, so it cannot be part of a lock cycle, and it
  // commits beside the deposit batches instead of after them (ADR 0241). The primary key makes a
  // replay lose to the first use on any instance.
  useNonce: {
    name: 'h_use_nonce_unqueued',
    text: `WITH used AS (
             INSERT INTO auth_nonces (nonce_key, expires_bucket) VALUES ($2, $3)
               ON CONFLICT (nonce_key) DO NOTHING RETURNING 1
           ), seen AS (
             UPDATE mailboxes SET last_seen_day = $4
              WHERE id = $1 AND last_seen_day <> $4 AND EXISTS (SELECT 1 FROM used)
           )
           SELECT EXISTS (SELECT 1 FROM used) AS ok`,
  },
  publish: {
    name: 'h_publish',
    text: 'SELECT hestia_publish_prekeys($1, $2, $3::bytea[], $4) AS n',
  },
  take: {
    name: 'h_take',
    text: 'SELECT bundle, prekey, left_count FROM hestia_take_prekey($1)',
  },
  purge: { name: 'h_purge', text: 'SELECT hestia_purge_mailbox($1) AS ok' },
  sweepMessages: { name: 'h_sweep_messages', text: 'SELECT hestia_sweep_messages($1, $2) AS n' },
  sweepNonces: {
    name: 'h_sweep_nonces',
    text: 'DELETE FROM auth_nonces WHERE expires_bucket <= $1',
  },
  sweepIdle: { name: 'h_sweep_idle', text: 'SELECT hestia_sweep_idle($1, $2) AS n' },
  stats: {
    name: 'h_stats',
    text: `SELECT (SELECT mailboxes FROM relay_totals WHERE id) AS mailboxes,
                  (SELECT coalesce(sum(msg_count), 0) FROM mailboxes) AS messages,
                  (SELECT bytes FROM relay_totals WHERE id) AS bytes,
                  (SELECT count(*) FROM one_time_prekeys) AS otks`,
  },
} as const

type Row = Record<string, unknown>

export class PgMailboxStore implements MailboxStore {
  private readonly pool: pg.Pool
  private readonly options: PgStoreOptions
  private readonly queue: QueuedWrite[] = []
  private writing = false
  private closed = false
  private full = false
  private readonly feed: PgDepositFeed

  private constructor(options: PgStoreOptions) {
    this.options = options
    const max = options.poolMax ?? DEFAULT_PG_POOL_MAX
    if (!Number.isSafeInteger(max) || max < 2) {
      throw new PgStoreOpenError(
        'the PostgreSQL pool needs at least 2 connections (a writer and a reader)',
      )
    }
    this.pool = new pg.Pool({
      connectionString: options.url,
      max,
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      application_name: 'hestia-relay',
      // An acknowledged deposit must be on disk, whatever the server's default says.
      options: '-c synchronous_commit=on',
    })
    // An idle connection the server dropped (restart, fail-over) is reported here; without a
    // listener the process would crash. The pool replaces it on the next checkout.
    this.pool.on('error', (err) => options.onConnectionError?.(err))
    // A connection that breaks while checked out also emits 'error' (besides failing its query);
    // unheard, that would crash the relay.
    this.pool.on('connect', (client) => {
      client.on('error', (err) => options.onConnectionError?.(err))
    })
    this.feed = new PgDepositFeed({
      url: options.url,
      ...(options.onConnectionError !== undefined
        ? { onConnectionError: options.onConnectionError }
        : {}),
    })
  }

  /**
   * Connects, refuses a database whose schema is not the one this code needs (PgSchemaError says to
   * run `hestia-relay migrate`), and refuses a server running with fsync off, where a commit is not
   * durable.
   */
  static async open(options: PgStoreOptions): Promise<PgMailboxStore> {
    const store = new PgMailboxStore(options)
    try {
      const client = await store.pool.connect()
      try {
        await checkPgSchema(client)
        const fsync = await client.query<{ fsync: string }>('SHOW fsync')
        if (fsync.rows[0]?.fsync !== 'on') {
          throw new PgStoreOpenError(
            'the PostgreSQL server runs with fsync=off: a committed deposit could be lost on a crash; turn fsync on',
          )
        }
      } finally {
        client.release()
      }
    } catch (err) {
      await store.pool.end().catch(() => undefined)
      if (isPgUnavailable(err)) {
        throw new PgStoreOpenError(
          `cannot reach PostgreSQL at ${redactUrl(options.url)}: ${(err as Error).message}`,
          { cause: err },
        )
      }
      throw err
    }
    return store
  }

  /** Queues `run` into the next transaction; resolves with its result after COMMIT. */
  private write<T>(
    run: (c: pg.PoolClient) => Promise<T>,
    grows = false,
    deposit?: DepositArgs,
  ): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    return new Promise<T>((resolve, reject) => {
      const item = { run, grows, resolve: resolve as (v: unknown) => void, reject }
      this.queue.push(deposit === undefined ? item : { ...item, deposit })
      if (!this.writing) {
        this.writing = true
        // One event-loop turn of writes goes into the first batch.
        setImmediate(() => void this.drain())
      }
    })
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runBatch(this.queue.splice(0, MAX_BATCH))
    } finally {
      this.writing = false
    }
  }

  private async runBatch(batch: QueuedWrite[]): Promise<void> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (err) {
      const e = toStoreError(err)
      for (const item of batch) item.reject(e)
      return
    }
    if (batch.length === 1) return this.runAlone(client, batch[0]!)
    const together = depositsTogether(batch)
    const rest = batch.filter((item) => !together.includes(item))
    // Deposits alone are one statement, so their own transaction: one round trip for the batch.
    const inTransaction = rest.length > 0
    let broken: Error | undefined
    const results = new Map<QueuedWrite, unknown>()
    try {
      // One round trip: BEGIN and the lock every write function also takes first.
      if (inTransaction) await client.query(BEGIN_AND_LOCK)
      for (const item of rest) results.set(item, await item.run(client))
      if (together.length > 0) {
        const outcomes = await depositMany(
          client,
          together.map((item) => item.deposit!),
        )
        together.forEach((item, i) => results.set(item, outcomes[i]))
      }
      if (inTransaction) await client.query('COMMIT')
    } catch (err) {
      if (isPgUnavailable(err)) broken = err as Error
      else if (inTransaction) await client.query('ROLLBACK').catch(() => undefined)
      client.release(broken)
      if (isPgDiskFull(err)) this.setFull(true, err)
      if (broken !== undefined) {
        // Nothing of this transaction is acknowledged: every caller hears so, none gets an id.
        const e = toStoreError(err)
        for (const item of batch) item.reject(e)
        return
      }
      // One write failed the transaction: each write alone, so only that one fails.
      for (const item of batch) await this.runBatch([item])
      return
    }
    client.release()
    if (batch.some((item) => item.grows)) this.setFull(false)
    for (const item of batch) item.resolve(results.get(item))
  }

  /**
   * A write with no company: its one statement is its own transaction (each write function takes
   * the totals lock first), so it costs one round trip instead of three; it resolves after commit.
   */
  private async runAlone(client: pg.PoolClient, item: QueuedWrite): Promise<void> {
    let value: unknown
    try {
      value = await item.run(client)
    } catch (err) {
      client.release(isPgUnavailable(err) ? (err as Error) : undefined)
      if (isPgDiskFull(err)) this.setFull(true, err)
      item.reject(toStoreError(err))
      return
    }
    client.release()
    if (item.grows) this.setFull(false)
    item.resolve(value)
  }

  private setFull(full: boolean, err?: unknown): void {
    if (this.full === full) return
    this.full = full
    this.options.onStorageFull?.(full, err)
  }

  /** A read on any pooled connection. */
  private async read(q: { name: string; text: string }, values: unknown[]): Promise<Row[]> {
    try {
      return (await this.pool.query({ ...q, values })).rows as Row[]
    } catch (err) {
      throw toStoreError(err)
    }
  }

  createMailbox(rec: {
    id: Uint8Array
    authKey: Uint8Array
    capabilityHash: Uint8Array
    nowDay: number
    maxMailboxes?: number
  }): Promise<CreateOutcome> {
    const max = String(rec.maxMailboxes ?? Number.MAX_SAFE_INTEGER)
    return this.write(async (c) => {
      const r = await c.query({
        ...Q.create,
        values: [buf(rec.id), buf(rec.authKey), buf(rec.capabilityHash), rec.nowDay, max],
      })
      return (r.rows[0] as Row).r as CreateOutcome
    }, true)
  }

  async getMailbox(id: Uint8Array): Promise<MailboxRecord | undefined> {
    const row = (await this.read(Q.getMailbox, [buf(id)]))[0]
    return row === undefined ? undefined : mailboxRecordOf(row)
  }

  deposit(input: DepositInput, limits: QuotaLimits, check?: DepositCheck): Promise<DepositOutcome> {
    if (check?.expectedId !== undefined) {
      return this.depositExpected(input, limits, { ...check, expectedId: check.expectedId })
    }
    const args: DepositArgs = { input, limits, check }
    // Alone (or with other limits than its batch's), the same call with one element.
    const run = async (c: pg.PoolClient) => (await depositMany(c, [args]))[0]!
    return this.write(run, true, args)
  }

  /** A compare-and-append deposit (ADR 0132): its own call, outside the deposit batches. */
  private depositExpected(
    input: DepositInput,
    limits: QuotaLimits,
    check: DepositCheck & { expectedId: bigint },
  ): Promise<DepositOutcome> {
    return this.write(async (c) => {
      const r = await c.query({
        ...Q.depositExpected,
        values: [
          buf(input.mailboxId),
          buf(input.sealed),
          input.expiresAt,
          buf(check.capabilityHash),
          check.aliveSinceDay,
          check.expectedId.toString(),
          limits.maxMessagesPerMailbox,
          limits.maxBytesPerMailbox,
          limits.maxTotalBytes,
        ],
      })
      const row = r.rows[0] as Row
      if (row.outcome === 'sequence_moved') {
        return { ok: false, reason: 'sequence_moved', nextId: BigInt(row.seq as string) }
      }
      return depositOutcomeOf(row)
    }, true)
  }

  async fetch(
    mailboxId: Uint8Array,
    now: number,
    limit: number,
    maxBytes: number,
    afterId = 0n,
  ): Promise<{ rows: StoredRow[]; more: boolean }> {
    const found = await this.read(Q.fetch, [buf(mailboxId), now, limit + 1, afterId.toString()])
    const rows = found.map((r) => ({
      id: BigInt(r.seq as string),
      sealed: bytes(r.sealed as Buffer),
      expiresAt: num(r.expires_at),
    }))
    return fetchPage(rows, limit, maxBytes)
  }

  async getMessage(mailboxId: Uint8Array, id: bigint): Promise<StoredRow | undefined> {
    const r = (await this.read(Q.getMessage, [buf(mailboxId), id.toString()]))[0]
    if (r === undefined) return undefined
    return { id: BigInt(r.seq as string), sealed: bytes(r.sealed), expiresAt: num(r.expires_at) }
  }

  ack(mailboxId: Uint8Array, ids: readonly bigint[]): Promise<number> {
    return this.write(async (c) => {
      const r = await c.query({ ...Q.ack, values: [buf(mailboxId), ids.map(String)] })
      return num((r.rows[0] as Row).n)
    })
  }

  useNonce(
    mailboxId: Uint8Array,
    nonce: Uint8Array,
    keepUntilMs: number,
    nowDay: number,
  ): Promise<boolean> {
    const key = nonceKey(mailboxId, nonce)
    if (this.closed) return Promise.reject(new Error('store closed'))
    // One statement on any pooled connection, its own transaction: answered after its COMMIT, and
    // not queued behind the deposit batch being committed (a fetch waits for its nonce).
    return this.read(Q.useNonce, [buf(mailboxId), buf(key), nonceBucket(keepUntilMs), nowDay]).then(
      (rows) => rows[0]?.ok === true,
    )
  }

  publishPrekeys(
    mailboxId: Uint8Array,
    bundle: Uint8Array,
    oneTimePrekeys: readonly Uint8Array[],
    maxStored: number,
  ): Promise<number> {
    return this.write(async (c) => {
      const r = await c.query({
        ...Q.publish,
        values: [buf(mailboxId), buf(bundle), oneTimePrekeys.map(buf), maxStored],
      })
      return num((r.rows[0] as Row).n)
    }, true)
  }

  takePrekey(
    mailboxId: Uint8Array,
  ): Promise<{ bundle: Uint8Array; oneTimePrekey?: Uint8Array; left: number } | undefined> {
    return this.write(async (c) => {
      const row = (await c.query({ ...Q.take, values: [buf(mailboxId)] })).rows[0] as
        Row | undefined
      if (row === undefined) return undefined
      return {
        bundle: bytes(row.bundle),
        ...(row.prekey !== null ? { oneTimePrekey: bytes(row.prekey) } : {}),
        left: num(row.left_count),
      }
    })
  }

  purgeMailbox(id: Uint8Array): Promise<boolean> {
    return this.write(async (c) => {
      const r = await c.query({ ...Q.purge, values: [buf(id)] })
      return (r.rows[0] as Row).ok === true
    })
  }

  /**
   * One instance sweeps at a time: the others find the advisory lock taken and skip this round
   * (`skipped: true`); the data is shared, so one sweep serves all.
   */
  async sweep(now: number, idleBeforeDay: number): Promise<SweepResult> {
    const result: SweepResult = { messages: 0, nonces: 0, mailboxes: 0 }
    let lock: pg.PoolClient
    try {
      lock = await this.pool.connect()
    } catch (err) {
      throw toStoreError(err)
    }
    let broken: Error | undefined
    try {
      const got = await lock.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS ok',
        [SWEEP_LOCK],
      )
      if (got.rows[0]?.ok !== true) return { ...result, skipped: true }
      try {
        for (;;) {
          const n = await this.write(async (c) =>
            num(
              (await c.query<Row>({ ...Q.sweepMessages, values: [now, SWEEP_BATCH] })).rows[0]?.n,
            ),
          )
          result.messages += n
          if (n < SWEEP_BATCH) break
        }
        const bucket = lastExpiredNonceBucket(now)
        result.nonces = await this.write(
          async (c) => (await c.query({ ...Q.sweepNonces, values: [bucket] })).rowCount ?? 0,
        )
        for (;;) {
          const n = await this.write(async (c) =>
            num(
              (await c.query<Row>({ ...Q.sweepIdle, values: [idleBeforeDay, SWEEP_BATCH] })).rows[0]
                ?.n,
            ),
          )
          result.mailboxes += n
          if (n < SWEEP_BATCH) break
        }
      } finally {
        await lock
          .query('SELECT pg_advisory_unlock($1::bigint)', [SWEEP_LOCK])
          .catch((err: unknown) => {
            // A lost session drops its advisory locks with it.
            broken = err as Error
          })
      }
      return result
    } catch (err) {
      if (isPgUnavailable(err)) broken = err as Error
      throw toStoreError(err)
    } finally {
      lock.release(broken)
    }
  }

  async stats(): Promise<StoreStats> {
    const t = (await this.read(Q.stats, []))[0]!
    return {
      mailboxes: num(t.mailboxes),
      messages: num(t.messages),
      bytes: num(t.bytes),
      oneTimePrekeys: num(t.otks),
    }
  }

  /**
   * Every committed deposit of every instance sharing this database, in commit order (which is
   * sequence order within a mailbox), and every deleted mailbox (pg-deposit-feed.ts).
   */
  watchDeposits(events: StoreEvents): Promise<() => void> {
    return this.feed.watch(events)
  }

  async close(): Promise<void> {
    if (this.closed) return
    // Queued writes commit first: each may already have a caller waiting for its ack.
    while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5))
    this.closed = true
    await this.feed.close()
    await this.pool.end()
  }
}
