/**
 * Opens the mailbox store the options name: SQLite in the data directory (the default) or a
 * PostgreSQL database several relay instances share (ADR 0230). Either way a store the relay cannot
 * trust is refused with StoreOpenError, whose message tells the operator what to do.
 */
import { chmodSync } from 'node:fs'
import { join } from 'node:path'
import type { Logger } from 'pino'
import type { MailboxStore } from './mailbox-store.ts'
import { PgSchemaError } from './pg-migrate.ts'
import { PgMailboxStore, PgStoreOpenError } from './postgres-store.ts'
import { SqliteMailboxStore, StoreOpenError } from './sqlite-store.ts'

export const DATABASE_FILE = 'mailboxes.sqlite'

export interface StoreSettings {
  dataDir: string
  store: string
  pgPoolMax: number
  sqliteSynchronous: 'FULL' | 'NORMAL'
  diskReserveBytes: number
}

/** Logs one line per episode, not one per refused write. */
function storageFullLogger(logger: Logger) {
  return (full: boolean, err?: unknown) => {
    if (full) logger.error({ err }, 'disk full: writes answer storage_full')
    else logger.info('disk space is back: writes work again')
  }
}

export async function openMailboxStore(o: StoreSettings, logger: Logger): Promise<MailboxStore> {
  if (o.store === 'sqlite') {
    const path = join(o.dataDir, DATABASE_FILE)
    const store = new SqliteMailboxStore({
      path,
      synchronous: o.sqliteSynchronous,
      reserveFreeBytes: o.diskReserveBytes,
      onStorageFull: storageFullLogger(logger),
    })
    if (store.opened === 'migrated') logger.info('relay database upgraded to the current schema')
    chmodSync(path, 0o600)
    return store
  }
  let lastWarned = 0
  try {
    return await PgMailboxStore.open({
      url: o.store,
      poolMax: o.pgPoolMax,
      onStorageFull: storageFullLogger(logger),
      onConnectionError: (err) => {
        // At most one line a minute while the database is down; each refused request says so too.
        if (Date.now() - lastWarned < 60_000) return
        lastWarned = Date.now()
        logger.warn({ err }, 'PostgreSQL connection lost; reconnecting')
      },
    })
  } catch (err) {
    if (err instanceof PgSchemaError) {
      throw new StoreOpenError('schema', err.message, { cause: err })
    }
    if (err instanceof PgStoreOpenError) {
      throw new StoreOpenError('unusable', err.message, { cause: err })
    }
    throw err
  }
}
