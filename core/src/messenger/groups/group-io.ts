/**
 * The messenger parts the group manager needs, adapted (issue 20): this device's stored MLS
 * signing key, 1:1 sending of group bodies, and the group mailbox on our home relay.
 */
import { toBase64Url } from '../../crypto/bytes.ts'
import { ed25519KeyPair, type KeyPair } from '../../crypto/primitives.ts'
import {
  newMailboxCredentials,
  publicKeyFromSecret,
  type MailboxClient,
  type MailboxCredentials,
} from '../../mailbox/index.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { queueControl } from '../outbox-rows.ts'
import { encodePayload } from '../payload.ts'
import type { ReceiptDelay } from '../receipt-batcher.ts'
import type { GroupMailboxHome } from './group-manager.ts'

export interface MessengerGroupsDeps {
  /** Sends a payload now over an open direct connection only; false when there is none. */
  sendDirect(contact: ContactRecord, payload: Uint8Array): Promise<boolean>
  kickOutbox(): void
  /** The client for a mailbox of ours on `relay` (its own throwaway link). */
  ownMailboxClient(relay: string, mailboxId: string): MailboxClient
  /** Our relays; the first is home. */
  relays(): string[]
  /** When group delivery receipts go (ADR 0780): the 1:1 receipts' window and setting. */
  receipts?: { delay: ReceiptDelay; delayed: () => boolean }
}

/** This device's MLS signing key: made on first use and stored, the same across restarts. */
export async function groupSigningKey(ctx: MessengerContext): Promise<KeyPair> {
  const { store, platform } = ctx
  const stored = await store.getGroupDevice()
  if (stored !== undefined)
    return { secretKey: stored.signingSecret, publicKey: stored.signingPublic }
  const signing: KeyPair = ed25519KeyPair(platform.random)
  await store.putGroupDevice({
    signingSecret: signing.secretKey,
    signingPublic: signing.publicKey,
    offers: [],
  })
  return signing
}

/**
 * Sends group bytes inside the contact's 1:1 session: `directOnly` over an open connection now,
 * else queued as a control payload. Nothing goes to a blocked contact or one whose key change is
 * not accepted (held).
 */
export async function sendGroupBody(
  ctx: MessengerContext,
  deps: MessengerGroupsDeps,
  contactId: string,
  bytes: Uint8Array,
  opts: { directOnly: boolean },
): Promise<boolean> {
  const { store, platform } = ctx
  const contact = await store.getContact(contactId)
  if (contact === undefined || contact.blocked || contact.keyChange !== null) return false
  const now = platform.clock()
  const payload = {
    messageId: platform.random(16),
    sentAt: now,
    body: { kind: 'group' as const, group: bytes },
  }
  if (opts.directOnly) return deps.sendDirect(contact, encodePayload(payload))
  const queued = await store.transaction(async (tx) => {
    const conversation = await tx.getConversationByContact(contactId)
    if (conversation === undefined) return false
    await queueControl(tx, conversation.conversationId, payload, now)
    return true
  })
  if (queued) deps.kickOutbox()
  return queued
}

/** Creates a group mailbox on our home relay through a throwaway link (ADR 0754). */
export async function createGroupMailbox(
  ctx: MessengerContext,
  deps: MessengerGroupsDeps,
): Promise<GroupMailboxHome> {
  const relay = deps.relays()[0]
  if (relay === undefined) throw new Error('no relay to keep the group mailbox on')
  const creds = newMailboxCredentials(ctx.platform.random)
  // Append-only for everyone (ADR 0137): ack and close need a manage key whose secret is dropped
  // here, so no member — nor one removed later — can delete entries others have not read.
  const manage = ed25519KeyPair(ctx.platform.random)
  await deps
    .ownMailboxClient(relay, toBase64Url(creds.mailboxId))
    .create(creds, { managePublicKey: manage.publicKey })
  manage.secretKey.fill(0)
  return {
    relays: [relay],
    mailboxId: creds.mailboxId,
    authSecret: creds.authSecretKey,
    capability: creds.capability,
  }
}

export function groupMailboxClient(
  deps: MessengerGroupsDeps,
  home: GroupMailboxHome,
): { client: MailboxClient; creds: MailboxCredentials } {
  const client = deps.ownMailboxClient(home.relays[0]!, toBase64Url(home.mailboxId))
  const creds = {
    mailboxId: home.mailboxId,
    authSecretKey: home.authSecret,
    authPublicKey: publicKeyFromSecret(home.authSecret),
    capability: home.capability,
  }
  return { client, creds }
}
