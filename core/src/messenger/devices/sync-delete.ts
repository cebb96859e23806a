/**
 * A contact deleted on one of our devices is deleted on the others (issue 19, ADR 0785), with its
 * conversation, by the same last-writer-wins stamps as a contact's state (sync-state.ts):
 *
 *   contact deleted (kind 13) = stamp (8 B) || the contact's identity key (32 B)
 *
 * The deleting device stamps the delete past what our devices agreed on for the contact and keeps
 * a tombstone (`LocalSecrets.deletedContacts`: key and stamp) in the delete's transaction. A
 * receiver deletes only when the stamp is above the contact's agreed stamp (an older delete — a
 * rename made elsewhere since — is refused `replay` and changes nothing) and keeps the tombstone
 * too, so a state older than the delete cannot bring the contact back (sync-contacts.ts); a
 * contact added again later is stamped past the tombstone and comes back everywhere. A companion
 * naming a contact the primary does not hold is refused (`unknown_key`), as for kind 7.
 */
import type { ClientEvent } from '../../client/api.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { changeSecrets, changeSecretsIn, reloadSecrets, type MessengerContext } from '../context.ts'
import { toBase64Url } from '../records.ts'
import { OWN_FRAME_KIND } from './own-frames.ts'
import { nextStamp, putStamp, readStamp } from './sync-state.ts'

const STAMP_BYTES = 8
const KEY_BYTES = 32
/** Tombstones kept (the newest): each is 40 bytes of secrets; older deletes are long synced. */
export const MAX_DELETED_CONTACTS = 500

/** The stamp of our devices' delete of the contact with `key`, if one is remembered. */
export function deletedStamp(ctx: MessengerContext, key: Uint8Array): number | undefined {
  return (ctx.secrets.deletedContacts ?? []).find((t) => bytesEqual(t.key, key))?.stamp
}

export function encodeDeletion(stamp: number, key: Uint8Array): Uint8Array {
  if (key.length !== KEY_BYTES) throw new RangeError('identity key size')
  const out = new Uint8Array(STAMP_BYTES + KEY_BYTES)
  putStamp(out, 0, stamp)
  out.set(key, STAMP_BYTES)
  return out
}

export function decodeDeletion(body: Uint8Array): { stamp: number; key: Uint8Array } {
  if (body.length !== STAMP_BYTES + KEY_BYTES)
    throw new ProtocolError('malformed', 'contact deleted: wrong size')
  return { stamp: readStamp(body, 0, 'contact deleted'), key: body.slice(STAMP_BYTES) }
}

/** Writes the tombstone for `key` at `stamp` into our secrets, inside `tx`. */
async function putTombstone(
  tx: StoreOperations,
  key: Uint8Array,
  stamp: number,
  pending: boolean,
): Promise<void> {
  await changeSecretsIn(tx, (s) => {
    const kept = (s.deletedContacts ?? []).filter((t) => !bytesEqual(t.key, key))
    s.deletedContacts = [...kept, { key, stamp, ...(pending ? { pending } : {}) }].slice(
      -MAX_DELETED_CONTACTS,
    )
  })
}

/**
 * The user deleted `c` here: the contact and everything about it go, and the tombstone is kept
 * in the same transaction (pending while we have linked devices to tell).
 */
export async function deleteHere(ctx: MessengerContext, c: ContactRecord): Promise<void> {
  const linked = (ctx.secrets.ownLinks ?? []).some((l) => l.removed !== true)
  const held = Math.max(c.ownSync?.stamp ?? 0, deletedStamp(ctx, c.identityPublicKey) ?? 0)
  const stamp = nextStamp(held, ctx.platform.clock())
  await ctx.store.transaction(async (tx) => {
    await putTombstone(tx, c.identityPublicKey, stamp, linked)
    await tx.deleteContact(c.contactId)
  })
  await reloadSecrets(ctx)
}

/** Deletes not yet told to every linked device (sent on the delete's event and at each start). */
export function unsentDeletions(ctx: MessengerContext): { key: Uint8Array; body: Uint8Array }[] {
  return (ctx.secrets.deletedContacts ?? [])
    .filter((t) => t.pending === true)
    .map((t) => ({ key: t.key, body: encodeDeletion(t.stamp, t.key) }))
}

/** Sends the deletes not yet told (kind 13) with `sendAll`; those every device took are done. */
export async function sendDeletions(
  ctx: MessengerContext,
  sendAll: (kind: number, body: Uint8Array) => Promise<boolean>,
): Promise<void> {
  for (const d of unsentDeletions(ctx))
    if (await sendAll(OWN_FRAME_KIND.contactDeleted, d.body)) await deletionSent(ctx, d.key)
}

/** Every linked device was told of the delete of `key`. */
export async function deletionSent(ctx: MessengerContext, key: Uint8Array): Promise<void> {
  await changeSecrets(
    ctx,
    (s) => {
      s.deletedContacts = (s.deletedContacts ?? []).map((t) =>
        bytesEqual(t.key, key) ? { key: t.key, stamp: t.stamp } : t,
      )
    },
    'skip',
  )
}

/**
 * A delete from our device at the other end of a link. Returns whether a contact was deleted here
 * (the primary then passes the frame on). Throws ProtocolError: 'replay' for a delete not newer
 * than what is held, 'unknown_key' for a companion naming a contact the primary does not hold.
 */
export async function applyDeletion(
  ctx: MessengerContext,
  body: Uint8Array,
  fromPrimary: boolean,
  unwatch: (mailboxId: string) => void,
): Promise<boolean> {
  const { stamp, key } = decodeDeletion(body)
  const events: ClientEvent[] = []
  // Under the contact's lock, as a delete made here (the inbox may be using its session).
  const lock = (await ctx.store.getContactByIdentityKey(toBase64Url(key)))?.contactId ?? ''
  const gone = await ctx.locks.run(lock, () =>
    ctx.store.transaction(async (tx) => {
      const c = await tx.getContactByIdentityKey(toBase64Url(key))
      const held = Math.max(c?.ownSync?.stamp ?? 0, deletedStamp(ctx, key) ?? 0)
      if (c === undefined && !fromPrimary)
        throw new ProtocolError('unknown_key', 'contact deleted: no such contact')
      if (stamp <= held)
        throw new ProtocolError('replay', 'contact deleted: older than the state held')
      // Remembered even for a contact this device never held: an older state cannot create it.
      await putTombstone(tx, key, stamp, false)
      if (c === undefined) return undefined
      const conv = await tx.getConversationByContact(c.contactId)
      await tx.deleteContact(c.contactId)
      if (conv !== undefined)
        events.push({ type: 'conversation.removed', conversationId: conv.conversationId })
      return c
    }),
  )
  await reloadSecrets(ctx)
  if (gone === undefined) return false
  if (gone.inboundMailboxId !== null) unwatch(gone.inboundMailboxId)
  for (const r of gone.retiringMailboxes ?? []) unwatch(r.mailboxId)
  for (const e of events) ctx.emit(e)
  return true
}
