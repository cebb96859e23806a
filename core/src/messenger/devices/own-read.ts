/**
 * Read state between our own devices (issue 19, ADR 0762): marking a conversation read up to a
 * message on one device marks it read on our other devices too. The own-device frame (kind 4)
 * names the contact by identity key and the message by its id, which is the same on every device
 * (it comes from inside the ciphertext). A device that does not hold that message yet (its copy
 * or the contact's message still on its way) keeps the frame and applies it when the message is
 * stored (own-waiting.ts, ADR 0793). No read receipt goes to the contact from here: the reading
 * device sent it.
 */
import type { ClientEvent } from '../../client/api.ts'
import { concatBytes } from '../../crypto/bytes.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessageRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { fromBase64Url, toBase64Url } from '../records.ts'
import { chatMessage, conversationSummary, laterDelivery } from '../views.ts'
import { messageRef, waitingFrames } from './own-waiting.ts'

/** Message ids are 16 bytes (ChatPayload.message_id). */
const MESSAGE_ID_BYTES = 16

export function encodeReadUpTo(contactIdentityKey: Uint8Array, messageId: string): Uint8Array {
  return concatBytes(contactIdentityKey, fromBase64Url(messageId))
}

export function decodeReadUpTo(body: Uint8Array): { identityKeyId: string; messageId: string } {
  if (body.length !== ED25519_PUBLIC_KEY_BYTES + MESSAGE_ID_BYTES)
    throw new ProtocolError('malformed', 'read state: wrong size')
  return {
    identityKeyId: toBase64Url(body.subarray(0, ED25519_PUBLIC_KEY_BYTES)),
    messageId: toBase64Url(body.subarray(ED25519_PUBLIC_KEY_BYTES)),
  }
}

/**
 * Marks the contact's conversation read up to the message if this device holds it; keeps the
 * frame until it is stored if not (kept inside the transaction that missed it, so the event of the
 * one storing it, which commits after, finds it).
 */
export async function applyReadUpTo(ctx: MessengerContext, body: Uint8Array): Promise<number> {
  const { identityKeyId, messageId } = decodeReadUpTo(body)
  const events: ClientEvent[] = []
  const marked = await ctx.store.transaction(async (tx) => {
    const m = await tx.getMessage(messageId)
    if (m === undefined) {
      const key = `4:${identityKeyId}:${messageId}`
      waitingFrames(ctx).keep(messageRef(messageId), key, 0, () => applyReadUpTo(ctx, body))
      return 0
    }
    const contact = await tx.getContactByIdentityKey(identityKeyId)
    const conv = contact && (await tx.getConversationByContact(contact.contactId))
    if (conv === undefined || m.conversationId !== conv.conversationId) return 0
    const upTo = { receivedAt: m.receivedAt, messageId: m.messageId }
    const marked = await tx.markRead(conv.conversationId, upTo, ctx.platform.clock())
    const updated = { ...conv, unreadCount: await tx.countUnread(conv.conversationId) }
    await tx.putConversation(updated)
    for (const x of marked) events.push({ type: 'message.updated', message: chatMessage(x) })
    const summary = await conversationSummary(tx, updated)
    if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
    return marked.length
  })
  for (const e of events) ctx.emit(e)
  return marked
}

/** Delivery states a device forwards for its sent messages (kind 6). */
const DELIVERY_CODES = { delivered: 1, read: 2 } as const

/** The delivery frame for a message of ours: its id (16 B) and the state (1 B). */
export function encodeDelivery(messageId: string, state: 'delivered' | 'read'): Uint8Array {
  return concatBytes(fromBase64Url(messageId), new Uint8Array([DELIVERY_CODES[state]]))
}

/**
 * A delivery state our other device saw for a message we sent (from either device): applied to
 * our copy, never moving it back. It can overtake the copy (the copy in the mailbox, the state on
 * the direct path): then it waits for the copy (own-waiting.ts; a waiting "read" is not replaced
 * by a later "delivered") and is applied once the copy is stored.
 */
export async function applyDelivery(ctx: MessengerContext, body: Uint8Array): Promise<boolean> {
  if (body.length !== MESSAGE_ID_BYTES + 1) throw new ProtocolError('malformed', 'delivery: size')
  const code = body[MESSAGE_ID_BYTES]
  const state: 'delivered' | 'read' | null = code === 1 ? 'delivered' : code === 2 ? 'read' : null
  if (state === null) throw new ProtocolError('malformed', 'delivery: unknown state')
  const messageId = toBase64Url(body.subarray(0, MESSAGE_ID_BYTES))
  const updated = await ctx.store.transaction(async (tx) => {
    const m = await tx.getMessage(messageId)
    if (m === undefined) {
      const again = () => applyDelivery(ctx, body)
      waitingFrames(ctx).keep(messageRef(messageId), `6:${messageId}`, DELIVERY_CODES[state], again)
      return null
    }
    if (m.direction !== 'out' || !laterDelivery(m.delivery, state)) return null
    const next: MessageRecord = { ...m, delivery: state, failure: null }
    await tx.putMessage(next)
    return next
  })
  if (updated !== null) ctx.emit({ type: 'message.updated', message: chatMessage(updated) })
  return updated !== null
}
