/**
 * Fan-out (issue 19): a message goes to every listed device of the contact and to every other
 * device of ours, one Double Ratchet session per device pair (ADR 0101). `DeviceSessions` holds
 * the sessions with the devices of one identity and never encrypts to, or accepts from, a device
 * that the held list does not name — so a removed device gets nothing new the moment the newer
 * list is taken in, and a frame it sends is refused.
 */
import { bytesEqual, toHex } from '../../crypto/bytes.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import {
  acceptSession,
  initiateSession,
  type LocalDevice,
  type PrekeyLookup,
} from '../../crypto/pqxdh.ts'
import { verifyPrekeyBundle } from '../../crypto/prekeys.ts'
import { decodeSessionFrame } from '../../crypto/codecs.ts'
import type { DecryptedMessage, Session } from '../../crypto/session.ts'
import { isProtocolError, ProtocolError } from '../../wire/errors.ts'
import type { ListedDevice, VerifiedDeviceList } from './device-list.ts'

/** Devices of `list` a message may go to now: not this device, certificate still valid. */
export function fanOutTargets(
  list: VerifiedDeviceList,
  now: number,
  exceptDeviceKey?: Uint8Array,
): ListedDevice[] {
  return list.devices.filter(
    (d) =>
      d.certExpiresAt > now &&
      (exceptDeviceKey === undefined || !bytesEqual(d.deviceKey, exceptDeviceKey)),
  )
}

export interface DeviceFrame {
  /** The recipient device's X25519 key (from its certificate). */
  deviceKey: Uint8Array
  /** Its libp2p PeerId bytes: where a direct send goes. */
  peerId: Uint8Array
  frame: Uint8Array
}

export interface ReceivedFromDevice extends DecryptedMessage {
  deviceKey: Uint8Array
}

const keyOf = (deviceKey: Uint8Array) => toHex(deviceKey)

/** The sessions between this device and the devices of one identity (a contact, or ourselves). */
export class DeviceSessions {
  readonly #local: LocalDevice
  readonly #platform: CryptoPlatform
  readonly #prekeys: PrekeyLookup
  readonly #sessions = new Map<string, Session>()
  #list: VerifiedDeviceList

  constructor(
    local: LocalDevice,
    list: VerifiedDeviceList,
    platform: CryptoPlatform,
    prekeys: PrekeyLookup,
  ) {
    this.#local = local
    this.#list = list
    this.#platform = platform
    this.#prekeys = prekeys
  }

  get list(): VerifiedDeviceList {
    return this.#list
  }

  /** Device keys we hold a session with. */
  get sessionKeys(): string[] {
    return [...this.#sessions.keys()]
  }

  /**
   * Takes in a newer list (already accepted: see list-updates.ts) and ends the sessions with
   * devices it no longer names, at once. Returns how many sessions ended.
   */
  useList(list: VerifiedDeviceList): number {
    if (!bytesEqual(list.identityKey, this.#list.identityKey)) {
      throw new ProtocolError('wrong_key', 'device list of another identity')
    }
    this.#list = list
    let ended = 0
    for (const key of [...this.#sessions.keys()]) {
      if (!list.devices.some((d) => keyOf(d.deviceKey) === key)) {
        this.#sessions.delete(key)
        ended++
      }
    }
    return ended
  }

  /**
   * Encrypts `body` once per listed device (except this one), starting sessions from the list. A
   * device no session can be started with is left out and reported to `onUnreachable`.
   */
  encryptToAll(
    body: Uint8Array,
    onUnreachable?: (device: ListedDevice, reason: ProtocolError) => void,
  ): DeviceFrame[] {
    const now = this.#platform.clock()
    const frames: DeviceFrame[] = []
    for (const device of fanOutTargets(this.#list, now, this.#local.cert.deviceKey)) {
      try {
        frames.push({
          deviceKey: device.deviceKey,
          peerId: device.peerId,
          frame: this.#encryptTo(device, body),
        })
      } catch (err) {
        // One device whose bundle no longer verifies (its prekeys expired) must not keep the
        // message from the others: it is skipped and reported.
        if (!isProtocolError(err)) throw err
        onUnreachable?.(device, err)
      }
    }
    return frames
  }

  #encryptTo(device: ListedDevice, body: Uint8Array): Uint8Array {
    const existing = this.#sessions.get(keyOf(device.deviceKey))
    if (existing !== undefined) return existing.encrypt(body).frame
    const bundle = verifyPrekeyBundle(device.bundle, {
      now: this.#platform.clock(),
      identityKey: this.#list.identityKey,
    })
    const start = initiateSession({ local: this.#local, bundle, body, platform: this.#platform })
    this.#sessions.set(keyOf(device.deviceKey), start.session)
    return start.frame
  }

  /**
   * Decrypts a frame from one of the identity's listed devices. A first (PQXDH) frame names its
   * sender's certificate; a ratchet frame is tried against each session (a failed try leaves the
   * session unchanged, §3.5). A frame from an unlisted device is refused ('unknown_key'); a frame
   * seen before is refused ('replay').
   */
  decrypt(frame: Uint8Array): ReceivedFromDevice {
    const decoded = decodeSessionFrame(frame)
    let replay: ProtocolError | undefined
    for (const session of this.#sessions.values()) {
      try {
        return { ...session.decrypt(frame), deviceKey: session.remoteDeviceKey }
      } catch (err) {
        if (!isProtocolError(err)) throw err
        if (err.code === 'replay') replay = err
      }
    }
    if (replay !== undefined) throw replay
    if (decoded.kind === 'initial') return this.#accept(frame)
    throw new ProtocolError('unknown_key', 'no session with a listed device opens this frame')
  }

  #accept(frame: Uint8Array): ReceivedFromDevice {
    const got = acceptSession({
      local: this.#local,
      frame,
      prekeys: this.#prekeys,
      platform: this.#platform,
      expectedIdentityKey: this.#list.identityKey,
    })
    const sender = got.senderCert.deviceKey
    if (!this.#list.devices.some((d) => bytesEqual(d.deviceKey, sender))) {
      throw new ProtocolError('unknown_key', 'a device that is not on the list (removed?) wrote')
    }
    const existing = this.#sessions.get(keyOf(sender))
    // Both devices started a session at once: the one started by the lower device key wins on
    // both sides, so they end up in the same session (the message is read either way).
    const keepOurs =
      existing !== undefined &&
      existing.awaitingReply &&
      compareBytes(this.#local.cert.deviceKey, sender) < 0
    if (!keepOurs) this.#sessions.set(keyOf(sender), got.session)
    return { ...got.message, deviceKey: sender }
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!
  }
  return a.length - b.length
}
