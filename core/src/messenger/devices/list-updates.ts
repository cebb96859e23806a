/**
 * What a device does with a device list (docs/adr/0760): the primary makes new ones (remove a
 * device, log out all others), a contact's device takes one in and learns which devices came and
 * went ("Alice added a device", a notice that never blocks), and one of our own devices learns
 * whether it is still listed (if not, it erases itself).
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import type { IdentityKeyPair } from '../../crypto/identity.ts'
import { ProtocolError } from '../../wire/errors.ts'
import {
  acceptDeviceList,
  addedDevices,
  issueDeviceList,
  removedDevices,
  type ListedDevice,
  type VerifiedDeviceList,
} from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'

export interface ListUpdate {
  list: VerifiedDeviceList
  added: ListedDevice[]
  removed: ListedDevice[]
}

function entriesOf(devices: ListedDevice[]) {
  return devices.map((d) => ({ bundle: d.bundle, name: d.name, role: d.role, addedAt: d.addedAt }))
}

/** Primary: a new list without `deviceKey`. The primary cannot remove itself (refused). */
export function removeDevice(
  identity: IdentityKeyPair,
  current: VerifiedDeviceList,
  deviceKey: Uint8Array,
  now: number,
): ListUpdate {
  const target = current.devices.find((d) => bytesEqual(d.deviceKey, deviceKey))
  if (target === undefined) throw new ProtocolError('unknown_key', 'no such device on the list')
  if (target.role === DEVICE_ROLE.primary) {
    throw new ProtocolError(
      'malformed',
      'The primary device cannot remove itself; erase it in Settings instead.',
    )
  }
  const keep = current.devices.filter((d) => d !== target)
  const list = issueDeviceList(identity, {
    previousVersion: current.listVersion,
    now,
    devices: entriesOf(keep),
  })
  return { list, added: [], removed: [target] }
}

/** Primary: "Log out all other devices" — a list naming only the primary. */
export function logoutOtherDevices(
  identity: IdentityKeyPair,
  current: VerifiedDeviceList,
  now: number,
): ListUpdate {
  const primary = current.devices.filter((d) => d.role === DEVICE_ROLE.primary)
  const list = issueDeviceList(identity, {
    previousVersion: current.listVersion,
    now,
    devices: entriesOf(primary),
  })
  return { list, added: [], removed: current.devices.filter((d) => d.role !== DEVICE_ROLE.primary) }
}

/** The notice a contact's new device gives (never a block: the identity is the same). */
export function addedDeviceNotice(
  contactName: string,
  added: readonly ListedDevice[],
): string | null {
  if (added.length === 0) return null
  return added.length === 1
    ? `${contactName} added a device`
    : `${contactName} added ${added.length} devices`
}

/**
 * A contact's list arrived inside the end-to-end channel. Throws ProtocolError (and the caller
 * keeps `held`) for an old, unsigned, foreign or over-cap list.
 */
export function receiveContactList(
  held: VerifiedDeviceList | undefined,
  bytes: unknown,
  contactIdentityKey: Uint8Array,
): ListUpdate {
  const list = acceptDeviceList(held, bytes, { identityKey: contactIdentityKey })
  return { list, added: addedDevices(held, list), removed: removedDevices(held, list) }
}

export interface OwnListUpdate extends ListUpdate {
  /** This device is not on the newer list: it was removed and must erase itself. */
  thisDeviceRemoved: boolean
}

/** One of our own lists arrived (from the primary): is this device still on it? */
export function receiveOwnList(
  held: VerifiedDeviceList | undefined,
  bytes: unknown,
  ownIdentityKey: Uint8Array,
  thisDeviceKey: Uint8Array,
): OwnListUpdate {
  const update = receiveContactList(held, bytes, ownIdentityKey)
  const listed = update.list.devices.some((d) => bytesEqual(d.deviceKey, thisDeviceKey))
  return { ...update, thisDeviceRemoved: !listed }
}
