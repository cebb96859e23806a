/**
 * Prekeys are sealed before they go to the relay (ADR 0208 "Not covered", closed here): a signed
 * bundle holds the owner's device certificate (identity key, PeerId, issue/expiry times), and the
 * messenger publishes the same bundle to every mailbox it owns, so stored in clear it would link all
 * of one person's mailboxes on the relay's disk. The key comes from the mailbox's capability token,
 * which the owner and its contacts hold and the relay never stores (only its hash), so the relay
 * keeps ciphertext that differs per mailbox and per publish, and contacts open it as before.
 *
 * Format: 0x01 || nonce (12) || ChaCha20-Poly1305(key, nonce, plaintext, aad), with
 * key = HKDF-SHA256(ikm = capability, salt = mailbox id, info = "hestia/v1/prekey-seal") and
 * aad = label || mailbox id || kind (0 bundle, 1 one-time prekey). A bundle published before sealing
 * (a protobuf message, whose first byte is never 0x01) is passed through unchanged.
 */
import { chachaOpen, chachaSeal, hkdfSha256 } from '../crypto/primitives.ts'
import { MailboxError } from './errors.ts'

const LABEL = new TextEncoder().encode('hestia/v1/prekey-seal')
const SEALED_VERSION = 0x01
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** Bytes sealing adds to each bundle or one-time prekey. */
export const PREKEY_SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES

export type PrekeyKind = 'bundle' | 'oneTime'

function keyFor(capability: Uint8Array, mailboxId: Uint8Array): Uint8Array {
  return hkdfSha256(capability, mailboxId, LABEL, 32)
}

function aadFor(mailboxId: Uint8Array, kind: PrekeyKind): Uint8Array {
  const aad = new Uint8Array(LABEL.length + mailboxId.length + 1)
  aad.set(LABEL)
  aad.set(mailboxId, LABEL.length)
  aad[aad.length - 1] = kind === 'bundle' ? 0 : 1
  return aad
}

export function sealPrekey(
  to: { mailboxId: Uint8Array; capability: Uint8Array },
  kind: PrekeyKind,
  plaintext: Uint8Array,
  randomBytes: (n: number) => Uint8Array,
): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  const ct = chachaSeal(
    keyFor(to.capability, to.mailboxId),
    nonce,
    plaintext,
    aadFor(to.mailboxId, kind),
  )
  const out = new Uint8Array(1 + NONCE_BYTES + ct.length)
  out[0] = SEALED_VERSION
  out.set(nonce, 1)
  out.set(ct, 1 + NONCE_BYTES)
  return out
}

/** Opens what sealPrekey made; throws MailboxError('malformed') when it does not authenticate. */
export function openPrekey(
  from: { mailboxId: Uint8Array; capability: Uint8Array },
  kind: PrekeyKind,
  stored: Uint8Array,
): Uint8Array {
  if (stored[0] !== SEALED_VERSION) return stored // published before sealing: a signed protobuf
  if (stored.length < PREKEY_SEAL_OVERHEAD) {
    throw new MailboxError('malformed', `sealed ${kind} prekey: too short`)
  }
  try {
    return chachaOpen(
      keyFor(from.capability, from.mailboxId),
      stored.subarray(1, 1 + NONCE_BYTES),
      stored.subarray(1 + NONCE_BYTES),
      aadFor(from.mailboxId, kind),
    )
  } catch (err) {
    throw new MailboxError('malformed', `sealed ${kind} prekey: does not open`, { cause: err })
  }
}
