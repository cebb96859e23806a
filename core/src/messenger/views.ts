/** Records to client API shapes (plain data for the UI). */
import {
  CLIENT_LIMITS,
  type ChatMessage,
  type ContactSummary,
  type ConversationSummary,
  type MessagePreview,
  type TrustState,
} from '../client/api.ts'
import type { ContactRecord, ConversationRecord, MessageRecord } from '../store/records.ts'
import { MAX_DATE_MS, PEER_VALUE_CAPS } from '../text/caps.ts'
import { cleanFileName, cleanMimeType, displayNameOr, shortenMiddle } from '../text/clean.ts'
import { FALLBACK_CONTACT_NAME } from './names.ts'
import type { StoreOperations } from '../store/store.ts'

export function trustOf(c: ContactRecord): TrustState {
  if (c.blocked) return 'blocked'
  if (c.keyChange !== null) return 'key_changed'
  return c.verified ? 'verified' : 'unverified'
}

export function contactSummary(c: ContactRecord, conversationId: string): ContactSummary {
  return {
    contactId: c.contactId,
    conversationId,
    // Cleaned again on the way out: records written before names were cleaned still load.
    displayName: displayNameOr(c.displayName, FALLBACK_CONTACT_NAME),
    ...(c.nameTag !== undefined ? { nameTag: c.nameTag } : {}),
    verified: c.verified,
    trust: trustOf(c),
    heldCount: c.keyChange?.held?.length ?? 0,
  }
}

export function chatMessage(m: MessageRecord): ChatMessage {
  return {
    messageId: m.messageId,
    conversationId: m.conversationId,
    direction: m.direction,
    body: bodyView(m.body),
    sentAt: dateSafe(m.sentAt),
    receivedAt: dateSafe(m.receivedAt),
    delivery: m.delivery,
    failure: m.failure,
    readAt: m.readAt === null ? null : dateSafe(m.readAt),
  }
}

/**
 * A stored time any UI can pass to `new Date()`. Peer times are clamped when they arrive
 * (payload.ts atPeerTime); this covers records stored before that.
 */
export function dateSafe(time: number): number {
  return Number.isSafeInteger(time) ? Math.min(Math.max(time, 0), MAX_DATE_MS) : 0
}

/** A message body within the client API's caps, whatever an older build stored. */
function bodyView(body: MessageRecord['body']): MessageRecord['body'] {
  if (body.kind === 'text' && body.text.length > PEER_VALUE_CAPS.messageTextCodeUnits)
    return { kind: 'text', text: body.text.slice(0, PEER_VALUE_CAPS.messageTextCodeUnits) }
  if (body.kind === 'file')
    return { ...body, name: cleanFileName(body.name), mimeType: cleanMimeType(body.mimeType) }
  return body
}

export function preview(m: MessageRecord): MessagePreview {
  const b = m.body
  const text =
    b.kind === 'text'
      ? b.text.slice(0, CLIENT_LIMITS.previewMaxChars)
      : b.kind === 'file'
        ? shortenMiddle(cleanFileName(b.name), CLIENT_LIMITS.previewMaxChars)
        : ''
  return {
    messageId: m.messageId,
    direction: m.direction,
    kind: b.kind,
    text,
    sentAt: dateSafe(m.sentAt),
    delivery: m.delivery,
    ...(b.kind === 'system' ? { event: b.event } : {}),
    ...(b.kind === 'call' ? { call: { media: b.media, outcome: b.outcome } } : {}),
  }
}

/**
 * `known`: records the caller holds as written in this transaction (the contact, messages it just
 * added), used instead of reading them again; each request is an IndexedDB round trip on a
 * message's path (issue 21). One that is not this conversation's contact or last message is
 * ignored.
 */
export async function conversationSummary(
  tx: StoreOperations,
  conversation: ConversationRecord,
  known: { contact?: ContactRecord; messages?: readonly MessageRecord[] } = {},
): Promise<ConversationSummary | undefined> {
  const contact =
    known.contact?.contactId === conversation.contactId
      ? known.contact
      : await tx.getContact(conversation.contactId)
  if (contact === undefined) return undefined
  const lastId = conversation.lastMessageId
  const last =
    lastId === null
      ? undefined
      : (known.messages?.find((m) => m.messageId === lastId) ?? (await tx.getMessage(lastId)))
  return {
    conversationId: conversation.conversationId,
    contact: contactSummary(contact, conversation.conversationId),
    lastMessage: last === undefined ? null : preview(last),
    unreadCount: conversation.unreadCount,
    lastActivityAt: dateSafe(conversation.lastActivityAt),
  }
}

const RANK = { queued: 0, failed: 0, sent: 1, delivered: 2, read: 3 } as const

/** Delivery states only move forward (a late `sent` never overwrites `delivered`). */
export function laterDelivery(
  current: MessageRecord['delivery'],
  next: 'sent' | 'delivered' | 'read',
): boolean {
  return current === null || RANK[next] > RANK[current]
}
