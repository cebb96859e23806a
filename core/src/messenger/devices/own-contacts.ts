/**
 * Which contact a client event is about, for the contact sync between our own devices (issue 19,
 * ADR 0762, 0785; the state itself travels as sync-contacts.ts says): a contact changed
 * (contact.updated follows every incoming frame, so the sender compares with what our devices
 * agreed on before sending anything) or a contact added (its "contact added" line). Contacts in a
 * key change are not sent: the user has not decided which key is theirs.
 */
import type { ClientEvent } from '../../client/api.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'

/** The contact an event is about, when it may go to our other devices. */
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
