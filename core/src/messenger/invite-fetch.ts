/**
 * The network half of short invites (ADR 0734): the inviter publishes the signed invite sealed in
 * the invite mailbox; the invitee fetches it with the link's capability from the link's relay, and
 * a refusal becomes the client error the user reads. The codecs are invite.ts and invite-link.ts.
 */
import { fail, type ClientFailure } from '../client/api.ts'
import { MailboxError } from '../mailbox/errors.ts'
import { isProtocolError } from '../wire/errors.ts'
import { isClosedMailbox } from './invite-closed.ts'
import { InviteFetchError, InviteUsedError } from './invite.ts'
import type { ShortInvite } from './invite-link.ts'
import type { MailboxManager } from './mailbox-manager.ts'
import { relayFailureReason } from './relay-health.ts'

/**
 * The sealed signed invite a short link points to, opened with its capability. It is the invite
 * mailbox's only "bundle" (prekey-seal.ts seals it like one); no one-time prekey is ever published
 * there, so fetching it burns nothing (ADR 0730).
 */
export async function fetchInviteCard(
  mailboxes: MailboxManager,
  short: ShortInvite,
): Promise<Uint8Array> {
  const fetched = await mailboxes.fetchPrekeys({
    displayName: '',
    relays: [short.relay],
    mailboxId: short.mailboxId,
    mailboxCapability: short.capability,
    // Not used for a fetch (only for deposits); the real key comes inside the invite.
    mailboxSealKey: new Uint8Array(32),
    reply: false,
  })
  return fetched.signedBundle
}

/** Mailbox answers that mean the link itself is wrong (not that the relay is busy or away). */
const WRONG_LINK: ReadonlySet<string> = new Set(['bad_capability', 'malformed'])

/**
 * The client failure for an invite that could not be resolved (resolveInvite's errors); rethrows
 * anything else (a bug). Nothing was stored when this is called.
 */
export function inviteRefused(err: unknown): ClientFailure {
  if (err instanceof InviteUsedError) return fail('invite_closed', 'the invite was already used')
  if (err instanceof InviteFetchError) {
    const cause = err.cause
    // A mailbox without its sealed invite is one being closed (or never finished): gone either way.
    if (isClosedMailbox(cause) || (cause instanceof MailboxError && cause.code === 'no_prekeys')) {
      return fail('invite_closed', 'the invite mailbox is closed: used, withdrawn or expired')
    }
    if (cause instanceof MailboxError && WRONG_LINK.has(cause.code)) {
      return fail('invite_invalid', `${cause.code}: the relay does not hold this invite`)
    }
    const reason = relayFailureReason(cause, 0)
    // The link's relay ID is not the server's: a changed or damaged link, not a relay that is away.
    if (reason.startsWith('wrong relay identity')) {
      return fail('invite_invalid', `the invite's relay: ${reason}`)
    }
    return fail('peer_unreachable', `the invite's relay: ${reason} (${err.message})`)
  }
  if (isProtocolError(err, 'expired')) return fail('invite_expired', err.message)
  if (isProtocolError(err)) return fail('invite_invalid', `${err.code}: ${err.message}`)
  throw err
}
