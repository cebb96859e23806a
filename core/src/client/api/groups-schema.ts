/**
 * Validation of the group requests and results (issue 20; groups.ts), spread into the tables of
 * ../validate.ts.
 */
import { GROUP_API_LIMITS as G, type GroupMessage, type GroupSummary } from './groups.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { arr, int, lit, obj, oneOf, str } from '../schema.ts'
import type { Schema } from '../schema.ts'
import { count } from '../validate-values.ts'

type GroupsRequestType =
  | 'groups.create'
  | 'groups.list'
  | 'groups.addMembers'
  | 'groups.removeMember'
  | 'groups.send'
  | 'groups.messages'

const groupId = str(G.groupIdChars, G.groupIdChars)
const contactId = str(128, 1)
const name = str(G.nameMaxChars, 1)
const empty = obj<Record<never, never>>({})

const groupSummary = obj<GroupSummary>({
  groupId,
  name: str(G.nameMaxChars, 0),
  memberCount: count,
})
const groupMessage = obj<GroupMessage>({
  text: str(G.textMaxChars, 0),
  via: oneOf(['direct', 'mailbox'] as const),
  receivedAt: int(0, 8.64e15),
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
}

export const groupsResultSchemas: { [K in GroupsRequestType]: Schema<ResultFor<K>> } = {
  'groups.create': obj({ groupId }),
  'groups.list': obj({ groups: arr(groupSummary, G.maxGroups) }),
  'groups.addMembers': empty,
  'groups.removeMember': empty,
  'groups.send': empty,
  'groups.messages': obj({ messages: arr(groupMessage, G.maxMessages) }),
}
