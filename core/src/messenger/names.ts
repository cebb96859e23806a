/**
 * The name a contact is stored with: cleaned (core/src/text/clean.ts) and, when it reads like
 * another contact's name, tagged with a few characters of its key that the contact cannot choose
 * (docs/adr/0710). Used wherever a contact gets a name: a Hello to our invite, an invite we
 * accept, a rename.
 */
import type { StoreOperations } from '../store/store.ts'
import { displayNameOr } from '../text/clean.ts'
import { nameTagFor, namesConfusable } from '../text/confusable.ts'

/** Shown when a peer's name has nothing visible left. */
export const FALLBACK_CONTACT_NAME = 'Contact'

export interface ContactName {
  displayName: string
  /** Absent unless the name is confusable with another contact's. */
  nameTag?: string
}

/**
 * `raw` cleaned, with a tag when another contact (not `self`) has a confusable name. The
 * contact added later is the one tagged: the name the user already knows stays as it was.
 */
export async function contactName(
  tx: Pick<StoreOperations, 'listContacts'>,
  raw: string,
  identityKeyId: string,
  self?: string,
): Promise<ContactName> {
  const displayName = displayNameOr(raw, FALLBACK_CONTACT_NAME)
  const others = (await tx.listContacts()).filter((c) => c.contactId !== self)
  const clash = others.some((c) => namesConfusable(c.displayName, displayName))
  return clash ? { displayName, nameTag: nameTagFor(identityKeyId) } : { displayName }
}
