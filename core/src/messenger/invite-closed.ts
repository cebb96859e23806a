/**
 * The invitee's side of a used, withdrawn or expired invite (ADR 0733): the inviter closed the
 * invite's mailbox at the relay, so our answer meets `unknown_mailbox` there. Before the inviter's
 * first reply that can only mean the invite is gone: the conversation gets one system message
 * (`invite_closed`: "This invite was already used, withdrawn or has expired. Ask X for a new one."),
 * waiting texts become `failed` with the same code, and nothing more is queued to that address.
 */
import type { ClientEvent } from '../client/api.ts'
import { MailboxError } from '../mailbox/errors.ts'
import { initiateSession } from '../crypto/pqxdh.ts'
import type { ContactRecord, MessageRecord } from '../store/records.ts'
import { randomId, type MessengerContext } from './context.ts'
import type { VerifiedInvite } from './invite.ts'
import { deviceIdOf } from './net.ts'
import { queueControl, requeueMessages } from './outbox-rows.ts'
import { addSystemLine } from './system-line.ts'
import { encodePayload, type HelloBody } from './payload.ts'
import { decodeOutbound, encodeOutbound, encodeSessionState, restoreSession } from './records.ts'
import { chatMessage, conversationSummary } from './views.ts'

/** Our first frames went to an invite mailbox the relay no longer has. */
export class InviteClosedError extends Error {
  override readonly name = 'InviteClosedError'
}

/** A deposit error that means the mailbox is gone for good (closed, purged or idle-expired). */
export function isClosedMailbox(err: unknown): boolean {
  return (
    err instanceof MailboxError &&
    (err.code === 'unknown_mailbox' || err.code === 'mailbox_expired')
  )
}

/** Records the refusal once and fails the conversation's waiting items; returns the events. */
export async function markInviteClosed(
  ctx: MessengerContext,
  conversationId: string,
): Promise<ClientEvent[]> {
  const { store, platform } = ctx
  const events: ClientEvent[] = []
  await store.transaction(async (tx) => {
    const conv = await tx.getConversation(conversationId)
    if (conv === undefined) return
    const now = platform.clock()
    const failed = new Set<string>()
    const fail = async (m: MessageRecord | undefined) => {
      if (m === undefined || m.direction !== 'out' || failed.has(m.messageId)) return
      if (m.delivery !== 'sent' && m.delivery !== 'queued') return
      failed.add(m.messageId)
      m.delivery = 'failed'
      m.failure = {
        code: 'invite_closed',
        message: 'the invite was already used, withdrawn or has expired',
      }
      await tx.putMessage(m)
      events.push({ type: 'message.updated', message: chatMessage(m) })
    }
    for (const item of await tx.listOutbox(conversationId)) {
      await tx.deleteOutbox(item.seq)
      if (item.messageId !== null) await fail(await tx.getMessage(item.messageId))
    }
    // Nothing we sent was ever answered, so nothing was delivered: texts the relay took into the
    // invite mailbox were refused by the inviter or deleted with it.
    const recent = await tx.pageMessages(conversationId, { before: null, limit: 200 })
    for (const m of recent) await fail(m)
    const told = recent.some((m) => m.body.kind === 'system' && m.body.event === 'invite_closed')
    if (!told) await addSystemLine(tx, conversationId, 'invite_closed', { now, platform, events })
    // Re-read: the notice moved its last message and activity.
    const summary = await conversationSummary(
      tx,
      (await tx.getConversation(conversationId)) ?? conv,
    )
    if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
  })
  return events
}

/**
 * A new invite from a contact who never answered us (their earlier invite was used, withdrawn or
 * expired, or simply not answered yet): answer this one instead, in the same conversation. The old
 * sessions go, a new one starts from this invite's bundle, the contact's address becomes this
 * invite's mailbox, and a new Hello leads the queue (waiting texts follow it). Returns false, and
 * changes nothing, when the contact has answered us before: then a new invite is not needed.
 */
export async function answerInviteAgain(
  ctx: MessengerContext,
  known: ContactRecord,
  invite: VerifiedInvite,
  hello: HelloBody,
): Promise<boolean> {
  const { store, platform } = ctx
  const now = platform.clock()
  if (!(await neverAnswered(ctx, known.contactId))) return false
  const helloPayload = {
    messageId: randomId(platform),
    sentAt: now,
    body: { kind: 'hello', hello },
  } as const
  const start = initiateSession({
    local: ctx.local.device,
    bundle: invite.bundle,
    body: encodePayload(helloPayload),
    platform,
  })
  const deviceId = deviceIdOf(invite.bundle.cert.peerId)
  await store.transaction(async (tx) => {
    const c = await tx.getContact(known.contactId)
    const conv = await tx.getConversationByContact(known.contactId)
    if (c === undefined || conv === undefined) return
    for (const s of await tx.listSessions(c.contactId))
      await tx.deleteSession(c.contactId, s.deviceId)
    const items = await tx.listOutbox(conv.conversationId)
    for (const item of items) await tx.deleteOutbox(item.seq)
    c.outboundMailbox = encodeOutbound({
      displayName: invite.displayName,
      relays: invite.relays,
      mailboxId: invite.mailboxId,
      mailboxCapability: invite.mailboxCapability,
      mailboxSealKey: invite.mailboxSealKey,
      reply: false,
    })
    c.relays = [...invite.relays]
    c.updatedAt = now
    await tx.putContact(c)
    const dev = await tx.getDevice(c.contactId, deviceId)
    await tx.putDevice({
      ownerId: c.contactId,
      deviceId,
      certificate: invite.bundle.cert.bytes,
      addedAt: dev?.addedAt ?? now,
      expiresAt: invite.bundle.cert.expiresAt,
      lastSeenAt: dev?.lastSeenAt ?? null,
    })
    await tx.putSession(
      {
        contactId: c.contactId,
        deviceId,
        state: encodeSessionState(start.session),
        version: 1,
        updatedAt: now,
      },
      null,
    )
    // The Hello first (outbox order is enqueue order), then the texts that were waiting.
    await queueControl(tx, conv.conversationId, helloPayload, now)
    await requeueMessages(tx, items, now)
  })
  return true
}

/** We have sessions with the contact and none of them ever got a reply. */
export async function neverAnswered(ctx: MessengerContext, contactId: string): Promise<boolean> {
  const sessions = await ctx.store.listSessions(contactId)
  return (
    sessions.length > 0 &&
    sessions.every((r) => {
      try {
        return restoreSession(r, ctx.platform).awaitingReply
      } catch {
        return true
      }
    })
  )
}

/** How often an invitee asks again whether an invite it answered, still unanswered, is open. */
export const INVITE_PROBE_INTERVAL_MS = 30 * 60_000

/**
 * The invitee need not wait for its next send to learn that an invite is gone: on the keeper's
 * first pass and every INVITE_PROBE_INTERVAL_MS after, each contact that never answered us is
 * probed with a prekey fetch at its address. An invite mailbox holds only the sealed signed invite
 * and no one-time prekeys (ADRs 0730, 0734), so an open one answers with that and costs nothing; a
 * closed one answers `unknown_mailbox`, and the conversation gets the `invite_closed` notice (ADR
 * 0733).
 */
export class InviteProbe {
  readonly #ctx: MessengerContext
  readonly #fetchPrekeys: (address: HelloBody) => Promise<unknown>
  readonly #last = new Map<string, number>()

  constructor(ctx: MessengerContext, fetchPrekeys: (address: HelloBody) => Promise<unknown>) {
    this.#ctx = ctx
    this.#fetchPrekeys = fetchPrekeys
  }

  async run(): Promise<void> {
    const { store, platform } = this.#ctx
    const now = platform.clock()
    for (const c of await store.listContacts()) {
      const last = this.#last.get(c.contactId)
      if (c.blocked || (last !== undefined && now - last < INVITE_PROBE_INTERVAL_MS)) continue
      const address = decodeOutbound(c.outboundMailbox)
      if (address === null || !(await neverAnswered(this.#ctx, c.contactId))) continue
      this.#last.set(c.contactId, now)
      try {
        await this.#fetchPrekeys(address)
      } catch (err) {
        if (!isClosedMailbox(err)) continue // not reachable now
        const conv = await store.getConversationByContact(c.contactId)
        if (conv === undefined) continue
        for (const e of await markInviteClosed(this.#ctx, conv.conversationId)) this.#ctx.emit(e)
      }
    }
  }
}
