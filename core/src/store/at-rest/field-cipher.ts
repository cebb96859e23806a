/**
 * Field encryption under the data key: XChaCha20-Poly1305 (@noble/ciphers) with a random 192-bit
 * nonce per value, and associated data that names where the value belongs (database, table,
 * record id, field, format version). A value copied to another record, table, field or database
 * fails authentication instead of being read as if it belonged there.
 *
 * Synchronous on purpose: the extension store seals and opens inside IndexedDB transactions, and
 * IndexedDB commits a transaction as soon as it waits on anything else (WebCrypto's promises
 * would end it; ADR 0520). XChaCha's 24-byte random nonces make nonce reuse negligible for any
 * number of writes under one key (no counter to keep).
 *
 * Sealed value layout: `version (1 byte, 0x01) || nonce (24) || ciphertext || tag (16)`.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { RandomSource } from '../../crypto/platform.ts'
import { DamagedError, TamperedError, UnsupportedVersionError } from './errors.ts'

export const FIELD_FORMAT_VERSION = 1
export const DATA_KEY_BYTES = 32
export const NONCE_BYTES = 24
export const TAG_BYTES = 16
/** Bytes a sealed value adds to its plaintext. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES

const AD_LABEL = new TextEncoder().encode('hestia/at-rest/field')

/** Where a sealed value lives; every part is bound into the AEAD. */
export interface FieldAddress {
  database: string
  table: string
  /** The record's primary key as a string (compound keys: parts joined by the caller, unambiguously). */
  recordId: string
  field: string
}

const UTF8 = new TextEncoder()

function writeLength(out: Uint8Array, at: number, length: number): void {
  out[at] = length >>> 24
  out[at + 1] = (length >>> 16) & 0xff
  out[at + 2] = (length >>> 8) & 0xff
  out[at + 3] = length & 0xff
}

function lengthPrefixed(part: string): Uint8Array {
  const bytes = UTF8.encode(part)
  const out = new Uint8Array(4 + bytes.length)
  writeLength(out, 0, bytes.length)
  out.set(bytes, 4)
  return out
}

/** label || version || database || table, and field: the same for every row of a table. */
const fixedParts = new Map<string, { head: Uint8Array; tail: Uint8Array }>()

/**
 * The associated data of a field: label, format version, then database, table, record id and
 * field, each as a 4-byte big-endian length and its UTF-8 bytes. It is built for every row read,
 * so the parts fixed per (version, database, table, field) are encoded once.
 */
export function fieldAssociatedData(
  address: FieldAddress,
  version = FIELD_FORMAT_VERSION,
): Uint8Array {
  const cacheKey = `${version}\u0000${address.database}\u0000${address.table}\u0000${address.field}`
  let fixed = fixedParts.get(cacheKey)
  if (fixed === undefined) {
    const database = lengthPrefixed(address.database)
    const table = lengthPrefixed(address.table)
    const head = new Uint8Array(AD_LABEL.length + 1 + database.length + table.length)
    head.set(AD_LABEL, 0)
    head[AD_LABEL.length] = version
    head.set(database, AD_LABEL.length + 1)
    head.set(table, AD_LABEL.length + 1 + database.length)
    fixed = { head, tail: lengthPrefixed(address.field) }
    if (fixedParts.size < 256) fixedParts.set(cacheKey, fixed)
  }
  const id = UTF8.encode(address.recordId)
  const out = new Uint8Array(fixed.head.length + 4 + id.length + fixed.tail.length)
  out.set(fixed.head, 0)
  writeLength(out, fixed.head.length, id.length)
  out.set(id, fixed.head.length + 4)
  out.set(fixed.tail, fixed.head.length + 4 + id.length)
  return out
}

/** The bare AEAD (exported for the Wycheproof vectors). */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(key, nonce, ad).encrypt(plaintext)
}

export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  return xchacha20poly1305(key, nonce, ad).decrypt(sealed)
}

function describe(address: FieldAddress): string {
  return `Stored field ${address.table}.${address.field} of record ${address.recordId}`
}

/**
 * XChaCha20-Poly1305 with a synchronous API. Default: @noble/ciphers. The extension may pass a
 * WebAssembly implementation (same bytes, checked against the Wycheproof vectors) where the
 * per-row cost matters (ADR 0522).
 */
export interface XChaChaAead {
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, ad: Uint8Array): Uint8Array
  /** Throws on an authentication failure. */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array): Uint8Array
}

export const nobleXChaCha: XChaChaAead = { seal: aeadSeal, open: aeadOpen }

/** Seals and opens values under one data key. Holds the key; `forget()` zeroes it (lock). */
export class FieldCipher {
  readonly #key: Uint8Array
  readonly #random: RandomSource
  readonly #aead: XChaChaAead
  #forgotten = false

  constructor(dataKey: Uint8Array, random: RandomSource, aead: XChaChaAead = nobleXChaCha) {
    if (dataKey.length !== DATA_KEY_BYTES)
      throw new RangeError(`data key must be ${DATA_KEY_BYTES} bytes`)
    this.#key = Uint8Array.from(dataKey)
    this.#random = random
    this.#aead = aead
  }

  seal(plaintext: Uint8Array, address: FieldAddress): Uint8Array {
    this.#checkKey()
    const nonce = this.#random(NONCE_BYTES)
    const sealed = this.#aead.seal(this.#key, nonce, plaintext, fieldAssociatedData(address))
    const out = new Uint8Array(1 + NONCE_BYTES + sealed.length)
    out[0] = FIELD_FORMAT_VERSION
    out.set(nonce, 1)
    out.set(sealed, 1 + NONCE_BYTES)
    return out
  }

  /** Throws DamagedError (malformed), UnsupportedVersionError or TamperedError (fails the AEAD). */
  open(sealed: Uint8Array, address: FieldAddress): Uint8Array {
    this.#checkKey()
    if (!(sealed instanceof Uint8Array) || sealed.length < SEAL_OVERHEAD)
      throw new DamagedError(describe(address))
    if (sealed[0] !== FIELD_FORMAT_VERSION)
      throw new UnsupportedVersionError(describe(address), sealed[0] ?? 0)
    const nonce = sealed.subarray(1, 1 + NONCE_BYTES)
    try {
      return this.#aead.open(
        this.#key,
        nonce,
        sealed.subarray(1 + NONCE_BYTES),
        fieldAssociatedData(address),
      )
    } catch {
      throw new TamperedError(describe(address))
    }
  }

  /** Zeroes the key; any later use throws. Called on lock. */
  forget(): void {
    this.#key.fill(0)
    this.#forgotten = true
  }

  #checkKey(): void {
    if (this.#forgotten)
      throw new Error('The field cipher was locked: unlock before reading or writing')
  }
}
