/**
 * Contacts and trust: accept an invite (TOFU pin, session start, Hello queued), our invite, safety
 * numbers, verification (compared digits or scanned QR), accepting a changed key, rename, block,
 * delete. Each function returns the client API's result or a ClientFailure; none throws for input
 * a user or peer controls.
 */
import {
  fail,
  failRelayBusy,
  ok,
  type ClientEvent,
  type ClientFailure,
  type ContactInfo,
  type ContactSummary,
  type Invite,
} from '../client/api.ts'
import { bytesEqual, fromBase64Url } from '../crypto/bytes.ts'
import { initiateSession } from '../crypto/pqxdh.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { compareSafetyQr, safetyNumber } from '../crypto/safety-number.ts'
import type { ContactRecord } from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { isProtocolError } from '../wire/errors.ts'
import { MailboxError } from '../mailbox/errors.ts'
import { changeSecrets, randomId, type MessengerContext } from './context.ts'
import { addPrekey, prekeyBundle } from './identity.ts'
import { createInviteCard, resolveInvite, type VerifiedInvite } from './invite.ts'
import { fetchInviteCard, inviteRefused } from './invite-fetch.ts'
import { encodeShortInvite, inviteFingerprint, qrPayloadOf } from './invite-link.ts'
import {
  INVITE_POLICY,
  createdAtOf,
  inviteState,
  updateInvites,
  type InviteKeeper,
} from './invite-lifecycle.ts'
import { answerInviteAgain } from './invite-closed.ts'
import { addSystemLine } from './system-line.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import { FALLBACK_CONTACT_NAME, contactName } from './names.ts'
import { displayNameOr } from '../text/clean.ts'
import { PEER_VALUE_CAPS } from '../text/caps.ts'
import type { MailboxManager } from './mailbox-manager.ts'
import { queueControl } from './outbox-rows.ts'
import { deviceIdOf } from './net.ts'
import { encodePayload, type FilePayloadBody, type HelloBody } from './payload.ts'
import { encodeOutbound, encodeSessionState, toBase64Url } from './records.ts'
import { adoptPendingKey, refusePendingKey, type Adopted } from './trust.ts'
import { deleteHere } from './devices/sync-delete.ts'
import { contactSummary, conversationSummary } from './views.ts'

export interface ContactsDeps {
  ctx: MessengerContext
  mailboxes: MailboxManager
  relays(): string[]
  kickOutbox(): void
  /** Repairs relay connections and mailbox subscriptions now (new mailbox to watch). */
  kickKeeper(): void
  /** A contact device became known (for direct frames). */
  learnDevice(deviceId: string, contactId: string): void
  /** Our invites' mailboxes: withdrawn, bound and expired ones are closed at the relay. */
  invites: InviteKeeper
  /** Our Hello for a contact (answers a held Hello when its key is accepted). */
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  /** A held file offer entered the thread (the file engine's input). */
  releaseFile(conversationId: string, messageId: string, body: FilePayloadBody): Promise<void>
  /** A new inbound mailbox for the contact now (mailbox-rotation.ts, ADR 0755). */
  rotateMailbox(contactId: string): Promise<{ ok: true; value: ContactRecord } | ClientFailure>
}

type Result<V> = { ok: true; value: V } | ClientFailure

async function summaryOf(tx: StoreOperations, c: ContactRecord): Promise<ContactSummary> {
  const conv = await tx.getConversationByContact(c.contactId)
  return contactSummary(c, conv?.conversationId ?? '')
}

async function emitContact(d: ContactsDeps, c: ContactRecord): Promise<ContactSummary> {
  const store = d.ctx.store
  const summary = await summaryOf(store, c)
  d.ctx.emit({ type: 'contact.updated', contact: summary })
  const conv = await store.getConversationByContact(c.contactId)
  const cs = conv && (await conversationSummary(store, conv))
  if (cs !== undefined) d.ctx.emit({ type: 'conversation.updated', conversation: cs })
  return summary
}

async function systemMessage(
  d: ContactsDeps,
  tx: StoreOperations,
  contactId: string,
  event:
    'contact_added' | 'verified' | 'new_key_accepted' | 'new_key_refused' | 'blocked' | 'unblocked',
  events: ClientEvent[],
): Promise<void> {
  const conv = await tx.getConversationByContact(contactId)
  if (conv === undefined) return
  const { platform } = d.ctx
  await addSystemLine(tx, conv.conversationId, event, { now: platform.clock(), platform, events })
}

/**
 * Our invite for Add contact (ADR 0731): the newest unused one again while it is younger than
 * INVITE_POLICY.reuseMs, else a new one; at most INVITE_POLICY.maxPending stay open (the oldest is
 * withdrawn). `renew` withdraws every unused invite first (closed at the relay) and makes a new one.
 */
export async function myInvite(d: ContactsDeps, renew = false): Promise<Result<Invite>> {
  const { ctx } = d
  const relays = d.relays()
  if (relays.length === 0) return fail('invalid_state', 'add a relay first: invites name one')
  if (renew) await d.invites.withdrawPending()
  const now = ctx.platform.clock()
  const pending = ctx.secrets.invites
    .filter((i) => inviteState(i, now) === 'pending')
    .sort((a, b) => createdAtOf(b) - createdAtOf(a))
  const current = pending.find(
    (i) => createdAtOf(i) > now - INVITE_POLICY.reuseMs && i.expiresAt > now + 60_000,
  )
  if (current !== undefined) {
    return ok({
      link: current.link,
      qrPayload: qrPayloadOf(current.link),
      expiresAt: current.expiresAt,
    })
  }
  const mailboxId = d.mailboxes.newMailboxId()
  const owned = d.mailboxes.owned(mailboxId)
  let short
  try {
    short = encodeShortInvite({
      fingerprint: inviteFingerprint(ctx.local.identity.publicKey),
      mailboxId: owned.credentials.mailboxId,
      capability: owned.credentials.capability,
      relay: relays[0]!,
    })
  } catch (err) {
    if (!isProtocolError(err)) throw err
    return fail('relay_address_invalid', `a short invite cannot name this relay: ${err.message}`)
  }
  // The mailbox must exist before anyone can answer the invite.
  try {
    await d.mailboxes.open(mailboxId, relays[0]!, null)
  } catch (err) {
    ctx.log('invite mailbox not created', err)
    return inviteMailboxRefused(err)
  }
  const expiresAt = now + INVITE_POLICY.lifetimeMs
  const oldest = pending.slice(INVITE_POLICY.maxPending - 1).map((i) => i.mailboxId)
  const link = short.link
  const card = await changeSecrets(ctx, (s) => {
    const oneTime = addPrekey(s, ctx.platform, PREKEY_KIND.oneTimeX25519)
    const made = createInviteCard(ctx.local.identity, {
      displayName: ctx.local.displayName,
      prekeyBundle: prekeyBundle(ctx.local, s, oneTime),
      relays: d.mailboxes.relaysFor(relays),
      mailboxId: owned.credentials.mailboxId,
      mailboxCapability: owned.credentials.capability,
      mailboxSealKey: owned.seal.publicKey,
      expiresAt,
    })
    s.invites = [
      ...s.invites.map((i) => (oldest.includes(i.mailboxId) ? { ...i, withdrawn: true } : i)),
      { mailboxId, link, expiresAt, oneTimePrekeyId: oneTime.id, createdAt: now },
    ]
    return made
  })
  d.mailboxes.watch(mailboxId, relays[0]!, { publishPrekeys: false })
  for (const id of oldest) void d.invites.retire(id)
  d.kickKeeper()
  // The short link points at the signed invite, sealed in its mailbox (ADR 0734). Unpublished, the
  // link would be useless: withdraw it (closed at the relay) and say so.
  try {
    await d.mailboxes.open(mailboxId, relays[0]!, card)
  } catch (err) {
    ctx.log('invite not published', err)
    await updateInvites(ctx, (invites) =>
      invites.map((i) => (i.mailboxId === mailboxId ? { ...i, withdrawn: true } : i)),
    )
    void d.invites.retire(mailboxId)
    return inviteMailboxRefused(err)
  }
  return ok({ link, qrPayload: short.qrPayload, expiresAt })
}

export async function acceptInvite(
  d: ContactsDeps,
  link: string,
): Promise<Result<{ contact: ContactSummary; created: boolean }>> {
  const { ctx } = d
  const now = ctx.platform.clock()
  let invite
  try {
    invite = await resolveInvite(link, now, (short) => fetchInviteCard(d.mailboxes, short))
  } catch (err) {
    return inviteRefused(err)
  }
  if (toBase64Url(invite.identityKey) === toBase64Url(ctx.local.identity.publicKey)) {
    return fail('invite_self', 'this invite is our own')
  }
  const known = await ctx.store.getContactByIdentityKey(toBase64Url(invite.identityKey))
  const relays = d.relays()
  if (known !== undefined) return answerKnownContact(d, known, invite, relays)
  if (relays.length === 0)
    return fail('invalid_state', 'add a relay first: the contact answers there')

  const contactId = toBase64Url(randomId(ctx.platform))
  const conversationId = toBase64Url(randomId(ctx.platform))
  const mailboxId = d.mailboxes.newMailboxId()
  const contact = invitedContact(invite, contactId, mailboxId, now)
  const hello = d.mailboxes.helloFor(mailboxId, relays.slice(0, MESSENGER_LIMITS.relays), false)
  const helloPayload = {
    messageId: randomId(ctx.platform),
    sentAt: now,
    body: { kind: 'hello', hello },
  } as const
  // The session's first frame is discarded: the queued Hello is encrypted at send time and still
  // carries the PQXDH header (every frame does until the inviter answers).
  const start = initiateSession({
    local: ctx.local.device,
    bundle: invite.bundle,
    body: encodePayload(helloPayload),
    platform: ctx.platform,
  })
  const deviceId = deviceIdOf(invite.bundle.cert.peerId)
  const events: ClientEvent[] = []
  await ctx.store.transaction(async (tx) => {
    Object.assign(contact, await contactName(tx, invite.displayName, contact.identityKeyId))
    await tx.putContact(contact)
    await tx.putConversation({
      conversationId,
      contactId,
      lastMessageId: null,
      lastActivityAt: now,
      unreadCount: 0,
    })
    await tx.putDevice({
      ownerId: contactId,
      deviceId,
      certificate: invite.bundle.cert.bytes,
      addedAt: now,
      expiresAt: invite.bundle.cert.expiresAt,
      lastSeenAt: null,
    })
    await tx.putSession(
      { contactId, deviceId, state: encodeSessionState(start.session), version: 1, updatedAt: now },
      null,
    )
    await queueControl(tx, conversationId, helloPayload, now)
    await systemMessage(d, tx, contactId, 'contact_added', events)
  })
  d.learnDevice(deviceId, contactId)
  d.mailboxes.watch(mailboxId, relays[0]!)
  d.kickKeeper()
  for (const e of events) ctx.emit(e)
  const summary = await emitContact(d, contact)
  d.kickOutbox()
  return ok({ contact: summary, created: true })
}

/**
 * A contact who never answered (their last invite was used, withdrawn or expired) sent a new
 * invite: answer it in the same conversation (ADR 0733).
 */
async function answerKnownContact(
  d: ContactsDeps,
  known: ContactRecord,
  invite: VerifiedInvite,
  relays: string[],
): Promise<Result<{ contact: ContactSummary; created: boolean }>> {
  const hello =
    known.inboundMailboxId === null || relays.length === 0
      ? null
      : d.mailboxes.helloFor(
          known.inboundMailboxId,
          relays.slice(0, MESSENGER_LIMITS.relays),
          false,
        )
  if (hello !== null && (await answerInviteAgain(d.ctx, known, invite, hello))) {
    d.learnDevice(deviceIdOf(invite.bundle.cert.peerId), known.contactId)
    d.kickOutbox()
  }
  return ok({ contact: await summaryOf(d.ctx.store, known), created: false })
}

/** The contact an accepted invite creates: unverified, pinned to the invite's key (TOFU). */
function invitedContact(
  invite: VerifiedInvite,
  contactId: string,
  inboundMailboxId: string,
  now: number,
): ContactRecord {
  const outbound: HelloBody = {
    displayName: invite.displayName,
    relays: invite.relays,
    mailboxId: invite.mailboxId,
    mailboxCapability: invite.mailboxCapability,
    mailboxSealKey: invite.mailboxSealKey,
    reply: false,
  }
  return {
    contactId,
    displayName: displayNameOr(invite.displayName, FALLBACK_CONTACT_NAME),
    identityPublicKey: invite.identityKey,
    identityKeyId: toBase64Url(invite.identityKey),
    verified: false,
    blocked: false,
    keyChange: null,
    relays: invite.relays,
    inboundMailboxId,
    outboundMailbox: encodeOutbound(outbound),
    addedAt: now,
    updatedAt: now,
  }
}

/** The identity key the user is asked to trust now: the new one during a key change. */
function presentedKey(c: ContactRecord): Uint8Array {
  return c.keyChange?.identityPublicKey ?? c.identityPublicKey
}

export async function contactInfo(
  d: ContactsDeps,
  contactId: string,
): Promise<Result<ContactInfo>> {
  const { ctx } = d
  const c = await ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  const sn = safetyNumber(ctx.local.identity.publicKey, presentedKey(c))
  const devices = await ctx.store.listDevices(contactId)
  return ok({
    contact: await summaryOf(ctx.store, c),
    safetyNumber: sn.groups,
    myVerificationQr: toBase64Url(sn.qrPayload),
    // The client API shows at most devicesMax devices (hostile-trust caps how many are kept).
    devices: devices.slice(0, PEER_VALUE_CAPS.devicesPerContact).map((dev) => ({
      deviceId: dev.deviceId,
      addedAt: dev.addedAt,
      lastSeenAt: dev.lastSeenAt,
    })),
    addedAt: c.addedAt,
    keyChangedAt: c.keyChange?.seenAt ?? null,
    relays: c.relays,
    refusedKeys: c.refusedKeys?.length ?? 0,
  })
}

async function update(
  d: ContactsDeps,
  contactId: string,
  change: (c: ContactRecord, tx: StoreOperations, events: ClientEvent[]) => Promise<void>,
  released: Adopted['files'] = [],
): Promise<Result<{ contact: ContactSummary }>> {
  const { ctx } = d
  const events: ClientEvent[] = []
  const updated = await ctx.locks.run(contactId, () =>
    ctx.store.transaction(async (tx) => {
      const c = await tx.getContact(contactId)
      if (c === undefined) return undefined
      await change(c, tx, events)
      c.updatedAt = ctx.platform.clock()
      await tx.putContact(c)
      return c
    }),
  )
  if (updated === undefined) return fail('not_found', 'no such contact')
  for (const e of events) ctx.emit(e)
  const contact = await emitContact(d, updated)
  for (const dev of await ctx.store.listDevices(contactId)) d.learnDevice(dev.deviceId, contactId)
  for (const f of released) {
    try {
      await d.releaseFile(f.conversationId, f.messageId, f.body)
    } catch (err) {
      ctx.log('released file offer not taken', err)
    }
  }
  d.kickOutbox()
  return ok({ contact })
}

/**
 * Trust the presented key (ADR 0720): it is pinned, sessions and devices of other identities go,
 * its held Hello is applied and its held messages enter the thread in arrival order.
 */
async function adoptKey(
  d: ContactsDeps,
  tx: StoreOperations,
  c: ContactRecord,
  events: ClientEvent[],
  released: Adopted['files'],
): Promise<void> {
  const adopted = await adoptPendingKey(
    tx,
    c,
    { platform: d.ctx.platform, helloFor: (x, reply) => d.helloFor(x, reply) },
    events,
  )
  released.push(...adopted.files)
}

export async function verifyContact(
  d: ContactsDeps,
  contactId: string,
  method: 'safety_number' | 'qr',
  scanned: string | null,
): Promise<Result<{ contact: ContactSummary }>> {
  const c = await d.ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  if (method === 'qr') {
    let match: boolean
    try {
      const sn = safetyNumber(d.ctx.local.identity.publicKey, presentedKey(c))
      match = scanned !== null && compareSafetyQr(sn, fromBase64Url(scanned))
    } catch {
      match = false // not a Hestia verification QR
    }
    if (!match) return fail('verification_mismatch', 'the scanned code is not this contact’s')
  }
  if (method === 'safety_number' && scanned !== null) {
    // The digits the user compared (the UI sends them): a key that changed since is not adopted.
    const shown = safetyNumber(d.ctx.local.identity.publicKey, presentedKey(c)).groups.join('')
    if (scanned.replace(/\s/g, '') !== shown)
      return fail('verification_mismatch', 'the key changed again: compare the new safety number')
  }
  const presented = presentedKey(c)
  const released: Adopted['files'] = []
  return update(
    d,
    contactId,
    async (rec, tx, events) => {
      if (!bytesEqual(presentedKey(rec), presented)) {
        // Another key replaced the one the user compared meanwhile: they must look again.
        throw new KeyMovedError()
      }
      await adoptKey(d, tx, rec, events, released)
      rec.verified = true
      await systemMessage(d, tx, contactId, 'verified', events)
    },
    released,
  ).catch((err: unknown) => {
    if (err instanceof KeyMovedError)
      return fail('verification_mismatch', 'the key changed again: compare the new safety number')
    throw err
  })
}

class KeyMovedError extends Error {}

export async function acceptNewKey(
  d: ContactsDeps,
  contactId: string,
): Promise<Result<{ contact: ContactSummary }>> {
  const c = await d.ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  if (c.keyChange === null) return fail('invalid_state', 'the key did not change')
  const released: Adopted['files'] = []
  return update(
    d,
    contactId,
    async (rec, tx, events) => {
      await adoptKey(d, tx, rec, events, released)
      rec.verified = false
      await systemMessage(d, tx, contactId, 'new_key_accepted', events)
    },
    released,
  )
}

/**
 * Keeps the old key (ADR 0720): the held messages are deleted and the new key is refused until
 * the user allows new keys again (`allowNewKeys`). Trust returns to what it was before.
 */
export async function keepOldKey(
  d: ContactsDeps,
  contactId: string,
): Promise<Result<{ contact: ContactSummary }>> {
  const c = await d.ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  if (c.keyChange === null) return fail('invalid_state', 'the key did not change')
  return update(d, contactId, async (rec, tx, events) => {
    if (rec.keyChange === null) return
    refusePendingKey(rec)
    await systemMessage(d, tx, contactId, 'new_key_refused', events)
  })
}

/** The user changed their mind: refused keys may raise a key-change notice again. */
export async function allowNewKeys(
  d: ContactsDeps,
  contactId: string,
): Promise<Result<{ contact: ContactSummary }>> {
  const c = await d.ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  if ((c.refusedKeys?.length ?? 0) === 0) return fail('invalid_state', 'no key was refused')
  return update(d, contactId, (rec) => {
    rec.refusedKeys = []
    return Promise.resolve()
  })
}

export function renameContact(
  d: ContactsDeps,
  contactId: string,
  displayName: string,
): Promise<Result<{ contact: ContactSummary }>> {
  return update(d, contactId, async (rec, tx) => {
    const named = await contactName(tx, displayName, rec.identityKeyId, rec.contactId)
    rec.displayName = named.displayName
    if (named.nameTag === undefined) delete rec.nameTag
    else rec.nameTag = named.nameTag
  })
}

export function setBlocked(
  d: ContactsDeps,
  contactId: string,
  blocked: boolean,
): Promise<Result<{ contact: ContactSummary }>> {
  return update(d, contactId, async (rec, tx, events) => {
    if (rec.blocked === blocked) return
    rec.blocked = blocked
    await systemMessage(d, tx, contactId, blocked ? 'blocked' : 'unblocked', events)
  })
}

export async function deleteContact(d: ContactsDeps, contactId: string): Promise<Result<object>> {
  const { ctx } = d
  const c = await ctx.store.getContact(contactId)
  if (c === undefined) return fail('not_found', 'no such contact')
  const conv = await ctx.store.getConversationByContact(contactId)
  // A tombstone in the same transaction: our other devices delete it too (sync-delete.ts).
  await ctx.locks.run(contactId, () => deleteHere(ctx, c))
  if (c.inboundMailboxId !== null) d.mailboxes.unwatch(c.inboundMailboxId)
  for (const r of c.retiringMailboxes ?? []) d.mailboxes.unwatch(r.mailboxId)
  if (conv !== undefined)
    ctx.emit({ type: 'conversation.removed', conversationId: conv.conversationId })
  return ok({})
}

/**
 * How a request fails when the relay did not open or fill the invite's mailbox, by code: a relay
 * that answered (busy, full) is not "unreachable" — saying so would send the user to check a
 * connection that works — and busy says for how long.
 */
function inviteMailboxRefused(err: unknown): ClientFailure {
  if (!(err instanceof MailboxError)) {
    // The cause (a reset stream, a dial that timed out) goes along: it is what a bug report needs.
    const cause = err instanceof Error ? err.message : String(err)
    return fail('relay_unreachable', `relay did not answer (${cause})`)
  }
  if (err.code === 'rate_limited') {
    return failRelayBusy('relay is busy making new invites', err.retryAfterMs)
  }
  return fail('relay_refused', `relay refused the invite: ${err.message}`)
}
