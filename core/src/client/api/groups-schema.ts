/**
 * Validation of the group requests, results and events (issue 20; groups.ts), spread into the
 * tables of ../validate.ts.
 */
import {
  GROUP_API_LIMITS as G,
  type GroupMember,
  type GroupMessage,
  type GroupSender,
  type GroupSystemLine,
  type GroupSummary,
  type GroupsEvent,
} from './groups.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { arr, bool, int, lit, nullable, obj, oneOf, opt, str } from '../schema.ts'
import type { Schema } from '../schema.ts'
import { count } from '../validate-values.ts'

type GroupsRequestType =
  | 'groups.create'
  | 'groups.list'
  | 'groups.addMembers'
  | 'groups.removeMember'
  | 'groups.send'
  | 'groups.messages'
  | 'groups.rename'
  | 'groups.leave'
  | 'groups.members'
  | 'groups.promote'
  | 'groups.demote'

const groupId = str(G.groupIdChars, G.groupIdChars)
const contactId = str(128, 1)
const name = str(G.nameMaxChars, 1)
const empty = obj<Record<never, never>>({})
const status = oneOf(['member', 'removed', 'left'] as const)

const groupSummary = obj<GroupSummary>({
  groupId,
  name: str(G.nameMaxChars, 0),
  memberCount: count,
  status,
  canManage: bool,
  lastActivityAt: int(0, 8.64e15),
})
const sender = obj<GroupSender>({
  contactId: nullable(contactId),
  name: nullable(str(256, 0)),
  keyId: nullable(str(64, 1)),
  nameTag: opt(nullable(str(8, 1))),
})
const groupSystemLine = obj<GroupSystemLine>({
  kind: oneOf(['joined', 'removed', 'left', 'renamed', 'key_changed'] as const),
  member: sender,
  by: opt(sender),
  name: opt(name),
})
const groupMessage = obj<GroupMessage>({
  messageId: str(64, 1),
  groupId,
  text: str(G.textMaxChars, 0),
  outgoing: bool,
  sender: nullable(sender),
  held: bool,
  via: oneOf(['direct', 'mailbox', 'sent'] as const),
  receivedAt: int(0, 8.64e15),
  system: opt(groupSystemLine),
  delivery: opt(obj({ delivered: count, of: count })),
})
const groupMember = obj<GroupMember>({
  contactId: nullable(contactId),
  name: nullable(str(256, 0)),
  keyId: opt(nullable(str(64, 1))),
  nameTag: opt(nullable(str(8, 1))),
  self: bool,
  held: bool,
  role: oneOf(['admin', 'member'] as const),
})

export const groupsRequestSchemas: { [K in GroupsRequestType]: Schema<RequestFor<K>> } = {
  'groups.create': obj({ type: lit('groups.create'), name }),
  'groups.list': obj({ type: lit('groups.list') }),
  'groups.addMembers': obj({
    type: lit('groups.addMembers'),
    groupId,
    contactIds: arr(contactId, G.maxAddAtOnce),
  }),
  'groups.removeMember': obj({ type: lit('groups.removeMember'), groupId, contactId }),
  'groups.send': obj({ type: lit('groups.send'), groupId, text: str(G.textMaxChars, 1) }),
  'groups.messages': obj({ type: lit('groups.messages'), groupId }),
  'groups.rename': obj({ type: lit('groups.rename'), groupId, name }),
  'groups.leave': obj({ type: lit('groups.leave'), groupId }),
  'groups.members': obj({ type: lit('groups.members'), groupId }),
  'groups.promote': obj({ type: lit('groups.promote'), groupId, contactId }),
  'groups.demote': obj({ type: lit('groups.demote'), groupId, contactId }),
}

export const groupsResultSchemas: { [K in GroupsRequestType]: Schema<ResultFor<K>> } = {
  'groups.create': obj({ groupId }),
  'groups.list': obj({ groups: arr(groupSummary, G.maxGroups) }),
  'groups.addMembers': empty,
  'groups.removeMember': empty,
  'groups.send': obj({ message: groupMessage }),
  'groups.messages': obj({ messages: arr(groupMessage, G.maxMessages) }),
  'groups.rename': empty,
  'groups.leave': empty,
  'groups.members': obj({ members: arr(groupMember, G.maxMembers) }),
  'groups.promote': empty,
  'groups.demote': empty,
}

type GroupsEventType = GroupsEvent['type']

export const groupsEventSchemas: {
  [K in GroupsEventType]: Schema<Extract<GroupsEvent, { type: K }>>
} = {
  'group.message': obj({ type: lit('group.message'), message: groupMessage }),
  'group.changed': obj({
    type: lit('group.changed'),
    group: groupSummary,
    change: oneOf(['created', 'joined', 'members', 'renamed', 'left', 'removed', 'roles'] as const),
    by: nullable(contactId),
  }),
}
