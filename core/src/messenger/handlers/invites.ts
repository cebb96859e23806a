/** Client API area "invites": our invite, renewing it, accepting someone's (domain: ../contacts.ts). */
import type { HandlersFor } from '../../client/dispatch.ts'
import { acceptInvite, myInvite, type ContactsDeps } from '../contacts.ts'
import type { Running } from './running.ts'

export function inviteHandlers(
  running: Running<{ contacts: ContactsDeps }>,
): HandlersFor<'invite.mine' | 'invite.renew' | 'invite.accept'> {
  return {
    'invite.mine': async () => myInvite((await running()).contacts),
    'invite.renew': async () => myInvite((await running()).contacts, true),
    'invite.accept': async (r) => acceptInvite((await running()).contacts, r.invite),
  }
}
