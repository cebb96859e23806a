/**
 * The Double Ratchet's KDFs with the recommended instantiation of signal.org/docs/specifications/
 * doubleratchet §5.2, except that ENCRYPT is ChaCha20-Poly1305 (see ADR 0102).
 */
import { DOMAIN, labelBytes } from '../wire/labels.ts'
import { chachaOpen, chachaSeal, hkdfSha256, hmacSha256 } from './primitives.ts'

const ROOT_INFO = labelBytes(DOMAIN.ratchetRoot)
const MESSAGE_INFO = labelBytes(DOMAIN.ratchetMessageKeys)
const ZERO_SALT = new Uint8Array(32)
const CK_MESSAGE = new Uint8Array([0x01])
const CK_NEXT = new Uint8Array([0x02])

/** KDF_RK (§5.2): HKDF-SHA-256 with salt = root key, IKM = DH output → new root key, chain key. */
export function kdfRoot(rootKey: Uint8Array, dhOutput: Uint8Array): [Uint8Array, Uint8Array] {
  const out = hkdfSha256(dhOutput, rootKey, ROOT_INFO, 64)
  return [out.slice(0, 32), out.slice(32, 64)]
}

/** KDF_CK (§5.2): message key = HMAC(ck, 0x01), next chain key = HMAC(ck, 0x02). */
export function kdfChain(chainKey: Uint8Array): [messageKey: Uint8Array, nextChainKey: Uint8Array] {
  return [hmacSha256(chainKey, CK_MESSAGE), hmacSha256(chainKey, CK_NEXT)]
}

/** ENCRYPT (§5.2 shape): HKDF(mk, zero salt, label) → 32-byte key + 12-byte nonce, then AEAD. */
function messageAead(messageKey: Uint8Array): { key: Uint8Array; nonce: Uint8Array } {
  const okm = hkdfSha256(messageKey, ZERO_SALT, MESSAGE_INFO, 44)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32, 44) }
}

export function ratchetEncrypt(
  messageKey: Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const { key, nonce } = messageAead(messageKey)
  return chachaSeal(key, nonce, plaintext, ad)
}

/** Throws ProtocolError('decrypt_failed') on a bad tag. */
export function ratchetDecrypt(
  messageKey: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const { key, nonce } = messageAead(messageKey)
  return chachaOpen(key, nonce, ciphertext, ad)
}
