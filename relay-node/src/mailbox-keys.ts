/**
 * Which key signs which owner request of a mailbox (ADR 0137). An ordinary mailbox has one auth
 * key for everything. A mailbox created with a manage key (a group mailbox: every member holds
 * the auth key) stores both, auth key || manage key, in the same column; reading (fetch,
 * subscribe) is signed by the auth key, deleting and replacing (ack, close, publish_prekeys) by
 * the manage key. A member who holds only the auth key — a removed one too — cannot delete.
 */
import { MailboxError } from '@hestia/core/mailbox/index.ts'

const KEY_BYTES = 32

/** What the store keeps for a new mailbox. */
export function storedAuthKey(authPublicKey: Uint8Array, managePublicKey: Uint8Array): Uint8Array {
  if (managePublicKey.length === 0) return authPublicKey
  const both = new Uint8Array(2 * KEY_BYTES)
  both.set(authPublicKey, 0)
  both.set(managePublicKey, KEY_BYTES)
  return both
}

const MANAGE_REQUESTS: ReadonlySet<string> = new Set(['ack', 'close', 'publishPrekeys'])

/** The key that must have signed `kind` for a mailbox whose stored key is `stored`. */
export function signingKeyFor(kind: string, stored: Uint8Array): Uint8Array {
  if (stored.length === KEY_BYTES) return stored
  if (stored.length !== 2 * KEY_BYTES) throw new MailboxError('internal', 'stored auth key size')
  return MANAGE_REQUESTS.has(kind) ? stored.subarray(KEY_BYTES) : stored.subarray(0, KEY_BYTES)
}
