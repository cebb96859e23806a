/**
 * What a device restored from a backup still owes (ADR 0524), done by the messenger's keeper until
 * done, so a crash or an unreachable relay only delays it:
 *
 * 1. A Hello to every contact we can reach (not blocked, no pending key change, a known deposit
 *    address). The outbox has no session for them, so it starts one from the contact's mailbox
 *    prekeys with a Hello as first message (outbox.ts #establish); both Hellos name our new mailbox
 *    and the device we replace. Conversations resume; the contact sees no key change (same
 *    identity, a new device of it).
 * 2. The signed notice in each of the old device's mailboxes (device-replaced.ts), so a still
 *    running old device learns it was replaced instead of sending into sessions nobody reads.
 */
import { fromBase64Url } from '../crypto/bytes.ts'
import type { ContactRecord } from '../store/records.ts'
import { changeSecrets, WRITE_NOTHING, type MessengerContext } from './context.ts'
import { makeReplacementNotice } from './device-replaced.ts'
import { isClosedMailbox } from './invite-closed.ts'
import { queueHello } from './outbox-rows.ts'
import { currentOwnList, publishOwnList } from './devices/own-devices.ts'
import type { HelloBody } from './payload.ts'
import { ownedMailbox, type RestoredFrom } from './secrets.ts'

export interface RestoreFollowUpDeps {
  ctx: MessengerContext
  relays(): string[]
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  /** Opens (on our relay) and watches a fresh mailbox for a contact that has none. */
  ensureInboundMailbox(contact: ContactRecord): Promise<ContactRecord>
  deposit(address: HelloBody, frame: Uint8Array): Promise<void>
  kickOutbox(): void
}

/** Messengers whose follow-up is under way (the keeper does not wait for it). */
const running = new WeakSet<MessengerContext>()

export async function followUpRestore(d: RestoreFollowUpDeps): Promise<void> {
  const from = d.ctx.secrets.restoredFrom
  if (from === undefined || (from.hellosQueued && from.noticeDelivered)) return
  if (running.has(d.ctx)) return
  running.add(d.ctx)
  try {
    await followUp(d, from)
  } finally {
    running.delete(d.ctx)
  }
}

async function followUp(d: RestoreFollowUpDeps, from: RestoredFrom): Promise<void> {
  if (!from.hellosQueued) {
    await queueRestoreHellos(d)
    await saveRestoredFrom(d.ctx, { hellosQueued: true })
    d.kickOutbox()
  }
  if (!from.noticeDelivered && (await leaveNotices(d, from)))
    await saveRestoredFrom(d.ctx, { noticeDelivered: true })
}

async function queueRestoreHellos(d: RestoreFollowUpDeps): Promise<void> {
  const { store, platform } = d.ctx
  for (const listed of await store.listContacts()) {
    if (listed.blocked || listed.keyChange !== null || listed.outboundMailbox === null) continue
    // Under the contact's lock, as the outbox opens one when it starts a session: one mailbox.
    const c = await d.ctx.locks.run(listed.contactId, async () =>
      d.ensureInboundMailbox((await store.getContact(listed.contactId)) ?? listed),
    )
    const hello = d.helloFor(c, true)
    const conv = await store.getConversationByContact(c.contactId)
    if (hello === null || conv === undefined) continue
    const now = platform.clock()
    await store.transaction((tx) => queueHello(tx, conv.conversationId, hello, platform, now))
  }
  // Behind the Hellos: a device list naming this device as the primary (issue 19, ADR 0760: the
  // old primary's companions relink), so contacts that held the old list hear this device.
  await publishOwnList(d.ctx, await currentOwnList(d.ctx))
}

/** True when every old mailbox has the notice (or no longer exists at the relay). */
async function leaveNotices(d: RestoreFollowUpDeps, from: RestoredFrom): Promise<boolean> {
  const relay = from.relay ?? d.relays()[0]
  if (relay === undefined) return false
  const { secrets, local } = d.ctx
  const notice = makeReplacementNotice(
    secrets.identitySecret,
    from.deviceId,
    local.cert.bytes,
    from.restoredAt,
  )
  let all = true
  for (const id of from.mailboxIds) {
    const old = ownedMailbox(from.mailboxRoot, fromBase64Url(id))
    const address: HelloBody = {
      displayName: '',
      relays: [relay],
      mailboxId: old.credentials.mailboxId,
      mailboxCapability: old.credentials.capability,
      mailboxSealKey: old.seal.publicKey,
      reply: false,
    }
    try {
      await d.deposit(address, notice)
    } catch (err) {
      if (isClosedMailbox(err)) continue
      d.ctx.log('replacement notice not left yet', err)
      all = false
    }
  }
  return all
}

async function saveRestoredFrom(
  ctx: MessengerContext,
  patch: Partial<Pick<RestoredFrom, 'hellosQueued' | 'noticeDelivered'>>,
): Promise<void> {
  await changeSecrets(
    ctx,
    (secrets) => {
      if (secrets.restoredFrom === undefined) return WRITE_NOTHING
      secrets.restoredFrom = { ...secrets.restoredFrom, ...patch }
      return true
    },
    'skip',
  )
}
