/**
 * A relay upgraded in place keeps its stored mail: a database written by schema 1 (rowid tables,
 * nonces with the client's timestamp) is migrated to schema 2 when the new store opens it. Clients
 * still hold the old message ids, so those must keep working for fetch and ack.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, existsSync, rmSync, statfsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { QuotaLimits } from './mailbox-store.ts'
import { SqliteMailboxStore, StoreOpenError } from './sqlite-store.ts'

/** The schema-1 DDL exactly as hestia-relay wrote it until 2026-12 (frozen fixture). */
const SCHEMA_V1 = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mailboxes (
  id BLOB PRIMARY KEY, auth_key BLOB NOT NULL, capability_hash BLOB NOT NULL,
  last_seen_day INTEGER NOT NULL, next_seq INTEGER NOT NULL, msg_count INTEGER NOT NULL,
  byte_count INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
  mailbox_id BLOB NOT NULL, seq INTEGER NOT NULL, sealed BLOB NOT NULL, size INTEGER NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (mailbox_id, seq)
);
CREATE INDEX IF NOT EXISTS messages_by_expiry ON messages (expires_at);
CREATE TABLE IF NOT EXISTS auth_nonces (
  mailbox_id BLOB NOT NULL, nonce BLOB NOT NULL, expires_at INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, nonce)
);
CREATE INDEX IF NOT EXISTS auth_nonces_by_expiry ON auth_nonces (expires_at);
CREATE TABLE IF NOT EXISTS prekey_bundles (
  mailbox_id BLOB PRIMARY KEY, bundle BLOB NOT NULL, next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS one_time_prekeys (
  mailbox_id BLOB NOT NULL, seq INTEGER NOT NULL, prekey BLOB NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
);
`

const limits: QuotaLimits = {
  maxMessagesPerMailbox: 100,
  maxBytesPerMailbox: 1 << 20,
  maxTotalBytes: 1 << 22,
}
const mb = (n: number) => new Uint8Array(32).fill(n)
const sealedOf = (mailbox: number, seq: number) => new Uint8Array(1024).fill(mailbox * 16 + seq)
const EXPIRES = 1_766_000_400_000
/** The exact client timestamp + 10 min a schema-1 nonce row held (not on any bucket boundary). */
const CLIENT_NONCE_EXPIRY = 1_765_000_123_457

/** Writes a schema-1 database the way the old store did: rows interleaved across two mailboxes. */
function writeV1(path: string, sealedBytes = 1024): void {
  const db = new DatabaseSync(path)
  db.exec('PRAGMA journal_mode = WAL')
  db.exec(SCHEMA_V1)
  db.prepare('INSERT INTO meta VALUES (?, ?)').run('schema_version', '1')
  const key = new Uint8Array(32).fill(9)
  const cap = new Uint8Array(32).fill(8)
  for (const m of [1, 2]) {
    db.prepare('INSERT INTO mailboxes VALUES (?, ?, ?, ?, 4, 3, 3072)').run(mb(m), key, cap, 20400)
  }
  for (const seq of [1, 2, 3]) {
    for (const m of [1, 2]) {
      const sealed = new Uint8Array(sealedBytes).fill(sealedOf(m, seq)[0]!)
      db.prepare('INSERT INTO messages VALUES (?, ?, ?, 1024, ?)').run(mb(m), seq, sealed, EXPIRES)
    }
  }
  db.prepare('INSERT INTO auth_nonces VALUES (?, ?, ?)').run(
    mb(1),
    new Uint8Array(16).fill(0x42),
    CLIENT_NONCE_EXPIRY,
  )
  db.prepare('INSERT INTO prekey_bundles VALUES (?, ?, 3)').run(mb(1), new Uint8Array([7, 7]))
  db.prepare('INSERT INTO one_time_prekeys VALUES (?, ?, ?)').run(mb(1), 1, new Uint8Array([1]))
  db.prepare('INSERT INTO one_time_prekeys VALUES (?, ?, ?)').run(mb(1), 2, new Uint8Array([2]))
  db.close()
}

function bigEndian(value: number, bytes: number): Buffer {
  const b = Buffer.alloc(bytes)
  b.writeUIntBE(value, 0, bytes)
  return b
}

void test('a schema-1 database with mail in it opens migrated: ids, mail, nonces and prekeys kept', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hestia-migrate-')), 'mailboxes.sqlite')
  writeV1(path)
  const store = new SqliteMailboxStore({ path })
  assert.equal(store.opened, 'migrated')

  // The ids the owner's client already holds still fetch and ack the same messages.
  const before = await store.fetch(mb(1), 0, 10, 1e9)
  assert.deepEqual(
    before.rows.map((r) => [r.id, r.sealed[0], r.expiresAt]),
    [1n, 2n, 3n].map((id) => [id, sealedOf(1, Number(id))[0], EXPIRES]),
  )
  assert.equal(await store.ack(mb(1), [2n]), 1)
  assert.deepEqual(
    (await store.fetch(mb(1), 0, 10, 1e9)).rows.map((r) => r.id),
    [1n, 3n],
  )
  assert.equal((await store.fetch(mb(2), 0, 10, 1e9)).rows.length, 3, 'the other mailbox intact')
  // The per-mailbox sequence continues where it was.
  const dep = await store.deposit(
    { mailboxId: mb(1), sealed: new Uint8Array(1024), expiresAt: EXPIRES },
    limits,
  )
  assert.deepEqual(dep, { ok: true, id: 4n })
  assert.deepEqual(await store.stats(), {
    mailboxes: 2,
    messages: 6,
    bytes: 6 * 1024,
    oneTimePrekeys: 2,
  })
  // A nonce used before the upgrade is still refused for a replay.
  assert.equal(await store.useNonce(mb(1), new Uint8Array(16).fill(0x42), 0, 20400), false)
  assert.equal(await store.useNonce(mb(2), new Uint8Array(16).fill(0x42), 0, 20400), true)
  const taken = await store.takePrekey(mb(1))
  assert.deepEqual(taken, {
    bundle: new Uint8Array([7, 7]),
    oneTimePrekey: new Uint8Array([1]),
    left: 1,
  })
  await store.close()

  const db = new DatabaseSync(path)
  assert.equal(
    (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string })
      .value,
    '2',
  )
  const tables = db
    .prepare(
      "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
    )
    .all()
  assert.equal(tables.length, 6, 'the old tables are gone')
  for (const t of tables) assert.equal(t.wr, 1, `${String(t.name)} is WITHOUT ROWID`)
  // The migrated nonce (bucketed) and the one used after the upgrade (keepUntil 0: bucket 0).
  assert.deepEqual(
    db
      .prepare('SELECT expires_bucket FROM auth_nonces ORDER BY expires_bucket')
      .all()
      .map((r) => Number(r.expires_bucket)),
    [0, Math.ceil(CLIENT_NONCE_EXPIRY / 600_000)],
  )
  db.close()

  // The client's exact timestamp is gone from the file itself, not only from the tables: the
  // dropped pages were zeroed (secure_delete) and the WAL truncated.
  const files = [path, `${path}-wal`].filter(existsSync).map((f) => readFileSync(f))
  for (const bytes of files) {
    assert.ok(!bytes.includes(bigEndian(CLIENT_NONCE_EXPIRY, 6)), 'old nonce timestamp on disk')
  }

  const reopened = new SqliteMailboxStore({ path })
  assert.equal(reopened.opened, 'current')
  assert.equal((await reopened.fetch(mb(1), 0, 10, 1e9)).rows.length, 3)
  await reopened.close()
})

void test('a database from a newer relay is refused with advice and left as it was', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hestia-migrate-')), 'mailboxes.sqlite')
  const db = new DatabaseSync(path)
  db.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)')
  db.prepare('INSERT INTO meta VALUES (?, ?)').run('schema_version', '7')
  db.close()
  const hash = () => createHash('sha256').update(readFileSync(path)).digest('hex')
  const before = hash()
  assert.throws(
    () => new SqliteMailboxStore({ path }),
    (err: unknown) =>
      err instanceof StoreOpenError &&
      err.reason === 'schema' &&
      /schema 7/.test(err.message) &&
      /hestia-relay version that wrote it/.test(err.message),
  )
  assert.equal(hash(), before)
})

void test(
  'an upgrade on a nearly full disk is refused with what to do, and the old database keeps its mail',
  {
    skip:
      process.getuid?.() === 0
        ? false
        : 'needs root to mount a small tmpfs: run as root (CI does) to test an upgrade on a full disk',
  },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hestia-migrate-full-'))
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dir])
    try {
      const path = join(dir, 'mailboxes.sqlite')
      // Six 256 KiB messages (1.5 MiB): copying them needs about as much again.
      writeV1(path, 256 * 1024)
      const free = statfsSync(dir).bavail * statfsSync(dir).bsize
      writeFileSync(join(dir, 'ballast'), Buffer.alloc(Math.max(0, free - 512 * 1024)))
      assert.throws(
        () => new SqliteMailboxStore({ path, reserveFreeBytes: 0 }),
        (err: unknown) =>
          err instanceof StoreOpenError &&
          err.reason === 'storage_full' &&
          /disk holding .* is full/.test(err.message) &&
          /Free some space/.test(err.message),
      )
      const old = new DatabaseSync(path, { readOnly: true })
      assert.equal(
        (
          old.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as {
            value: string
          }
        ).value,
        '1',
        'still the old schema',
      )
      assert.equal((old.prepare('SELECT COUNT(*) AS n FROM messages').get() as { n: number }).n, 6)
      old.close()
      rmSync(join(dir, 'ballast'))
      const store = new SqliteMailboxStore({ path, reserveFreeBytes: 0 })
      assert.equal(store.opened, 'migrated')
      const rows = (await store.fetch(mb(2), 0, 10, 1e9)).rows
      assert.deepEqual(
        rows.map((r) => [r.id, r.sealed.length, r.sealed[0]]),
        [1n, 2n, 3n].map((id) => [id, 256 * 1024, sealedOf(2, Number(id))[0]]),
      )
      await store.close()
    } finally {
      spawnSync('umount', [dir])
      rmSync(dir, { recursive: true, force: true })
    }
  },
)
