/**
 * The address book after the link (issue 19, ADR 0762): when the primary adds a contact or a
 * contact's name, verification or block state changes there, the contact goes to our companions
 * over the own-device channel (kind 5, one SyncedContact in a SyncSnapshot, as in the grant). A
 * companion creates a contact it does not know (it greets it on its next keeper pass) or updates
 * name, verified, blocked and the route of one it knows. The primary sends a contact only when
 * one of these changed since it last sent it (contact.updated follows every incoming frame).
 * Contacts in a key change are not sent (the user has not decided which key is theirs).
 */
import type { ClientEvent } from '../../client/api.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import type { MessengerContext } from '../context.ts'
import { toBase64Url } from '../records.ts'
import { contactSummary, conversationSummary } from '../views.ts'
import { putSyncedContact } from './companion-identity.ts'
import { decodeSyncBook, encodeSyncSnapshot } from './sync.ts'

/** The contact an event is about, when the primary should send it to its companions. */
export async function contactToSync(
  ctx: MessengerContext,
  event: ClientEvent,
): Promise<ContactRecord | undefined> {
  let contactId: string | undefined
  if (event.type === 'contact.updated') contactId = event.contact.contactId
  else if (
    event.type === 'message.added' &&
    event.message.body.kind === 'system' &&
    event.message.body.event === 'contact_added'
  ) {
    contactId = (await ctx.store.getConversation(event.message.conversationId))?.contactId
  }
  const c = contactId === undefined ? undefined : await ctx.store.getContact(contactId)
  return c?.keyChange === null ? c : undefined
}

export function encodeContactUpdate(c: ContactRecord): Uint8Array {
  return encodeSyncSnapshot([
    {
      identityKey: c.identityPublicKey,
      displayName: c.displayName,
      verified: c.verified,
      blocked: c.blocked,
      ...(c.outboundMailbox !== null ? { route: c.outboundMailbox } : {}),
    },
  ])
}

/**
 * A companion takes contact updates from the primary: how many contacts it created, and whether a
 * known contact's route changed (what waits in the outbox for it can go there now).
 */
export async function applyContactUpdate(
  ctx: MessengerContext,
  body: Uint8Array,
): Promise<{ created: number; rerouted: boolean }> {
  const events: ClientEvent[] = []
  let created = 0
  let rerouted = false
  await ctx.store.transaction(async (tx) => {
    for (const synced of decodeSyncBook(body).contacts) {
      const known = await tx.getContactByIdentityKey(toBase64Url(synced.identityKey))
      const c =
        known === undefined
          ? await putSyncedContact(tx, ctx.platform, synced, ctx.platform.clock())
          : await updateKnown(tx, known, synced, ctx.platform)
      if (known === undefined) created++
      else if (!sameBytes(known.outboundMailbox, c.outboundMailbox)) rerouted = true
      const conv = await tx.getConversationByContact(c.contactId)
      if (conv === undefined) continue
      events.push({ type: 'contact.updated', contact: contactSummary(c, conv.conversationId) })
      const summary = await conversationSummary(tx, conv)
      if (summary !== undefined)
        events.push({ type: 'conversation.updated', conversation: summary })
    }
  })
  for (const e of events) ctx.emit(e)
  return { created, rerouted }
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a === null || b === null ? a === b : bytesEqual(a, b)
}

async function updateKnown(
  tx: StoreOperations,
  known: ContactRecord,
  synced: Parameters<typeof putSyncedContact>[2],
  platform: CryptoPlatform,
): Promise<ContactRecord> {
  const updated: ContactRecord = {
    ...known,
    displayName: synced.displayName,
    verified: synced.verified,
    blocked: synced.blocked,
    // The primary's route is the newest (the contact moves us off its invite mailbox, ADR 0730).
    ...(synced.route !== undefined ? { outboundMailbox: synced.route } : {}),
    updatedAt: platform.clock(),
  }
  await tx.putContact(updated)
  return updated
}
