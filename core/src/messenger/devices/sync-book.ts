/**
 * The address book the primary hands a new device in its link grant (LinkGrant.sync, ADR 0762):
 * every contact with its name, verification and block state, and the route the primary deposits
 * into for it (a deposit address: it opens nothing). Contacts in the middle of a key change are
 * left out (the user has not decided which key is theirs); the most recently active come first,
 * and what does not fit the snapshot cap is left for a later sync instead of failing the link.
 */
import { DEVICE_CAPS } from './limits.ts'
import { encodeSyncSnapshot, type SyncBook, type SyncedContactFields } from './sync.ts'
import type { MessengerContext } from '../context.ts'

export async function buildSyncBook(
  ctx: MessengerContext,
  own?: SyncBook['own'],
): Promise<Uint8Array> {
  const contacts = (await ctx.store.listContacts())
    .filter((c) => c.keyChange === null)
    .sort((a, b) => b.updatedAt - a.updatedAt)
  const book: SyncedContactFields[] = []
  let bytes = encodeSyncSnapshot([], ctx.local.displayName, own)
  for (const c of contacts) {
    const entry: SyncedContactFields = {
      identityKey: c.identityPublicKey,
      displayName: c.displayName,
      verified: c.verified,
      blocked: c.blocked,
      ...(c.outboundMailbox !== null ? { route: c.outboundMailbox } : {}),
    }
    try {
      bytes = encodeSyncSnapshot([...book, entry], ctx.local.displayName, own)
    } catch (err) {
      if (!(err instanceof RangeError)) throw err
      ctx.log(`link: ${contacts.length - book.length} contacts did not fit the snapshot`)
      break
    }
    book.push(entry)
  }
  if (bytes.length > DEVICE_CAPS.syncSnapshot) throw new RangeError('sync snapshot over its cap')
  return bytes
}
