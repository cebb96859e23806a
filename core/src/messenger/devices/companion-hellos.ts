/**
 * A companion's first words to each contact (ADR 0762): it has the contacts' deposit routes from
 * the primary's address book but no session yet. A queued Hello makes the outbox start a session
 * from the contact's mailbox prekeys whose first message is our Hello (outbox.ts #establish),
 * naming a mailbox of this device's own; the contact keeps that route for this device
 * (device-routes.ts) and from then on sends everything here too. Run at each start for contacts
 * still without a session; blocked contacts and pending key changes are left alone.
 */
import type { ContactRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import { queueHello } from '../outbox-rows.ts'
import type { HelloBody } from '../payload.ts'
import { activeSession } from '../records.ts'

export interface CompanionHelloDeps {
  ctx: MessengerContext
  helloFor(contact: ContactRecord, reply: boolean): HelloBody | null
  ensureInboundMailbox(contact: ContactRecord): Promise<ContactRecord>
  kickOutbox(): void
}

/** Messengers that queued their Hellos (once per start; the keeper calls this every pass). */
const greeted = new WeakSet<MessengerContext>()

/** A contact was added here (own-contacts.ts): the next keeper pass greets it. */
export function greetAgain(ctx: MessengerContext): void {
  greeted.delete(ctx)
}

/** Queues a Hello to every reachable contact we have no session with; returns how many. */
export async function greetContactsAsCompanion(d: CompanionHelloDeps): Promise<number> {
  if (d.ctx.local.companion !== true || greeted.has(d.ctx)) return 0
  greeted.add(d.ctx)
  try {
    return await greet(d)
  } catch (err) {
    greeted.delete(d.ctx) // the next keeper pass tries again
    throw err
  }
}

async function greet(d: CompanionHelloDeps): Promise<number> {
  const { store, platform } = d.ctx
  let queued = 0
  for (const listed of await store.listContacts()) {
    if (listed.blocked || listed.keyChange !== null || listed.outboundMailbox === null) continue
    if ((await activeSession(store, listed)) !== undefined) continue
    // Under the contact's lock, as the outbox opens one when it starts a session: one mailbox.
    const c = await d.ctx.locks.run(listed.contactId, async () =>
      d.ensureInboundMailbox((await store.getContact(listed.contactId)) ?? listed),
    )
    const hello = d.helloFor(c, true)
    const conv = await store.getConversationByContact(c.contactId)
    if (hello === null || conv === undefined) continue
    const now = platform.clock()
    await store.transaction((tx) => queueHello(tx, conv.conversationId, hello, platform, now))
    queued++
  }
  if (queued > 0) d.kickOutbox()
  return queued
}
