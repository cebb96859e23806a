/**
 * A contact's device list inside the messenger (issue 19, docs/protocol/devices.md "Fan-out"):
 * taking in a list that arrived inside the end-to-end channel, and refusing frames from devices
 * the held list does not name.
 *
 * A list older than (or equal to) the held one, unsigned, for another identity or over the cap is
 * refused and changes nothing but the session it came in (the frame itself was authentic: a
 * relay or attacker replaying an old list gets nowhere). A newer list is stored on the contact;
 * device records follow it, sessions with devices it no longer names end at once, and the thread
 * gets a notice ("Alice added a device", "… removed a device") — never a block: the identity key,
 * and so the safety number, is the same.
 */
import type { ClientEvent } from '../../client/api.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import type { ContactRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { ProtocolError, isProtocolError } from '../../wire/errors.ts'
import { deviceIdOf } from '../net.ts'
import { addSystemLine } from '../system-line.ts'
import type { Payload } from '../payload.ts'
import { acceptDeviceList, verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'
import { receiveContactList } from './list-updates.ts'
import { planDeviceStore } from './store-plan.ts'

/** The contact's held list, or undefined (none yet; a stored one that no longer verifies). */
export function heldContactList(contact: ContactRecord): VerifiedDeviceList | undefined {
  if (contact.deviceList === undefined) return undefined
  try {
    return verifyDeviceList(contact.deviceList, { identityKey: contact.identityPublicKey })
  } catch (err) {
    if (isProtocolError(err)) return undefined
    throw err
  }
}

/**
 * Throws ProtocolError `unknown_key` for a frame from a device the contact's held list does not
 * name (as DeviceSessions does). Without a held list every certified device of the pinned identity
 * is accepted, as before multi-device. A device restored from a backup (ADR 0524) starts its new
 * session with a Hello naming the device it replaces: it is let in when that device is listed and
 * its certificate (`newSessionCertIssuedAt`, from the session's first frame) was issued after the
 * held list — a removed companion's certificate is older than the list that removed it, so it
 * cannot pose as a replacement. The restored primary's own list follows behind the Hello.
 */
export function refuseUnlistedDevice(
  contact: ContactRecord,
  senderDevice: string,
  payload: Payload,
  newSessionCertIssuedAt?: number,
): void {
  const held = heldContactList(contact)
  if (held === undefined) return
  if (held.devices.some((d) => deviceIdOf(d.peerId) === senderDevice)) return
  const body = payload.body
  const replaces = body.kind === 'hello' ? body.hello.replacesDevice : undefined
  if (
    replaces !== undefined &&
    newSessionCertIssuedAt !== undefined &&
    newSessionCertIssuedAt > held.issuedAt &&
    held.devices.some((d) => deviceIdOf(d.peerId) === replaces)
  )
    return
  // A newer list signed by the identity key that names the sender lets it in (a primary restored
  // from a backup announces itself so); a removed device cannot make one.
  if (body.kind === 'device_list' && newerListNames(held, body.list, contact, senderDevice)) return
  throw new ProtocolError('unknown_key', 'a frame from a device the contact does not list')
}

function newerListNames(
  held: VerifiedDeviceList,
  bytes: Uint8Array,
  contact: ContactRecord,
  senderDevice: string,
): boolean {
  try {
    const list = acceptDeviceList(held, bytes, { identityKey: contact.identityPublicKey })
    return list.devices.some((d) => deviceIdOf(d.peerId) === senderDevice)
  } catch (err) {
    if (isProtocolError(err)) return false
    throw err
  }
}

export type ListOutcome = 'accepted' | 'refused'

/** Applies a `device_list` payload from the pinned contact inside the frame's transaction. */
export async function applyContactDeviceList(
  tx: StoreOperations,
  contact: ContactRecord,
  conversationId: string,
  bytes: Uint8Array,
  platform: CryptoPlatform,
  events: ClientEvent[],
): Promise<ListOutcome> {
  const held = heldContactList(contact)
  let update
  try {
    update = receiveContactList(held, bytes, contact.identityPublicKey)
  } catch (err) {
    if (isProtocolError(err)) return 'refused'
    throw err
  }
  const known = await tx.listDevices(contact.contactId)
  const plan = planDeviceStore({
    owner: contact.contactId,
    list: update.list,
    devices: known,
    sessions: await tx.listSessions(contact.contactId),
  })
  for (const d of plan.putDevices) await tx.putDevice(d)
  for (const id of plan.deleteDevices) await tx.deleteDevice(contact.contactId, id)
  for (const id of plan.endSessions) await tx.deleteSession(contact.contactId, id)
  contact.deviceList = update.list.bytes
  contact.updatedAt = platform.clock()
  await tx.putContact(contact)
  // Devices new to us are "added"; the first list also names the devices we already talk to.
  const candidates = held === undefined ? update.list.devices : update.added
  const added = candidates.filter(
    (d) => !known.some((k) => k.deviceId === deviceIdOf(d.peerId)) && !isFirstPrimary(held, d),
  )
  // A notice, not a message: it does not count as unread.
  const line = { now: platform.clock(), platform, events, read: true }
  if (added.length > 0) await addSystemLine(tx, conversationId, 'device_added', line)
  if (update.removed.length > 0) await addSystemLine(tx, conversationId, 'device_removed', line)
  return 'accepted'
}

/** The primary in the contact's first list is the device we already knew them by. */
function isFirstPrimary(held: VerifiedDeviceList | undefined, d: { role: number }): boolean {
  return held === undefined && d.role === DEVICE_ROLE.primary
}
