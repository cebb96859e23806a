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
    displayName: c.displayName,
    verified: c.verified,
    trust: trustOf(c),
  }
}

export function chatMessage(m: MessageRecord): ChatMessage {
  return {
    messageId: m.messageId,
    conversationId: m.conversationId,
    direction: m.direction,
    body: m.body,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    delivery: m.delivery,
    failure: m.failure,
    readAt: m.readAt,
  }
}

export function preview(m: MessageRecord): MessagePreview {
  const b = m.body
  const text =
    b.kind === 'text'
      ? b.text.slice(0, CLIENT_LIMITS.previewMaxChars)
      : b.kind === 'file'
        ? b.name
        : ''
  return {
    messageId: m.messageId,
    direction: m.direction,
    kind: b.kind,
    text,
    sentAt: m.sentAt,
    delivery: m.delivery,
  }
}

export async function conversationSummary(
  tx: StoreOperations,
  conversation: ConversationRecord,
): Promise<ConversationSummary | undefined> {
  const contact = await tx.getContact(conversation.contactId)
  if (contact === undefined) return undefined
  const last =
    conversation.lastMessageId === null
      ? undefined
      : await tx.getMessage(conversation.lastMessageId)
  return {
    conversationId: conversation.conversationId,
    contact: contactSummary(contact, conversation.conversationId),
    lastMessage: last === undefined ? null : preview(last),
    unreadCount: conversation.unreadCount,
    lastActivityAt: conversation.lastActivityAt,
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
