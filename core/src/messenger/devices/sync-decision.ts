/**
 * What a key decision made on another device of ours (kind 12 accepted, sync-key.ts; kind 14
 * refused, sync-refuse.ts; ADR 0785) must meet here before it changes anything, in one place:
 * the contact still pinned to the key the frame names, a stamp newer than our agreement, and a
 * pending key change here for exactly the key decided on. Then the kind's own change, the
 * choices, the system line, one write and the events.
 *
 * A frame that is newer but meets a device whose own key change differs (none seen here yet, or
 * another key) is refused with NotHeldHere (`wrong_key`): the primary still passes it on to its
 * other companions (own-channel.ts), which judge it by what they hold (review 10 F7).
 */
import type { ClientEvent, SystemEvent } from '../../client/api.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import type { ContactRecord, ContactSyncState } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { ProtocolError, type ProtocolErrorCode } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import { addSystemLine } from '../system-line.ts'
import { contactSummary, conversationSummary } from '../views.ts'
import { contactChoiceBytes, orderOf, type ContactStateFrame } from './sync-state.ts'

/** A newer decision about a key change this device does not hold: `wrong_key`, passed on. */
export class NotHeldHere extends ProtocolError {
  constructor(message: string) {
    super('wrong_key', message)
  }
}

export interface NewerContactFrame {
  /** 'key accepted' / 'key refused': how errors name the frame. */
  what: string
  contactId: string
  /** The key the contact must still be pinned to (the replaced one, or the one kept). */
  pinned: Uint8Array
  /** Refused with this code when it is not (the contact moved on meanwhile). */
  movedOn: ProtocolErrorCode
  /** The pending key change this device must hold (the accepted key, or the refused one). */
  pending: Uint8Array
  frame: ContactStateFrame
  /**
   * The kind's own change to `c` (adopt or refuse the key) and the agreement it leaves; the
   * frame's choices are set after it. Gives the system line to add.
   */
  decide(
    tx: StoreOperations,
    c: ContactRecord,
    held: ContactSyncState,
    events: ClientEvent[],
  ): Promise<{ ownSync: ContactSyncState; line: SystemEvent }>
}

/**
 * Checks and applies a kind 12 or 14 frame under the contact's lock, in one transaction; emits
 * what changed and gives the stored contact. Throws ProtocolError (NotHeldHere as above); nothing
 * changes then.
 */
export async function takeNewerContactFrame(
  ctx: MessengerContext,
  n: NewerContactFrame,
): Promise<ContactRecord> {
  const f = n.frame
  const events: ClientEvent[] = []
  const c = await ctx.locks.run(n.contactId, () =>
    ctx.store.transaction(async (tx) => {
      const c = await tx.getContact(n.contactId)
      if (c === undefined || !bytesEqual(c.identityPublicKey, n.pinned))
        throw new ProtocolError(n.movedOn, `${n.what}: the contact moved on meanwhile`)
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
      if (order !== 'newer') throw new ProtocolError('replay', `${n.what}: not newer`)
      if (c.keyChange === null || !bytesEqual(c.keyChange.identityPublicKey, n.pending))
        throw new NotHeldHere(`${n.what}: not the key this device holds`)
      const decided = await n.decide(tx, c, held, events)
      c.displayName = f.contact.displayName
      c.verified = f.contact.verified
      c.blocked = f.contact.blocked
      c.ownSync = decided.ownSync
      c.updatedAt = ctx.platform.clock()
      const conv = await tx.getConversationByContact(c.contactId)
      if (conv !== undefined) {
        const o = { now: ctx.platform.clock(), platform: ctx.platform, events }
        await addSystemLine(tx, conv.conversationId, decided.line, o)
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
  return c
}
