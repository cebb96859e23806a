/**
 * Group records as the client API shows them (client/api/groups.ts): a sender is named by the
 * contact's display name as this device knows it, looked up when shown (a rename shows at once).
 * A member who is not a contact is named by the name it declared in the group (ADR 0781); when
 * that name reads like a contact's (or our own), it gets a tag of its key id that it cannot choose.
 */
import type { GroupMember, GroupMessage, GroupPerson } from '../../client/api.ts'
import type { ContactRecord, GroupMessageRecord } from '../../store/records.ts'
import { nameTagFor, namesConfusable } from '../../text/confusable.ts'

export type ContactNames = (contactId: string) => ContactRecord | undefined

/** What a view needs to name the people of one group. */
export interface GroupNames {
  contact: ContactNames
  /** The contact (accepted, or held) whose identity key id this is. */
  byKey(keyId: string): ContactRecord | undefined
  /** Names members who are not contacts declared in this group. */
  declared: ReadonlyMap<string, string>
  /** Names a stranger must not pass for: every contact's, and ours. */
  taken: readonly string[]
}

/** A person by identity key id (null: this device's user). */
export function personView(keyId: string | null, n: GroupNames): GroupPerson {
  if (keyId === null) return { contactId: null, name: null, keyId: null }
  const contact = n.byKey(keyId)
  if (contact !== undefined)
    return { contactId: contact.contactId, name: contact.displayName, keyId }
  const name = n.declared.get(keyId) ?? null
  const clash = name !== null && n.taken.some((t) => namesConfusable(t, name))
  return { contactId: null, name, keyId, nameTag: clash ? nameTagFor(keyId) : null }
}

export function groupMessageView(r: GroupMessageRecord, n: GroupNames): GroupMessage {
  const sender = r.outgoing ? null : senderView(r, n)
  return {
    messageId: r.messageId,
    groupId: r.groupId,
    text: r.text,
    outgoing: r.outgoing,
    sender,
    held: r.state === 'held',
    via: r.via,
    receivedAt: r.receivedAt,
    ...(r.system === undefined
      ? {}
      : {
          system: {
            kind: r.system.kind,
            member: personView(r.system.member, n),
            ...(r.system.by === undefined ? {} : { by: personView(r.system.by, n) }),
            ...(r.system.name === undefined ? {} : { name: r.system.name }),
          },
        }),
    ...(r.outgoing && r.recipients !== undefined
      ? { delivery: { delivered: r.deliveredTo?.length ?? 0, of: r.recipients.length } }
      : {}),
  }
}

function senderView(r: GroupMessageRecord, n: GroupNames): GroupPerson {
  if (r.senderContactId !== null) {
    const name = n.contact(r.senderContactId)?.displayName ?? null
    return { contactId: r.senderContactId, name, keyId: r.senderKeyId }
  }
  if (r.senderKeyId === null) return { contactId: null, name: null, keyId: null }
  return personView(r.senderKeyId, n)
}

export function groupMemberView(
  m: {
    contact: string | undefined
    self: boolean
    heldBy: string | undefined
    keyId?: string | undefined
    role?: GroupMember['role']
  },
  n: GroupNames,
): GroupMember {
  const contactId = m.contact ?? m.heldBy ?? null
  const keyId = m.keyId ?? null
  const stranger = contactId === null && !m.self && keyId !== null
  const named = stranger ? personView(keyId, n) : undefined
  return {
    contactId,
    name: contactId === null ? (named?.name ?? null) : (n.contact(contactId)?.displayName ?? null),
    keyId,
    nameTag: named?.nameTag ?? null,
    self: m.self,
    held: m.heldBy !== undefined,
    role: m.role ?? 'member',
  }
}
