/**
 * One decrypted frame, committed in one store transaction: the contact (created when someone
 * answers our invite), the replay check of a new session, the move to a fresh mailbox (ADR 0730),
 * trust (ADRs 0720, 0721: only the pinned identity is applied; another is held under a key-change
 * notice, or dropped once the user refused it), the session, device and one-time prekey, then the
 * payload (inbox-payload.ts). Returns what was committed; the inbox turns that into effects.
 */
import type { ClientEvent } from '../client/api.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import type { DecodedOffer } from '../files/codec.ts'
import type { ContactRecord, SessionRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { ProtocolError } from '../wire/errors.ts'
import { changeSecretsIn, randomId } from './context.ts'
import type { AcceptedSession, Decrypted } from './inbox-decrypt.ts'
import { refuseUnlistedDevice } from './devices/contact-list.ts'
import { applyPinnedPayload, type PayloadReads } from './inbox-payload.ts'
import type { Presealed } from './outbox-preseal.ts'
import { bindInvite } from './invite-lifecycle.ts'
import { contactName } from './names.ts'
import { addSystemLine } from './system-line.ts'
import type { Payload } from './payload.ts'
import { encodeOutbound, encodeSessionState, sessionIdentityKey, toBase64Url } from './records.ts'
import {
  admitOtherKeySession,
  admitPinnedDevice,
  holdDevice,
  holdPayload,
  raiseKeyChange,
  standingOf,
  type SenderStanding,
} from './trust.ts'
import { contactSummary, conversationSummary } from './views.ts'

export interface FrameToCommit {
  decrypted: Decrypted
  /** Decoded and checked (file bodies included) before the transaction. */
  payload: Payload
  offer: DecodedOffer | null
  senderDevice: string
  senderIdentity: Uint8Array
  /** The contact as re-read under its lock; undefined: a new contact answering our invite. */
  contact: ContactRecord | undefined
  /** Set when the frame came through one of our invite mailboxes that is not bound yet. */
  inviteMailbox: string | undefined
  now: number
}

/**
 * - stored: the payload took effect
 * - duplicate: seen before (a message id already stored, or a replayed session start)
 * - held: from an identity under a key-change notice; kept until the user decides
 * - refused: from an identity the user refused; only its session moved on
 */
export type CommitOutcome = 'stored' | 'duplicate' | 'held' | 'refused'

export interface Committed {
  outcome: CommitOutcome
  contact: ContactRecord
  /** Set when the payload reached the conversation (stored, or a message seen before). */
  conversationId: string | undefined
  /** The fresh inbound mailbox the contact moved to (our invite was answered, ADR 0730). */
  freshMailbox: string | undefined
  /** A new message was added. */
  notify: boolean
  /** A message to acknowledge (PayloadApplied.receipt). */
  receipt: Uint8Array | null
  /** A receipt sealed in this transaction, to send at once (PayloadApplied.presealed). */
  presealed: Presealed | null
  /** Client events, in order, to emit once committed. */
  events: ClientEvent[]
}

/** Runs inside `tx`; throws ProtocolError (and so changes nothing) for a frame it refuses. */
export async function commitFrame(
  tx: StoreOperations,
  f: FrameToCommit,
  reads: PayloadReads,
  platform: CryptoPlatform,
): Promise<Committed> {
  const { decrypted: d, now } = f
  const events: ClientEvent[] = []
  const c = f.contact ?? (await createContact(tx, f, platform, events))
  let freshMailbox: string | undefined
  const result = (
    outcome: CommitOutcome,
    conversationId?: string,
    notify = false,
    receipt: Uint8Array | null = null,
    presealed: Presealed | null = null,
  ) => ({ outcome, contact: c, conversationId, freshMailbox, notify, receipt, presealed, events })
  if (d.accepted !== undefined) {
    // An old initial frame replayed after its session was replaced must not start it again.
    const digest = d.session.toJSON().initialHeaderDigest ?? ''
    if (!(await tx.markSeen(`pqxdh:${digest}`, now))) return result('duplicate')
  }
  if (f.inviteMailbox !== undefined) {
    // The relationship moves to a fresh mailbox named only in our encrypted reply (ADR 0730);
    // the invite's mailbox is closed once the contact has moved.
    freshMailbox = toBase64Url(platform.random(32))
    c.inboundMailboxId = freshMailbox
    c.updatedAt = now
    await tx.putContact(c)
  }
  const conversation = await tx.getConversationByContact(c.contactId)
  if (conversation === undefined) throw new Error('contact without conversation')
  const standing = standingOf(c, f.senderIdentity)
  const existing = d.previous ?? (await tx.getSession(c.contactId, f.senderDevice))
  if (standing === 'refused') {
    // Its existing session moves on (a change of mind catches the next frame); nothing else.
    if (d.accepted === undefined) await putNextSession(tx, c, f, existing)
    return result('refused')
  }
  // Once the contact sent a device list, only its devices are heard (issue 19).
  if (standing === 'pinned')
    refuseUnlistedDevice(c, f.senderDevice, f.payload, d.accepted?.cert.issuedAt)
  if (d.accepted !== undefined) await admitSession(tx, c, standing, existing, f)
  if (standing !== 'pinned') {
    await holdFrame(tx, c, conversation.conversationId, standing, f, existing, platform, events)
    return result('held')
  }
  if (d.accepted !== undefined) await putSenderDevice(tx, c.contactId, f, d.accepted)
  await putNextSession(tx, c, f, existing)
  if (d.accepted !== undefined)
    await consumePrekey(tx, d.accepted.oneTimePrekeyId, f.inviteMailbox, c.contactId)
  // Nothing above writes the conversation on this path: no second read (issue 21).
  const conv = conversation
  const p = { contact: c, conversation: conv, payload: f.payload, offer: f.offer, now }
  const applied = await applyPinnedPayload(
    tx,
    { ...p, senderDevice: f.senderDevice },
    reads,
    platform,
    events,
  )
  const { outcome, notify, receipt, presealed } = applied
  return result(outcome, conv.conversationId, notify, receipt, presealed)
}

/** A new session's device against what we know of the contact (trust.ts decides). */
async function admitSession(
  tx: StoreOperations,
  c: ContactRecord,
  standing: Exclude<SenderStanding, 'refused'>,
  existing: SessionRecord | undefined,
  f: FrameToCommit,
): Promise<void> {
  if (standing === 'pinned') await admitPinnedDevice(tx, c, f.decrypted.accepted!.cert, f.now)
  else if (existing === undefined) await admitOtherKeySession(tx, c)
  else if (sessionIdentityKey(existing) !== toBase64Url(f.senderIdentity)) {
    // Another identity's certificate naming a known device's PeerId must not replace that
    // device's session (sessions are kept per device).
    throw new ProtocolError('wrong_key', 'a session of another identity holds this device')
  }
}

/**
 * A frame of an identity other than the pinned one: raises (or replaces, visibly) the key-change
 * notice, and holds what the payload would have done until the user decides (trust.ts).
 */
async function holdFrame(
  tx: StoreOperations,
  c: ContactRecord,
  conversationId: string,
  standing: 'pending' | 'new_key',
  f: FrameToCommit,
  existing: SessionRecord | undefined,
  platform: CryptoPlatform,
  events: ClientEvent[],
): Promise<void> {
  const { decrypted: d, now } = f
  if (standing === 'new_key') {
    // A further identity while one is pending replaces it, visibly: a new notice.
    raiseKeyChange(c, f.senderIdentity, now)
    await addSystemLine(tx, conversationId, 'key_changed', { now, platform, events })
  }
  const change = c.keyChange!
  if (d.accepted !== undefined) holdDevice(change, f.senderDevice, d.accepted.cert)
  holdPayload(change, f.payload, f.senderDevice, now)
  c.updatedAt = now
  await tx.putContact(c)
  await putNextSession(tx, c, f, existing)
  if (d.accepted !== undefined)
    await consumePrekey(tx, d.accepted.oneTimePrekeyId, f.inviteMailbox, c.contactId)
  const conv = (await tx.getConversation(conversationId))!
  const summary = await conversationSummary(tx, conv)
  if (summary !== undefined) events.push({ type: 'conversation.updated', conversation: summary })
  events.push({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
}

/** The session that opened the frame, advanced (compare-and-set on the stored version). */
async function putNextSession(
  tx: StoreOperations,
  c: ContactRecord,
  f: FrameToCommit,
  existing: SessionRecord | undefined,
): Promise<void> {
  const d = f.decrypted
  await tx.putSession(
    {
      contactId: c.contactId,
      deviceId: d.previous?.deviceId ?? f.senderDevice,
      state: encodeSessionState(d.session),
      version: (existing?.version ?? 0) + 1,
      updatedAt: f.now,
    },
    existing?.version ?? null,
  )
}

/** The pinned identity's device that started the session, with its certificate. */
async function putSenderDevice(
  tx: StoreOperations,
  contactId: string,
  f: FrameToCommit,
  accepted: AcceptedSession,
): Promise<void> {
  const known = await tx.getDevice(contactId, f.senderDevice)
  await tx.putDevice({
    ownerId: contactId,
    deviceId: f.senderDevice,
    certificate: accepted.certificate,
    addedAt: known?.addedAt ?? f.now,
    expiresAt: accepted.certExpiresAt,
    lastSeenAt: f.now,
  })
}

/** PQXDH §3.4: delete the one-time prekey; an invite is single-use. */
async function consumePrekey(
  tx: StoreOperations,
  oneTimePrekeyId: number | undefined,
  inviteMailbox: string | undefined,
  contactId: string,
): Promise<void> {
  await changeSecretsIn(
    tx,
    (s) => {
      s.prekeys = s.prekeys.filter(
        (p) => !(p.kind === PREKEY_KIND.oneTimeX25519 && p.id === oneTimePrekeyId),
      )
      // Used: kept as bound until the contact moved to its fresh mailbox, then closed (ADR 0730).
      if (inviteMailbox !== undefined) bindInvite(s, inviteMailbox, contactId)
    },
    'skip',
  )
}

/** Someone answered our invite with a Hello: a new contact and conversation, unverified. */
async function createContact(
  tx: StoreOperations,
  f: FrameToCommit,
  platform: CryptoPlatform,
  events: ClientEvent[],
): Promise<ContactRecord> {
  const hello = f.payload.body.kind === 'hello' ? f.payload.body.hello : null
  if (hello === null) throw new ProtocolError('malformed', 'hello expected')
  const identityKey = f.senderIdentity
  const now = f.now
  const contactId = toBase64Url(randomId(platform))
  const contact: ContactRecord = {
    contactId,
    ...(await contactName(tx, hello.displayName, toBase64Url(identityKey))),
    identityPublicKey: identityKey,
    identityKeyId: toBase64Url(identityKey),
    verified: false,
    blocked: false,
    keyChange: null,
    relays: [...hello.relays],
    inboundMailboxId: f.inviteMailbox!,
    outboundMailbox: encodeOutbound(hello),
    addedAt: now,
    updatedAt: now,
  }
  await tx.putContact(contact)
  const conversationId = toBase64Url(randomId(platform))
  await tx.putConversation({
    conversationId,
    contactId,
    lastMessageId: null,
    lastActivityAt: now,
    unreadCount: 0,
  })
  await addSystemLine(tx, conversationId, 'contact_added', { now, platform, events })
  return contact
}
