/**
 * A contact's state between our own devices, both ways (issue 19, ADR 0785). A rename, block,
 * unblock or verification made on any device goes to the other end of each own-device link as a
 * stamped contact state (kind 7, sync-state.ts); the primary also sends the route it deposits
 * into, and the contacts it adds. A device takes the user's choices when their stamp is newer
 * than the one it holds, and a route only from the primary and when its own stamp is newer: a
 * stale or replayed frame changes nothing and is refused as a replay.
 *
 * A change is noticed by comparing the contact with what our devices last agreed on
 * (`ContactRecord.ownSync`): taking a frame records the agreement first, so the contact.updated it
 * causes sends nothing back.
 */
import type { ClientEvent } from '../../client/api.ts'
import { bytesEqual, concatBytes } from '../../crypto/bytes.ts'
import type { ContactRecord, ContactSyncState } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import { decodeOutbound, toBase64Url } from '../records.ts'
import { contactSummary, conversationSummary } from '../views.ts'
import { putSyncedContact } from './companion-identity.ts'
import { OWN_FRAME_KIND } from './own-frames.ts'
import { deletedStamp } from './sync-delete.ts'
import {
  contactChoiceBytes,
  decodeContactState,
  encodeContactState,
  nextStamp,
  orderOf,
  type ContactStateFrame,
} from './sync-state.ts'

function sameRoute(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b)
}

function sameKey(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && bytesEqual(a, b)
}

/** What a contact's record holds as agreed; before any sync, its present state at stamp 0. */
function heldState(c: ContactRecord): ContactSyncState {
  return c.ownSync ?? baselineOf(c, false)
}

/**
 * Records what each contact holds now as what our devices agree on, at stamp 0, for contacts that
 * have no agreement yet (older records; run at each start before anything is sent). Without it
 * the first change event of an older contact would look like the user's and could outrank a
 * real change made on another device meanwhile.
 */
export async function baselineContacts(ctx: MessengerContext): Promise<number> {
  const primary = ctx.local.companion !== true
  return ctx.store.transaction(async (tx) => {
    let n = 0
    for (const c of await tx.listContacts()) {
      if (c.keyChange !== null) continue
      const lastRefused = c.refusedKeys?.at(-1)
      const unrefused = lastRefused !== undefined && c.ownSync?.refused === undefined
      if (c.ownSync?.key !== undefined && !unrefused) continue
      // An agreement from before keys (or refusals, sync-refuse.ts) were part of it names the key
      // pinned now (sync-key.ts) and the key refused last: an old refusal is not sent as new.
      const ownSync = { ...(c.ownSync ?? baselineOf(c, primary)), key: c.identityPublicKey }
      await tx.putContact({ ...c, ownSync: { ...ownSync, ...refusedOf(c) } })
      n++
    }
    return n
  })
}

/** The agreement a contact starts with: its present state at stamp 0. */
export function baselineOf(c: ContactRecord, primary: boolean): ContactSyncState {
  return {
    stamp: 0,
    displayName: c.displayName,
    verified: c.verified,
    blocked: c.blocked,
    routeStamp: 0,
    route: primary ? c.outboundMailbox : null,
    key: c.identityPublicKey,
    ...refusedOf(c),
  }
}

/** The key refused last here, as an agreement field (none when no key is refused). */
function refusedOf(c: ContactRecord): { refused?: Uint8Array } {
  const last = c.refusedKeys?.at(-1)
  return last === undefined ? {} : { refused: last }
}

/** A frame for our other devices: kind 7 (a contact state), 12 or 14 (a key accepted, refused). */
export interface OwnSend {
  kind: number
  body: Uint8Array
}

function sendOf(c: ContactRecord, s: ContactSyncState, withRoute: boolean): OwnSend {
  const body = encodeContactState(frameOf(c, s, withRoute))
  if (s.replaced !== undefined)
    return { kind: OWN_FRAME_KIND.keyAccepted, body: concatBytes(s.replaced, body) }
  if (s.refusing !== undefined)
    return { kind: OWN_FRAME_KIND.keyRefused, body: concatBytes(s.refusing, body) }
  return { kind: OWN_FRAME_KIND.contactState, body }
}

/**
 * The contact state to send for `contactId` when the user changed it here (or, on the primary,
 * its route changed or it is new to our devices: no agreement yet, as baselineContacts left
 * every older one with one); null when our devices already agree. Records the new agreement in
 * the same transaction.
 */
export async function stampLocalChange(
  ctx: MessengerContext,
  contactId: string,
): Promise<OwnSend | null> {
  const primary = ctx.local.companion !== true
  return ctx.store.transaction(async (tx) => {
    const c = await tx.getContact(contactId)
    if (c === undefined || c.keyChange !== null) return null
    const held = c.ownSync
    if (held === undefined) {
      // New since the start or the last link (an invite taken): the primary hands it to our
      // devices as it is, stamped past a delete of the same contact our devices agreed on
      // (sync-delete.ts); else at 0, so it outranks no real change made elsewhere.
      const deleted = deletedStamp(ctx, c.identityPublicKey)
      const stamp = deleted === undefined ? 0 : nextStamp(deleted, ctx.platform.clock())
      const ownSync = { ...baselineOf(c, primary), stamp, pending: primary }
      await tx.putContact({ ...c, ownSync })
      return primary ? sendOf(c, ownSync, true) : null
    }
    // The user accepted a changed key here (contacts.ts acceptNewKey / verifyContact).
    const keyChanged = held.key !== undefined && !bytesEqual(held.key, c.identityPublicKey)
    const replaced = keyChanged ? held.key : held.replaced
    // The user kept the old key here (contacts.ts keepOldKey): a refusal our devices were not told.
    const lastRefused = c.refusedKeys?.at(-1)
    const refusedHere = lastRefused !== undefined && !sameKey(held.refused, lastRefused)
    const refusing = refusedHere ? lastRefused : held.refusing
    const choiceChanged =
      keyChanged ||
      refusedHere ||
      held.displayName !== c.displayName ||
      held.verified !== c.verified ||
      held.blocked !== c.blocked
    const routeChanged = primary && !sameRoute(held.route, c.outboundMailbox)
    if (!choiceChanged && !routeChanged) {
      // New keys allowed again (allowNewKeys): the same key refused later is a refusal again.
      if (lastRefused === undefined && held.refused !== undefined) {
        const { refused: _allowed, ...agreed } = held
        await tx.putContact({ ...c, ownSync: agreed })
      }
      return null
    }
    const now = ctx.platform.clock()
    const next: ContactSyncState = {
      stamp: choiceChanged ? nextStamp(held.stamp, now) : held.stamp,
      displayName: c.displayName,
      verified: c.verified,
      blocked: c.blocked,
      routeStamp: routeChanged ? nextStamp(held.routeStamp, now) : held.routeStamp,
      route: primary ? c.outboundMailbox : held.route,
      pending: true,
      key: c.identityPublicKey,
      ...(replaced !== undefined ? { replaced } : {}),
      ...refusedOf(c),
      ...(refusing !== undefined && replaced === undefined ? { refusing } : {}),
    }
    await tx.putContact({ ...c, ownSync: next })
    return sendOf(c, next, primary)
  })
}

/** Every linked device has the contact's state: nothing to send again at the next start. */
export async function markSent(ctx: MessengerContext, contactId: string): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const c = await tx.getContact(contactId)
    if (c?.ownSync?.pending !== true) return
    const { replaced: _told, refusing: _toldToo, ...agreed } = c.ownSync
    await tx.putContact({ ...c, ownSync: { ...agreed, pending: false } })
  })
}

/** The states a stop or a failed deposit left unsent, by contact id (sent again at start). */
export async function unsentStates(ctx: MessengerContext): Promise<Map<string, OwnSend>> {
  const primary = ctx.local.companion !== true
  const out = new Map<string, OwnSend>()
  for (const c of await ctx.store.listContacts()) {
    if (c.ownSync?.pending !== true || c.keyChange !== null) continue
    out.set(c.contactId, sendOf(c, c.ownSync, primary))
  }
  return out
}

function frameOf(c: ContactRecord, s: ContactSyncState, withRoute: boolean): ContactStateFrame {
  return {
    stateStamp: s.stamp,
    routeStamp: withRoute ? s.routeStamp : 0,
    contact: {
      identityKey: c.identityPublicKey,
      displayName: s.displayName,
      verified: s.verified,
      blocked: s.blocked,
      ...(withRoute && s.route !== null ? { route: s.route } : {}),
    },
  }
}

export interface AppliedContactState {
  /** A contact this device did not hold (a companion learning one the primary added). */
  created: boolean
  /** The route changed: what waits in the outbox for the contact can go there now. */
  rerouted: boolean
  /** Anything changed (the primary passes the frame on to its other companions). */
  changed: boolean
}

/**
 * Takes a contact state from our device at the other end of a link. `fromPrimary`: the sender is
 * our primary (only then are routes and new contacts taken). Throws ProtocolError 'replay' for a
 * frame older than what is held, 'unknown_key' for a companion naming a contact we do not hold.
 */
export async function applyContactState(
  ctx: MessengerContext,
  body: Uint8Array,
  fromPrimary: boolean,
): Promise<AppliedContactState> {
  const f = decodeContactState(body)
  const route = fromPrimary ? (f.contact.route ?? null) : null
  const events: ClientEvent[] = []
  const applied = await ctx.store.transaction(async (tx) => {
    const known = await tx.getContactByIdentityKey(toBase64Url(f.contact.identityKey))
    const now = ctx.platform.clock()
    if (known === undefined) {
      if (!fromPrimary) throw new ProtocolError('unknown_key', 'contact state: no such contact')
      await refuseUnheld(ctx, tx, f)
      const made = await putSyncedContact(tx, ctx.platform, f.contact, now)
      const ownSync = stateOf(f, route)
      await tx.putContact({ ...made, ownSync })
      return { contact: { ...made, ownSync }, created: true, rerouted: false, changed: true }
    }
    const held = heldState(known)
    const choices = orderOf(
      f.stateStamp,
      contactChoiceBytes(f.contact),
      held.stamp,
      contactChoiceBytes(held),
    )
    const routeNewer = route !== null && f.routeStamp > held.routeStamp
    if (choices === 'older' && !routeNewer)
      throw new ProtocolError('replay', 'contact state: older than the state held')
    if (choices !== 'newer' && !routeNewer)
      return { contact: known, created: false, rerouted: false, changed: false }
    const next: ContactRecord = {
      ...known,
      updatedAt: now,
      ownSync: { ...held, key: known.identityPublicKey },
    }
    if (choices === 'newer') {
      next.displayName = f.contact.displayName
      next.verified = f.contact.verified
      next.blocked = f.contact.blocked
      next.ownSync = { ...next.ownSync!, ...choicesOf(f) }
    }
    const rerouted = routeNewer && !sameRoute(known.outboundMailbox, route)
    if (routeNewer) {
      next.outboundMailbox = route
      next.relays = [...(decodeOutbound(route)?.relays ?? known.relays)]
      next.ownSync = { ...next.ownSync!, routeStamp: f.routeStamp, route }
    }
    await tx.putContact(next)
    return { contact: next, created: false, rerouted, changed: true }
  })
  if (applied.changed) {
    const conv = await ctx.store.getConversationByContact(applied.contact.contactId)
    if (conv !== undefined) {
      events.push({
        type: 'contact.updated',
        contact: contactSummary(applied.contact, conv.conversationId),
      })
      const summary = await conversationSummary(ctx.store, conv)
      if (summary !== undefined)
        events.push({ type: 'conversation.updated', conversation: summary })
    }
  }
  for (const e of events) ctx.emit(e)
  return { created: applied.created, rerouted: applied.rerouted, changed: applied.changed }
}

function choicesOf(f: ContactStateFrame) {
  return {
    stamp: f.stateStamp,
    displayName: f.contact.displayName,
    verified: f.contact.verified,
    blocked: f.contact.blocked,
  }
}

function stateOf(f: ContactStateFrame, route: Uint8Array | null): ContactSyncState {
  const routeStamp = route === null ? 0 : f.routeStamp
  return { ...choicesOf(f), routeStamp, route, key: f.contact.identityKey }
}

/**
 * A contact this device does not hold is made from the primary's state, unless it is one our
 * devices deleted later than the state's stamp (`replay`: a stale rename does not bring it back)
 * or the key is one this device holds in a key change not yet accepted here (`wrong_key`: the
 * acceptance comes as kind 12, sync-key.ts; a second contact for the same person would be wrong).
 */
async function refuseUnheld(
  ctx: MessengerContext,
  tx: StoreOperations,
  f: ContactStateFrame,
): Promise<void> {
  const deleted = deletedStamp(ctx, f.contact.identityKey)
  if (deleted !== undefined && f.stateStamp <= deleted)
    throw new ProtocolError('replay', 'contact state: the contact was deleted since')
  for (const c of await tx.listContacts())
    if (c.keyChange !== null && bytesEqual(c.keyChange.identityPublicKey, f.contact.identityKey))
      throw new ProtocolError('wrong_key', 'contact state: a key not accepted on this device')
}
