/**
 * Mailbox protocol /hestia/mailbox/1.0.0: sealed store-and-forward on a relay.
 *
 * @example
 * import { MailboxClient, MAILBOX_PROTOCOL, newMailboxCredentials, depositAddressOf } from '@hestia/core/mailbox/index.ts'
 * const client = new MailboxClient({ openStream: (o) => libp2p.dialProtocol(relayAddr, MAILBOX_PROTOCOL, o) })
 * const me = newMailboxCredentials()
 * await client.create(me)                                   // once, then share depositAddressOf(me) in invites
 * await client.deposit(depositAddressOf(me), sealedBytes)   // what a contact does
 * const { messages } = await client.fetch(me)               // oldest first
 * await client.ack(me, messages.map((m) => m.id))
 */
export * from './constants.ts'
export * from './errors.ts'
export * from './auth.ts'
export * from './codec.ts'
export * from './client.ts'
export * from './failover.ts'
export * from './instances.ts'
export type { RelayInfo, RelayIdentity, StoredMessage } from './mailbox.pb.js'
