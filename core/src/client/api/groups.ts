/**
 * Group chats on MLS (issue 20, docs/protocol/groups.md): create a group, add and remove contacts,
 * send text, rename, leave, read the stored history; events for new messages and changes. Part of
 * the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 *
 * Groups and their history are stored on the device and survive a restart. Messages arrive without
 * polling: directly from online members, and from the group mailbox, which the node reads when a
 * member's direct frame says there is more and on a timer (docs/protocol/groups.md "Live delivery").
 */
import type { ContactId, Timestamp } from './scalars.ts'

export const GROUP_API_LIMITS = {
  /** Group ids are 32 random bytes, hex. */
  groupIdChars: 64,
  /** Group names (UTF-16 code units), as the invitation carries them. */
  nameMaxChars: 128,
  /** A group text (UTF-16 code units): it travels directly inside a 1:1 frame. */
  textMaxChars: 4_000,
  /** Contacts added in one request. */
  maxAddAtOnce: 50,
  /** Messages `groups.messages` returns per group (the newest). */
  maxMessages: 500,
  /** Groups listed. */
  maxGroups: 200,
  /** Members listed (MLS leaves). */
  maxMembers: 200,
} as const

export type GroupId = string

/** 'member': taking part; 'removed': another member removed us; 'left': we left. */
export type GroupStatus = 'member' | 'removed' | 'left'

export interface GroupSummary {
  groupId: GroupId
  name: string
  /** Devices in the group (MLS leaves), this one included. */
  memberCount: number
  status: GroupStatus
  /**
   * Whether this device may add and remove members, rename and change admins: its person is an
   * admin (ADR 0135); false once left or removed.
   */
  canManage: boolean
  /** The newest message, sent or received, or when the group was made or joined. */
  lastActivityAt: Timestamp
}

/** Who sent a group message, as this device knows them. */
export interface GroupSender {
  /** The contact, or null when the member is not a contact of ours. */
  contactId: ContactId | null
  /**
   * The contact's display name; for a member who is not a contact, the name it declared in the
   * group (ADR 0781: show it marked as not a contact), null until it declared one.
   */
  name: string | null
  /** The sender's identity key id (base64url): stable per person, for colours. */
  keyId: string | null
  /**
   * A few characters of the key id, shown apart from the name, when a member who is not a contact
   * declared a name that reads like one of our contacts' (or our own): it cannot pose as them.
   */
  nameTag?: string | null
}

/** A person in a system line; `keyId` null: this device's user ("You"). */
export type GroupPerson = GroupSender

/** A line of the history written by the messenger, not by a member (ADR 0782). */
export interface GroupSystemLine {
  kind: 'joined' | 'removed' | 'left' | 'renamed' | 'key_changed'
  /** Who joined, was removed, left, renamed the group, or whose key changed. */
  member: GroupPerson
  /** Who removed them (absent when not known). */
  by?: GroupPerson
  /** The group's new name ('renamed'). */
  name?: string
}

export interface GroupMessage {
  /** Unique per message (base64url). */
  messageId: string
  groupId: GroupId
  text: string
  /** This device sent it. */
  outgoing: boolean
  /** Null for a message this device sent. */
  sender: GroupSender | null
  /**
   * True while the sender's key change is not accepted: show it as held, not as theirs (the same
   * rule as 1:1, contacts.md key changes).
   */
  held: boolean
  /** How it reached this device ('sent': this device wrote it). */
  via: 'direct' | 'mailbox' | 'sent'
  receivedAt: Timestamp
  /** Set on a system line (`text` is empty then). */
  system?: GroupSystemLine
  /** Ours: "delivered to `delivered` of `of`" other members (ADR 0780). */
  delivery?: { delivered: number; of: number }
}

export interface GroupMember {
  /** The contact, or null for a member who is not a contact of ours (or this device). */
  contactId: ContactId | null
  /** The contact's name, or the name a member who is not a contact declared (ADR 0781). */
  name: string | null
  /** The member's identity key id (base64url), when its credential verifies. */
  keyId?: string | null
  /** As GroupSender.nameTag. */
  nameTag?: string | null
  /** This device. */
  self: boolean
  /** The contact's key changed and is not accepted yet. */
  held: boolean
  /** Admins add, remove, rename and change roles; every member enforces it (ADR 0135). */
  role: 'admin' | 'member'
}

/** What changed in a group (`group.changed`). */
export type GroupChange =
  | 'created'
  | 'joined'
  | 'members'
  | 'renamed'
  | 'left'
  | 'removed'
  /** Who is admin changed (ADR 0135). */
  | 'roles'

export type GroupsEvent =
  /**
   * A group message or system line was stored (incoming; for our own, `groups.send` returns it),
   * or a message of ours counted another receipt (the same `messageId`, replaces the shown one).
   */
  | { type: 'group.message'; message: GroupMessage }
  /** A group was created or joined, its members or name changed, we left or were removed. */
  | { type: 'group.changed'; group: GroupSummary; change: GroupChange; by: ContactId | null }

type Empty = Record<never, never>

export interface GroupsRequestTable {
  /** A new group with this device as its only member; its group mailbox on our home relay. */
  'groups.create': { params: { name: string }; result: { groupId: GroupId } }
  /** The groups on this device (also those left or removed from: their history stays). */
  'groups.list': { params: Empty; result: { groups: GroupSummary[] } }
  /**
   * Asks each contact for a KeyPackage inside its 1:1 session; each is added when its answer
   * arrives (an offline contact later). `not_found` for an unknown group or contact,
   * `key_changed` for a contact whose key change is not accepted (held: not added),
   * `invalid_state` once left or removed.
   */
  'groups.addMembers': { params: { groupId: GroupId; contactIds: ContactId[] }; result: Empty }
  /** Removes every device of the contact (a new epoch at once). */
  'groups.removeMember': { params: { groupId: GroupId; contactId: ContactId }; result: Empty }
  /** Sends text: directly to members online, the group mailbox for the others. */
  'groups.send': { params: { groupId: GroupId; text: string }; result: { message: GroupMessage } }
  /** Reads the group mailbox, then returns the stored history (the newest), oldest first. */
  'groups.messages': { params: { groupId: GroupId }; result: { messages: GroupMessage[] } }
  /** Renames the group for every member. */
  'groups.rename': { params: { groupId: GroupId; name: string }; result: Empty }
  /** Leaves the group: members commit our removal; the history stays here, marked left. */
  'groups.leave': { params: { groupId: GroupId }; result: Empty }
  /** The members as this device sees them. */
  'groups.members': { params: { groupId: GroupId }; result: { members: GroupMember[] } }
  /**
   * Makes a member contact an admin (all its devices). Admins only: `invalid_state` for a member
   * who is not one; `not_found` for a contact who is not in the group.
   */
  'groups.promote': { params: { groupId: GroupId; contactId: ContactId }; result: Empty }
  /**
   * Makes an admin contact (or ourselves) a member again. `invalid_state` for a non-admin, and
   * for the last admin: a group always keeps one.
   */
  'groups.demote': { params: { groupId: GroupId; contactId: ContactId }; result: Empty }
}
