/**
 * At-rest sealing of file bytes in the files database (received chunks, staged copies):
 * AES-256-GCM through WebCrypto under a key derived from the data key (ADR 0520, storage.md).
 * The files database is never part of a messenger transaction, so its crypto may be asynchronous,
 * and WebCrypto's AES-GCM (~460 MB/s here, CRYPTO.md) keeps it far from the transfer's bottleneck.
 *
 * Sealed piece: `0x01 || iv (12 random bytes) || ciphertext || tag (16)`, with associated data
 * `"hestia/at-rest/file-piece" || 0x01 || part(database) || part(table) || part(owner id) ||
 * u64be(offset) || u32be(plaintext length)`, part = u32be length || UTF-8. A piece moved to another
 * transfer, offset or table, or cut, fails authentication.
 */
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import type { RandomSource } from '@hestia/core/crypto/platform.ts'
import { systemRandom } from '@hestia/core/crypto/platform.ts'
import {
  DamagedError,
  TamperedError,
  UnsupportedVersionError,
} from '@hestia/core/store/at-rest/errors.ts'
import { FILES_DATABASE_NAME } from './files-db.ts'

export const PIECE_FORMAT_VERSION = 1
const IV_BYTES = 12
const TAG_BYTES = 16
const INFO = new TextEncoder().encode('hestia/at-rest/files/v1')
const LABEL = new TextEncoder().encode('hestia/at-rest/file-piece')
const UTF8 = new TextEncoder()

/** Seals and opens file pieces; `owner` is the transfer or staging id the piece belongs to. */
export interface PieceCipher {
  seal(table: string, owner: string, offset: number, plain: Uint8Array): Promise<Uint8Array>
  open(table: string, owner: string, offset: number, sealed: Uint8Array): Promise<Uint8Array>
}

function pieceAssociatedData(
  database: string,
  table: string,
  owner: string,
  offset: number,
  length: number,
): Uint8Array<ArrayBuffer> {
  const parts = [database, table, owner].map((part) => UTF8.encode(part))
  const size = LABEL.length + 1 + parts.reduce((sum, p) => sum + 4 + p.length, 0) + 8 + 4
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  out.set(LABEL, 0)
  out[LABEL.length] = PIECE_FORMAT_VERSION
  let at = LABEL.length + 1
  for (const part of parts) {
    view.setUint32(at, part.length, false)
    out.set(part, at + 4)
    at += 4 + part.length
  }
  view.setBigUint64(at, BigInt(offset), false)
  view.setUint32(at + 8, length, false)
  return out
}

export interface PieceCipherOptions {
  database?: string
  random?: RandomSource
  subtle?: SubtleCrypto
}

/** The files' cipher for a data key. The derived AES key is non-extractable. */
export async function filePieceCipher(
  dataKey: Uint8Array,
  options: PieceCipherOptions = {},
): Promise<PieceCipher> {
  const database = options.database ?? FILES_DATABASE_NAME
  const random = options.random ?? systemRandom
  const subtle = options.subtle ?? globalThis.crypto.subtle
  const raw = hkdf(sha256, dataKey, undefined, INFO, 32)
  const key = await subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt'])
  raw.fill(0)
  const describe = (table: string, owner: string, offset: number) =>
    `The stored file piece ${table}/${owner}@${offset}`
  return {
    async seal(table, owner, offset, plain) {
      const iv = random(IV_BYTES) as Uint8Array<ArrayBuffer>
      const additionalData = pieceAssociatedData(database, table, owner, offset, plain.length)
      const sealed = new Uint8Array(
        await subtle.encrypt(
          { name: 'AES-GCM', iv, additionalData },
          key,
          plain as Uint8Array<ArrayBuffer>,
        ),
      )
      const out = new Uint8Array(1 + IV_BYTES + sealed.length)
      out[0] = PIECE_FORMAT_VERSION
      out.set(iv, 1)
      out.set(sealed, 1 + IV_BYTES)
      return out
    },
    async open(table, owner, offset, sealed) {
      if (sealed.length < 1 + IV_BYTES + TAG_BYTES)
        throw new DamagedError(describe(table, owner, offset))
      if (sealed[0] !== PIECE_FORMAT_VERSION)
        throw new UnsupportedVersionError(describe(table, owner, offset), sealed[0] ?? 0)
      const length = sealed.length - 1 - IV_BYTES - TAG_BYTES
      // Views, not copies: WebCrypto copies its input itself, and a piece is 512 KiB (a second
      // copy per piece was the sender's largest allocation while it streams a file).
      const view = sealed as Uint8Array<ArrayBuffer>
      try {
        return new Uint8Array(
          await subtle.decrypt(
            {
              name: 'AES-GCM',
              iv: view.subarray(1, 1 + IV_BYTES),
              additionalData: pieceAssociatedData(database, table, owner, offset, length),
            },
            key,
            view.subarray(1 + IV_BYTES),
          ),
        )
      } catch {
        throw new TamperedError(describe(table, owner, offset))
      }
    },
  }
}
