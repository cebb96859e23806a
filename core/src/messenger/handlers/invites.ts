/** Client API area "invites": our invite, renewing it, accepting someone's (domain: ../contacts.ts). */
import { fail } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import { acceptInvite, myInvite, type ContactsDeps } from '../contacts.ts'
import { COMPANION_CANNOT_SIGN } from '../identity.ts'
import type { Running } from './running.ts'

export function inviteHandlers(
  running: Running<{ contacts: ContactsDeps }>,
): HandlersFor<'invite.mine' | 'invite.renew' | 'invite.accept'> {
  // A linked companion holds no identity key (ADR 0762): invites and new contacts are made on
  // the primary, whose address book reaches the companion.
  const primaryOnly = async () => {
    const { contacts } = await running()
    return contacts.ctx.local.companion === true ? null : contacts
  }
  const refused = () => fail('invalid_state', COMPANION_CANNOT_SIGN)
  return {
    'invite.mine': async () => {
      const d = await primaryOnly()
      return d === null ? refused() : myInvite(d)
    },
    'invite.renew': async () => {
      const d = await primaryOnly()
      return d === null ? refused() : myInvite(d, true)
    },
    'invite.accept': async (r) => {
      const d = await primaryOnly()
      return d === null ? refused() : acceptInvite(d, r.invite)
    },
  }
}
