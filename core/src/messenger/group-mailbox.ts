/**
 * The group mailbox (ADR 0132) as the group layer sees it: a GroupMailboxPort over the mailbox
 * client. Every member holds the mailbox's credentials (handed over with the welcome, inside a 1:1
 * session): it deposits with the capability and reads with the auth key, from its own cursor; no
 * member acks (messages leave the relay when they expire).
 */
import { GroupSequenceMoved, type GroupMailboxPort } from '../groups/group-channel.ts'
import {
  DEFAULT_EXPIRY_S,
  MAX_FETCH_LIMIT,
  MailboxError,
  depositAddressOf,
  type MailboxClient,
  type MailboxCredentials,
} from '../mailbox/index.ts'

export function groupMailboxPort(
  client: MailboxClient,
  creds: MailboxCredentials,
  expiryS: number = DEFAULT_EXPIRY_S,
): GroupMailboxPort {
  return {
    append: async (bytes, expectedId) => {
      try {
        return await client.deposit(depositAddressOf(creds), bytes, {
          expiryS,
          ...(expectedId === undefined ? {} : { expectedId }),
        })
      } catch (err) {
        if (
          err instanceof MailboxError &&
          err.code === 'sequence_moved' &&
          err.nextId !== undefined
        )
          throw new GroupSequenceMoved(err.nextId)
        throw err
      }
    },
    read: async (afterId) => {
      const r = await client.fetch(creds, MAX_FETCH_LIMIT, afterId)
      return { entries: r.messages.map((m) => ({ id: m.id, bytes: m.sealed })), more: r.more }
    },
  }
}
