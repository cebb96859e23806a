/**
 * Incoming session frames, from a direct stream or from one of our mailboxes: find the contact
 * (or the invite) the frame belongs to, decrypt it (inbox-decrypt.ts: an existing session, or a
 * new one from a PQXDH initial frame), decode the payload, then commit everything in one store
 * transaction (inbox-commit.ts: session, message deduped by id, receipts, contact changes). A frame
 * that fails any check throws ProtocolError and changes nothing. Key changes are recorded, never
 * silently accepted (docs/protocol/messaging.md "Key change").
 *
 * The inbox does not reach into the messenger: what a frame caused is data (FrameEffects: device
 * map, secrets, client events, file engine, calls, notification, mailboxes, outbox run), which the
 * caller's `apply` (Messenger#applyFrameEffects) carries out under the contact's lock, and which
 * `handle` returns (InboxResult).
 */
import type { ClientEvent } from '../client/api.ts'
import { bytesEqual } from '../crypto/bytes.ts'
import type { ContactRecord } from '../store/records.ts'
import { ProtocolError } from '../wire/errors.ts'
import type { MessengerContext } from './context.ts'
import { commitFrame, type Committed, type FrameToCommit } from './inbox-commit.ts'
import { decryptFrame, type Decrypted } from './inbox-decrypt.ts'
import { asFileBody, checkFileBody, type PayloadReads } from './inbox-payload.ts'
import { inviteMailboxOf, type InviteMailbox } from './invite-lifecycle.ts'
import { deviceIdOf, directConnection, peerIdOf } from './net.ts'
import { atPeerTime, decodePayload, type FilePayloadBody, type Payload } from './payload.ts'
import type { Presealed } from './outbox-preseal.ts'
import { toBase64Url } from './records.ts'
import { traceMark } from '../wire/latency-trace.ts'

export type FrameSource =
  { kind: 'direct'; deviceId: string } | { kind: 'mailbox'; mailboxId: string }

/** What the sender's side learns: a direct frame is acknowledged unless it was dropped. */
export type FrameOutcome = 'stored' | 'duplicate' | 'dropped'

/** What the inbox reads from the messenger; it changes none of it. */
export interface InboxReads extends PayloadReads {
  /** deviceId → contactId, for direct frames (FrameEffects.learnDevice adds to it). */
  devices: ReadonlyMap<string, string>
}

export interface InboxResult {
  outcome: FrameOutcome
  /** Null when nothing was committed (a replay, a blocked or refused sender). */
  effects: FrameEffects | null
}

/** What the messenger does once a frame committed, in this order. */
export interface FrameEffects {
  /** The sending device belongs to this contact (direct frames from it find the contact). */
  learnDevice: { deviceId: string; contactId: string }
  /** A one-time prekey was used (and an invite maybe bound): reload our secrets. */
  reloadSecrets: boolean
  /** For the client, in order. */
  events: ClientEvent[]
  /**
   * A file offer, control or mailbox piece for the file engine. Not given for a piece or control
   * of a frame seen before; offers are given again (the engine takes them idempotently).
   */
  file: { conversationId: string; messageId: string; body: FilePayloadBody } | null
  /** A call signal for calls.ts; never for a frame seen before. */
  call: { contact: ContactRecord; conversationId: string; payload: Payload } | null
  /** Group traffic for the group manager (issue 20); never for a frame seen before. */
  group: { contact: ContactRecord; bytes: Uint8Array } | null
  /** A new message: show a notification. */
  notify: { contact: ContactRecord; conversationId: string } | null
  /**
   * open_inbound: our invite bound this contact to a fresh inbound mailbox, to create before our
   * reply leaves; contact_moved: a frame of the contact came other than through its invite
   * mailbox, which can now close (ADR 0730).
   */
  route:
    | { kind: 'open_inbound'; mailboxId: string }
    | { kind: 'contact_moved'; contactId: string }
    | null
  /** A delivered message to acknowledge; the messenger batches it (ADR 0751). */
  receipt: { conversationId: string; messageId: Uint8Array } | null
  /** Its receipt, queued and sealed in the commit: the outbox sends it now (ADR 0441). */
  presealed: Presealed | null
  /** Receipts or a Hello were queued: run the outbox. */
  kickOutbox: boolean
}

/** Where a frame belongs, found before its contact's lock is taken. */
interface Recipient {
  /** Read again under the lock (a direct frame's is only named, from the device map). */
  contact: Pick<ContactRecord, 'contactId'> | undefined
  /** An invite mailbox of ours that no contact has answered yet. */
  inviteMailbox: string | undefined
  /** The invite whose mailbox the frame came through (pending or bound). */
  invite: InviteMailbox | undefined
}

/** Carries out a committed frame's effects, under the contact's lock (before `handle` returns). */
export type ApplyFrameEffects = (effects: FrameEffects) => Promise<void>

const NOTHING_COMMITTED = { effects: null } as const

export class Inbox {
  readonly #ctx: MessengerContext
  readonly #reads: InboxReads

  constructor(ctx: MessengerContext, reads: InboxReads) {
    this.#ctx = ctx
    this.#reads = reads
  }

  async handle(
    source: FrameSource,
    frame: Uint8Array,
    apply: ApplyFrameEffects,
  ): Promise<InboxResult> {
    const to = await this.#recipientOf(source)
    const lockKey = to.contact?.contactId ?? `invite:${to.inviteMailbox}`
    // The lock covers the effects too: the contact's next frame is decrypted with our secrets
    // reloaded (a used one-time prekey gone) and reaches the file engine after this one's.
    return this.#ctx.locks.run(lockKey, async () => {
      traceMark('inbox.locked')
      const result = await this.#handleLocked(source, frame, to)
      traceMark('inbox.committed')
      if (result.effects !== null) await apply(result.effects)
      traceMark('inbox.applied')
      return result
    })
  }

  /** The contact (or our invite) a frame is for; throws unknown_key when it is for nobody. */
  async #recipientOf(source: FrameSource): Promise<Recipient> {
    const { store } = this.#ctx
    if (source.kind === 'direct') {
      // Not read here: #handleLocked reads it under the lock anyway, and every store read is an
      // IndexedDB round trip on the message's path (ADR 0423). A contact deleted meanwhile drops
      // the frame there.
      const contactId = this.#reads.devices.get(source.deviceId)
      if (contactId === undefined) {
        throw new ProtocolError('unknown_key', 'direct frame from a device that is not a contact')
      }
      return { contact: { contactId }, inviteMailbox: undefined, invite: undefined }
    }
    const contact = await store.getContactByInboundMailbox(source.mailboxId)
    if (contact !== undefined) return { contact, inviteMailbox: undefined, invite: undefined }
    // Withdrawn and expired invites throw here (ADRs 0731, 0732).
    const invite = inviteMailboxOf(this.#ctx.secrets, source.mailboxId, this.#ctx.platform.clock())
    if (invite === undefined) {
      throw new ProtocolError('unknown_key', 'frame in a mailbox we do not know')
    }
    if (invite.kind !== 'bound')
      return { contact: undefined, inviteMailbox: source.mailboxId, invite }
    // Used: only the bound contact's existing sessions are read here until it is closed.
    const bound = await store.getContact(invite.contactId)
    if (bound === undefined) throw new ProtocolError('unknown_key', 'invite already used')
    return { contact: bound, inviteMailbox: undefined, invite }
  }

  async #handleLocked(source: FrameSource, frame: Uint8Array, to: Recipient): Promise<InboxResult> {
    const { store, platform } = this.#ctx
    const reads = { directOpen: (deviceId: string) => this.#directOpen(deviceId), ...this.#reads }
    if (to.contact !== undefined) {
      // A known contact's frame: read, decrypt and commit in one store transaction (issue 21).
      // The decrypt in between is synchronous work on the records read there, so the transaction
      // stays open; a second one would cost IndexedDB's fixed price again on the message's path.
      // A refusal (a throw) rolls back the whole transaction: nothing is written, as before.
      const contactId = to.contact.contactId
      const done = await store.transaction(async (tx) => {
        const contact = await tx.getContact(contactId)
        if (contact === undefined || contact.blocked) return 'dropped' as const
        const sessions = await tx.listSessions(contactId)
        traceMark('inbox.read')
        const d = await decryptFrame(this.#ctx, contact, frame, to.invite, sessions)
        traceMark('inbox.decrypted')
        if (d === 'duplicate') return 'duplicate' as const
        const f = this.#frameToCommit(source, d, contact, to)
        return { f, committed: await commitFrame(tx, f, reads, platform) }
      })
      if (done === 'dropped') return dropped() // deleted meanwhile, or blocked
      if (done === 'duplicate') return { outcome: 'duplicate', ...NOTHING_COMMITTED }
      return this.#resultOf(done.committed, done.f, to.invite)
    }
    // Our invite's first frame: the contact may not exist yet (#answeringInvite reads and decides
    // outside a transaction), so the read and the commit are two.
    const read = await store.transaction(async (tx) => {
      const contact = await tx.getContactByInboundMailbox(to.inviteMailbox!)
      const sessions = contact === undefined ? [] : await tx.listSessions(contact.contactId)
      return { contact, sessions }
    })
    const contact = read.contact
    if (contact?.blocked === true) return dropped()
    traceMark('inbox.read')
    const d = await decryptFrame(this.#ctx, contact, frame, to.invite, read.sessions)
    traceMark('inbox.decrypted')
    if (d === 'duplicate') return { outcome: 'duplicate', ...NOTHING_COMMITTED }
    const f = this.#frameToCommit(source, d, contact, to)
    if (contact === undefined) {
      const known = await this.#answeringInvite(f.payload, d)
      if (known === 'blocked') return dropped()
      f.contact = known
    }
    const committed = await store.transaction((tx) => commitFrame(tx, f, reads, platform))
    return this.#resultOf(committed, f, to.invite)
  }

  /**
   * The checks on an opened frame before anything is stored (throws ProtocolError), and what the
   * commit needs.
   */
  #frameToCommit(
    source: FrameSource,
    d: Decrypted,
    contact: ContactRecord | undefined,
    to: Recipient,
  ): FrameToCommit {
    const payload = atPeerTime(decodePayload(d.message.body), this.#ctx.platform.clock())
    const senderDevice = deviceIdOf(d.session.remotePeerId)
    if (source.kind === 'direct' && senderDevice !== source.deviceId) {
      throw new ProtocolError('wrong_key', 'frame encrypted by another device than the connection')
    }
    // File bodies are checked before anything is stored: a malformed one rejects the whole frame.
    const offer = checkFileBody(payload)
    return {
      decrypted: d,
      payload,
      offer,
      senderDevice,
      senderIdentity: d.session.remoteIdentityKey,
      contact,
      inviteMailbox: to.inviteMailbox,
      now: this.#ctx.platform.clock(),
    }
  }

  /** A direct connection to this device is open (a receipt is sealed in the commit then). */
  #directOpen(deviceId: string): boolean {
    return directConnection(this.#ctx.net, peerIdOf(deviceId)) !== undefined
  }

  /**
   * A first frame in one of our invite mailboxes: it must be a Hello. A contact we already have
   * (they deleted us or lost their state) is the same contact, re-introduced with a new session
   * and deposit address, now on the invite's mailbox; undefined: a new contact.
   */
  async #answeringInvite(
    payload: Payload,
    d: Decrypted,
  ): Promise<ContactRecord | undefined | 'blocked'> {
    if (payload.body.kind !== 'hello' || payload.body.hello.reply) {
      throw new ProtocolError('malformed', 'the first message in an invite mailbox must be a hello')
    }
    const identity = d.session.remoteIdentityKey
    const sameIdentity = await this.#ctx.store.getContactByIdentityKey(toBase64Url(identity))
    if (sameIdentity?.blocked === true) return 'blocked'
    if (bytesEqual(identity, this.#ctx.local.identity.publicKey)) {
      throw new ProtocolError('wrong_key', 'our own identity answered our invite')
    }
    return sameIdentity
  }

  /** The committed frame's outcome and effects. */
  #resultOf(c: Committed, f: FrameToCommit, invite: InviteMailbox | undefined): InboxResult {
    if (c.outcome === 'refused') return dropped()
    const effects: FrameEffects = {
      learnDevice: { deviceId: f.senderDevice, contactId: c.contact.contactId },
      reloadSecrets: f.decrypted.accepted !== undefined,
      events: c.events,
      file: null,
      call: null,
      group: null,
      notify: null,
      route: null,
      receipt: null,
      presealed: null,
      kickOutbox: false,
    }
    // Held under an unaccepted key: no file, call, notification or receipt effects.
    if (c.outcome === 'held') return { outcome: 'stored', effects }
    const conversationId = c.conversationId
    const fileBody = asFileBody(f.payload)
    const messageId = toBase64Url(f.payload.messageId)
    if (
      fileBody !== null &&
      conversationId !== undefined &&
      (c.outcome === 'stored' || fileBody.kind === 'file_offer')
    ) {
      effects.file = { conversationId, messageId, body: fileBody }
    }
    if (f.payload.body.kind === 'call' && conversationId !== undefined && c.outcome === 'stored') {
      effects.call = { contact: c.contact, conversationId, payload: f.payload }
    }
    if (f.payload.body.kind === 'group' && c.outcome === 'stored') {
      effects.group = { contact: c.contact, bytes: f.payload.body.group }
    }
    if (c.notify && conversationId !== undefined) {
      // The conversation the commit wrote to. No read before the message shows (ADR 0423): this
      // runs under the contact's lock, which a contact's deletion takes too, so it is still there.
      effects.notify = { contact: c.contact, conversationId }
    }
    if (c.receipt !== null && conversationId !== undefined)
      effects.receipt = { conversationId, messageId: c.receipt }
    effects.presealed = c.presealed
    if (c.freshMailbox !== undefined)
      effects.route = { kind: 'open_inbound', mailboxId: c.freshMailbox }
    else if (invite === undefined)
      effects.route = { kind: 'contact_moved', contactId: c.contact.contactId }
    // A presealed receipt is the only row the commit queued; its send runs the outbox after it.
    effects.kickOutbox = c.presealed === null
    return { outcome: c.outcome, effects }
  }
}

function dropped(): InboxResult {
  return { outcome: 'dropped', ...NOTHING_COMMITTED }
}
