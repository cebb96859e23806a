/**
 * The relay database schema and its migrations. Every table is WITHOUT ROWID: an ordinary SQLite
 * table numbers its rows in insertion order, and across mailboxes that order shows a sender's fan-out
 * (issue 15, ADR 0209). Rows are keyed by what they are (mailbox id, per-mailbox sequence, nonce
 * hash) and nothing else. docs/relay/PRIVACY.md lists every column; tests/relay/columns.test.ts
 * checks the two agree.
 */
import type { DatabaseSync } from 'node:sqlite'
import { nonceBucket, nonceKey } from './nonce-key.ts'

export const SCHEMA_VERSION = 2

export const SCHEMA = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE mailboxes (
  id BLOB PRIMARY KEY,
  auth_key BLOB NOT NULL,
  capability_hash BLOB NOT NULL,
  last_seen_day INTEGER NOT NULL,
  next_seq INTEGER NOT NULL,
  msg_count INTEGER NOT NULL,
  byte_count INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE messages (
  mailbox_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  size INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
) WITHOUT ROWID;
CREATE INDEX messages_by_expiry ON messages (expires_at);
CREATE TABLE auth_nonces (
  nonce_key BLOB PRIMARY KEY,
  expires_bucket INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX auth_nonces_by_bucket ON auth_nonces (expires_bucket);
CREATE TABLE prekey_bundles (
  mailbox_id BLOB PRIMARY KEY,
  bundle BLOB NOT NULL,
  next_seq INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE one_time_prekeys (
  mailbox_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  prekey BLOB NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
) WITHOUT ROWID;
`

const TABLES = [
  'meta',
  'mailboxes',
  'messages',
  'auth_nonces',
  'prekey_bundles',
  'one_time_prekeys',
] as const

type Row = Record<string, unknown>

/**
 * Schema 1 (2026-11) → 2. One transaction: the old tables are renamed, the new ones created, rows
 * copied (messages keep their mailbox and sequence number, so ids clients hold stay valid), nonces
 * rewritten as hash + bucket, and the old tables dropped. With secure_delete on, the dropped pages,
 * which held row ids and the clients' exact nonce timestamps, are zeroed; the WAL is truncated
 * afterwards so they do not linger there either. Needs free disk about the size of the database.
 */
function migrate1to2(db: DatabaseSync): void {
  db.exec('DROP INDEX IF EXISTS messages_by_expiry')
  db.exec('DROP INDEX IF EXISTS auth_nonces_by_expiry')
  for (const t of TABLES) db.exec(`ALTER TABLE ${t} RENAME TO ${t}_v1`)
  db.exec(SCHEMA)
  db.exec('INSERT INTO meta (key, value) SELECT key, value FROM meta_v1')
  db.exec(
    `INSERT INTO mailboxes (id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count)
     SELECT id, auth_key, capability_hash, last_seen_day, next_seq, msg_count, byte_count FROM mailboxes_v1`,
  )
  db.exec(
    `INSERT INTO messages (mailbox_id, seq, sealed, size, expires_at)
     SELECT mailbox_id, seq, sealed, size, expires_at FROM messages_v1`,
  )
  db.exec(
    `INSERT INTO prekey_bundles (mailbox_id, bundle, next_seq)
     SELECT mailbox_id, bundle, next_seq FROM prekey_bundles_v1`,
  )
  db.exec(
    `INSERT INTO one_time_prekeys (mailbox_id, seq, prekey)
     SELECT mailbox_id, seq, prekey FROM one_time_prekeys_v1`,
  )
  // Schema 1 kept the client's timestamp + 10 min; its bucket is still late enough to refuse a
  // replay of any request signed before the upgrade.
  const insertNonce = db.prepare(
    'INSERT INTO auth_nonces (nonce_key, expires_bucket) VALUES (?, ?)',
  )
  for (const r of db
    .prepare('SELECT mailbox_id, nonce, expires_at FROM auth_nonces_v1')
    .iterate() as Iterable<Row>) {
    insertNonce.run(
      nonceKey(r.mailbox_id as Uint8Array, r.nonce as Uint8Array),
      nonceBucket(Number(r.expires_at)),
    )
  }
  for (const t of TABLES) db.exec(`DROP TABLE ${t}_v1`)
}

export class SchemaError extends Error {
  override readonly name = 'SchemaError'
}

/**
 * Reads the schema version without writing: undefined for an empty database. Throws SchemaError for
 * a version this code cannot open (checked before the store changes anything in the file).
 */
export function readSchemaVersion(db: DatabaseSync): number | undefined {
  const hasMeta =
    db.prepare("SELECT 1 AS x FROM sqlite_schema WHERE type = 'table' AND name = 'meta'").get() !==
    undefined
  if (!hasMeta) return undefined
  const row = db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
    Row | undefined
  const version = Number(row?.value)
  if (version !== SCHEMA_VERSION && version !== 1) {
    throw new SchemaError(
      `the relay database has schema ${String(row?.value)}, which this hestia-relay (schema ${SCHEMA_VERSION}) does not know; run the hestia-relay version that wrote it, or a newer one`,
    )
  }
  return version
}

/** Creates the schema in an empty database, or migrates an older one to SCHEMA_VERSION. */
export function ensureSchema(db: DatabaseSync): 'created' | 'migrated' | 'current' {
  const version = readSchemaVersion(db)
  if (version === undefined) {
    db.exec('BEGIN IMMEDIATE')
    try {
      db.exec(SCHEMA)
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(
        'schema_version',
        String(SCHEMA_VERSION),
      )
      db.exec('COMMIT')
    } catch (err) {
      db.exec('ROLLBACK')
      throw err
    }
    return 'created'
  }
  if (version === SCHEMA_VERSION) return 'current'
  db.exec('BEGIN IMMEDIATE')
  try {
    migrate1to2(db)
    db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(
      String(SCHEMA_VERSION),
      'schema_version',
    )
    db.exec('COMMIT')
  } catch (err) {
    try {
      db.exec('ROLLBACK')
    } catch {
      // SQLite already rolled back (disk full, I/O error)
    }
    throw err
  }
  db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
  return 'migrated'
}
