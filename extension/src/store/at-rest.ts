/**
 * Turning at-rest encryption on for the messenger database, and unlocking it (ADR 0520, 0521).
 *
 * The passphrase-wrapped data key lives in the database's `keyring` table, in clear. Its presence
 * is what marks the database as encrypted: the store refuses to open an encrypted database
 * without the data key, and refuses to seal into a database that was never encrypted.
 *
 * Encrypting an existing database is one IndexedDB transaction over every table: each row is
 * rewritten sealed and the keyring row is written last. IndexedDB commits a transaction
 * atomically or not at all (also across a crash or a killed browser), so the database is either
 * the old plaintext one or the new sealed one, never a mix.
 */
import { Dexie } from 'dexie'
import type { RandomSource } from '@hestia/core/crypto/platform.ts'
import { systemRandom } from '@hestia/core/crypto/platform.ts'
import type { Argon2idParams, PassphraseKdf } from '@hestia/core/store/at-rest/argon2id.ts'
import {
  checkWrappedDataKey,
  newDataKey,
  rewrapDataKey,
  unwrapDataKey,
  wrapDataKey,
} from '@hestia/core/store/at-rest/data-key.ts'
import type { WrappedDataKey } from '@hestia/core/store/at-rest/data-key.ts'
import { RowSealer } from '@hestia/core/store/at-rest/row-sealer.ts'
import type { XChaChaAead } from '@hestia/core/store/at-rest/field-cipher.ts'
import { StoreError } from '@hestia/core/store/store.ts'
import { CLEAR_TABLES, tableShape } from './sealing-middleware.ts'
import { DATABASE_NAME, TABLES, declareSchema } from './schema.ts'

export const KEYRING_ID = 'data-key'

export interface KeyringRow {
  id: typeof KEYRING_ID
  wrapped: WrappedDataKey
  /** When encryption was turned on / the passphrase last changed (ms). */
  updatedAt: number
}

export interface AtRestDatabaseOptions {
  name?: string
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
}

export interface PassphraseOptions {
  kdf: PassphraseKdf
  random?: RandomSource
  /** Unlock parameters (calibrated on this device; default the baseline). */
  params?: Argon2idParams
  /** Tests lower the floor to run fast. */
  floor?: Argon2idParams
  clock?: () => number
}

/** The store is encrypted and was opened without its data key. */
export class StoreLockedError extends StoreError {
  override readonly name = 'StoreLockedError'
  constructor() {
    super('closed', 'Hestia is locked: enter your passphrase to unlock it.')
  }
}

/** At-rest encryption was asked of a database that does not have it on (or the reverse). */
export class AtRestStateError extends StoreError {
  override readonly name = 'AtRestStateError'
  constructor(message: string) {
    super('invalid_argument', message)
  }
}

async function openRaw(options: AtRestDatabaseOptions): Promise<Dexie> {
  const db = new Dexie(options.name ?? DATABASE_NAME, {
    indexedDB: options.indexedDB ?? indexedDB,
    IDBKeyRange: options.IDBKeyRange ?? IDBKeyRange,
    autoOpen: false,
  })
  declareSchema(db)
  await db.open()
  return db
}

async function keyringOf(db: Dexie): Promise<KeyringRow | undefined> {
  const row = (await db.table(TABLES.keyring).get(KEYRING_ID)) as KeyringRow | undefined
  if (row !== undefined) checkWrappedDataKey(row.wrapped)
  return row
}

/** The wrapped data key, or undefined when the database is not encrypted. */
export async function readKeyring(
  options: AtRestDatabaseOptions = {},
): Promise<KeyringRow | undefined> {
  const db = await openRaw(options)
  try {
    return await keyringOf(db)
  } finally {
    db.close()
  }
}

/** The row sealer for the data key (what openDexieStore takes as `sealer`). */
export function sealerFor(
  dataKey: Uint8Array,
  options: AtRestDatabaseOptions & {
    random?: RandomSource
    aead?: XChaChaAead
    /** Bytes of opened rows kept while unlocked (ADR 0522; default 8 MiB, 0: none). */
    openedRowsBytes?: number
  } = {},
): RowSealer {
  return new RowSealer(dataKey, options.random ?? systemRandom, options.name ?? DATABASE_NAME, {
    ...(options.aead ? { aead: options.aead } : {}),
    ...(options.openedRowsBytes !== undefined ? { openedRowsBytes: options.openedRowsBytes } : {}),
  })
}

export interface EncryptOptions extends AtRestDatabaseOptions, PassphraseOptions {
  /** Test hook: called after each row is rewritten inside the transaction (a throw aborts it all). */
  onRowSealed?: (count: number) => void
}

/**
 * Turns encryption on: makes a data key, seals every existing row with it and stores the key
 * wrapped under `passphrase`, all in one transaction. Returns the data key (unlocked). The store
 * must not be open elsewhere meanwhile (the host closes it first). Throws AtRestStateError if the
 * database is already encrypted.
 */
export async function encryptDatabase(
  passphrase: Uint8Array,
  options: EncryptOptions,
): Promise<Uint8Array> {
  const random = options.random ?? systemRandom
  const dataKey = newDataKey(random)
  // The slow part (Argon2id) happens before the transaction: IndexedDB would commit early.
  const wrapped = await wrapDataKey(dataKey, passphrase, {
    kdf: options.kdf,
    random,
    ...(options.params ? { params: options.params } : {}),
    ...(options.floor ? { floor: options.floor } : {}),
  })
  const sealer = sealerFor(dataKey, { ...options, random })
  const db = await openRaw(options)
  try {
    const tables = db.tables.filter((table) => !CLEAR_TABLES.includes(table.name))
    await db.transaction('rw', db.tables, async () => {
      if ((await keyringOf(db)) !== undefined)
        throw new AtRestStateError('Hestia is already protected by a passphrase')
      let count = 0
      for (const table of tables) {
        const shape = tableShape(table.core)
        const rows = (await table.toArray()) as Record<string, unknown>[]
        const sealed = rows.map((row) => sealer.seal(shape, row))
        // Blind index columns change value: delete-then-add keeps unique indexes from colliding.
        await table.clear()
        for (const row of sealed) {
          await table.add(row)
          options.onRowSealed?.(++count)
        }
      }
      const keyring: KeyringRow = {
        id: KEYRING_ID,
        wrapped,
        updatedAt: (options.clock ?? Date.now)(),
      }
      await db.table(TABLES.keyring).put(keyring)
    })
    return dataKey
  } catch (error) {
    dataKey.fill(0)
    throw error
  } finally {
    sealer.forget()
    db.close()
  }
}

/** Unwraps the data key. Throws WrongPassphraseError, or AtRestStateError when not encrypted. */
export async function unlockDataKey(
  passphrase: Uint8Array,
  options: AtRestDatabaseOptions & { kdf: PassphraseKdf },
): Promise<Uint8Array> {
  const keyring = await readKeyring(options)
  if (keyring === undefined) throw new AtRestStateError('Hestia has no passphrase set')
  return unwrapDataKey(keyring.wrapped, passphrase, options.kdf)
}

/**
 * Changes the passphrase: rewraps the data key (nothing else is re-encrypted) and replaces the
 * keyring row in one write, only if it is still the row we unwrapped (a concurrent change wins).
 */
export async function changePassphrase(
  oldPassphrase: Uint8Array,
  newPassphrase: Uint8Array,
  options: AtRestDatabaseOptions & PassphraseOptions,
): Promise<void> {
  const keyring = await readKeyring(options)
  if (keyring === undefined) throw new AtRestStateError('Hestia has no passphrase set')
  const wrapped = await rewrapDataKey(keyring.wrapped, oldPassphrase, newPassphrase, {
    kdf: options.kdf,
    random: options.random ?? systemRandom,
    ...(options.params ? { params: options.params } : {}),
    ...(options.floor ? { floor: options.floor } : {}),
  })
  const db = await openRaw(options)
  try {
    await db.transaction('rw', TABLES.keyring, async () => {
      const current = (await db.table(TABLES.keyring).get(KEYRING_ID)) as KeyringRow | undefined
      if (current === undefined || !sameBytes(current.wrapped.salt, keyring.wrapped.salt))
        throw new AtRestStateError('The passphrase was changed meanwhile: try again')
      await db
        .table(TABLES.keyring)
        .put({ id: KEYRING_ID, wrapped, updatedAt: (options.clock ?? Date.now)() })
    })
  } finally {
    db.close()
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
