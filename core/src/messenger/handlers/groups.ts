/**
 * Client API area "groups" (issue 20, docs/protocol/groups.md): served by the running messenger's
 * MessengerGroups. An unknown group or contact is `not_found`; adding a contact whose key change
 * is not accepted is `key_changed` (held, not added); a step in a group this device left or was
 * removed from is `invalid_state`; a group step the network or a peer refused (a commit that lost
 * too many races, a frame too large) is `unavailable` with the reason.
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
  | 'groups.rename'
  | 'groups.leave'
  | 'groups.members'
  | 'groups.promote'
  | 'groups.demote'

export interface GroupsParts {
  ctx: MessengerContext
  groups: MessengerGroups
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    // Not an admin (or the last one stepping down): the group's state, not the network (ADR 0135).
    if (isProtocolError(err, 'not_admin')) throw new ClientApiError('invalid_state', err.message)
    if (isProtocolError(err)) throw new ClientApiError('unavailable', err.message)
    throw err
  }
}

export function groupsHandlers(running: Running<GroupsParts>): HandlersFor<GroupsRequestType> {
  /** A group on this device; `active`: one it still takes part in. */
  const group = async (groupId: string, active = true) => {
    const parts = await running()
    const summary = await parts.groups.summary(groupId) // a companion: invalid_state first
    if (summary === undefined) throw new ClientApiError('not_found', 'no such group on this device')
    if (active && summary.status !== 'member')
      throw new ClientApiError('invalid_state', `this device ${summary.status} the group`)
    return parts
  }
  const contact = async (parts: GroupsParts, contactId: string) => {
    const c = await parts.ctx.store.getContact(contactId)
    if (c === undefined) throw new ClientApiError('not_found', 'no such contact')
    return c
  }
  const setAdmin = async (groupId: string, contactId: string, makeAdmin: boolean) => {
    const parts = await group(groupId)
    await contact(parts, contactId)
    const members = await parts.groups.members(groupId)
    if (!members.some((m) => m.contactId === contactId && !m.held))
      throw new ClientApiError('not_found', 'that contact is not a member of this group')
    await guarded(() => parts.groups.setAdmin(groupId, contactId, makeAdmin))
    return ok({})
  }
  return {
    'groups.create': async (r) =>
      ok({ groupId: await guarded(async () => (await running()).groups.create(r.name)) }),
    'groups.list': async () => ok({ groups: await (await running()).groups.list() }),
    'groups.addMembers': async (r) => {
      const parts = await group(r.groupId)
      for (const id of r.contactIds) {
        const c = await contact(parts, id)
        if (c.keyChange !== null)
          throw new ClientApiError('key_changed', 'verify or accept the new key first')
        if (c.blocked) throw new ClientApiError('contact_blocked', 'the contact is blocked')
      }
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
      return ok({ message: await guarded(() => parts.groups.send(r.groupId, r.text)) })
    },
    'groups.messages': async (r) => {
      const parts = await group(r.groupId, false)
      return ok({ messages: await guarded(() => parts.groups.messages(r.groupId)) })
    },
    'groups.rename': async (r) => {
      const parts = await group(r.groupId)
      await guarded(() => parts.groups.rename(r.groupId, r.name))
      return ok({})
    },
    'groups.leave': async (r) => {
      const parts = await group(r.groupId)
      await guarded(() => parts.groups.leave(r.groupId))
      return ok({})
    },
    'groups.members': async (r) => {
      const parts = await group(r.groupId, false)
      return ok({ members: await parts.groups.members(r.groupId) })
    },
    'groups.promote': async (r) => setAdmin(r.groupId, r.contactId, true),
    'groups.demote': async (r) => setAdmin(r.groupId, r.contactId, false),
  }
}
