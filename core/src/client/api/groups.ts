/**
 * Group chats on MLS (issue 20, docs/protocol/groups.md), a first small surface: create a group,
 * add and remove contacts, send text, read what arrived. Part of the client API: import it from
 * `core/src/client/api.ts`, which re-exports every area.
 *
 * Not yet: events (a UI polls `groups.messages`, which reads the group mailbox first), names of
 * senders, admins, leave, rename, persistence across restarts (groups live for the node's run).
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
  /** Messages `groups.messages` keeps and returns per group (the newest). */
  maxMessages: 500,
  /** Groups listed. */
  maxGroups: 200,
} as const

export type GroupId = string

export interface GroupSummary {
  groupId: GroupId
  name: string
  /** Devices in the group (MLS leaves), this one included. */
  memberCount: number
}

export interface GroupMessage {
  text: string
  /** How it reached this device. */
  via: 'direct' | 'mailbox'
  receivedAt: Timestamp
}

type Empty = Record<never, never>

export interface GroupsRequestTable {
  /** A new group with this device as its only member; its group mailbox on our home relay. */
  'groups.create': { params: { name: string }; result: { groupId: GroupId } }
  /** The groups this device is in (this run). */
  'groups.list': { params: Empty; result: { groups: GroupSummary[] } }
  /**
   * Asks each contact for a KeyPackage inside its 1:1 session; each is added when its answer
   * arrives (an offline contact later). `not_found` for an unknown group.
   */
  'groups.addMembers': { params: { groupId: GroupId; contactIds: ContactId[] }; result: Empty }
  /** Removes every device of the contact (a new epoch at once). */
  'groups.removeMember': { params: { groupId: GroupId; contactId: ContactId }; result: Empty }
  /** Sends text: directly to members online, the group mailbox for the others. */
  'groups.send': { params: { groupId: GroupId; text: string }; result: Empty }
  /** Reads the group mailbox, then returns the messages received so far, oldest first. */
  'groups.messages': { params: { groupId: GroupId }; result: { messages: GroupMessage[] } }
}
