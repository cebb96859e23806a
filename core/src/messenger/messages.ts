/**
 * The user's side of a conversation: list conversations, page through history, send a text,
 * retry a failed one, mark messages read (queuing read receipts when the user allows them).
 * Each function returns the client API's result or a ClientFailure; none throws for input a user
 * controls. Served by handlers/conversations.ts and handlers/messages.ts.
 */
import {
  CLIENT_LIMITS,
  fail,
  ok,
  type ChatMessage,
  type ClientFailure,
  type ConversationSummary,
  type MessageCursor,
} from '../client/api.ts'
import type { MessageKey, MessageRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { STORE_LIMITS } from '../store/store.ts'
import { randomId, type MessengerContext } from './context.ts'
import { directConnection, peerIdOf } from './net.ts'
import { presealNewRow, type Presealed } from './outbox-preseal.ts'
import { queueMessage, queueReceipts } from './outbox-rows.ts'
import { fromBase64Url, toBase64Url } from './records.ts'
import { decodeSecrets } from './secrets.ts'
import { chatMessage, conversationSummary } from './views.ts'
import { traceMark } from '../wire/latency-trace.ts'

export interface MessagesDeps {
  ctx: MessengerContext
  /** New outbox rows are waiting: send them now. */
  kickOutbox(): void
  /** A text sealed in its send's transaction: the outbox sends it at once (ADR 0441). */
  sendPresealed?: (p: Presealed) => void
  /** The user's setting: send read receipts. */
  readReceipts(): boolean
}

type Result<V> = { ok: true; value: V } | ClientFailure

export async function listConversations(
  d: Pick<MessagesDeps, 'ctx'>,
  query: string | null,
): Promise<ConversationSummary[]> {
  const q = query?.toLowerCase() ?? null
  // The popup's first paint waits for this list, and each store request costs the host's thread
  // (which the popup's renderer shares) more than the IndexedDB read itself (issue 21): the
  // contacts and the last messages in two reads, not two per row, and the whole list kept until
  // the store is next written, read again in the background once writes pause (read-cache.ts).
  const summaries = await d.ctx.store.cachedRead(CONVERSATION_LIST_KEY, readSummaries, {
    refresh: true,
  })
  const out: ConversationSummary[] = []
  for (const s of summaries) {
    if (s === undefined) continue
    if (q !== null && !s.contact.displayName.toLowerCase().includes(q)) continue
    // A copy: the kept list is shared with the next caller, and pages may change what they get.
    out.push(structuredClone(s))
  }
  return out
}

const CONVERSATION_LIST_KEY = 'conversations.list'

/** Every conversation's summary, newest first (undefined: its contact is gone). */
async function readSummaries(tx: StoreOperations): Promise<(ConversationSummary | undefined)[]> {
  const [list, all] = await Promise.all([
    tx.listConversations(CLIENT_LIMITS.conversationsMax),
    tx.listContacts(),
  ])
  const contacts = new Map(all.map((c) => [c.contactId, c]))
  const lastIds = list.flatMap((c) => (c.lastMessageId === null ? [] : [c.lastMessageId]))
  const messages = new Map<string, MessageRecord>()
  for (const m of await tx.getMessages(lastIds)) if (m !== undefined) messages.set(m.messageId, m)
  return Promise.all(
    list.map((c) => {
      const last = c.lastMessageId === null ? undefined : messages.get(c.lastMessageId)
      const known = { contact: contacts.get(c.contactId), messages: last ? [last] : [] }
      return conversationSummary(tx, c, known)
    }),
  )
}

export async function pageMessages(
  d: Pick<MessagesDeps, 'ctx'>,
  conversationId: string,
  before: MessageCursor | null,
  limit: number,
): Promise<Result<{ messages: ChatMessage[]; olderCursor: MessageCursor | null }>> {
  const store = d.ctx.store
  if ((await store.getConversation(conversationId)) === undefined) {
    return fail('not_found', 'no such conversation')
  }
  const key = before === null ? null : decodeCursor(before)
  if (before !== null && key === null) return fail('invalid_request', 'bad cursor')
  const n = Math.max(
    1,
    Math.min(limit, CLIENT_LIMITS.pageMaxMessages, STORE_LIMITS.pageMaxMessages),
  )
  const newestFirst = await store.pageMessages(conversationId, { before: key, limit: n + 1 })
  const page = newestFirst.slice(0, n)
  const oldest = page[page.length - 1]
  return ok({
    messages: page.reverse().map(chatMessage),
    olderCursor: newestFirst.length > n && oldest !== undefined ? encodeCursor(oldest) : null,
  })
}

export async function sendText(
  d: MessagesDeps,
  conversationId: string,
  text: string,
): Promise<Result<{ message: ChatMessage }>> {
  const { store, platform } = d.ctx
  if (text.length === 0) return fail('invalid_request', 'empty message')
  if (text.length > CLIENT_LIMITS.messageTextMaxChars) return fail('too_large', 'text too long')
  const now = platform.clock()
  const id = randomId(platform)
  const message: MessageRecord = {
    messageId: toBase64Url(id),
    conversationId,
    direction: 'out',
    senderDeviceId: null,
    body: { kind: 'text', text },
    sentAt: now,
    receivedAt: now,
    delivery: 'queued',
    failure: null,
    readAt: null,
  }
  const payload = { messageId: id, sentAt: now, body: { kind: 'text', text } } as const
  // The checks and the writes in one store transaction: each is an IndexedDB round trip in the
  // browser, before the message shows (ADR 0423). A refusal writes nothing.
  traceMark('send.start')
  const done = await store.transaction(async (tx) => {
    // A device replaced by a restore elsewhere sends nothing (ADR 0524). Checked here, not by the
    // handler wrapper (handlers/replaced.ts), so the send waits on one transaction (ADR 0441).
    const identity = await tx.getIdentity()
    if (identity !== undefined && decodeSecrets(identity.secretKeys).replaced !== undefined)
      return fail('device_replaced', 'this device was replaced by a restored backup')
    const conv = await tx.getConversation(conversationId)
    const contact = conv && (await tx.getContact(conv.contactId))
    if (conv === undefined || contact === undefined)
      return fail('not_found', 'no such conversation')
    if (contact.blocked) return fail('contact_blocked', 'unblock the contact to send')
    if (contact.keyChange !== null) return fail('key_changed', 'verify or accept the new key first')
    await tx.addMessage(message)
    await queueMessage(tx, conversationId, payload, now)
    // Sealed here too when it may leave at once: no pass, no further transaction before it does.
    // Not while the contact's lock is held: the inbox may be between reading the session and
    // committing its next state, and a send in between would make that commit conflict.
    const presealed =
      d.sendPresealed === undefined || d.ctx.locks.held(contact.contactId)
        ? null
        : await presealNewRow(tx, contact, conversationId, platform, (id) => directOpen(d, id))
    const updated = { ...conv, lastMessageId: message.messageId, lastActivityAt: now }
    await tx.putConversation(updated)
    const summary = await conversationSummary(tx, updated, { contact, messages: [message] })
    return { ok: true as const, presealed, summary }
  })
  if (!done.ok) return done
  const summary = done.summary
  traceMark('send.stored')
  d.ctx.emit({ type: 'message.added', message: chatMessage(message) })
  if (summary !== undefined) d.ctx.emit({ type: 'conversation.updated', conversation: summary })
  if (done.presealed !== null) d.sendPresealed?.(done.presealed)
  else d.kickOutbox()
  return ok({ message: chatMessage(message) })
}

export async function retryMessage(
  d: MessagesDeps,
  conversationId: string,
  messageId: string,
): Promise<Result<{ message: ChatMessage }>> {
  const { store, platform } = d.ctx
  const m = await store.getMessage(messageId)
  if (m === undefined || m.conversationId !== conversationId)
    return fail('not_found', 'no such message')
  if (m.delivery !== 'failed' || m.body.kind !== 'text')
    return fail('invalid_state', 'only failed messages')
  const now = platform.clock()
  m.delivery = 'queued'
  m.failure = null
  await store.transaction(async (tx) => {
    await tx.putMessage(m)
    const text = m.body.kind === 'text' ? m.body.text : ''
    const body = { kind: 'text', text } as const
    await queueMessage(
      tx,
      conversationId,
      { messageId: fromBase64Url(messageId), sentAt: m.sentAt, body },
      now,
    )
  })
  d.ctx.emit({ type: 'message.updated', message: chatMessage(m) })
  d.kickOutbox()
  return ok({ message: chatMessage(m) })
}

export async function markRead(
  d: MessagesDeps,
  conversationId: string,
  upTo: string,
): Promise<Result<{ unreadCount: number }>> {
  const { store, platform } = d.ctx
  const conv = await store.getConversation(conversationId)
  const m = await store.getMessage(upTo)
  if (conv === undefined || m === undefined || m.conversationId !== conversationId) {
    return fail('not_found', 'no such message')
  }
  const now = platform.clock()
  const readReceipts = d.readReceipts()
  const { marked, summary } = await store.transaction(async (tx) => {
    const marked = await tx.markRead(
      conversationId,
      { receivedAt: m.receivedAt, messageId: m.messageId },
      now,
    )
    const unreadCount = await tx.countUnread(conversationId)
    const updated = { ...(await tx.getConversation(conversationId))!, unreadCount }
    await tx.putConversation(updated)
    if (readReceipts) {
      const ids = marked
        .filter((x) => x.body.kind === 'text')
        .map((x) => fromBase64Url(x.messageId))
      await queueReceipts(tx, conversationId, 'read', ids, platform, now)
    }
    return { marked, summary: await conversationSummary(tx, updated) }
  })
  for (const x of marked) d.ctx.emit({ type: 'message.updated', message: chatMessage(x) })
  if (summary !== undefined) d.ctx.emit({ type: 'conversation.updated', conversation: summary })
  if (readReceipts) d.kickOutbox()
  return ok({ unreadCount: summary?.unreadCount ?? 0 })
}

function directOpen(d: MessagesDeps, deviceId: string): boolean {
  return directConnection(d.ctx.net, peerIdOf(deviceId)) !== undefined
}

function encodeCursor(k: MessageKey): string {
  return `${k.receivedAt}.${k.messageId}`
}

function decodeCursor(c: string): MessageKey | null {
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]{1,64})$/.exec(c)
  if (m === null) return null
  return { receivedAt: Number(m[1]), messageId: m[2]! }
}
