/**
 * The key hierarchy (ADR 0520): passphrase --Argon2id--> key-encryption key (KEK) --wraps--> data
 * key --seals--> fields. The data key is 32 random bytes made once; changing the passphrase
 * rewraps it and re-encrypts nothing else. The wrapped key record holds everything needed to
 * unwrap it again (KDF parameters, salt) and is stored in clear next to the data it protects.
 *
 * The wrap is XChaCha20-Poly1305 under the KEK with associated data binding the record's format
 * and parameters; a wrong passphrase and an altered record both fail that check (an AEAD cannot
 * tell them apart), reported as WrongPassphraseError. Structural damage is DamagedError.
 */
import type { RandomSource } from '../../crypto/platform.ts'
import { checkParams, requireAtLeast, SALT_BYTES, UNLOCK_BASELINE } from './argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from './argon2id.ts'
import { DamagedError, UnsupportedVersionError, WrongPassphraseError } from './errors.ts'
import { aeadOpen, aeadSeal, DATA_KEY_BYTES, NONCE_BYTES, TAG_BYTES } from './field-cipher.ts'

export const WRAPPED_KEY_FORMAT = 1

/** Plain data (structured-clone safe): stored as is in IndexedDB. */
export interface WrappedDataKey {
  format: number
  kdf: 'argon2id-1.3'
  params: Argon2idParams
  salt: Uint8Array
  nonce: Uint8Array
  /** XChaCha20-Poly1305(KEK, nonce, dataKey, ad) = 32 + 16 bytes. */
  wrapped: Uint8Array
}

const LABEL = new TextEncoder().encode('hestia/at-rest/data-key')

function wrapAssociatedData(record: Pick<WrappedDataKey, 'format' | 'params'>): Uint8Array {
  const out = new Uint8Array(LABEL.length + 1 + 12)
  out.set(LABEL, 0)
  const view = new DataView(out.buffer)
  view.setUint8(LABEL.length, record.format)
  view.setUint32(LABEL.length + 1, record.params.memoryKiB, false)
  view.setUint32(LABEL.length + 5, record.params.iterations, false)
  view.setUint32(LABEL.length + 9, record.params.parallelism, false)
  return out
}

/** A fresh random data key. */
export function newDataKey(random: RandomSource): Uint8Array {
  return random(DATA_KEY_BYTES)
}

export interface WrapOptions {
  kdf: PassphraseKdf
  random: RandomSource
  /** Default UNLOCK_BASELINE; never weaker than `floor`. */
  params?: Argon2idParams
  /** The weakest parameters accepted (default UNLOCK_BASELINE; tests lower it to run fast). */
  floor?: Argon2idParams
}

/** Wraps `dataKey` under a KEK derived from `passphrase` (NFC UTF-8 bytes) with a fresh salt. */
export async function wrapDataKey(
  dataKey: Uint8Array,
  passphrase: Uint8Array,
  options: WrapOptions,
): Promise<WrappedDataKey> {
  if (dataKey.length !== DATA_KEY_BYTES)
    throw new RangeError(`data key must be ${DATA_KEY_BYTES} bytes`)
  const params = options.params ?? UNLOCK_BASELINE
  requireAtLeast(params, options.floor ?? UNLOCK_BASELINE, 'A passphrase')
  const salt = options.random(SALT_BYTES)
  const nonce = options.random(NONCE_BYTES)
  const kek = await options.kdf(passphrase, salt, params)
  const header = { format: WRAPPED_KEY_FORMAT, params }
  try {
    const wrapped = aeadSeal(kek, nonce, dataKey, wrapAssociatedData(header))
    return { ...header, kdf: 'argon2id-1.3', params: { ...params }, salt, nonce, wrapped }
  } finally {
    kek.fill(0)
  }
}

/** Checks the record's shape; throws DamagedError / UnsupportedVersionError. */
export function checkWrappedDataKey(record: unknown): asserts record is WrappedDataKey {
  const what = 'The stored key record'
  if (typeof record !== 'object' || record === null) throw new DamagedError(what)
  const r = record as Partial<WrappedDataKey>
  if (typeof r.format !== 'number') throw new DamagedError(what)
  if (r.format !== WRAPPED_KEY_FORMAT) throw new UnsupportedVersionError(what, r.format)
  if (r.kdf !== 'argon2id-1.3' || typeof r.params !== 'object' || r.params === null)
    throw new DamagedError(what)
  const bytes = (b: unknown, n: number) => b instanceof Uint8Array && b.length === n
  if (
    !bytes(r.salt, SALT_BYTES) ||
    !bytes(r.nonce, NONCE_BYTES) ||
    !bytes(r.wrapped, DATA_KEY_BYTES + TAG_BYTES)
  )
    throw new DamagedError(what)
  try {
    checkParams(r.params)
  } catch {
    throw new DamagedError(what)
  }
}

/** Unwraps the data key. Throws WrongPassphraseError, DamagedError or UnsupportedVersionError. */
export async function unwrapDataKey(
  record: WrappedDataKey,
  passphrase: Uint8Array,
  kdf: PassphraseKdf,
): Promise<Uint8Array> {
  checkWrappedDataKey(record)
  const kek = await kdf(passphrase, record.salt, record.params)
  try {
    return aeadOpen(kek, record.nonce, record.wrapped, wrapAssociatedData(record))
  } catch {
    throw new WrongPassphraseError()
  } finally {
    kek.fill(0)
  }
}

/**
 * Passphrase change: unwraps with the old passphrase (WrongPassphraseError if it is not right),
 * wraps the same data key under the new one with a fresh salt. The caller stores the result in
 * place of the old record; no field is re-encrypted.
 */
export async function rewrapDataKey(
  record: WrappedDataKey,
  oldPassphrase: Uint8Array,
  newPassphrase: Uint8Array,
  options: WrapOptions,
): Promise<WrappedDataKey> {
  const dataKey = await unwrapDataKey(record, oldPassphrase, options.kdf)
  try {
    return await wrapDataKey(dataKey, newPassphrase, {
      ...options,
      params: options.params ?? record.params,
    })
  } finally {
    dataKey.fill(0)
  }
}
