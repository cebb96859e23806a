/**
 * The Cobblestone-256 format (c2sp.org/chunked-encryption with AES-256-GCM and
 * HKDF-Expand-SHA-512): its sizes, the AES-GCM provider, key derivation, per-chunk nonces and
 * ciphertext offsets. The streaming encryptor and decryptor built on it are in file-encryption.ts.
 */
import { ProtocolError } from '../wire/errors.ts'
import { concatBytes, utf8 } from './bytes.ts'
import { hkdfExpandSha512 } from './primitives.ts'

export const COBBLESTONE_256 = {
  aead: 'AEAD_AES_256_GCM',
  keyBytes: 32,
  nonceBytes: 12,
  tagBytes: 16,
  saltBytes: 24,
  commitmentBytes: 32,
  headerBytes: 56,
  chunkBytes: 16 * 1024,
  chunkCiphertextBytes: 16 * 1024 + 16,
  /** Spec "Message chunking": abort at 2^38 chunks (4 PiB). */
  maxChunks: 2 ** 38,
} as const

const C = COBBLESTONE_256
const INFO_PREFIX = utf8(`c2sp.org/chunked-encryption@v1+${C.aead}\u0000`)

/** The AES-256-GCM operations the file layer needs; WebCrypto by default. */
export interface AesGcmProvider {
  importKey(raw: Uint8Array): Promise<CryptoKey>
  encrypt(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>
  decrypt(key: CryptoKey, iv: Uint8Array, data: Uint8Array): Promise<Uint8Array>
}

export function webCryptoAesGcm(subtle: SubtleCrypto = globalThis.crypto.subtle): AesGcmProvider {
  return {
    importKey: (raw) =>
      subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
        'encrypt',
        'decrypt',
      ]),
    // The spec's AAD is empty ("The AEAD's AAD is not used and MUST be empty").
    encrypt: async (key, iv, data) =>
      new Uint8Array(
        await subtle.encrypt(
          { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, tagLength: 128 },
          key,
          data as Uint8Array<ArrayBuffer>,
        ),
      ),
    decrypt: async (key, iv, data) =>
      new Uint8Array(
        await subtle.decrypt(
          { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, tagLength: 128 },
          key,
          data as Uint8Array<ArrayBuffer>,
        ),
      ),
  }
}

let defaultProvider: AesGcmProvider | undefined
/** The injected provider, else WebCrypto's (created once). */
export function provider(p?: AesGcmProvider): AesGcmProvider {
  if (p) return p
  defaultProvider ??= webCryptoAesGcm()
  return defaultProvider
}

export interface DerivedKeys {
  key: CryptoKey
  baseNonce: Uint8Array
  commitment: Uint8Array
}

/** Spec "Key derivation": key || base nonce || commitment = HKDF-Expand(input key, info). */
export function deriveCobblestoneKeys(
  inputKey: Uint8Array,
  salt: Uint8Array,
  context: Uint8Array,
): { aeadKey: Uint8Array; baseNonce: Uint8Array; commitment: Uint8Array } {
  if (inputKey.length !== C.keyBytes) {
    throw new ProtocolError(
      'wrong_key',
      `file key must be ${C.keyBytes} bytes, got ${inputKey.length}`,
    )
  }
  if (salt.length !== C.saltBytes) throw new RangeError('salt must be 24 bytes')
  const okm = hkdfExpandSha512(inputKey, concatBytes(INFO_PREFIX, salt, context), 32 + 12 + 32)
  return { aeadKey: okm.slice(0, 32), baseNonce: okm.slice(32, 44), commitment: okm.slice(44, 76) }
}

/** deriveCobblestoneKeys with the AEAD key imported into the provider. */
export async function derive(
  inputKey: Uint8Array,
  salt: Uint8Array,
  context: Uint8Array,
  aes: AesGcmProvider,
): Promise<DerivedKeys> {
  const d = deriveCobblestoneKeys(inputKey, salt, context)
  return { key: await aes.importKey(d.aeadKey), baseNonce: d.baseNonce, commitment: d.commitment }
}

/** Spec "AEAD usage": base nonce XOR the chunk index as a big-endian integer (last 5 bytes). */
export function chunkNonce(baseNonce: Uint8Array, index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0 || index >= C.maxChunks) {
    throw new ProtocolError('limit_exceeded', 'chunk index reached 2^38: message too long')
  }
  const nonce = baseNonce.slice()
  let v = index
  for (let i = 11; i >= 7; i--) {
    nonce[i] = (nonce[i] as number) ^ (v % 256)
    v = Math.floor(v / 256)
  }
  return nonce
}

/** Ciphertext offset of chunk `index` (spec "Implementation notes"). */
export function chunkOffset(index: number): number {
  return C.headerBytes + index * C.chunkCiphertextBytes
}

/** Ciphertext length of a message of `size` plaintext bytes. */
export function ciphertextLength(size: number): number {
  const full = Math.floor(size / C.chunkBytes)
  return C.headerBytes + full * C.chunkCiphertextBytes + (size % C.chunkBytes) + C.tagBytes
}

/**
 * Index of the final chunk of a ciphertext of `length` bytes, or ProtocolError('malformed') when no
 * valid message has that length (truncated: final chunk missing, or shorter than a tag).
 */
export function finalChunkIndex(length: number): number {
  if (!Number.isSafeInteger(length) || length < C.headerBytes + C.tagBytes) {
    throw new ProtocolError('malformed', 'file ciphertext is truncated')
  }
  const body = length - C.headerBytes
  const index = Math.floor(body / C.chunkCiphertextBytes)
  const rest = body % C.chunkCiphertextBytes
  if (rest < C.tagBytes) throw new ProtocolError('malformed', 'file ciphertext is truncated')
  return index
}
