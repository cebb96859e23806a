/**
 * A call's entry in the conversation history (docs/protocol/calls.md "History"): written once per
 * device when a call ends or an offer is recorded as missed; the entry's id is the call id.
 */
import type { CallEndReason, CallMedia, CallOutcome } from '../client/api.ts'
import type { MessageRecord } from '../store/records.ts'
import type { MessengerContext } from './context.ts'
import { chatMessage, conversationSummary } from './views.ts'

export interface CallEntry {
  callId: string
  conversationId: string
  direction: 'in' | 'out'
  media: CallMedia
  outcome: CallOutcome
  durationMs: number
  sentAt: number
}

/** Stores the entry (a second one for the same call id is ignored) and tells the pages. */
export async function recordCallEntry(ctx: MessengerContext, entry: CallEntry): Promise<void> {
  const { store, platform } = ctx
  const now = platform.clock()
  const unread = entry.direction === 'in' && entry.outcome === 'missed'
  const record: MessageRecord = {
    messageId: entry.callId,
    conversationId: entry.conversationId,
    direction: entry.direction,
    senderDeviceId: null,
    body: {
      kind: 'call',
      callId: entry.callId,
      media: entry.media,
      outcome: entry.outcome,
      durationMs: entry.durationMs,
    },
    sentAt: entry.sentAt,
    receivedAt: now,
    delivery: null,
    failure: null,
    readAt: unread || entry.direction === 'out' ? null : now,
  }
  const summary = await store.transaction(async (tx) => {
    const conv = await tx.getConversation(entry.conversationId)
    if (conv === undefined || !(await tx.addMessage(record))) return null
    const updated = {
      ...conv,
      lastMessageId: record.messageId,
      lastActivityAt: now,
      unreadCount: conv.unreadCount + (unread ? 1 : 0),
    }
    await tx.putConversation(updated)
    return (await conversationSummary(tx, updated)) ?? null
  })
  if (summary === null) return
  ctx.emit({ type: 'message.added', message: chatMessage(record) })
  ctx.emit({ type: 'conversation.updated', conversation: summary })
}

/** A call that connected is `completed` (with its duration) however it ended. */
export function outcomeOf(reason: CallEndReason, connected: boolean): CallOutcome {
  if (connected) return 'completed'
  if (reason === 'declined' || reason === 'busy' || reason === 'answered_elsewhere') return reason
  if (reason === 'failed' || reason === 'key_changed') return 'failed'
  return 'missed'
}

/**
 * The entry of an incoming call declined on another device of ours (issue 19, ADR 0787): shown as
 * declined there, naming that device, whatever this device recorded first (a missed call when the
 * caller's hangup came before the word from our other device). False when no entry exists yet.
 */
export async function markDeclinedOn(
  ctx: MessengerContext,
  callId: string,
  deviceName: string,
): Promise<boolean> {
  const now = ctx.platform.clock()
  const done = await ctx.store.transaction(async (tx) => {
    const m = await tx.getMessage(callId)
    if (m === undefined || m.body.kind !== 'call' || m.direction !== 'in') return null
    if (m.body.outcome === 'completed' || m.body.declinedOn === deviceName) return null
    const next: MessageRecord = {
      ...m,
      body: { ...m.body, outcome: 'declined', declinedOn: deviceName },
      readAt: m.readAt ?? now,
    }
    await tx.putMessage(next)
    const conv = await tx.getConversation(m.conversationId)
    if (conv === undefined) return { message: next, summary: undefined }
    const updated = { ...conv, unreadCount: await tx.countUnread(conv.conversationId) }
    await tx.putConversation(updated)
    return { message: next, summary: await conversationSummary(tx, updated) }
  })
  if (done === null) return (await ctx.store.getMessage(callId)) !== undefined
  ctx.emit({ type: 'message.updated', message: chatMessage(done.message) })
  if (done.summary !== undefined)
    ctx.emit({ type: 'conversation.updated', conversation: done.summary })
  return true
}
