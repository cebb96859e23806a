/**
 * Tests that need the verified invite behind a link (its mailbox, bundle, sealing key) resolve it
 * as the messenger does: a short link's signed invite is fetched sealed from the link's relay with
 * the link's capability (ADR 0734), a long link is decoded.
 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import { MAILBOX_PROTOCOL, MailboxClient } from '@hestia/core/mailbox/index.ts'
import { resolveInvite, type VerifiedInvite } from '@hestia/core/messenger/invite.ts'

/** The verified invite behind `link`, fetched over `node`'s own connection to the link's relay. */
export function inviteOf(
  link: string,
  node: Pick<Libp2p, 'dialProtocol'>,
  now = Date.now(),
): Promise<VerifiedInvite> {
  return resolveInvite(link, now, async (short) => {
    const client = new MailboxClient({
      openStream: (o) => node.dialProtocol(multiaddr(short.relay), MAILBOX_PROTOCOL, o),
    })
    const fetched = await client.fetchPrekeys({
      mailboxId: short.mailboxId,
      capability: short.capability,
    })
    return fetched.signedBundle
  })
}
