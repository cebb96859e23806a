/**
 * Ready-made identities with several devices for multi-device tests (issue 19): each device has a
 * certificate from the shared identity key and a bundle without one-time prekey, as listed.
 */
import type { CryptoPlatform } from '../src/crypto/platform.ts'
import { createIdentity, type IdentityKeyPair } from '../src/crypto/identity.ts'
import {
  DAY,
  makeDevice,
  makePrekeys,
  type TestDevice,
  type TestPrekeys,
} from './crypto-fixtures.ts'
import type { LocalDevice } from '../src/crypto/pqxdh.ts'
import type { PrekeySecret } from '../src/crypto/prekeys.ts'
import { issueDeviceList, type VerifiedDeviceList } from '../src/messenger/devices/device-list.ts'
import { companionPrekeySecrets, createCompanionKeys } from '../src/messenger/devices/companion.ts'
import { ExistingDeviceLink, NewDeviceLink } from '../src/messenger/devices/link.ts'
import {
  acceptLinkGrant,
  buildLinkGrant,
  type GrantInput,
} from '../src/messenger/devices/link-grant.ts'
import { DEVICE_ROLE, type DeviceRole } from '../src/messenger/devices/limits.ts'
import { DeviceSessions } from '../src/messenger/devices/fanout.ts'
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

/**
 * The opening of one link to a new device over the network (the device-link tests, the
 * device-link bench): an owner with only a primary, its first device list, and the new device's
 * keys and `NewDeviceLink` offering `relay`.
 */
export function newDeviceLinkAttempt(
  p: CryptoPlatform,
  newPeerId: Uint8Array,
  relay: string,
  deviceName: string,
) {
  const owner = makeIdentityWithDevices(p, 0)
  const list = issueDeviceList(owner.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: owner.devices.map((d) => d.entry),
  })
  const keys = createCompanionKeys(p.random, newPeerId, deviceName)
  const link = new NewDeviceLink({ platform: p, peerId: newPeerId, relay })
  return { owner, list, keys, link }
}

/** A device as the fan-out layer sees it: its local keys and prekey secrets. */
export interface SimDevice {
  name: string
  identityKey: Uint8Array
  local: LocalDevice
  prekeys: PrekeySecret[]
}

export function simPrimary(
  p: CryptoPlatform,
  identity: IdentityKeyPair,
  d: ListedTestDevice,
): SimDevice {
  return {
    name: d.entry.name,
    identityKey: identity.publicKey,
    local: { cert: d.device.cert, keys: d.device.keys },
    prekeys: d.prekeys.all,
  }
}

/**
 * A grant as the primary in these tests signs it: a 300-day device certificate, 60-day prekeys,
 * issued now by `p`'s clock.
 */
export function testLinkGrant(
  p: CryptoPlatform,
  input: Omit<GrantInput, 'now' | 'certLifetimeMs' | 'prekeyLifetimeMs'>,
): ReturnType<typeof buildLinkGrant> {
  return buildLinkGrant({
    ...input,
    now: p.clock(),
    certLifetimeMs: 300 * DAY,
    prekeyLifetimeMs: 60 * DAY,
  })
}

/** `sim`'s sessions with every device on `list`, answering prekey look-ups from its secrets. */
export function deviceSessionsFor(
  p: CryptoPlatform,
  sim: SimDevice,
  list: VerifiedDeviceList,
): DeviceSessions {
  const lookup = (kind: number, id: number) =>
    sim.prekeys.find((k) => k.kind === kind && k.id === id)
  return new DeviceSessions(sim.local, list, p, lookup)
}

/**
 * Links a new device to `identity` through the real handshake (offer, hello, reveal, code check,
 * grant) and returns it with the new list. The two codes are compared as a user would.
 */
export function linkCompanion(
  p: CryptoPlatform,
  identity: IdentityKeyPair,
  current: VerifiedDeviceList,
  name: string,
): { device: SimDevice; list: VerifiedDeviceList } {
  const peerId = new TextEncoder().encode(`peer:${name}`)
  const keys = createCompanionKeys(p.random, peerId, name)
  const newSide = new NewDeviceLink({ platform: p, peerId, relay: '/ip4/127.0.0.1/tcp/1/ws' })
  const existing = new ExistingDeviceLink(newSide.offer, p)
  const answered = newSide.answerHello(existing.hello, keys.request)
  const checked = existing.receiveReveal(answered.reveal)
  if (checked.code !== answered.code) throw new Error('link codes differ')
  const { grant, list } = testLinkGrant(p, {
    identity,
    request: checked.request,
    currentList: current,
  })
  const opened = newSide.openGrant(existing.sealGrant(grant))
  const accepted = acceptLinkGrant(opened, keys.request, p.clock())
  return {
    device: {
      name,
      identityKey: accepted.identityKey,
      local: { cert: accepted.cert, keys: keys.device },
      prekeys: companionPrekeySecrets(keys, opened),
    },
    list,
  }
}
