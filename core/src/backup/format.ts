/**
 * The encrypted backup file, version 1 (docs/protocol/backup.md is the byte-by-byte description):
 *
 *   offset size  field
 *        0    8  magic "HESTIABK"
 *        8    1  format version (1)
 *        9    1  KDF id (1 = Argon2id v1.3)
 *       10    4  Argon2id memory, KiB (u32 big-endian)
 *       14    4  Argon2id iterations (u32 BE)
 *       18    1  Argon2id parallelism (u8)
 *       19   16  salt
 *       35   24  XChaCha20-Poly1305 nonce
 *       59    4  sealed length L (u32 BE): ciphertext plus the 16-byte tag
 *       63    L  XChaCha20-Poly1305(key, nonce, CBOR(contents), ad = bytes 0..62)
 *
 * key = Argon2id(UTF-8 of the NFC passphrase, salt, m, t, p), 32 bytes. The header is the AEAD's
 * associated data, so no header byte can change without the file failing to open. The file ends
 * exactly after the sealed part.
 *
 * Decoding checks everything cheap (magic, version, lengths, parameter bounds) before running
 * Argon2id, so a damaged, truncated or hostile file fails fast and never makes us allocate more
 * than PARAM_BOUNDS allow.
 */
import { decode, encode } from 'cborg'
import type { RandomSource } from '../crypto/platform.ts'
import {
  BACKUP_DEFAULT,
  checkParams,
  KEY_BYTES,
  requireAtLeast,
  SALT_BYTES,
} from '../store/at-rest/argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from '../store/at-rest/argon2id.ts'
import { aeadOpen, aeadSeal, NONCE_BYTES, TAG_BYTES } from '../store/at-rest/field-cipher.ts'
import { InvalidParametersError } from '../store/at-rest/errors.ts'
import { BackupError } from './errors.ts'
import { checkBackupContents } from './contents.ts'
import type { BackupContents } from './contents.ts'

export const BACKUP_MAGIC = new TextEncoder().encode('HESTIABK')
export const BACKUP_FORMAT_VERSION = 1
export const KDF_ARGON2ID_13 = 1
export const HEADER_BYTES = 63
/** Largest sealed part a v1 file may have (one AEAD over the whole contents, held in memory). */
export const MAX_SEALED_BYTES = 512 * 1024 * 1024

export interface BackupHeader {
  version: number
  params: Argon2idParams
  salt: Uint8Array
  nonce: Uint8Array
  sealedLength: number
}

export interface EncodeBackupOptions {
  kdf: PassphraseKdf
  random: RandomSource
  /** Default BACKUP_DEFAULT; never weaker than `floor`. */
  params?: Argon2idParams
  /** Default BACKUP_DEFAULT; the golden vectors and tests lower it. */
  floor?: Argon2idParams
}

function writeHeader(header: BackupHeader): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  const view = new DataView(out.buffer)
  out.set(BACKUP_MAGIC, 0)
  view.setUint8(8, header.version)
  view.setUint8(9, KDF_ARGON2ID_13)
  view.setUint32(10, header.params.memoryKiB, false)
  view.setUint32(14, header.params.iterations, false)
  view.setUint8(18, header.params.parallelism)
  out.set(header.salt, 19)
  out.set(header.nonce, 35)
  view.setUint32(59, header.sealedLength, false)
  return out
}

/** Parses and checks the header without any secret; throws BackupError. */
export function readBackupHeader(file: Uint8Array): BackupHeader {
  const magicSeen = Math.min(file.length, BACKUP_MAGIC.length)
  const magicMatches = BACKUP_MAGIC.subarray(0, magicSeen).every((b, i) => file[i] === b)
  if (!magicMatches || file.length === 0) throw new BackupError('not_a_backup')
  // A file cut inside the magic is still recognisably ours: report it as cut short.
  if (file.length < 9) throw new BackupError('truncated')
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength)
  const version = view.getUint8(8)
  if (version !== BACKUP_FORMAT_VERSION)
    throw new BackupError('unsupported_version', `format ${version}`)
  if (file.length < HEADER_BYTES) throw new BackupError('truncated')
  if (view.getUint8(9) !== KDF_ARGON2ID_13) throw new BackupError('damaged', 'unknown KDF')
  const params: Argon2idParams = {
    memoryKiB: view.getUint32(10, false),
    iterations: view.getUint32(14, false),
    parallelism: view.getUint8(18),
  }
  try {
    checkParams(params)
  } catch (error) {
    throw new BackupError('invalid_parameters', error instanceof Error ? error.message : undefined)
  }
  const sealedLength = view.getUint32(59, false)
  if (sealedLength < TAG_BYTES) throw new BackupError('damaged', 'sealed part shorter than its tag')
  if (sealedLength > MAX_SEALED_BYTES) throw new BackupError('too_large')
  if (file.length < HEADER_BYTES + sealedLength) throw new BackupError('truncated')
  if (file.length > HEADER_BYTES + sealedLength)
    throw new BackupError('damaged', 'bytes after the end')
  return {
    version,
    params,
    salt: file.slice(19, 19 + SALT_BYTES),
    nonce: file.slice(35, 35 + NONCE_BYTES),
    sealedLength,
  }
}

/** Seals `contents` into a backup file under `passphrase` (UTF-8 of the NFC form). */
export async function encodeBackup(
  contents: BackupContents,
  passphrase: Uint8Array,
  options: EncodeBackupOptions,
): Promise<Uint8Array> {
  const params = options.params ?? BACKUP_DEFAULT
  try {
    requireAtLeast(params, options.floor ?? BACKUP_DEFAULT, 'A backup')
  } catch (error) {
    if (error instanceof InvalidParametersError)
      throw new BackupError('invalid_parameters', error.message)
    throw error
  }
  if (params.parallelism > 255) throw new BackupError('invalid_parameters', 'parallelism above 255')
  checkBackupContents(contents)
  const plaintext = encode(contents)
  if (plaintext.length + TAG_BYTES > MAX_SEALED_BYTES) throw new BackupError('too_large')
  const salt = options.random(SALT_BYTES)
  const nonce = options.random(NONCE_BYTES)
  const header = writeHeader({
    version: BACKUP_FORMAT_VERSION,
    params,
    salt,
    nonce,
    sealedLength: plaintext.length + TAG_BYTES,
  })
  const key = await options.kdf(passphrase, salt, params)
  try {
    const sealed = aeadSeal(key, nonce, plaintext, header)
    const file = new Uint8Array(HEADER_BYTES + sealed.length)
    file.set(header, 0)
    file.set(sealed, HEADER_BYTES)
    return file
  } finally {
    key.fill(0)
  }
}

/**
 * Opens a backup file. Throws BackupError: not_a_backup, unsupported_version, truncated, damaged,
 * invalid_parameters, too_large (all before the KDF runs), wrong_passphrase (the AEAD failed:
 * a wrong passphrase or an altered file), damaged (authentic but malformed contents).
 */
export async function decodeBackup(
  file: Uint8Array,
  passphrase: Uint8Array,
  kdf: PassphraseKdf,
): Promise<BackupContents> {
  const header = readBackupHeader(file)
  const key = await kdf(passphrase, header.salt, header.params)
  if (key.length !== KEY_BYTES) throw new Error('KDF returned a key of the wrong size')
  let plaintext: Uint8Array
  try {
    plaintext = aeadOpen(
      key,
      header.nonce,
      file.subarray(HEADER_BYTES),
      file.subarray(0, HEADER_BYTES),
    )
  } catch {
    throw new BackupError('wrong_passphrase')
  } finally {
    key.fill(0)
  }
  let contents: unknown
  try {
    contents = decode(plaintext)
  } catch (error) {
    throw new BackupError('damaged', 'contents are not valid CBOR', { cause: error })
  }
  checkBackupContents(contents)
  return contents
}
