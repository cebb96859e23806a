/**
 * Client API area "groups" (issue 20, docs/protocol/groups.md): served by the running messenger's
 * MessengerGroups. An unknown group or contact is `not_found`; a group step the network or a peer
 * refused (a commit that lost too many races, a frame too large) is `unavailable` with the reason.
 */
import { ClientApiError, ok } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import { isProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import type { MessengerGroups } from '../groups/messenger-groups.ts'
import type { Running } from './running.ts'

type GroupsRequestType =
  | 'groups.create'
  | 'groups.list'
  | 'groups.addMembers'
  | 'groups.removeMember'
  | 'groups.send'
  | 'groups.messages'

export interface GroupsParts {
  ctx: MessengerContext
  groups: MessengerGroups
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (isProtocolError(err)) throw new ClientApiError('unavailable', err.message)
    throw err
  }
}

export function groupsHandlers(running: Running<GroupsParts>): HandlersFor<GroupsRequestType> {
  const group = async (groupId: string) => {
    const parts = await running()
    if (!(await parts.groups.has(groupId)))
      throw new ClientApiError('not_found', 'no such group on this device')
    return parts
  }
  const contact = async (parts: GroupsParts, contactId: string) => {
    if ((await parts.ctx.store.getContact(contactId)) === undefined)
      throw new ClientApiError('not_found', 'no such contact')
  }
  return {
    'groups.create': async (r) =>
      ok({ groupId: await guarded(async () => (await running()).groups.create(r.name)) }),
    'groups.list': async () => ok({ groups: await (await running()).groups.list() }),
    'groups.addMembers': async (r) => {
      const parts = await group(r.groupId)
      for (const id of r.contactIds) await contact(parts, id)
      await guarded(() => parts.groups.add(r.groupId, r.contactIds))
      return ok({})
    },
    'groups.removeMember': async (r) => {
      const parts = await group(r.groupId)
      await contact(parts, r.contactId)
      await guarded(() => parts.groups.remove(r.groupId, r.contactId))
      return ok({})
    },
    'groups.send': async (r) => {
      const parts = await group(r.groupId)
      await guarded(() => parts.groups.send(r.groupId, r.text))
      return ok({})
    },
    'groups.messages': async (r) => {
      const parts = await group(r.groupId)
      return ok({ messages: await guarded(() => parts.groups.messages(r.groupId)) })
    },
  }
}
