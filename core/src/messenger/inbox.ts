/**
 * Incoming session frames, from a direct stream or from one of our mailboxes: decrypt (existing
 * session, or a new one from a PQXDH initial frame), decode the payload, then commit everything in
 * one store transaction: session, message (deduped by id), receipts, contact changes. A frame that
 * fails any check throws ProtocolError and changes nothing. Key changes are recorded, never
 * silently accepted (docs/protocol/messaging.md "Key change").
 */
import type { ClientEvent } from '../client/api.ts'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import {
  decodeControl,
  decodeMailboxPiece,
  decodeOffer,
  type DecodedOffer,
} from '../files/codec.ts'
import { decodeSessionFrame } from '../crypto/codecs.ts'
import type { DeviceCertificate } from '../crypto/identity.ts'
import { acceptSession } from '../crypto/pqxdh.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import type { Session, DecryptedMessage } from '../crypto/session.ts'
import type { ContactRecord, MessageRecord, SessionRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { ProtocolError, isProtocolError } from '../wire/errors.ts'
import { randomId, reloadSecrets, type MessengerContext } from './context.ts'
import { TRUST_LIMITS } from './limits.ts'
import { deviceIdOf } from './net.ts'
import {
  atPeerTime,
  decodePayload,
  encodePayload,
  type FilePayloadBody,
  type HelloBody,
  type Payload,
} from './payload.ts'
import { contactName } from './names.ts'
import {
  controlOutboxRow,
  decodeOutbound,
  encodeOutbound,
  encodeSessionState,
  restoreSession,
  sessionIdentityKey,
  toBase64Url,
} from './records.ts'
import { decodeSecrets, encodeSecrets } from './secrets.ts'
import {
  admitOtherKeySession,
  admitPinnedDevice,
  holdDevice,
  holdPayload,
  raiseKeyChange,
  standingOf,
} from './trust.ts'
import { chatMessage, contactSummary, conversationSummary, laterDelivery } from './views.ts'
import { bindInvite, inviteMailboxOf, type InviteMailbox } from './invite-lifecycle.ts'

export type FrameSource =
  { kind: 'direct'; deviceId: string } | { kind: 'mailbox'; mailboxId: string }
export type FrameOutcome = 'stored' | 'duplicate' | 'dropped'

export interface InboxHooks {
  /** deviceId → contactId for direct frames; the inbox adds devices it learns. */
  devices: Map<string, string>
  kickOutbox(): void
  /** Hello for a contact (our mailbox for them on our relays). */
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  notifyMessage(contact: ContactRecord, conversationId: string): Promise<void>
  /** Read receipts are shown only when the user sends them too (settings.readReceipts). */
  showReadReceipts(): boolean
  /**
   * A file offer, control or mailbox piece, after its frame committed (the file engine's input).
   * Not called for a piece or control of a frame seen before; offers are passed again (idempotent).
   */
  onFilePayload?(conversationId: string, messageId: string, body: FilePayloadBody): Promise<void>
  /** A call signal, after its frame committed (calls.ts); not called for a replayed frame. */
  onCallPayload?(contact: ContactRecord, conversationId: string, payload: Payload): void
  /** An invite bound a contact to this fresh inbound mailbox: create it before our reply leaves. */
  openInbound?(mailboxId: string): Promise<void>
  /** A frame of the contact came other than through its invite mailbox (ADR 0730). */
  contactMoved?(contactId: string): void
}

interface Decrypted {
  session: Session
  message: DecryptedMessage
  previous: SessionRecord | undefined
  /** Set when the frame started a new session. */
  accepted?: {
    oneTimePrekeyId: number | undefined
    certificate: Uint8Array
    certExpiresAt: number
    cert: DeviceCertificate
  }
}

export class Inbox {
  readonly #ctx: MessengerContext
  readonly #hooks: InboxHooks

  constructor(ctx: MessengerContext, hooks: InboxHooks) {
    this.#ctx = ctx
    this.#hooks = hooks
  }

  async handle(source: FrameSource, frame: Uint8Array): Promise<FrameOutcome> {
    const { store } = this.#ctx
    let contact: ContactRecord | undefined
    let inviteMailbox: string | undefined
    let invite: InviteMailbox | undefined
    if (source.kind === 'direct') {
      const id = this.#hooks.devices.get(source.deviceId)
      contact = id === undefined ? undefined : await store.getContact(id)
      if (contact === undefined) {
        throw new ProtocolError('unknown_key', 'direct frame from a device that is not a contact')
      }
    } else {
      contact = await store.getContactByInboundMailbox(source.mailboxId)
      if (contact === undefined) {
        // Withdrawn and expired invites throw here (ADRs 0731, 0732).
        invite = inviteMailboxOf(this.#ctx.secrets, source.mailboxId, this.#ctx.platform.clock())
        if (invite === undefined) {
          throw new ProtocolError('unknown_key', 'frame in a mailbox we do not know')
        }
        if (invite.kind === 'bound') {
          // Used: only the bound contact's existing sessions are read here until it is closed.
          contact = await store.getContact(invite.contactId)
          if (contact === undefined) throw new ProtocolError('unknown_key', 'invite already used')
        } else inviteMailbox = source.mailboxId
      }
    }
    const lockKey = contact?.contactId ?? `invite:${inviteMailbox}`
    return this.#ctx.locks.run(lockKey, () =>
      this.#handleLocked(source, frame, contact, inviteMailbox, invite),
    )
  }

  async #handleLocked(
    source: FrameSource,
    frame: Uint8Array,
    found: ContactRecord | undefined,
    inviteMailbox: string | undefined,
    invite?: InviteMailbox,
  ): Promise<FrameOutcome> {
    const { store, platform } = this.#ctx
    // Re-read under the lock: an earlier frame may have created or changed the contact.
    let contact =
      found !== undefined
        ? await store.getContact(found.contactId)
        : await store.getContactByInboundMailbox(inviteMailbox!)
    if (found !== undefined && contact === undefined) return 'dropped' // deleted meanwhile
    if (contact?.blocked === true) return 'dropped'
    const decoded = decodeSessionFrame(frame)
    const d = await this.#decrypt(contact, decoded.kind === 'initial', frame, invite)
    if (d === 'duplicate') return 'duplicate'
    const payload = atPeerTime(decodePayload(d.message.body), platform.clock())
    const senderDevice = deviceIdOf(d.session.remotePeerId)
    if (source.kind === 'direct' && senderDevice !== source.deviceId) {
      throw new ProtocolError('wrong_key', 'frame encrypted by another device than the connection')
    }
    const senderIdentity = d.session.remoteIdentityKey
    if (contact === undefined) {
      if (payload.body.kind !== 'hello' || payload.body.hello.reply) {
        throw new ProtocolError(
          'malformed',
          'the first message in an invite mailbox must be a hello',
        )
      }
      // A contact answering a new invite (they deleted us or lost their state): the same contact,
      // re-introduced with a new session and deposit address, now on the invite's mailbox.
      const sameIdentity = await store.getContactByIdentityKey(toBase64Url(senderIdentity))
      if (sameIdentity?.blocked === true) return 'dropped'
      contact = sameIdentity
      if (bytesEqual(senderIdentity, this.#ctx.local.identity.publicKey)) {
        throw new ProtocolError('wrong_key', 'our own identity answered our invite')
      }
    }

    // File bodies are checked before anything is stored: a malformed one rejects the whole frame.
    const offer = checkFileBody(payload)

    const now = platform.clock()
    const events: ClientEvent[] = []
    let notify = false
    let conversationId: string | undefined
    let freshMailbox: string | undefined
    const outcome = await store.transaction(async (tx) => {
      contact ??= await this.#createContact(
        tx,
        payload,
        senderIdentity,
        inviteMailbox!,
        now,
        events,
      )
      if (d.accepted !== undefined) {
        // An old initial frame replayed after its session was replaced must not start it again.
        const digest = d.session.toJSON().initialHeaderDigest ?? ''
        if (!(await tx.markSeen(`pqxdh:${digest}`, now))) return 'duplicate' as const
      }
      const c = contact
      if (inviteMailbox !== undefined) {
        // The relationship moves to a fresh mailbox named only in our encrypted reply (ADR 0730);
        // the invite's mailbox is closed once the contact has moved.
        freshMailbox = toBase64Url(platform.random(32))
        c.inboundMailboxId = freshMailbox
        c.updatedAt = now
        await tx.putContact(c)
      }
      const conversation = await tx.getConversationByContact(c.contactId)
      if (conversation === undefined) throw new Error('contact without conversation')

      // Trust (ADRs 0720, 0721): only the pinned identity is applied; another identity is held
      // under a key-change notice, or dropped once the user refused it.
      const standing = standingOf(c, senderIdentity)
      const existing = d.previous ?? (await tx.getSession(c.contactId, senderDevice))
      const nextSession = async () =>
        tx.putSession(
          {
            contactId: c.contactId,
            deviceId: d.previous?.deviceId ?? senderDevice,
            state: encodeSessionState(d.session),
            version: (existing?.version ?? 0) + 1,
            updatedAt: now,
          },
          existing?.version ?? null,
        )
      if (standing === 'refused') {
        // Its existing session moves on (a change of mind catches the next frame); nothing else.
        if (d.accepted === undefined) await nextSession()
        return 'refused' as const
      }
      if (d.accepted !== undefined) {
        if (standing === 'pinned') await admitPinnedDevice(tx, c, d.accepted.cert, now)
        else if (existing === undefined) await admitOtherKeySession(tx, c)
        else if (sessionIdentityKey(existing) !== toBase64Url(senderIdentity)) {
          // Another identity's certificate naming a known device's PeerId must not replace that
          // device's session (sessions are kept per device).
          throw new ProtocolError('wrong_key', 'a session of another identity holds this device')
        }
      }
      if (standing !== 'pinned') {
        if (standing === 'new_key') {
          // A further identity while one is pending replaces it, visibly: a new notice.
          raiseKeyChange(c, senderIdentity, now)
          await this.#system(tx, conversation.conversationId, 'key_changed', now, events)
        }
        const change = c.keyChange!
        if (d.accepted !== undefined) holdDevice(change, senderDevice, d.accepted.cert)
        holdPayload(change, payload, senderDevice, now)
        c.updatedAt = now
        await tx.putContact(c)
        await nextSession()
        if (d.accepted !== undefined)
          await this.#consumePrekey(tx, d.accepted.oneTimePrekeyId, inviteMailbox, c.contactId)
        const conv = (await tx.getConversation(conversation.conversationId))!
        const summary = await conversationSummary(tx, conv)
        if (summary !== undefined)
          events.push({ type: 'conversation.updated', conversation: summary })
        events.push({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
        return 'held' as const
      }
      if (d.accepted !== undefined) {
        const known = await tx.getDevice(c.contactId, senderDevice)
        await tx.putDevice({
          ownerId: c.contactId,
          deviceId: senderDevice,
          certificate: d.accepted.certificate,
          addedAt: known?.addedAt ?? now,
          expiresAt: d.accepted.certExpiresAt,
          lastSeenAt: now,
        })
      }
      await nextSession()
      if (d.accepted !== undefined)
        await this.#consumePrekey(tx, d.accepted.oneTimePrekeyId, inviteMailbox, c.contactId)

      const conv = (await tx.getConversation(conversation.conversationId))!
      conversationId = conv.conversationId
      const enqueue = async (kind: 'receipt' | 'control', p: Payload) => {
        await tx.enqueueOutbox(controlOutboxRow(conv.conversationId, kind, encodePayload(p), now))
      }
      const body = payload.body
      if (body.kind === 'text' || offer !== null) {
        const messageId = toBase64Url(payload.messageId)
        const record: MessageRecord = {
          messageId,
          conversationId: conv.conversationId,
          direction: 'in',
          senderDeviceId: senderDevice,
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
        if (added) {
          conv.unreadCount += 1
          if (record.receivedAt === now) conv.lastMessageId = messageId
          conv.lastActivityAt = now
          await tx.putConversation(conv)
          events.push({ type: 'message.added', message: chatMessage(record) })
          notify = true
        }
        // Answered even for a duplicate, so the sender stops retrying (exactly-once display).
        await enqueue('receipt', {
          messageId: randomId(platform),
          sentAt: now,
          body: { kind: 'receipt', receipt: 'delivered', messageIds: [payload.messageId] },
        })
        if (!added) return 'duplicate' as const
      } else if (body.kind === 'receipt') {
        // A read receipt also proves delivery; shown as read only if we send read receipts too.
        const state =
          body.receipt === 'read' && this.#hooks.showReadReceipts() ? 'read' : 'delivered'
        for (const id of body.messageIds) {
          const m = await tx.getMessage(toBase64Url(id))
          if (m === undefined || m.direction !== 'out' || m.conversationId !== conv.conversationId)
            continue
          if (!laterDelivery(m.delivery, state)) continue
          m.delivery = state
          if (state === 'read') m.readAt = payload.sentAt
          await tx.putMessage(m)
          events.push({ type: 'message.updated', message: chatMessage(m) })
        }
      } else if (body.kind === 'hello') {
        // Routing changes only from the pinned identity (a pending key's Hello is held above).
        const hello = body.hello
        const moved = hello.reply && !sameMailbox(c.outboundMailbox, hello)
        c.outboundMailbox = encodeOutbound(hello)
        c.relays = [...hello.relays]
        c.updatedAt = now
        await tx.putContact(c)
        if (moved) {
          // The inviter moved us to a fresh mailbox (ADR 0730): a receipt through the new route
          // tells it so, and it closes the invite's mailbox.
          await enqueue('receipt', {
            messageId: randomId(platform),
            sentAt: now,
            body: { kind: 'receipt', receipt: 'delivered', messageIds: [payload.messageId] },
          })
        }
        if (!hello.reply) {
          const mine = this.#hooks.helloFor(c, true)
          if (mine !== null) {
            await enqueue('control', {
              messageId: randomId(platform),
              sentAt: now,
              body: { kind: 'hello', hello: mine },
            })
          }
        }
      }
      const summary = await conversationSummary(tx, conv)
      if (summary !== undefined)
        events.push({ type: 'conversation.updated', conversation: summary })
      events.push({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
      return 'stored' as const
    })
    if (outcome === 'refused') return 'dropped'
    this.#hooks.devices.set(senderDevice, contact!.contactId)
    if (d.accepted !== undefined) await reloadSecrets(this.#ctx)
    for (const e of events) this.#ctx.emit(e)
    // Held under an unaccepted key: no file, call, notification or receipt effects.
    if (outcome === 'held') return 'stored'
    const result = outcome
    const fileBody = asFileBody(payload)
    if (
      fileBody !== null &&
      conversationId !== undefined &&
      (result === 'stored' || fileBody.kind === 'file_offer')
    ) {
      try {
        await this.#hooks.onFilePayload?.(conversationId, toBase64Url(payload.messageId), fileBody)
      } catch (err) {
        // The frame is committed; a transfer the engine refuses stays as it was.
        this.#ctx.log(`file payload ${fileBody.kind} not taken`, err)
      }
    }
    if (payload.body.kind === 'call' && conversationId !== undefined && result === 'stored') {
      try {
        this.#hooks.onCallPayload?.(contact!, conversationId, payload)
      } catch (err) {
        this.#ctx.log('call signal not taken', err)
      }
    }
    if (notify) {
      const conv = await store.getConversationByContact(contact!.contactId)
      if (conv !== undefined) await this.#hooks.notifyMessage(contact!, conv.conversationId)
    }
    if (freshMailbox !== undefined) await this.#hooks.openInbound?.(freshMailbox)
    else if (invite === undefined) this.#hooks.contactMoved?.(contact!.contactId)
    this.#hooks.kickOutbox()
    return result
  }

  /** Tries every session of the contact; a PQXDH initial frame nobody knows starts a new one. */
  async #decrypt(
    contact: ContactRecord | undefined,
    initial: boolean,
    frame: Uint8Array,
    invite?: InviteMailbox,
  ): Promise<Decrypted | 'duplicate'> {
    const { store, platform } = this.#ctx
    const sessions = contact === undefined ? [] : await store.listSessions(contact.contactId)
    sessions.sort((a, b) => b.updatedAt - a.updatedAt)
    let lastErr: unknown
    // Bounded (ADR 0721): the caps keep a contact's sessions below this anyway.
    for (const record of sessions.slice(0, TRUST_LIMITS.sessionsTriedPerFrame)) {
      let session: Session
      try {
        session = restoreSession(record, platform)
      } catch {
        continue
      }
      try {
        const message = session.decrypt(frame)
        return { session, message, previous: record }
      } catch (err) {
        if (isProtocolError(err, 'replay')) return 'duplicate'
        lastErr = err
      }
    }
    if (!initial) {
      if (isProtocolError(lastErr)) throw lastErr
      throw new ProtocolError('decrypt_failed', 'no session decrypts this frame')
    }
    const secrets = this.#ctx.secrets
    const accepted = acceptSession({
      local: this.#ctx.local.device,
      frame,
      platform,
      prekeys: (kind, id) =>
        // In an invite mailbox only the invite's reserved one-time prekey opens a session.
        invite !== undefined && kind === PREKEY_KIND.oneTimeX25519 && id !== invite.oneTimePrekeyId
          ? undefined
          : secrets.prekeys.find((p) => p.kind === kind && p.id === id),
    })
    if (invite !== undefined && accepted.usedPrekeys.oneTimePrekeyId !== invite.oneTimePrekeyId) {
      throw new ProtocolError(
        'unknown_key',
        'a session in an invite mailbox must use the invite’s one-time prekey',
      )
    }
    return {
      session: accepted.session,
      message: accepted.message,
      previous: undefined,
      accepted: {
        oneTimePrekeyId: accepted.usedPrekeys.oneTimePrekeyId,
        certificate: accepted.senderCert.bytes,
        certExpiresAt: accepted.senderCert.expiresAt,
        cert: accepted.senderCert,
      },
    }
  }

  async #createContact(
    tx: StoreOperations,
    payload: Payload,
    identityKey: Uint8Array,
    mailboxId: string,
    now: number,
    events: ClientEvent[],
  ): Promise<ContactRecord> {
    const hello = payload.body.kind === 'hello' ? payload.body.hello : null
    if (hello === null) throw new ProtocolError('malformed', 'hello expected')
    const contactId = toBase64Url(randomId(this.#ctx.platform))
    const contact: ContactRecord = {
      contactId,
      ...(await contactName(tx, hello.displayName, toBase64Url(identityKey))),
      identityPublicKey: identityKey,
      identityKeyId: toBase64Url(identityKey),
      verified: false,
      blocked: false,
      keyChange: null,
      relays: [...hello.relays],
      inboundMailboxId: mailboxId,
      outboundMailbox: encodeOutbound(hello),
      addedAt: now,
      updatedAt: now,
    }
    await tx.putContact(contact)
    const conversationId = toBase64Url(randomId(this.#ctx.platform))
    await tx.putConversation({
      conversationId,
      contactId,
      lastMessageId: null,
      lastActivityAt: now,
      unreadCount: 0,
    })
    await this.#system(tx, conversationId, 'contact_added', now, events)
    return contact
  }

  async #system(
    tx: StoreOperations,
    conversationId: string,
    event: 'contact_added' | 'key_changed',
    now: number,
    events: ClientEvent[],
  ): Promise<void> {
    const record: MessageRecord = {
      messageId: toBase64Url(randomId(this.#ctx.platform)),
      conversationId,
      direction: 'in',
      senderDeviceId: null,
      body: { kind: 'system', event },
      sentAt: now,
      receivedAt: now,
      delivery: null,
      failure: null,
      readAt: null,
    }
    await tx.addMessage(record)
    const conv = await tx.getConversation(conversationId)
    if (conv !== undefined) {
      conv.lastMessageId = record.messageId
      conv.lastActivityAt = now
      await tx.putConversation(conv)
    }
    events.push({ type: 'message.added', message: chatMessage(record) })
  }

  /** PQXDH §3.4: delete the one-time prekey; an invite is single-use. */
  async #consumePrekey(
    tx: StoreOperations,
    oneTimePrekeyId: number | undefined,
    inviteMailbox: string | undefined,
    contactId: string,
  ): Promise<void> {
    const identity = await tx.getIdentity()
    if (identity === undefined) return
    const s = decodeSecrets(identity.secretKeys)
    s.prekeys = s.prekeys.filter(
      (p) => !(p.kind === PREKEY_KIND.oneTimeX25519 && p.id === oneTimePrekeyId),
    )
    // Used: kept as bound until the contact moved to its fresh mailbox, then closed (ADR 0730).
    if (inviteMailbox !== undefined) bindInvite(s, inviteMailbox, contactId)
    await tx.putIdentity({ ...identity, secretKeys: encodeSecrets(s) })
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
function checkFileBody(payload: Payload): DecodedOffer | null {
  const b = payload.body
  if (b.kind === 'file_offer') return decodeOffer(b.offer)
  if (b.kind === 'file_control') decodeControl(b.control)
  if (b.kind === 'file_piece') decodeMailboxPiece(b.piece)
  return null
}

function asFileBody(payload: Payload): FilePayloadBody | null {
  const b = payload.body
  return b.kind === 'file_offer' || b.kind === 'file_control' || b.kind === 'file_piece' ? b : null
}
