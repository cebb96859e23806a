/**
 * Thin wrappers over audited primitives (@noble/*). The only place the crypto layer touches a
 * primitive library directly, so the choices (strict Ed25519, all-zero DH rejection) hold everywhere.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js'
import { ProtocolError } from '../wire/errors.ts'
import type { RandomSource } from './platform.ts'

export const ED25519_PUBLIC_KEY_BYTES = 32
export const ED25519_SIGNATURE_BYTES = 64
export const X25519_KEY_BYTES = 32
export const MLKEM768_PUBLIC_KEY_BYTES = 1184
export const MLKEM768_SECRET_KEY_BYTES = 2400
export const MLKEM768_CIPHERTEXT_BYTES = 1088
export const CHACHA_KEY_BYTES = 32
export const CHACHA_NONCE_BYTES = 12
export const AEAD_TAG_BYTES = 16

export interface KeyPair {
  publicKey: Uint8Array
  secretKey: Uint8Array
}

// --- Ed25519 (RFC 8032) ---

export function ed25519KeyPair(random: RandomSource): KeyPair {
  const secretKey = random(32)
  return { secretKey, publicKey: ed25519.getPublicKey(secretKey) }
}

export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(secretKey)
}

export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519.sign(message, secretKey)
}

/**
 * Strict RFC 8032 §5.1.7 verification (zip215: false: canonical encodings only, cofactored check
 * as noble implements it), so two Hestia clients never disagree on a signature. Never throws.
 */
export function ed25519Verify(
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (publicKey.length !== ED25519_PUBLIC_KEY_BYTES) return false
  if (signature.length !== ED25519_SIGNATURE_BYTES) return false
  try {
    return ed25519.verify(signature, message, publicKey, { zip215: false })
  } catch {
    return false
  }
}

// --- X25519 (RFC 7748) ---

export function x25519KeyPair(random: RandomSource): KeyPair {
  const secretKey = random(32)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

export function x25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(secretKey)
}

/**
 * X25519 shared secret. RFC 7748 §6.1 lets implementations reject the all-zero output (a
 * low-order peer key); noble does, and we report it as ProtocolError('wrong_key').
 */
export function x25519Dh(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== X25519_KEY_BYTES) {
    throw new ProtocolError('wrong_key', 'X25519 public key must be 32 bytes')
  }
  try {
    return x25519.getSharedSecret(secretKey, publicKey)
  } catch (err) {
    throw new ProtocolError('wrong_key', 'X25519 peer key is low-order or invalid', { cause: err })
  }
}

// --- Hashes and KDFs (FIPS 180-4, RFC 2104, RFC 5869) ---

export { sha256, sha512 }

export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return hmac(sha256, key, message)
}

export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array | undefined,
  info: Uint8Array,
  length: number,
): Uint8Array {
  return hkdf(sha256, ikm, salt, info, length)
}

/**
 * HKDF-Expand-SHA-512 only (RFC 5869 §2.3), as c2sp.org/chunked-encryption specifies. Written
 * out over noble's HMAC because noble's `expand` refuses a PRK shorter than HashLen (64 B), while
 * Cobblestone-256 uses its 32-byte input key directly as the PRK (HMAC accepts any key length).
 */
export function hkdfExpandSha512(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const hashLen = 64
  if (length > 255 * hashLen) throw new RangeError('HKDF-Expand length above 255 * HashLen')
  const okm = new Uint8Array(Math.ceil(length / hashLen) * hashLen)
  const mac = hmac.create(sha512, prk)
  let previous = new Uint8Array(0)
  for (let i = 0; i * hashLen < length; i++) {
    // T(i) = HMAC-Hash(PRK, T(i-1) | info | i), i from 1 (RFC 5869 §2.3).
    const h = mac
      .clone()
      .update(previous)
      .update(info)
      .update(new Uint8Array([i + 1]))
      .digest()
    okm.set(h, i * hashLen)
    previous = h
  }
  return okm.slice(0, length)
}

// --- ChaCha20-Poly1305 (RFC 8439) ---

export function chachaSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  return chacha20poly1305(key, nonce, aad).encrypt(plaintext)
}

/** Returns the plaintext or throws ProtocolError('decrypt_failed'). */
export function chachaOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(ciphertext)
  } catch (err) {
    throw new ProtocolError('decrypt_failed', 'message authentication failed', { cause: err })
  }
}

// --- ML-KEM-768 (FIPS 203) ---

export function mlkemKeyPair(random: RandomSource): KeyPair {
  // FIPS 203 §7.1 ML-KEM.KeyGen takes d || z, 64 random bytes.
  const { publicKey, secretKey } = ml_kem768.keygen(random(64))
  return { publicKey, secretKey }
}

export function mlkemEncapsulate(
  publicKey: Uint8Array,
  random: RandomSource,
): { ciphertext: Uint8Array; sharedSecret: Uint8Array } {
  if (publicKey.length !== MLKEM768_PUBLIC_KEY_BYTES) {
    throw new ProtocolError('wrong_key', 'ML-KEM-768 public key must be 1184 bytes')
  }
  try {
    // FIPS 203 §7.2 ML-KEM.Encaps, with its 32-byte message m drawn from the injected source.
    const { cipherText, sharedSecret } = ml_kem768.encapsulate(publicKey, random(32))
    return { ciphertext: cipherText, sharedSecret }
  } catch (err) {
    // FIPS 203 §7.2 input check (modulus check) failed: not a valid encapsulation key.
    throw new ProtocolError('wrong_key', 'ML-KEM-768 public key failed the modulus check', {
      cause: err,
    })
  }
}

export function mlkemDecapsulate(ciphertext: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (ciphertext.length !== MLKEM768_CIPHERTEXT_BYTES) {
    throw new ProtocolError('malformed', 'ML-KEM-768 ciphertext must be 1088 bytes')
  }
  // Implicit rejection (FIPS 203 §6.3): a bad ciphertext yields a pseudorandom secret, and the
  // session then fails at the first AEAD check.
  return ml_kem768.decapsulate(ciphertext, secretKey)
}
