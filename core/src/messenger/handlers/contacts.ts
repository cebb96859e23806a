/** Client API area "contacts": info, verification, key changes, rename, block, delete, rotate. */
import { ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import * as contacts from '../contacts.ts'
import { contactSummary } from '../views.ts'
import type { Running } from './running.ts'

export function contactHandlers(
  running: Running<{ contacts: contacts.ContactsDeps }>,
): HandlersFor<
  | 'contact.info'
  | 'contact.verify'
  | 'contact.acceptNewKey'
  | 'contact.keepOldKey'
  | 'contact.allowNewKeys'
  | 'contact.rename'
  | 'contact.setBlocked'
  | 'contact.delete'
  | 'contact.rotateMailbox'
> {
  const deps = async () => (await running()).contacts
  return {
    'contact.info': async (r) => contacts.contactInfo(await deps(), r.contactId),
    'contact.verify': async (r) =>
      contacts.verifyContact(await deps(), r.contactId, r.method, r.scannedPayload),
    'contact.acceptNewKey': async (r) => contacts.acceptNewKey(await deps(), r.contactId),
    'contact.keepOldKey': async (r) => contacts.keepOldKey(await deps(), r.contactId),
    'contact.allowNewKeys': async (r) => contacts.allowNewKeys(await deps(), r.contactId),
    'contact.rename': async (r) => contacts.renameContact(await deps(), r.contactId, r.displayName),
    'contact.setBlocked': async (r) => contacts.setBlocked(await deps(), r.contactId, r.blocked),
    'contact.delete': async (r) => contacts.deleteContact(await deps(), r.contactId),
    'contact.rotateMailbox': async (r) => {
      const d = await deps()
      const res = await d.rotateMailbox(r.contactId)
      if (!res.ok) return res
      const conv = await d.ctx.store.getConversationByContact(r.contactId)
      return ok({ contact: contactSummary(res.value, conv?.conversationId ?? '') })
    },
  }
}
