/**
 * The device trio (device-trio.ts) on one injected clock, for the tests of the primary's key
 * renewal (issue 19, ADR 0786): `advance` moves the clock of Ada's two devices, Ben and the relay
 * on; 45 days on (`PREKEYS_DUE_MS`) the primary's prekeys, 60 days from its start, are due. What
 * those tests read: A1's own list as stored, the list Ben holds for Ada, and the expiry of the
 * primary's signed prekey in either.
 */
import { decodePrekeyBundle, decodePrekeyBody } from '@hestia/core/crypto/codecs.ts'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { systemPlatform, type CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import { heldContactList } from '@hestia/core/messenger/devices/contact-list.ts'
import {
  verifyDeviceList,
  type VerifiedDeviceList,
} from '@hestia/core/messenger/devices/device-list.ts'
import { DEVICE_ROLE } from '@hestia/core/messenger/devices/limits.ts'
import { startDeviceTrio, type DeviceTrio } from './device-trio.ts'

/** How far the clock moves so that the primary's prekeys are due for renewal. */
export const PREKEYS_DUE_MS = 45 * DAY_MS

export interface RenewalTrio extends DeviceTrio {
  /** The injected platform: system randomness, the clock `advance` moves. */
  platform: CryptoPlatform
  /** Moves the shared clock on by `ms`. */
  advance(ms: number): void
  /** A1's own device list as its store holds it, verified. */
  ownList(): Promise<VerifiedDeviceList>
  /** The list of Ada's devices Ben holds, or undefined while he holds none. */
  heldByBen(): Promise<VerifiedDeviceList | undefined>
}

/** The expiry of the signed prekey in the primary's entry of `list`. */
export function primaryExpiry(list: VerifiedDeviceList): number {
  const entry = list.devices.find((d) => d.role === DEVICE_ROLE.primary)
  if (entry === undefined) throw new Error('the list names no primary')
  return decodePrekeyBody(decodePrekeyBundle(entry.bundle).signedPrekey.body).expiresAt
}

/** Starts the trio on a clock at the real time; `stop` as for startDeviceTrio. */
export async function startRenewalTrio(): Promise<RenewalTrio> {
  let offset = 0
  const platform: CryptoPlatform = {
    random: systemPlatform.random,
    clock: () => Date.now() + offset,
  }
  const trio = await startDeviceTrio(platform)
  const { a1, ben } = trio
  const conversation = await ben.store.getConversation(trio.conv.get(ben)!)
  if (conversation === undefined) {
    await trio.stop()
    throw new Error('Ben holds no conversation with Ada')
  }
  const adaOnBen = conversation.contactId
  return {
    ...trio,
    platform,
    advance: (ms) => {
      offset += ms
    },
    ownList: async () => {
      const identity = (await a1.store.getIdentity())!
      return verifyDeviceList(identity.deviceList!, { identityKey: identity.identityPublicKey })
    },
    heldByBen: async () => heldContactList((await ben.store.getContact(adaOnBen))!),
  }
}
