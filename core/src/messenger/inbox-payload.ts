/**
 * What a payload from the pinned identity does to its conversation, inside the frame's store
 * transaction: a text or file offer becomes a message (deduped by id, always receipted), a receipt
 * moves our messages' delivery state, a Hello updates the contact's route (and is answered). Also
 * the checks made before anything is stored (file bodies) and what the file engine is given.
 */
import type { ClientEvent } from '../client/api.ts'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import {
  decodeControl,
  decodeMailboxPiece,
  decodeOffer,
  type DecodedOffer,
} from '../files/codec.ts'
import type { ContactRecord, ConversationRecord, MessageRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { applyContactDeviceList } from './devices/contact-list.ts'
import { keepDeviceRoute } from './devices/device-routes.ts'
import { queueHello, queueReceipts } from './outbox-rows.ts'
import { queueReceiptNow, type Presealed } from './outbox-preseal.ts'
import type { FilePayloadBody, HelloBody, Payload } from './payload.ts'
import { decodeOutbound, encodeOutbound, toBase64Url } from './records.ts'
import { chatMessage, contactSummary, conversationSummary, laterDelivery } from './views.ts'

/** What the payload step reads from the messenger. */
export interface PayloadReads {
  /** Our Hello for a contact (null when we have no relay or mailbox for them yet). */
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  /** Read receipts are shown only when the user sends them too (settings.readReceipts). */
  showReadReceipts(): boolean
  /**
   * Delivery receipts go out at once (settings.delayReceipts off): the receipt row is then queued
   * in the frame's own transaction, not batched (ADR 0441). Absent: batched by the messenger.
   */
  receiptsAtOnce?(): boolean
  /** A direct connection to this device of a contact is open (receipts sealed at once). */
  directOpen?: (deviceId: string) => boolean
}

export interface PinnedPayload {
  contact: ContactRecord
  conversation: ConversationRecord
  payload: Payload
  /** The decoded file offer when the payload is one (checkFileBody). */
  offer: DecodedOffer | null
  senderDevice: string
  now: number
}

export interface PayloadApplied {
  outcome: 'stored' | 'duplicate'
  /** A new message was added: the user is notified. */
  notify: boolean
  /**
   * A message (new or seen before) to acknowledge with a delivery receipt: the messenger batches
   * and delays it (receipt-batcher.ts, ADR 0751). Null for anything else, and when the receipt
   * was queued in this transaction already (PayloadReads.receiptsAtOnce).
   */
  receipt: Uint8Array | null
  /** The receipt queued and sealed in this transaction, to send at once (outbox-preseal.ts). */
  presealed: Presealed | null
}

/** Applies `p` in `tx`; client events go to `events`, in order. */
export async function applyPinnedPayload(
  tx: StoreOperations,
  p: PinnedPayload,
  reads: PayloadReads,
  platform: CryptoPlatform,
  events: ClientEvent[],
): Promise<PayloadApplied> {
  const { contact: c, conversation: conv, payload } = p
  const body = payload.body
  let notify = false
  let receipt: Uint8Array | null = null
  let presealed: Presealed | null = null
  let stored: MessageRecord | null = null
  if (body.kind === 'text' || p.offer !== null) {
    stored = await addIncomingMessage(tx, p, events)
    const added = stored !== null
    notify = added
    // Answered even for a duplicate, so the sender stops retrying (exactly-once display). Sent at
    // once: the row is written with the message, so no crash comes between them and no further
    // transaction waits before it leaves (ADR 0441).
    receipt = payload.messageId
    if (reads.receiptsAtOnce?.() === true) {
      const id = receipt
      presealed = await queueReceiptNow(
        tx,
        c,
        conv.conversationId,
        id,
        platform,
        p.now,
        reads.directOpen,
      )
      receipt = null
    }
    if (!added) return { outcome: 'duplicate', notify, receipt, presealed }
  } else if (body.kind === 'receipt') {
    // A read receipt also proves delivery; shown as read only if we send read receipts too.
    const state = body.receipt === 'read' && reads.showReadReceipts() ? 'read' : 'delivered'
    await applyReceipt(tx, conv, body.messageIds, state, payload.sentAt, events)
  } else if (body.kind === 'hello') {
    await applyHello(tx, p, body.hello, reads, platform)
  } else if (body.kind === 'device_list') {
    await applyContactDeviceList(tx, c, conv.conversationId, body.list, platform, events)
  }
  const known = { contact: c, messages: stored === null ? [] : [stored] }
  const summary = await conversationSummary(tx, conv, known)
  if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
  events.push({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
  return { outcome: 'stored', notify, receipt, presealed }
}

/** A text or file offer as a new message of the thread; null when its id is already stored. */
async function addIncomingMessage(
  tx: StoreOperations,
  p: PinnedPayload,
  events: ClientEvent[],
): Promise<MessageRecord | null> {
  const { conversation: conv, payload, offer, now } = p
  const body = payload.body
  const messageId = toBase64Url(payload.messageId)
  const record: MessageRecord = {
    messageId,
    conversationId: conv.conversationId,
    direction: 'in',
    senderDeviceId: p.senderDevice,
    body:
      offer !== null
        ? {
            kind: 'file',
            transferId: toHex(offer.transferId),
            name: offer.name,
            size: offer.size,
            mimeType: offer.mimeType,
          }
        : { kind: 'text', text: body.kind === 'text' ? body.text : '' },
    sentAt: payload.sentAt,
    receivedAt: await arrivalSlot(tx, conv.conversationId, payload.sentAt, now),
    delivery: null,
    failure: null,
    readAt: null,
  }
  const added = await tx.addMessage(record)
  if (!added) return null
  conv.unreadCount += 1
  if (record.receivedAt === now) conv.lastMessageId = messageId
  conv.lastActivityAt = now
  await tx.putConversation(conv)
  events.push({ type: 'message.added', message: chatMessage(record) })
  return record
}

/** Our own messages of this conversation named by a receipt move on to `state` (never back). */
async function applyReceipt(
  tx: StoreOperations,
  conv: ConversationRecord,
  messageIds: Uint8Array[],
  state: 'delivered' | 'read',
  sentAt: number,
  events: ClientEvent[],
): Promise<void> {
  for (const id of messageIds) {
    const m = await tx.getMessage(toBase64Url(id))
    if (m === undefined || m.direction !== 'out' || m.conversationId !== conv.conversationId)
      continue
    if (!laterDelivery(m.delivery, state)) continue
    m.delivery = state
    if (state === 'read') m.readAt = sentAt
    await tx.putMessage(m)
    events.push({ type: 'message.updated', message: chatMessage(m) })
  }
}

/**
 * The contact's route (deposit address and relays) from its Hello. Routing changes only from the
 * pinned identity (a pending key's Hello is held instead). A first Hello is answered with ours.
 */
async function applyHello(
  tx: StoreOperations,
  p: PinnedPayload,
  hello: HelloBody,
  reads: PayloadReads,
  platform: CryptoPlatform,
): Promise<void> {
  const { contact: c, conversation: conv, payload, now } = p
  // One more device of the contact (a companion): its route is its own, the contact's stays.
  if (await keepDeviceRoute(tx, c, p.senderDevice, hello)) {
    const mine = hello.reply ? null : reads.helloFor(c, true)
    if (mine !== null) await queueHello(tx, conv.conversationId, mine, platform, now)
    return
  }
  const moved = hello.reply && !sameMailbox(c.outboundMailbox, hello)
  const replaced = hello.replacesDevice
  if (replaced !== undefined && replaced !== p.senderDevice) {
    // The contact restored a backup on this device (ADR 0524): the old one's session would keep
    // taking our replies and its frames would read as theirs. Its next frame no longer opens.
    await tx.deleteSession(c.contactId, replaced)
    await tx.deleteDevice(c.contactId, replaced)
  }
  c.outboundMailbox = encodeOutbound(hello)
  c.relays = [...hello.relays]
  c.updatedAt = now
  await tx.putContact(c)
  if (moved) {
    // The inviter moved us to a fresh mailbox (ADR 0730): a receipt through the new route
    // tells it so, and it closes the invite's mailbox.
    await queueReceipts(tx, conv.conversationId, 'delivered', [payload.messageId], platform, now)
  }
  if (!hello.reply) {
    const mine = reads.helloFor(c, true)
    if (mine !== null) await queueHello(tx, conv.conversationId, mine, platform, now)
  }
}

/** Whether the stored deposit address (an encoded Hello) names the same mailbox as `hello`. */
function sameMailbox(outbound: Uint8Array | null, hello: HelloBody): boolean {
  const before = decodeOutbound(outbound)
  return before !== null && bytesEqual(before.mailboxId, hello.mailboxId)
}

/** Recent history searched for out-of-order arrivals. */
export const REORDER_WINDOW_MESSAGES = 20

/**
 * Where an incoming text goes in history. Normally at `now`; but when a later message of the same
 * sender already arrived by another route (the next one came direct while this one waited in the
 * mailbox), just before the earliest of those, so the conversation reads in the sender's order.
 */
async function arrivalSlot(
  tx: StoreOperations,
  conversationId: string,
  sentAt: number,
  now: number,
): Promise<number> {
  const recent = await tx.pageMessages(conversationId, {
    before: null,
    limit: REORDER_WINDOW_MESSAGES,
  })
  let slot = now
  for (const m of recent) {
    if (
      m.direction === 'in' &&
      m.body.kind === 'text' &&
      m.sentAt > sentAt &&
      m.receivedAt <= slot
    ) {
      slot = m.receivedAt - 1
    }
  }
  return slot
}

/** Decodes a payload's file body with the engine's decoders (throws ProtocolError); the offer. */
export function checkFileBody(payload: Payload): DecodedOffer | null {
  const b = payload.body
  if (b.kind === 'file_offer') return decodeOffer(b.offer)
  if (b.kind === 'file_control') decodeControl(b.control)
  if (b.kind === 'file_piece') decodeMailboxPiece(b.piece)
  return null
}

export function asFileBody(payload: Payload): FilePayloadBody | null {
  const b = payload.body
  return b.kind === 'file_offer' || b.kind === 'file_control' || b.kind === 'file_piece' ? b : null
}
