/**
 * SQLite MailboxStore on node:sqlite (built into Node 24: no native addon, no install script).
 * WAL + synchronous=FULL: a commit is on disk before a deposit is acknowledged. Writes go through a
 * group-commit queue: all writes queued in one event-loop turn share one transaction and one fsync,
 * each inside its own SAVEPOINT so one failing write cannot undo its neighbours
 * (docs/adr/0201-relay-storage.md). DML is portable SQL (no upserts, RETURNING only where PostgreSQL
 * has it too); only the DDL (sqlite-schema.ts) is SQLite-flavoured. Opening refuses a damaged file
 * before writing to it; a full disk fails the writes of that commit with `storage_full` (ADR 0210).
 */
import { DatabaseSync } from 'node:sqlite'
import type { StatementSync } from 'node:sqlite'
import { existsSync, statSync, statfsSync } from 'node:fs'
import { dirname } from 'node:path'
import { MailboxError } from '@hestia/core/mailbox/index.ts'
import type {
  CreateOutcome,
  DepositCheck,
  DepositInput,
  DepositOutcome,
  MailboxRecord,
  MailboxStore,
  QuotaLimits,
  StoreStats,
  StoredRow,
  SweepResult,
} from './mailbox-store.ts'
import { fetchPage, mailboxRecordOf } from './mailbox-row.ts'
import { depositRefusal } from './deposit-check.ts'
import { lastExpiredNonceBucket, nonceBucket, nonceKey } from './nonce-key.ts'
import { SchemaError, ensureSchema, readSchemaVersion } from './sqlite-schema.ts'

/** Writes per group commit; bounds the time one transaction holds the event loop. */
const MAX_BATCH = 512
const SWEEP_BATCH = 1000

/** SQLite primary result codes (the low byte of an extended code). */
const SQLITE_CORRUPT = 11
const SQLITE_FULL = 13
const SQLITE_NOTADB = 26

function sqliteCode(err: unknown): number | undefined {
  const code = (err as { errcode?: unknown } | null)?.errcode
  return typeof code === 'number' ? code & 0xff : undefined
}

/** True for the disk (or a quota) running out under a write. */
export function isStorageFull(err: unknown): boolean {
  if (sqliteCode(err) === SQLITE_FULL) return true
  const code = (err as { code?: unknown } | null)?.code
  return code === 'ENOSPC' || code === 'EDQUOT'
}

function storageFull(cause: unknown): MailboxError {
  return new MailboxError('storage_full', undefined, { cause })
}

/**
 * The relay refuses to start on a database it cannot trust; the message says what to do. Nothing
 * was written to the file when this is thrown.
 */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError'
  /** 'unusable': a PostgreSQL store that cannot be reached or does not keep commits durable. */
  readonly reason: 'corrupt' | 'schema' | 'storage_full' | 'unusable'
  constructor(reason: StoreOpenError['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.reason = reason
  }
}

function corruptAdvice(path: string, detail: string): string {
  return (
    `the relay database ${path} is damaged (${detail}); the relay did not start and did not change the file. ` +
    `Restore it from a backup, or try to salvage it with \`sqlite3 ${path} ".recover" | sqlite3 recovered.sqlite\` ` +
    `and put recovered.sqlite in its place; as a last resort move ${path} (with its -wal and -shm files) aside ` +
    `and start with an empty store: undelivered messages are then lost and contacts must send again.`
  )
}

/**
 * PRAGMA quick_check reads every page once (about a second per GiB here) and finds damaged pages,
 * a file that is not a database, and a truncated file, without writing anything.
 */
function checkIntegrity(db: DatabaseSync, path: string): void {
  let rows: Row[]
  try {
    rows = db.prepare('PRAGMA quick_check(5)').all()
  } catch (err) {
    const code = sqliteCode(err)
    if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
      throw new StoreOpenError('corrupt', corruptAdvice(path, String(err)), { cause: err })
    }
    throw err
  }
  const problems = rows.map((r) => String(Object.values(r)[0]))
  if (problems.length !== 1 || problems[0] !== 'ok') {
    throw new StoreOpenError('corrupt', corruptAdvice(path, `quick_check: ${problems.join('; ')}`))
  }
}

export interface SqliteStoreOptions {
  path: string
  /** 'FULL' (default) fsyncs the WAL on every commit; 'NORMAL' may lose the last commits on power loss. */
  synchronous?: 'FULL' | 'NORMAL'
  /**
   * Told once when writes start failing for lack of disk space and once when they work again, so the
   * operator hears of it without a log line per refused deposit.
   */
  onStorageFull?: (full: boolean, err?: unknown) => void
  /**
   * Writes that add data (deposit, publish prekeys, create) answer `storage_full` once the disk's
   * free space would drop below this, leaving room for fetch, ack, nonces and WAL checkpoints, which
   * a completely full disk also refuses. Default DEFAULT_RESERVE_FREE_BYTES; 0 turns it off.
   */
  reserveFreeBytes?: number
}

export const DEFAULT_RESERVE_FREE_BYTES = 64 * 1024 * 1024
/** About what a new mailbox row and its index entry take. */
const MAILBOX_ROW_BYTES = 256

interface QueuedWrite {
  run: () => unknown
  /** Bytes this write may add (deposits, prekeys, new mailboxes); undefined for writes that free. */
  grows?: number
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

type Row = Record<string, unknown>

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number)
}

function bytes(v: unknown): Uint8Array {
  return v as Uint8Array
}

/** Every statement the store runs, prepared once. */
function prepareStatements(db: DatabaseSync): Record<string, StatementSync> {
  const p = (sql: string) => db.prepare(sql)
  return {
    getMailbox: p(
      'SELECT id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count FROM mailboxes WHERE id = ?',
    ),
    insertMailbox: p(
      'INSERT INTO mailboxes (id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count) VALUES (?, ?, ?, ?, 1, 0, 0)',
    ),
    insertMessage: p(
      'INSERT INTO messages (mailbox_id, seq, sealed, size, expires_at) VALUES (?, ?, ?, ?, ?)',
    ),
    bumpMailbox: p(
      'UPDATE mailboxes SET next_seq = next_seq + 1, msg_count = msg_count + 1, byte_count = byte_count + ? WHERE id = ?',
    ),
    shrinkMailbox: p(
      'UPDATE mailboxes SET msg_count = msg_count - ?, byte_count = byte_count - ? WHERE id = ?',
    ),
    fetch: p(
      'SELECT seq, sealed, expires_at FROM messages WHERE mailbox_id = ? AND seq > ? AND expires_at > ? ORDER BY seq LIMIT ?',
    ),
    getMessage: p('SELECT seq, sealed, expires_at FROM messages WHERE mailbox_id = ? AND seq = ?'),
    deleteMessage: p('DELETE FROM messages WHERE mailbox_id = ? AND seq = ? RETURNING size'),
    getNonce: p('SELECT 1 AS x FROM auth_nonces WHERE nonce_key = ?'),
    insertNonce: p('INSERT INTO auth_nonces (nonce_key, expires_bucket) VALUES (?, ?)'),
    touchMailbox: p('UPDATE mailboxes SET last_seen_day = ? WHERE id = ? AND last_seen_day <> ?'),
    getBundle: p('SELECT bundle, next_seq FROM prekey_bundles WHERE mailbox_id = ?'),
    insertBundle: p('INSERT INTO prekey_bundles (mailbox_id, bundle, next_seq) VALUES (?, ?, 1)'),
    updateBundle: p('UPDATE prekey_bundles SET bundle = ? WHERE mailbox_id = ?'),
    bumpBundleSeq: p('UPDATE prekey_bundles SET next_seq = next_seq + 1 WHERE mailbox_id = ?'),
    insertOtk: p('INSERT INTO one_time_prekeys (mailbox_id, seq, prekey) VALUES (?, ?, ?)'),
    countOtk: p('SELECT COUNT(*) AS n FROM one_time_prekeys WHERE mailbox_id = ?'),
    firstOtk: p(
      'SELECT seq, prekey FROM one_time_prekeys WHERE mailbox_id = ? ORDER BY seq LIMIT 1',
    ),
    deleteOtk: p('DELETE FROM one_time_prekeys WHERE mailbox_id = ? AND seq = ?'),
    expiredMessages: p(
      'SELECT mailbox_id, seq, size FROM messages WHERE expires_at <= ? LIMIT ' + SWEEP_BATCH,
    ),
    deleteExpiredNonces: p('DELETE FROM auth_nonces WHERE expires_bucket <= ?'),
    idleMailboxes: p('SELECT id FROM mailboxes WHERE last_seen_day < ? LIMIT ' + SWEEP_BATCH),
    deleteMailbox: p('DELETE FROM mailboxes WHERE id = ?'),
    deleteMailboxMessages: p('DELETE FROM messages WHERE mailbox_id = ?'),
    deleteMailboxBundle: p('DELETE FROM prekey_bundles WHERE mailbox_id = ?'),
    deleteMailboxOtks: p('DELETE FROM one_time_prekeys WHERE mailbox_id = ?'),
    totals: p(
      'SELECT COUNT(*) AS mailboxes, COALESCE(SUM(msg_count), 0) AS messages, COALESCE(SUM(byte_count), 0) AS bytes FROM mailboxes',
    ),
    otkTotal: p('SELECT COUNT(*) AS n FROM one_time_prekeys'),
    mailboxCount: p('SELECT COUNT(*) AS n FROM mailboxes'),
  }
}

export class SqliteMailboxStore implements MailboxStore {
  private readonly db: DatabaseSync
  private readonly queue: QueuedWrite[] = []
  private flushScheduled = false
  private closed = false
  private totalBytes = 0
  private readonly st: Record<string, StatementSync>

  private readonly onStorageFull: SqliteStoreOptions['onStorageFull']
  private readonly reserveFreeBytes: number
  private readonly dir: string
  private full = false
  /** What opening the database did: created it, migrated an older schema, or found it current. */
  readonly opened: 'created' | 'migrated' | 'current'

  constructor(options: SqliteStoreOptions) {
    this.onStorageFull = options.onStorageFull
    this.reserveFreeBytes = options.reserveFreeBytes ?? DEFAULT_RESERVE_FREE_BYTES
    this.dir = dirname(options.path)
    const existed = existsSync(options.path) && statSync(options.path).size > 0
    this.db = new DatabaseSync(options.path)
    try {
      this.db.exec('PRAGMA busy_timeout = 5000')
      // Checked before anything writes: a damaged file is refused as it is, for the operator to
      // restore or salvage (a write now could make recovery harder).
      if (existed) {
        checkIntegrity(this.db, options.path)
        readSchemaVersion(this.db)
      }
      this.db.exec('PRAGMA journal_mode = WAL')
      this.db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`)
      // Deleted (acked, expired, purged) sealed bytes are overwritten, not left in free pages.
      this.db.exec('PRAGMA secure_delete = ON')
      this.opened = ensureSchema(this.db)
    } catch (err) {
      this.db.close()
      if (err instanceof StoreOpenError) throw err
      if (err instanceof SchemaError)
        throw new StoreOpenError('schema', err.message, { cause: err })
      if (isStorageFull(err)) {
        throw new StoreOpenError(
          'storage_full',
          `the disk holding ${options.path} is full; the relay did not start (an upgrade of the database needs about its size free). Free some space and start again.`,
          { cause: err },
        )
      }
      const code = sqliteCode(err)
      if (code === SQLITE_CORRUPT || code === SQLITE_NOTADB) {
        throw new StoreOpenError('corrupt', corruptAdvice(options.path, String(err)), {
          cause: err,
        })
      }
      throw err
    }
    this.st = prepareStatements(this.db)
    this.totalBytes = num((this.st.totals!.get() as Row).bytes)
  }

  private s(name: string): StatementSync {
    const st = this.st[name]
    if (st === undefined) throw new Error(`no statement ${name}`)
    return st
  }

  /** Queues `run` into the next group commit; resolves with its result after COMMIT. */
  private write<T>(run: () => T, grows?: number): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store closed'))
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        run,
        resolve: resolve as (v: unknown) => void,
        reject,
        ...(grows !== undefined ? { grows } : {}),
      })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.flushScheduled = false
    const batch = this.queue.splice(0, MAX_BATCH)
    if (this.queue.length > 0) {
      this.flushScheduled = true
      setImmediate(() => this.flush())
    }
    if (batch.length === 0) return
    const bytesBefore = this.totalBytes
    const results: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = []
    let fullErr: unknown
    let refused = false
    let grew = false
    // Free disk is read once per batch, minus what this batch adds (cheap: one statfs per commit).
    let freeBytes: number | undefined
    let batchGrowth = 0
    try {
      this.db.exec('BEGIN IMMEDIATE')
      for (const item of batch) {
        if (item.grows !== undefined) {
          freeBytes ??= this.freeDiskBytes()
          // Growth stops while the reserve is left, so fetch, ack and checkpoints still have room.
          if (freeBytes - batchGrowth - item.grows < this.reserveFreeBytes) {
            refused = true
            results.push({ ok: false, err: storageFull(undefined) })
            continue
          }
        }
        this.db.exec('SAVEPOINT w')
        const bytesAtItem = this.totalBytes
        try {
          results.push({ ok: true, value: item.run() })
          this.db.exec('RELEASE w')
          if (item.grows !== undefined) {
            batchGrowth += item.grows
            grew = true
          }
        } catch (err) {
          if (isStorageFull(err)) fullErr ??= err
          this.totalBytes = bytesAtItem
          // After a full disk SQLite may have rolled the whole transaction back already; then this
          // throws and the batch fails below as a whole, which is what happened.
          this.db.exec('ROLLBACK TO w')
          this.db.exec('RELEASE w')
          results.push({ ok: false, err: isStorageFull(err) ? storageFull(err) : err })
        }
      }
      this.db.exec('COMMIT')
    } catch (err) {
      try {
        this.db.exec('ROLLBACK')
      } catch {
        // already rolled back
      }
      this.totalBytes = bytesBefore
      // Nothing of this batch is stored: every caller hears so, none gets an id.
      const cause = fullErr ?? err
      const failure = isStorageFull(cause) ? storageFull(cause) : err
      if (isStorageFull(cause)) this.setFull(true, cause)
      for (const item of batch) item.reject(failure)
      return
    }
    if (fullErr !== undefined || refused) this.setFull(true, fullErr)
    else if (grew) this.setFull(false)
    batch.forEach((item, i) => {
      const r = results[i]!
      if (r.ok) item.resolve(r.value)
      else item.reject(r.err)
    })
  }

  private freeDiskBytes(): number {
    if (this.reserveFreeBytes <= 0) return Number.MAX_SAFE_INTEGER
    try {
      const st = statfsSync(this.dir)
      return st.bavail * st.bsize
    } catch {
      return Number.MAX_SAFE_INTEGER // no statfs here: rely on SQLITE_FULL alone
    }
  }

  private setFull(full: boolean, err?: unknown): void {
    if (this.full === full) return
    this.full = full
    this.onStorageFull?.(full, err)
  }

  createMailbox(rec: {
    id: Uint8Array
    authKey: Uint8Array
    capabilityHash: Uint8Array
    nowDay: number
    maxMailboxes?: number
  }): Promise<CreateOutcome> {
    return this.write(() => {
      const existing = this.s('getMailbox').get(rec.id) as Row | undefined
      if (existing !== undefined) {
        const same =
          Buffer.compare(bytes(existing.auth_key), rec.authKey) === 0 &&
          Buffer.compare(bytes(existing.capability_hash), rec.capabilityHash) === 0
        return same ? 'exists_same' : 'exists_other'
      }
      if (rec.maxMailboxes !== undefined && this.mailboxCount() >= rec.maxMailboxes) {
        return 'relay_full'
      }
      this.s('insertMailbox').run(rec.id, rec.authKey, rec.capabilityHash, rec.nowDay)
      return 'created'
    }, MAILBOX_ROW_BYTES)
  }

  getMailbox(id: Uint8Array): Promise<MailboxRecord | undefined> {
    const row = this.s('getMailbox').get(id) as Row | undefined
    return Promise.resolve(row === undefined ? undefined : mailboxRecordOf(row))
  }

  deposit(input: DepositInput, limits: QuotaLimits, check?: DepositCheck): Promise<DepositOutcome> {
    return this.write((): DepositOutcome => {
      const mb = this.s('getMailbox').get(input.mailboxId) as Row | undefined
      if (mb === undefined) return { ok: false, reason: 'unknown_mailbox' }
      const refused = depositRefusal(mailboxRecordOf(mb), check)
      if (refused !== undefined) return { ok: false, reason: refused }
      // Compare-and-append for group mailboxes (ADR 0132), in the same transaction as the write.
      const nextId = BigInt(num(mb.next_seq))
      if (check?.expectedId !== undefined && check.expectedId !== nextId) {
        return { ok: false, reason: 'sequence_moved', nextId }
      }
      const size = input.sealed.length
      if (
        num(mb.msg_count) + 1 > limits.maxMessagesPerMailbox ||
        num(mb.byte_count) + size > limits.maxBytesPerMailbox
      ) {
        return { ok: false, reason: 'mailbox_full' }
      }
      if (this.totalBytes + size > limits.maxTotalBytes) return { ok: false, reason: 'relay_full' }
      const seq = num(mb.next_seq)
      this.s('insertMessage').run(input.mailboxId, seq, input.sealed, size, input.expiresAt)
      this.s('bumpMailbox').run(size, input.mailboxId)
      this.totalBytes += size
      return { ok: true, id: BigInt(seq) }
    }, input.sealed.length)
  }

  fetch(
    mailboxId: Uint8Array,
    now: number,
    limit: number,
    maxBytes: number,
    afterId = 0n,
  ): Promise<{ rows: StoredRow[]; more: boolean }> {
    const found = this.s('fetch').all(mailboxId, afterId, now, limit + 1) as Row[]
    const rows = found.map((r) => ({
      id: BigInt(num(r.seq)),
      sealed: bytes(r.sealed),
      expiresAt: num(r.expires_at),
    }))
    return Promise.resolve(fetchPage(rows, limit, maxBytes))
  }

  getMessage(mailboxId: Uint8Array, id: bigint): Promise<StoredRow | undefined> {
    const r = this.s('getMessage').get(mailboxId, id) as Row | undefined
    if (r === undefined) return Promise.resolve(undefined)
    return Promise.resolve({
      id: BigInt(num(r.seq)),
      sealed: bytes(r.sealed),
      expiresAt: num(r.expires_at),
    })
  }

  ack(mailboxId: Uint8Array, ids: readonly bigint[]): Promise<number> {
    return this.write(() => {
      let count = 0
      let freed = 0
      for (const id of ids) {
        const row = this.s('deleteMessage').get(mailboxId, id) as Row | undefined
        if (row !== undefined) {
          count++
          freed += num(row.size)
        }
      }
      if (count > 0) this.s('shrinkMailbox').run(count, freed, mailboxId)
      this.totalBytes -= freed
      return count
    })
  }

  useNonce(
    mailboxId: Uint8Array,
    nonce: Uint8Array,
    keepUntilMs: number,
    nowDay: number,
  ): Promise<boolean> {
    const key = nonceKey(mailboxId, nonce)
    return this.write(() => {
      if (this.s('getNonce').get(key) !== undefined) return false
      this.s('insertNonce').run(key, nonceBucket(keepUntilMs))
      this.s('touchMailbox').run(nowDay, mailboxId, nowDay)
      return true
    })
  }

  publishPrekeys(
    mailboxId: Uint8Array,
    bundle: Uint8Array,
    oneTimePrekeys: readonly Uint8Array[],
    maxStored: number,
  ): Promise<number> {
    return this.write(
      () => {
        const existing = this.s('getBundle').get(mailboxId) as Row | undefined
        if (existing === undefined) this.s('insertBundle').run(mailboxId, bundle)
        else this.s('updateBundle').run(bundle, mailboxId)
        let stored = num((this.s('countOtk').get(mailboxId) as Row).n)
        for (const otk of oneTimePrekeys) {
          if (stored >= maxStored) break
          const seq = num((this.s('getBundle').get(mailboxId) as Row).next_seq)
          this.s('insertOtk').run(mailboxId, seq, otk)
          this.s('bumpBundleSeq').run(mailboxId)
          stored++
        }
        return stored
      },
      bundle.length + oneTimePrekeys.reduce((n, k) => n + k.length, 0),
    )
  }

  takePrekey(
    mailboxId: Uint8Array,
  ): Promise<{ bundle: Uint8Array; oneTimePrekey?: Uint8Array; left: number } | undefined> {
    return this.write(() => {
      const b = this.s('getBundle').get(mailboxId) as Row | undefined
      if (b === undefined) return undefined
      const otk = this.s('firstOtk').get(mailboxId) as Row | undefined
      if (otk !== undefined) this.s('deleteOtk').run(mailboxId, otk.seq as number)
      const left = num((this.s('countOtk').get(mailboxId) as Row).n)
      return {
        bundle: bytes(b.bundle),
        ...(otk !== undefined ? { oneTimePrekey: bytes(otk.prekey) } : {}),
        left,
      }
    })
  }

  private purgeNow(id: Uint8Array): boolean {
    const mb = this.s('getMailbox').get(id) as Row | undefined
    if (mb === undefined) return false
    this.s('deleteMailboxMessages').run(id)
    this.s('deleteMailboxBundle').run(id)
    this.s('deleteMailboxOtks').run(id)
    this.s('deleteMailbox').run(id)
    this.totalBytes -= num(mb.byte_count)
    return true
  }

  purgeMailbox(id: Uint8Array): Promise<boolean> {
    return this.write(() => this.purgeNow(id))
  }

  async sweep(now: number, idleBeforeDay: number): Promise<SweepResult> {
    const result: SweepResult = { messages: 0, nonces: 0, mailboxes: 0 }
    for (;;) {
      const n = await this.write(() => {
        const rows = this.s('expiredMessages').all(now) as Row[]
        for (const r of rows) {
          const mailboxId = bytes(r.mailbox_id)
          this.s('deleteMessage').get(mailboxId, r.seq as number)
          this.s('shrinkMailbox').run(1, num(r.size), mailboxId)
          this.totalBytes -= num(r.size)
        }
        return rows.length
      })
      result.messages += n
      if (n < SWEEP_BATCH) break
    }
    // A purged mailbox's nonces cannot be told apart from others (they are hashes); they go here.
    const bucket = lastExpiredNonceBucket(now)
    result.nonces = await this.write(() => num(this.s('deleteExpiredNonces').run(bucket).changes))
    for (;;) {
      const n = await this.write(() => {
        const rows = this.s('idleMailboxes').all(idleBeforeDay) as Row[]
        for (const r of rows) this.purgeNow(bytes(r.id))
        return rows.length
      })
      result.mailboxes += n
      if (n < SWEEP_BATCH) break
    }
    return result
  }

  /** Mailboxes stored (the --max-mailboxes cap; creations are rate-limited, so counting is cheap). */
  private mailboxCount(): number {
    return num((this.s('mailboxCount').get() as Row).n)
  }

  stats(): Promise<StoreStats> {
    const t = this.s('totals').get() as Row
    return Promise.resolve({
      mailboxes: num(t.mailboxes),
      messages: num(t.messages),
      bytes: num(t.bytes),
      oneTimePrekeys: num((this.s('otkTotal').get() as Row).n),
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    // Let queued writes commit first: each of them may already have a caller waiting for its ack.
    while (this.queue.length > 0 || this.flushScheduled) {
      await new Promise((r) => setImmediate(r))
    }
    this.closed = true
    this.db.close()
  }
}
