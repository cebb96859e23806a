/**
 * Routes per device of a contact (issue 19, ADR 0762). A contact's route (ContactRecord
 * .outboundMailbox) leads to its "lead" device, the one we first talked to, whose session the
 * outbox uses (records.ts activeSession). Each further device of the same identity (a companion)
 * announces its own mailbox in the Hello of its own session: that route is kept on its device
 * record (DeviceRecord.route), and what we send goes there too, sealed in that device's session
 * (device-copies.ts). A Hello naming a replaced device (a restore, ADR 0524) still takes over the
 * contact's route.
 */
import type { ContactRecord, DeviceRecord, SessionRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import type { HelloBody } from '../payload.ts'
import { encodeOutbound, sessionIdentityKey } from '../records.ts'

/** Device ids of the contact that have a route of their own (not the lead device). */
export function ownRouteDevices(devices: readonly DeviceRecord[]): Set<string> {
  return new Set(devices.filter((d) => d.route !== undefined).map((d) => d.deviceId))
}

/** Whether some other device of the contact's pinned identity is its lead (a session, no route). */
function hasOtherLead(
  c: ContactRecord,
  deviceId: string,
  sessions: readonly SessionRecord[],
  devices: readonly DeviceRecord[],
): boolean {
  const ownRoute = ownRouteDevices(devices)
  return sessions.some(
    (s) =>
      s.deviceId !== deviceId &&
      !ownRoute.has(s.deviceId) &&
      sessionIdentityKey(s) === c.identityKeyId,
  )
}

/**
 * A Hello from `deviceId`: when it is one more device of the contact (not its lead, not a
 * restore), its route is stored on its device record and true is returned; the caller then
 * leaves the contact's route alone.
 */
export async function keepDeviceRoute(
  tx: StoreOperations,
  c: ContactRecord,
  deviceId: string,
  hello: HelloBody,
): Promise<boolean> {
  if (hello.replacesDevice !== undefined) return false
  const record = await tx.getDevice(c.contactId, deviceId)
  if (record === undefined) return false
  if (record.route === undefined) {
    const [sessions, devices] = [
      await tx.listSessions(c.contactId),
      await tx.listDevices(c.contactId),
    ]
    if (!hasOtherLead(c, deviceId, sessions, devices)) return false
  }
  await tx.putDevice({ ...record, route: encodeOutbound(hello) })
  return true
}
