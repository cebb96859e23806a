/**
 * Group records as the client API shows them (client/api/groups.ts): a sender is named by the
 * contact's display name as this device knows it, looked up when shown (a rename shows at once).
 */
import type { GroupMember, GroupMessage } from '../../client/api.ts'
import type { ContactRecord, GroupMessageRecord } from '../../store/records.ts'

export type ContactNames = (contactId: string) => ContactRecord | undefined

export function groupMessageView(r: GroupMessageRecord, contacts: ContactNames): GroupMessage {
  const sender = r.outgoing
    ? null
    : {
        contactId: r.senderContactId,
        name:
          r.senderContactId === null ? null : (contacts(r.senderContactId)?.displayName ?? null),
        keyId: r.senderKeyId,
      }
  return {
    messageId: r.messageId,
    groupId: r.groupId,
    text: r.text,
    outgoing: r.outgoing,
    sender,
    held: r.state === 'held',
    via: r.via,
    receivedAt: r.receivedAt,
  }
}

export function groupMemberView(
  m: { contact: string | undefined; self: boolean; heldBy: string | undefined },
  contacts: ContactNames,
): GroupMember {
  const contactId = m.contact ?? m.heldBy ?? null
  return {
    contactId,
    name: contactId === null ? null : (contacts(contactId)?.displayName ?? null),
    self: m.self,
    held: m.heldBy !== undefined,
  }
}
