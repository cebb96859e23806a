/**
 * What a history transfer carries, read from the store page by page (issue 19, ADR 0790): the
 * text messages of every 1:1 conversation stored up to a cut-off time, newest first, packed into
 * chunks of one conversation each (history-codec.ts caps). Never more than one page of messages
 * and one chunk are held in memory, so a long history costs time, not memory.
 */
import type { ConversationRecord, MessageRecord } from '../../store/records.ts'
import { STORE_LIMITS } from '../../store/store.ts'
import type { MessengerContext } from '../context.ts'
import { fromBase64Url, toBase64Url } from '../records.ts'
import { encodedItemBytes, HISTORY_CAPS, type HistoryItem } from './history-codec.ts'

/** Room left in a chunk for its own fields (version, transfer id, seq, total, contact key). */
const CHUNK_HEADER_BYTES = 96
const PAGE = 200

export interface PlannedChunk {
  peerIdentityKey: Uint8Array
  messages: HistoryItem[]
  /** Where the plan goes on after this chunk (a transfer resumes there). */
  next: HistoryCursor
}

/**
 * A place in the plan: conversations go in the order of their ids (stable while the store
 * changes), each newest first; `before` is the last message already planned in `conversationId`.
 */
export interface HistoryCursor {
  conversationId: string
  before: { receivedAt: number; messageId: string }
}

/** The item a stored message travels as, or null for what is not transferred (not text). */
export function historyItem(m: MessageRecord): HistoryItem | null {
  if (m.body.kind !== 'text') return null
  return {
    messageId: fromBase64Url(m.messageId),
    direction: m.direction,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    // A queued message is the sender's to send; on the other device it shows as sent (its
    // receipt moves it on there too). A failed one stays failed.
    delivery: m.direction === 'in' ? null : m.delivery === 'queued' ? 'sent' : m.delivery,
    readAt: m.readAt,
    text: m.body.text,
  }
}

async function* textsOf(
  ctx: MessengerContext,
  conv: ConversationRecord,
  until: number,
  from: HistoryCursor['before'] | null,
): AsyncGenerator<HistoryItem> {
  let before = from
  for (;;) {
    const page = await ctx.store.pageMessages(conv.conversationId, {
      before,
      limit: Math.min(PAGE, STORE_LIMITS.pageMaxMessages),
    })
    for (const m of page) {
      const item = m.receivedAt <= until ? historyItem(m) : null
      if (item !== null) yield item
    }
    const last = page[page.length - 1]
    if (last === undefined || page.length < PAGE) return
    before = { receivedAt: last.receivedAt, messageId: last.messageId }
  }
}

/**
 * The chunks of the history stored up to `until`, in sending order (one at a time); from `from`
 * on when given (what a resumed transfer still has to send).
 */
export async function* historyChunks(
  ctx: MessengerContext,
  until: number,
  from: HistoryCursor | null = null,
): AsyncGenerator<PlannedChunk> {
  const conversations = (await ctx.store.listConversations(STORE_LIMITS.conversationsMax))
    .filter((c) => from === null || c.conversationId >= from.conversationId)
    .sort((a, b) => (a.conversationId < b.conversationId ? -1 : 1))
  for (const conv of conversations) {
    const contact = await ctx.store.getContact(conv.contactId)
    if (contact === undefined) continue
    const start = from?.conversationId === conv.conversationId ? from.before : null
    const fresh = () => ({ peerIdentityKey: contact.identityPublicKey, messages: [] })
    let chunk: Omit<PlannedChunk, 'next'> = fresh()
    let bytes = CHUNK_HEADER_BYTES
    const done = (): PlannedChunk => {
      const last = chunk.messages[chunk.messages.length - 1]!
      const before = { receivedAt: last.receivedAt, messageId: toBase64Url(last.messageId) }
      return { ...chunk, next: { conversationId: conv.conversationId, before } }
    }
    for await (const item of textsOf(ctx, conv, until, start)) {
      const size = encodedItemBytes(item)
      const full =
        chunk.messages.length === HISTORY_CAPS.chunkMessages ||
        bytes + size > HISTORY_CAPS.chunkBytes
      if (full && chunk.messages.length > 0) {
        yield done()
        chunk = fresh()
        bytes = CHUNK_HEADER_BYTES
      }
      chunk.messages.push(item)
      bytes += size
    }
    if (chunk.messages.length > 0) yield done()
  }
}

/** Counts what `historyChunks(ctx, until)` yields without keeping it. */
export async function historyTotals(
  ctx: MessengerContext,
  until: number,
): Promise<{ messages: number; chats: number; bytes: number; chunks: number }> {
  const totals = { messages: 0, chats: 0, bytes: 0, chunks: 0 }
  let lastKey: Uint8Array | null = null
  for await (const chunk of historyChunks(ctx, until)) {
    totals.chunks++
    if (chunk.peerIdentityKey !== lastKey) totals.chats++
    lastKey = chunk.peerIdentityKey
    totals.messages += chunk.messages.length
    for (const m of chunk.messages) totals.bytes += encodedItemBytes(m)
  }
  return totals
}
