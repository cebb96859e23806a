/**
 * Fan-out to a contact's further devices (issue 19, ADR 0762): once the outbox delivered an item
 * to the contact's lead device, the same payload goes to every other device of the contact that
 * announced a route of its own (device-routes.ts), each sealed in its own session (stored before
 * the frame leaves: a message key is never used twice) and deposited into its own mailbox. A
 * device the contact's list dropped has neither record nor session any more (contact-list.ts), so
 * nothing reaches it. A copy that cannot be deposited now is logged and not retried: the lead
 * device holds the item, and the message ids dedupe a copy seen twice.
 */
import type { ContactRecord, DeviceRecord } from '../../store/records.ts'
import type { MessengerContext } from '../context.ts'
import type { HelloBody } from '../payload.ts'
import {
  decodeOutbound,
  encodeSessionState,
  restoreSession,
  sessionIdentityKey,
} from '../records.ts'

export type Deposit = (route: HelloBody, frame: Uint8Array) => Promise<void>

/** Seals `payload` for `device` in its session; null without a session of the pinned identity. */
async function sealFor(
  ctx: MessengerContext,
  contact: ContactRecord,
  device: DeviceRecord,
  payload: Uint8Array,
): Promise<Uint8Array | null> {
  const { store, platform } = ctx
  return ctx.locks.run(contact.contactId, () =>
    store.transaction(async (tx) => {
      const record = await tx.getSession(contact.contactId, device.deviceId)
      if (record === undefined || sessionIdentityKey(record) !== contact.identityKeyId) return null
      const session = restoreSession(record, platform)
      const { frame } = session.encrypt(payload)
      const next = {
        ...record,
        state: encodeSessionState(session),
        version: record.version + 1,
        updatedAt: platform.clock(),
      }
      await tx.putSession(next, record.version)
      return frame
    }),
  )
}

/** Sends `payload` to every further device of `contact`; returns how many took it. */
export async function copyToOtherDevices(
  ctx: MessengerContext,
  contact: ContactRecord,
  payload: Uint8Array,
  deposit: Deposit,
): Promise<number> {
  let taken = 0
  for (const device of await ctx.store.listDevices(contact.contactId)) {
    const route = device.route === undefined ? null : decodeOutbound(device.route)
    if (route === null) continue
    try {
      const frame = await sealFor(ctx, contact, device, payload)
      if (frame === null) continue
      await deposit(route, frame)
      taken++
    } catch (err) {
      ctx.log(`copy to device ${device.deviceId} not delivered`, err)
    }
  }
  return taken
}
