/**
 * Ready-made identities with several devices for multi-device tests (issue 19): each device has a
 * certificate from the shared identity key and a bundle without one-time prekey, as listed.
 */
import type { CryptoPlatform } from '../src/crypto/platform.ts'
import { createIdentity, type IdentityKeyPair } from '../src/crypto/identity.ts'
import { makeDevice, makePrekeys, type TestDevice, type TestPrekeys } from './crypto-fixtures.ts'
import { DEVICE_ROLE, type DeviceRole } from '../src/messenger/devices/limits.ts'
import type { DeviceEntryFields } from '../src/messenger/devices/list-codec.ts'

export interface ListedTestDevice {
  device: TestDevice
  prekeys: TestPrekeys
  entry: DeviceEntryFields
}

export function makeListedDevice(
  p: CryptoPlatform,
  identity: IdentityKeyPair,
  name: string,
  role: DeviceRole = DEVICE_ROLE.companion,
): ListedTestDevice {
  const device = makeDevice(p, name, identity)
  const prekeys = makePrekeys(p, device, { oneTime: false })
  return {
    device,
    prekeys,
    entry: { bundle: prekeys.bundle, name, role, addedAt: p.clock() },
  }
}

/** An identity with a primary and `companions` companion devices. */
export function makeIdentityWithDevices(
  p: CryptoPlatform,
  companions: number,
  label = 'alice',
): { identity: IdentityKeyPair; devices: ListedTestDevice[] } {
  const identity = createIdentity(p.random)
  const devices = [makeListedDevice(p, identity, `${label} primary`, DEVICE_ROLE.primary)]
  for (let i = 1; i <= companions; i++) {
    devices.push(makeListedDevice(p, identity, `${label} companion ${i}`))
  }
  return { identity, devices }
}
