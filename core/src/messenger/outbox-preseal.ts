/**
 * A row sealed in the transaction that queues it (issue 21, ADR 0441): a text we send
 * (messages.ts) and, with delayReceipts off, the delivery receipt of a message we store
 * (inbox-payload.ts). Every further store transaction between the commit and the frame leaving
 * was one more wait on IndexedDB in the browser: a pass's read of the outbox heads, the attempt's
 * reads, the seal. The outbox sends a presealed row at once (Outbox.sendPresealed), as a pass's
 * attempt would: direct, else the same frame into the mailbox.
 *
 * Sealed only when the new row is the only one of its conversation (rows leave in order), the
 * contact's session is confirmed and a direct connection to its device is open; otherwise the row
 * is an ordinary one for the next pass. A text (messages.ts) is not sealed while the contact's
 * lock is held: the inbox holds it from reading a session to committing its next state (a
 * compare-and-set on the version it read), and a seal in between would make that commit conflict
 * and the contact's frame be refused. The session is stored in the same transaction, so a
 * message key is never used twice; a crash before the frame left leaves the row, which a pass
 * seals again under the next key (the receiver skips one key).
 */
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { ContactRecord, OutboxRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { encryptAndStore } from './outbox.ts'
import { queueReceipts } from './outbox-rows.ts'
import { activeSession, restoreSession } from './records.ts'

/** A queued row and its frame, sealed in the transaction that queued it. */
export interface Presealed {
  contact: ContactRecord
  row: OutboxRecord
  frame: Uint8Array
  deviceId: string
}

/** Whether a direct connection to a device of a contact is open now. */
export type DirectOpen = (deviceId: string) => boolean

/**
 * Seals the row just queued in `tx` for `conversationId` when it may leave at once (see above);
 * null when it is left to a pass.
 */
export async function presealNewRow(
  tx: StoreOperations,
  contact: ContactRecord,
  conversationId: string,
  platform: CryptoPlatform,
  directOpen: DirectOpen,
): Promise<Presealed | null> {
  // A pass holds a blocked contact's rows, and those of one in a key change, for the user's
  // decision (Outbox.#attemptClaimed): a row sealed here must not leave past that.
  if (contact.blocked || contact.keyChange !== null) return null
  const rows = await tx.listOutbox(conversationId)
  if (rows.length !== 1) return null // nothing of this conversation may be waiting before it
  const record = await activeSession(tx, contact)
  if (record === undefined || !directOpen(record.deviceId)) return null
  const session = restoreSession(record, platform)
  if (session.awaitingReply) return null
  const row = rows[0]!
  const sealed = await encryptAndStore(tx, session, record, row.payload, platform)
  return { contact, row, frame: sealed.frame, deviceId: sealed.deviceId }
}

/**
 * Queues a delivery receipt for `messageId` in `tx`, sealed as well when it may leave at once
 * (`directOpen` given); null when only queued.
 */
export async function queueReceiptNow(
  tx: StoreOperations,
  contact: ContactRecord,
  conversationId: string,
  messageId: Uint8Array,
  platform: CryptoPlatform,
  now: number,
  directOpen: DirectOpen | undefined,
): Promise<Presealed | null> {
  await queueReceipts(tx, conversationId, 'delivered', [messageId], platform, now)
  if (directOpen === undefined) return null
  return presealNewRow(tx, contact, conversationId, platform, directOpen)
}
