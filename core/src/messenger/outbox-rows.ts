/**
 * The only place outbox rows are made (the outbox in outbox.ts sends them). Each function queues
 * rows in the caller's store transaction, so a row commits with the message or contact change it
 * belongs to; the caller kicks the outbox after the commit. A new row is due at once and has no
 * attempts yet. `message` rows carry a chat message whose delivery state follows the row (sent,
 * failed); `receipt` and `control` rows carry nothing the user sees in the thread.
 */
import type { CryptoPlatform } from '../crypto/platform.ts'
import type { NewOutboxRecord, OutboxRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { randomId } from './context.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import { encodePayload, type HelloBody, type Payload, type PayloadBody } from './payload.ts'
import { toBase64Url } from './records.ts'

/** Bodies that travel as `control` rows: nothing the user sees in the thread is attached to them. */
export type ControlBody = Extract<
  PayloadBody,
  { kind: 'hello' | 'file_control' | 'file_piece' | 'device_list' | 'group' }
>

/** Bodies of chat messages: the row's delivery outcome becomes the message's delivery state. */
export type MessageBody = Extract<PayloadBody, { kind: 'text' | 'file_offer' }>

type Enqueue = Pick<StoreOperations, 'enqueueOutbox'>

/** Queues a chat message we sent; the row carries the message's id, taken from the payload. */
export function queueMessage(
  tx: Enqueue,
  conversationId: string,
  payload: Payload & { body: MessageBody },
  now: number,
): Promise<number> {
  const messageId = toBase64Url(payload.messageId)
  return tx.enqueueOutbox(newRow(conversationId, messageId, 'message', encodePayload(payload), now))
}

/** Queues a Hello, a file control, a file piece or our device list. */
export function queueControl(
  tx: Enqueue,
  conversationId: string,
  payload: Payload & { body: ControlBody },
  now: number,
): Promise<number> {
  return tx.enqueueOutbox(newRow(conversationId, null, 'control', encodePayload(payload), now))
}

/** Queues our Hello for a contact (a new payload id). */
export function queueHello(
  tx: Enqueue,
  conversationId: string,
  hello: HelloBody,
  platform: CryptoPlatform,
  now: number,
): Promise<number> {
  const body = { kind: 'hello', hello } as const
  return queueControl(tx, conversationId, { messageId: randomId(platform), sentAt: now, body }, now)
}

/**
 * Queues receipts for `messageIds` (message ids as sent on the wire), as many payloads as the
 * receipt cap needs; none for an empty list.
 */
export async function queueReceipts(
  tx: Enqueue,
  conversationId: string,
  receipt: 'delivered' | 'read',
  messageIds: Uint8Array[],
  platform: CryptoPlatform,
  now: number,
): Promise<void> {
  for (let i = 0; i < messageIds.length; i += MESSENGER_LIMITS.receiptIds) {
    const ids = messageIds.slice(i, i + MESSENGER_LIMITS.receiptIds)
    const payload = encodePayload({
      messageId: randomId(platform),
      sentAt: now,
      body: { kind: 'receipt', receipt, messageIds: ids },
    })
    await tx.enqueueOutbox(newRow(conversationId, null, 'receipt', payload, now))
  }
}

/**
 * Queues a conversation's message rows again, in their order and with the same payloads (a
 * session started over: what was waiting goes out under the new one), due at once with their
 * attempts reset; each keeps when it was first queued. Receipt and control rows are not carried.
 */
export async function requeueMessages(
  tx: Enqueue,
  items: OutboxRecord[],
  now: number,
): Promise<void> {
  for (const item of items) {
    if (item.kind !== 'message') continue
    const row = newRow(item.conversationId, item.messageId, 'message', item.payload, now)
    await tx.enqueueOutbox({ ...row, createdAt: item.createdAt })
  }
}

function newRow(
  conversationId: string,
  messageId: string | null,
  kind: OutboxRecord['kind'],
  payload: Uint8Array,
  now: number,
): NewOutboxRecord {
  return {
    conversationId,
    messageId,
    kind,
    payload,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
    lastError: null,
  }
}
