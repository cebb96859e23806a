/**
 * A contact's changed key accepted on one of our devices is accepted on the others (issue 19, ADR
 * 0785), but only for the same new key:
 *
 *   key accepted (kind 12) = the replaced key (32 B) || a kind 7 body (sync-state.ts) naming the
 *                            accepted key, with the user's choices after the decision
 *
 * The deciding device notices the decision as a pinned key other than the one our devices agreed
 * on (`ContactSyncState.key`, sync-contacts.ts) and stamps it like any change. A receiver takes it
 * only when it holds the contact under the replaced key, the stamp is newer than what it holds
 * (`replay` otherwise: a frame a relay kept from an earlier decision) and its pending key change
 * names exactly the accepted key (`wrong_key` otherwise: another key, or none seen here yet — the
 * chat stays held and blocked, the user decides here). Then it adopts the key as the user's own
 * acceptance does (trust.ts adoptPendingKey: held messages released, the held Hello applied) and
 * takes the choices, so a verification made with the decision follows too.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { ContactsDeps } from '../contacts.ts'
import type { MessengerContext } from '../context.ts'
import type { MailboxManager } from '../mailbox-manager.ts'
import { decodeOutbound, toBase64Url } from '../records.ts'
import { adoptPendingKey, type Adopted } from '../trust.ts'
import { OWN_FRAME_KIND } from './own-frames.ts'
import { applyContactState, type AppliedContactState } from './sync-contacts.ts'
import { applyDeletion } from './sync-delete.ts'
import { applyKeyRefused } from './sync-refuse.ts'
import { takeNewerContactFrame } from './sync-decision.ts'
import { decodeContactState, encodeContactState } from './sync-state.ts'

const KEY_BYTES = 32

/**
 * A companion's contact frame (kind 7, 12 or 14) as the primary passes it on to its other
 * companions: without a route. They take what the primary sends as the primary's, route included,
 * while only the primary says where to deposit for a contact (a companion's frame carries none;
 * one that does is taken here without it, review 11 F4). Other kinds, and frames without a route,
 * as they came.
 */
export function withoutRoute(kind: number, body: Uint8Array): Uint8Array {
  const k = OWN_FRAME_KIND
  if (kind !== k.contactState && kind !== k.keyAccepted && kind !== k.keyRefused) return body
  const head = kind === k.contactState ? 0 : KEY_BYTES
  const f = decodeContactState(body.subarray(head))
  if (f.contact.route === undefined && f.routeStamp === 0) return body
  const { route: _route, ...contact } = f.contact
  const state = encodeContactState({ ...f, routeStamp: 0, contact })
  const out = new Uint8Array(head + state.length)
  out.set(body.subarray(0, head))
  out.set(state, head)
  return out
}

/** What adopting a key needs from the messenger (contacts.ts gives the same to the user's). */
export type KeyAcceptDeps = Pick<
  ContactsDeps,
  'helloFor' | 'releaseFile' | 'kickOutbox' | 'learnDevice'
>

/** The kind 7 body inside a kind 12 frame (for a device that already holds the accepted key). */
export function acceptedState(body: Uint8Array): Uint8Array {
  if (body.length <= KEY_BYTES) throw new ProtocolError('malformed', 'key accepted: too short')
  return body.subarray(KEY_BYTES)
}

/**
 * Takes a key accepted on our device at the other end of a link. Returns null when no contact is
 * held under the replaced key (already accepted here, or never held): the caller takes the state
 * part as a kind 7 frame. Throws ProtocolError as the header says; nothing changes then.
 */
export async function applyKeyAccepted(
  ctx: MessengerContext,
  deps: KeyAcceptDeps,
  body: Uint8Array,
  fromPrimary: boolean,
): Promise<AppliedContactState | null> {
  const f = decodeContactState(acceptedState(body))
  const replaced = body.slice(0, KEY_BYTES)
  const accepted = f.contact.identityKey
  if (bytesEqual(replaced, accepted)) throw new ProtocolError('malformed', 'key accepted: same key')
  const listed = await ctx.store.getContactByIdentityKey(toBase64Url(replaced))
  if (listed === undefined) return null
  const released: Adopted['files'] = []
  const c = await takeNewerContactFrame(ctx, {
    what: 'key accepted',
    contactId: listed.contactId,
    pinned: replaced,
    movedOn: 'replay',
    pending: accepted,
    frame: f,
    decide: async (tx, c, held, events) => {
      const adopted = await adoptPendingKey(tx, c, { platform: ctx.platform, ...deps }, events)
      released.push(...adopted.files)
      const route = fromPrimary ? (f.contact.route ?? null) : null
      const routeNewer = route !== null && f.routeStamp > held.routeStamp
      if (routeNewer) {
        c.outboundMailbox = route
        c.relays = [...(decodeOutbound(route)?.relays ?? c.relays)]
      }
      const { displayName, verified, blocked } = f.contact
      const ownSync = {
        ...held,
        stamp: f.stateStamp,
        ...{ displayName, verified, blocked },
        ...(routeNewer ? { routeStamp: f.routeStamp, route } : {}),
        key: accepted,
        pending: false,
      }
      return { ownSync, line: verified ? ('verified' as const) : ('new_key_accepted' as const) }
    },
  })
  for (const dev of await ctx.store.listDevices(c.contactId))
    deps.learnDevice(dev.deviceId, c.contactId)
  for (const file of released)
    await deps
      .releaseFile(file.conversationId, file.messageId, file.body)
      .catch((err: unknown) => ctx.log('released file offer not taken', err))
  deps.kickOutbox()
  return { created: false, rerouted: true, changed: true }
}

/** What the contact frames need from the channel (kinds 12 and 13 change more than a record). */
export interface ContactFrameDeps {
  contacts: KeyAcceptDeps | undefined
  mailboxes: Pick<MailboxManager, 'unwatch'>
}

/** The own-device frame kinds about one contact: its state, a key accepted or refused, a delete. */
export function isContactKind(kind: number): boolean {
  const k = OWN_FRAME_KIND
  return (
    kind === k.contactState ||
    kind === k.keyAccepted ||
    kind === k.keyRefused ||
    kind === k.contactDeleted
  )
}

/** Takes a contact frame (kind 7, 12, 13 or 14) from our device at the other end of a link. */
export async function applyContactFrame(
  ctx: MessengerContext,
  deps: ContactFrameDeps,
  kind: number,
  body: Uint8Array,
  fromPrimary: boolean,
): Promise<AppliedContactState> {
  if (kind === OWN_FRAME_KIND.contactDeleted) {
    const unwatch = (mailboxId: string) => deps.mailboxes.unwatch(mailboxId)
    const changed = await applyDeletion(ctx, body, fromPrimary, unwatch)
    return { created: false, rerouted: false, changed }
  }
  if (kind === OWN_FRAME_KIND.keyRefused) return applyKeyRefused(ctx, body, fromPrimary)
  if (kind !== OWN_FRAME_KIND.keyAccepted) return applyContactState(ctx, body, fromPrimary)
  if (deps.contacts === undefined) throw new Error('key accepted: this messenger has no contacts')
  const adopted = await applyKeyAccepted(ctx, deps.contacts, body, fromPrimary)
  // Already accepted here (an echo, a frame sent again): the choices as a kind 7 state.
  return adopted ?? applyContactState(ctx, acceptedState(body), fromPrimary)
}
