/**
 * Seals whole store rows for the extension's IndexedDB (ADR 0520). A sealed row keeps in clear
 * only what IndexedDB must index (its primary key and index key paths); everything else, and a
 * copy of the clear fields, is one CBOR map sealed by the FieldCipher under the address
 * (database, table, record id, field "sealed"). On open the clear columns are checked against the
 * sealed copy, so an edited index column (a message moved to another conversation, a changed
 * timestamp) is refused like an edited ciphertext.
 *
 * Index columns that would name a person (a contact's identity key id, our mailbox id for them)
 * are "blind": the column holds a keyed token (HMAC-SHA-256 under a key derived from the data key)
 * and equality lookups are made with the same token.
 *
 * Synchronous: runs inside IndexedDB transactions (see field-cipher.ts).
 */
import { decode, encode } from 'cborg'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RandomSource } from '../../crypto/platform.ts'
import { toBase64Url } from '../../crypto/bytes.ts'
import { DamagedError, TamperedError } from './errors.ts'
import { FieldCipher } from './field-cipher.ts'
import type { XChaChaAead } from './field-cipher.ts'
import { OpenedRows, copyRow } from './opened-rows.ts'

/** The column that carries the sealed record. */
export const SEALED_COLUMN = 'sealed'

/** What the sealer needs to know about a table (the Dexie layer reads it from the schema). */
export interface TableShape {
  name: string
  /** Primary key fields, in key order (the record id bound into the AEAD). */
  primaryKey: readonly string[]
  /** Every field some index (or the primary key) reads: kept in clear (or blind). */
  indexed: readonly string[]
}

/**
 * Index and primary-key columns stored as keyed tokens instead of their value, by table: the ones
 * that would link this profile to a person or a device (a contact's identity key id, our mailbox
 * id for them, a contact device's PeerId). A field here is looked up by equality only (a token
 * has no order).
 */
export const BLIND_INDEX_FIELDS: Readonly<Record<string, readonly string[]>> = {
  contacts: ['identityKeyId', 'inboundMailboxId'],
  devices: ['deviceId'],
  sessions: ['deviceId'],
}

/**
 * Tokens carry this prefix, so a key already in stored form (Dexie hands primary keys it read
 * back down, e.g. to delete them) is recognised and not tokenised twice. Ids and PeerIds never
 * contain `~`.
 */
export const BLIND_TOKEN_PREFIX = '~b1:'

const BLIND_INFO = new TextEncoder().encode('hestia/at-rest/blind-index/v1')

type Row = Record<string, unknown>

function recordIdOf(shape: TableShape, row: Row): string {
  return JSON.stringify(shape.primaryKey.map((field) => row[field] ?? null))
}

function sameIndexValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => sameIndexValue(v, b[i]))
  return a === b || (a === undefined && b === null) || (a === null && b === undefined)
}

export interface RowSealerOptions {
  aead?: XChaChaAead
  /** Bytes of opened rows kept while unlocked (opened-rows.ts; 0: none). */
  openedRowsBytes?: number
}

export class RowSealer {
  readonly #cipher: FieldCipher
  readonly #blindKey: Uint8Array
  readonly #opened: OpenedRows | undefined
  readonly database: string

  constructor(
    dataKey: Uint8Array,
    random: RandomSource,
    database: string,
    options: XChaChaAead | RowSealerOptions = {},
  ) {
    const { aead, openedRowsBytes } =
      'open' in options && 'seal' in options
        ? { aead: options, openedRowsBytes: undefined }
        : options
    this.#cipher = new FieldCipher(dataKey, random, aead)
    this.#opened = openedRowsBytes === 0 ? undefined : new OpenedRows(openedRowsBytes)
    this.#blindKey = hkdf(sha256, dataKey, undefined, BLIND_INFO, 32)
    this.database = database
  }

  isBlind(table: string, field: string): boolean {
    return BLIND_INDEX_FIELDS[table]?.includes(field) ?? false
  }

  /** The stored token of a blind index value; null/undefined stay as they are (not indexed). */
  blindToken(table: string, field: string, value: unknown): unknown {
    if (value === null || value === undefined) return value
    const mac = hmac(sha256, this.#blindKey, encode([table, field, value]))
    return BLIND_TOKEN_PREFIX + toBase64Url(mac)
  }

  /** The stored form of an index value (a blind token or the value itself). */
  indexValue(table: string, field: string, value: unknown): unknown {
    return this.isBlind(table, field) ? this.blindToken(table, field, value) : value
  }

  /**
   * The stored form of a key part a caller passes down (get, delete, a range bound): blind string
   * values become tokens unless they already are one; anything else (numbers, Dexie's min/max
   * keys) is left alone.
   */
  storedKeyPart(table: string, field: string, value: unknown): unknown {
    if (!this.isBlind(table, field) || typeof value !== 'string') return value
    return value.startsWith(BLIND_TOKEN_PREFIX) ? value : this.blindToken(table, field, value)
  }

  seal(shape: TableShape, row: Row): Row {
    const stored: Row = {}
    for (const field of shape.indexed) {
      if (field in row) stored[field] = this.indexValue(shape.name, field, row[field])
    }
    // The record id bound into the AEAD is the key as stored (tokens for blind key parts).
    stored[SEALED_COLUMN] = this.#cipher.seal(encode(row), this.#address(shape, stored))
    return stored
  }

  /** Throws TamperedError (altered, moved, or a plaintext row where sealed rows belong). */
  open(shape: TableShape, stored: Row): Row {
    const sealed = stored[SEALED_COLUMN]
    if (!(sealed instanceof Uint8Array))
      throw new TamperedError(
        `A ${shape.name} row without its sealed part (plaintext in an encrypted store)`,
      )
    const address = this.#address(shape, stored)
    const memoKey = `${shape.name}\u0000${address.recordId}`
    let row: unknown = this.#opened?.get(memoKey, sealed)
    if (row === undefined) {
      const plain = this.#cipher.open(sealed, address)
      try {
        row = decode(plain)
      } catch (error) {
        throw new DamagedError(`A sealed ${shape.name} row`, { cause: error })
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row))
        throw new DamagedError(`A sealed ${shape.name} row`)
      this.#opened?.put(memoKey, sealed, copyRow(row as Row))
    }
    // Checked on every read, memo or not: an edited clear column is refused either way.
    for (const field of shape.indexed) {
      const expected = this.indexValue(shape.name, field, (row as Row)[field])
      if (!sameIndexValue(expected, stored[field]))
        throw new TamperedError(
          `The ${shape.name} row ${recordIdOf(shape, stored)} (its ${field} column)`,
        )
    }
    return row as Row
  }

  /** Rows kept opened (tests). */
  get openedRows(): number {
    return this.#opened?.size ?? 0
  }

  /** Zeroes the keys and empties the opened rows (lock). */
  forget(): void {
    this.#cipher.forget()
    this.#opened?.clear()
    this.#blindKey.fill(0)
  }

  #address(shape: TableShape, row: Row) {
    return {
      database: this.database,
      table: shape.name,
      recordId: recordIdOf(shape, row),
      field: SEALED_COLUMN,
    }
  }
}
