/**
 * Group mailbox entries sealed for the members (ADR 0771, docs/protocol/groups.md "Sealed
 * entries"): the relay stores and orders them but no longer reads the MLS header inside (group id,
 * epoch, content type).
 *
 *   key   = HKDF-SHA-256(ikm = the group mailbox's auth secret, salt = none,
 *                        info = "hestia/group-mailbox/entry/v1", 32)
 *   entry = nonce (12, random) || ChaCha20-Poly1305(key, nonce, frame, ad = "hestia/group-entry/v1")
 *
 * Every member holds the auth secret (invitation, mailbox move); the relay holds only its public
 * key. A new mailbox after a removal brings a new secret, so a removed member cannot read new
 * entries' headers either. 28 bytes per entry, inside ADD_COMMIT_OVERHEAD_BYTES.
 */
import { CHACHA_NONCE_BYTES, chachaOpen, chachaSeal, hkdfSha256 } from '../crypto/primitives.ts'
import { ProtocolError } from '../wire/errors.ts'

const utf8 = new TextEncoder()
const KEY_INFO = utf8.encode('hestia/group-mailbox/entry/v1')
const AD = utf8.encode('hestia/group-entry/v1')

export function groupEntryKey(authSecret: Uint8Array): Uint8Array {
  return hkdfSha256(authSecret, undefined, KEY_INFO, 32)
}

export function sealEntry(
  key: Uint8Array,
  frame: Uint8Array,
  random: (n: number) => Uint8Array,
): Uint8Array {
  const nonce = random(CHACHA_NONCE_BYTES)
  const sealed = chachaSeal(key, nonce, frame, AD)
  const out = new Uint8Array(nonce.length + sealed.length)
  out.set(nonce)
  out.set(sealed, nonce.length)
  return out
}

/** The frame inside; ProtocolError('decrypt_failed' | 'malformed') for anything else. */
export function openEntry(key: Uint8Array, entry: Uint8Array): Uint8Array {
  if (entry.length < CHACHA_NONCE_BYTES + 16)
    throw new ProtocolError('malformed', 'entry too short')
  return chachaOpen(
    key,
    entry.subarray(0, CHACHA_NONCE_BYTES),
    entry.subarray(CHACHA_NONCE_BYTES),
    AD,
  )
}
