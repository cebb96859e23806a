/**
 * What a store keeps of a signed request's nonce (ADR 0208): a hash that cannot be tied back to its
 * mailbox, and a coarse expiry bucket computed from the relay's own clock. The client's signed
 * timestamp is never stored: its milliseconds show the device's clock offset, which links the
 * mailboxes one device owns (issue 15). Every MailboxStore backend uses these two functions, so
 * stores sharing one database agree on the keys.
 */
import { createHash } from 'node:crypto'

/** Domain label: this hash is never confused with any other SHA-256 the relay computes. */
const NONCE_KEY_LABEL = 'hestia/v1/relay-nonce'

/** Nonce expiries are kept in buckets this wide (the same width as message expiries). */
export const NONCE_BUCKET_MS = 10 * 60_000

/**
 * SHA-256 over the label, the mailbox id and the nonce. A plain (unkeyed) hash suffices: nonces are
 * 16 random bytes, so nobody can test a guess, and no row holds the mailbox id. Replay detection
 * still works because the same mailbox and nonce always give the same key.
 */
export function nonceKey(mailboxId: Uint8Array, nonce: Uint8Array): Uint8Array {
  const label = Buffer.from(NONCE_KEY_LABEL)
  return createHash('sha256')
    .update(Uint8Array.of(label.length))
    .update(label)
    .update(mailboxId)
    .update(nonce)
    .digest()
}

/** The bucket that covers `keepUntilMs`: a nonce is kept until the end of this bucket at least. */
export function nonceBucket(keepUntilMs: number): number {
  return Math.ceil(keepUntilMs / NONCE_BUCKET_MS)
}

/** Buckets that ended at or before `nowMs`: their nonces may be forgotten. */
export function lastExpiredNonceBucket(nowMs: number): number {
  return Math.floor(nowMs / NONCE_BUCKET_MS)
}
