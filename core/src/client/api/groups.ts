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
  /** Whether this device may add and remove members (false once left or removed). */
  canManage: boolean
  /** The newest message, sent or received, or when the group was made or joined. */
  lastActivityAt: Timestamp
}

/** Who sent a group message, as this device knows them. */
export interface GroupSender {
  /** The contact, or null when the member is not a contact of ours. */
  contactId: ContactId | null
  /** The contact's display name, or null for a member who is not a contact. */
  name: string | null
  /** The sender's identity key id (base64url): stable per person, for colours. */
  keyId: string | null
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
}

export interface GroupMember {
  /** The contact, or null for a member who is not a contact of ours (or this device). */
  contactId: ContactId | null
  name: string | null
  /** This device. */
  self: boolean
  /** The contact's key changed and is not accepted yet. */
  held: boolean
}

/** What changed in a group (`group.changed`). */
export type GroupChange = 'created' | 'joined' | 'members' | 'renamed' | 'left' | 'removed'

export type GroupsEvent =
  /** A group message was stored (incoming; for our own, `groups.send` returns it). */
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
}
