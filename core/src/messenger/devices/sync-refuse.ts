/**
 * A contact's changed key refused on one of our devices ("keep the old key") is refused on the
 * others (issue 19, ADR 0785), but only for the same new key:
 *
 *   key refused (kind 14) = the refused key (32 B) || a kind 7 body (sync-state.ts) naming the
 *                           kept key, with the user's choices after the decision
 *
 * The deciding device notices the decision as a refused key other than the one our devices agreed
 * on (`ContactSyncState.refused`, sync-contacts.ts) and stamps it like any change. A receiver takes
 * it only when it holds the contact under the kept key (`wrong_key` otherwise: it accepted another
 * key meanwhile), the stamp is newer than what it holds (`replay` otherwise: a frame a relay kept
 * from an earlier decision) and its pending key change names exactly the refused key (`wrong_key`
 * otherwise: another key, or none seen here — a decision for a key this device never checked
 * changes nothing). Then it refuses the key as the user's own refusal does (trust.ts
 * refusePendingKey: held messages deleted, the key refused until new keys are allowed again) and
 * takes the choices. A device that refused the same key itself takes the frame as a kind 7 state.
 */
import type { ClientEvent } from '../../client/api.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import type { ContactRecord } from '../../store/records.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import { toBase64Url } from '../records.ts'
import { addSystemLine } from '../system-line.ts'
import { refusePendingKey } from '../trust.ts'
import { contactSummary, conversationSummary } from '../views.ts'
import { applyContactState, type AppliedContactState } from './sync-contacts.ts'
import { contactChoiceBytes, decodeContactState, orderOf } from './sync-state.ts'

const KEY_BYTES = 32

function split(body: Uint8Array): { refused: Uint8Array; state: Uint8Array } {
  if (body.length <= KEY_BYTES) throw new ProtocolError('malformed', 'key refused: too short')
  return { refused: body.slice(0, KEY_BYTES), state: body.subarray(KEY_BYTES) }
}

function refusedHere(c: ContactRecord, key: Uint8Array): boolean {
  return (c.refusedKeys ?? []).some((k) => bytesEqual(k, key))
}

/**
 * Takes a key refused on our device at the other end of a link. Throws ProtocolError as the
 * header says; nothing changes then.
 */
export async function applyKeyRefused(
  ctx: MessengerContext,
  body: Uint8Array,
  fromPrimary: boolean,
): Promise<AppliedContactState> {
  const { refused, state } = split(body)
  const f = decodeContactState(state)
  const kept = f.contact.identityKey
  if (bytesEqual(refused, kept)) throw new ProtocolError('malformed', 'key refused: same key')
  const listed = await ctx.store.getContactByIdentityKey(toBase64Url(kept))
  if (listed === undefined)
    throw new ProtocolError('wrong_key', 'key refused: this device does not hold the kept key')
  // Refused here too (by the user, or an earlier copy of this frame): the choices as kind 7.
  if (listed.keyChange === null && refusedHere(listed, refused))
    return applyContactState(ctx, state, fromPrimary)
  const events: ClientEvent[] = []
  const c = await ctx.locks.run(listed.contactId, () =>
    ctx.store.transaction(async (tx) => {
      const c = await tx.getContact(listed.contactId)
      if (c === undefined || !bytesEqual(c.identityPublicKey, kept))
        throw new ProtocolError('replay', 'key refused: the contact moved on meanwhile')
      const held = c.ownSync ?? {
        stamp: 0,
        routeStamp: 0,
        route: null,
        ...{ displayName: c.displayName, verified: c.verified, blocked: c.blocked },
      }
      const order = orderOf(
        f.stateStamp,
        contactChoiceBytes(f.contact),
        held.stamp,
        contactChoiceBytes(held),
      )
      if (order !== 'newer') throw new ProtocolError('replay', 'key refused: not newer')
      if (c.keyChange === null || !bytesEqual(c.keyChange.identityPublicKey, refused))
        throw new ProtocolError('wrong_key', 'key refused: not the key this device holds')
      refusePendingKey(c)
      c.displayName = f.contact.displayName
      c.verified = f.contact.verified
      c.blocked = f.contact.blocked
      // The agreement records the refusal, so the contact.updated below sends nothing back.
      c.ownSync = {
        ...held,
        stamp: f.stateStamp,
        ...{ displayName: c.displayName, verified: c.verified, blocked: c.blocked },
        key: kept,
        refused,
        pending: false,
      }
      c.updatedAt = ctx.platform.clock()
      const conv = await tx.getConversationByContact(c.contactId)
      if (conv !== undefined) {
        const now = ctx.platform.clock()
        const o = { now, platform: ctx.platform, events }
        await addSystemLine(tx, conv.conversationId, 'new_key_refused', o)
      }
      await tx.putContact(c)
      return c
    }),
  )
  for (const e of events) ctx.emit(e)
  const conv = await ctx.store.getConversationByContact(c.contactId)
  if (conv !== undefined) {
    ctx.emit({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
    const summary = await conversationSummary(ctx.store, conv)
    if (summary !== undefined) ctx.emit({ type: 'conversation.updated', conversation: summary })
  }
  return { created: false, rerouted: false, changed: true }
}
