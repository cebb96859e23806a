/**
 * Trust on first use with a hard stop: the first identity key seen for a contact is pinned; a
 * different identity key blocks the conversation (the messenger holds everything under it until the
 * user decides, ADR 0720; stricter than Signal, which only warns). A new or rotated device under a
 * valid certificate of the pinned identity is not a key change; an older certificate for a known
 * device is `stale` and refused (ADR 0721). The pinned record is plain JSON so the messenger can
 * store it as it likes.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from './bytes.ts'
import type { DeviceCertificate } from './identity.ts'

export interface PinnedIdentity {
  /** base64url Ed25519 identity key. */
  identityKey: string
  /** True once the user compared safety numbers (or scanned the QR). */
  verified: boolean
  /** Known devices: base64url PeerId → highest certificate serial and its device key. */
  devices: Record<string, { serial: number; deviceKey: string }>
}

export type KeyCheckStatus =
  | 'first_use' // nothing pinned yet: pin and continue
  | 'unchanged' // known identity, known device with the same key
  | 'new_device' // known identity, a device we had not seen
  | 'device_rotated' // known identity and device, newer certificate
  | 'stale' // known identity and device, an older certificate (or another key at the same serial)
  | 'blocked' // the identity key differs from the pinned one: stop until re-verified

export interface KeyCheckResult {
  status: KeyCheckStatus
  /** The record to store; unchanged when blocked. */
  pinned: PinnedIdentity | undefined
}

/**
 * Compares a verified device certificate with what is pinned for the contact. Call it with every
 * certificate the contact presents (prekey bundle, initial message, device list).
 */
export function checkKeyChange(
  pinned: PinnedIdentity | undefined,
  cert: DeviceCertificate,
): KeyCheckResult {
  const peer = toBase64Url(cert.peerId)
  const device = { serial: cert.serial, deviceKey: toBase64Url(cert.deviceKey) }
  if (pinned === undefined) {
    return {
      status: 'first_use',
      pinned: {
        identityKey: toBase64Url(cert.identityKey),
        verified: false,
        devices: { [peer]: device },
      },
    }
  }
  if (!bytesEqual(fromBase64Url(pinned.identityKey), cert.identityKey)) {
    return { status: 'blocked', pinned }
  }
  const known = pinned.devices[peer]
  if (known === undefined) {
    return {
      status: 'new_device',
      pinned: { ...pinned, devices: { ...pinned.devices, [peer]: device } },
    }
  }
  if (cert.serial > known.serial) {
    return {
      status: 'device_rotated',
      pinned: { ...pinned, devices: { ...pinned.devices, [peer]: device } },
    }
  }
  // A replayed old certificate must not bring back an old device key: the caller refuses it.
  if (cert.serial < known.serial || device.deviceKey !== known.deviceKey) {
    return { status: 'stale', pinned }
  }
  return { status: 'unchanged', pinned }
}

/** After the user re-verified a changed identity: pin the new key from scratch. */
export function repinIdentity(cert: DeviceCertificate, verified: boolean): PinnedIdentity {
  return {
    identityKey: toBase64Url(cert.identityKey),
    verified,
    devices: {
      [toBase64Url(cert.peerId)]: { serial: cert.serial, deviceKey: toBase64Url(cert.deviceKey) },
    },
  }
}

/** Marks the pinned identity as verified (safety number compared or QR scanned). */
export function markVerified(pinned: PinnedIdentity): PinnedIdentity {
  return { ...pinned, verified: true }
}
