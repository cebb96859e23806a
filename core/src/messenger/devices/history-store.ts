/**
 * Storing what another device of ours hands over (issue 19, ADR 0790): a history chunk, and a
 * message a contact sent before it knew this device (forwarded by the primary). Each message is
 * stored under its original id in the contact's conversation, in one transaction per chunk, so a
 * chunk or copy seen twice stores nothing twice (ids are the dedupe key) and a chunk for a contact
 * this device does not hold stores nothing.
 */
import type { ClientEvent } from '../../client/api.ts'
import type { ClientErrorBody } from '../../client/api.ts'
import type { MessageRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { toBase64Url } from '../records.ts'
import { chatMessage, conversationSummary } from '../views.ts'
import type { HistoryItem } from './history-codec.ts'

/** A failed message came over as failed; it can be retried only where it was written. */
const FAILED_ELSEWHERE: ClientErrorBody = {
  code: 'invalid_state',
  message: 'not sent from the device that wrote it',
}

/**
 * Stores `items` in the conversation with the contact of `peerIdentityKey`; returns the ids that
 * were new (none when this device does not hold the contact). `receivedNow` gives the received
 * time for forwarded messages (history keeps the original order key).
 */
export async function storeOwnDeviceMessages(
  ctx: MessengerContext,
  peerIdentityKey: Uint8Array,
  items: readonly HistoryItem[],
  receivedNow = false,
): Promise<string[]> {
  const events: ClientEvent[] = []
  const now = ctx.platform.clock()
  const added = await ctx.store.transaction(async (tx) => {
    const contact = await tx.getContactByIdentityKey(toBase64Url(peerIdentityKey))
    const conv = contact && (await tx.getConversationByContact(contact.contactId))
    // A contact blocked here: its forwarded messages are dropped, as its own would be (inbox.ts).
    if (conv === undefined || (receivedNow && contact!.blocked)) return []
    const records = items.map((m): MessageRecord => ({
      messageId: toBase64Url(m.messageId),
      conversationId: conv.conversationId,
      direction: m.direction,
      senderDeviceId: null,
      body: { kind: 'text', text: m.text },
      sentAt: m.sentAt,
      receivedAt: receivedNow ? now : m.receivedAt,
      delivery: m.delivery,
      failure: m.delivery === 'failed' ? FAILED_ELSEWHERE : null,
      readAt: m.readAt,
    }))
    const fresh = new Set(await tx.addMessages(records))
    if (fresh.size === 0) return []
    let newest: MessageRecord | undefined
    for (const r of records) {
      if (!fresh.has(r.messageId)) continue
      if (newest === undefined || r.receivedAt > newest.receivedAt) newest = r
      events.push({ type: 'message.added', message: chatMessage(r) })
    }
    const later = newest !== undefined && newest.receivedAt >= conv.lastActivityAt
    const updated = {
      ...conv,
      ...(later ? { lastMessageId: newest!.messageId, lastActivityAt: newest!.receivedAt } : {}),
      unreadCount: await tx.countUnread(conv.conversationId),
    }
    await tx.putConversation(updated)
    const summary = await conversationSummary(tx, updated)
    if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
    return [...fresh]
  })
  for (const e of events) ctx.emit(e)
  return added
}
