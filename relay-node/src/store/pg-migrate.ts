/**
 * Versioned migrations of the PostgreSQL mailbox store: pg-migrations/NNNN_name.sql, applied in
 * order, each in its own transaction together with its row in hestia_schema_migrations, under an
 * advisory lock so two instances (or two `hestia-relay migrate` runs) never apply one twice.
 * `hestia-relay migrate --store postgres://…` runs them; `start` refuses a database that is behind
 * or ahead of this code instead of changing a schema other instances are using (ADR 0230).
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import type pg from 'pg'

const MIGRATIONS_DIR = join(import.meta.dirname, 'pg-migrations')
/** pg_advisory_lock key for migrations ('hestia-m' as a 64-bit number). */
const MIGRATE_LOCK = '7522251233571270765'

export interface Migration {
  version: number
  name: string
  sql: string
}

export function listMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f.slice(5, -4),
      sql: readFileSync(join(dir, f), 'utf8'),
    }))
}

/** The schema version this code reads and writes. */
export const PG_SCHEMA_VERSION = Math.max(0, ...listMigrations().map((m) => m.version))

export class PgSchemaError extends Error {
  override readonly name = 'PgSchemaError'
  readonly reason: 'behind' | 'ahead'
  constructor(reason: PgSchemaError['reason'], message: string) {
    super(message)
    this.reason = reason
  }
}

type Queryable = Pick<pg.ClientBase, 'query'>

async function appliedVersions(db: Queryable): Promise<number[]> {
  const exists = await db.query<{ t: string | null }>(
    "SELECT to_regclass('hestia_schema_migrations')::text AS t",
  )
  if (exists.rows[0]?.t == null) return []
  const r = await db.query<{ version: number }>(
    'SELECT version FROM hestia_schema_migrations ORDER BY version',
  )
  return r.rows.map((row) => row.version)
}

/** Throws PgSchemaError unless the database is at exactly PG_SCHEMA_VERSION. Writes nothing. */
export async function checkPgSchema(db: Queryable): Promise<void> {
  const applied = await appliedVersions(db)
  const newest = Math.max(0, ...applied)
  if (newest > PG_SCHEMA_VERSION) {
    throw new PgSchemaError(
      'ahead',
      `the PostgreSQL database has relay schema ${newest}, newer than this hestia-relay (schema ${PG_SCHEMA_VERSION}); run the hestia-relay version that migrated it, or a newer one`,
    )
  }
  if (newest < PG_SCHEMA_VERSION) {
    throw new PgSchemaError(
      'behind',
      newest === 0
        ? 'the PostgreSQL database has no relay schema yet; run `hestia-relay migrate --store <url>` once, then start the relays'
        : `the PostgreSQL database has relay schema ${newest}, this hestia-relay needs ${PG_SCHEMA_VERSION}; stop the relays, run \`hestia-relay migrate --store <url>\`, then start the new version`,
    )
  }
}

/** Applies every pending migration; returns the versions it applied (empty when current). */
export async function migratePg(client: pg.ClientBase): Promise<number[]> {
  await client.query('SELECT pg_advisory_lock($1::bigint)', [MIGRATE_LOCK])
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS hestia_schema_migrations (version integer PRIMARY KEY, name text NOT NULL)',
    )
    const applied = new Set(await appliedVersions(client))
    const newest = Math.max(0, ...applied)
    if (newest > PG_SCHEMA_VERSION) await checkPgSchema(client)
    const done: number[] = []
    for (const m of listMigrations()) {
      if (applied.has(m.version)) continue
      await client.query('BEGIN')
      try {
        await client.query(m.sql)
        await client.query('INSERT INTO hestia_schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ])
        await client.query('COMMIT')
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined)
        throw err
      }
      done.push(m.version)
    }
    return done
  } finally {
    await client
      .query('SELECT pg_advisory_unlock($1::bigint)', [MIGRATE_LOCK])
      .catch(() => undefined)
  }
}
