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
import { bytesEqual } from '../../crypto/bytes.ts'
import type { ContactRecord } from '../../store/records.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import { toBase64Url } from '../records.ts'
import { refusePendingKey } from '../trust.ts'
import { applyContactState, type AppliedContactState } from './sync-contacts.ts'
import { takeNewerContactFrame } from './sync-decision.ts'
import { decodeContactState } from './sync-state.ts'

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
  await takeNewerContactFrame(ctx, {
    what: 'key refused',
    contactId: listed.contactId,
    pinned: kept,
    // Held under another key now (accepted one meanwhile): as when it was so before (above).
    movedOn: 'wrong_key',
    pending: refused,
    frame: f,
    decide: (_tx, c, held) => {
      refusePendingKey(c)
      // The agreement records the refusal, so the contact.updated after it sends nothing back.
      const { displayName, verified, blocked } = f.contact
      const ownSync = {
        ...held,
        stamp: f.stateStamp,
        ...{ displayName, verified, blocked },
        key: kept,
        refused,
        pending: false,
      }
      return Promise.resolve({ ownSync, line: 'new_key_refused' as const })
    },
  })
  return { created: false, rerouted: false, changed: true }
}
