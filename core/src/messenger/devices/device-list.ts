/**
 * The signed, versioned device list of an identity (docs/adr/0760, docs/protocol/devices.md):
 * issued by the primary (the only holder of the identity key), verified and accepted by the
 * user's other devices and by every contact. A list is accepted only when it is signed by the
 * expected identity, every device certificate in it is that identity's, it has exactly one primary,
 * no device twice, at most five devices, and a version strictly higher than the one held.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import { decodeDeviceCert, decodeDeviceCertBody, decodePrekeyBundle } from '../../crypto/codecs.ts'
import type { IdentityKeyPair } from '../../crypto/identity.ts'
import { ed25519Sign, ed25519Verify } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { DOMAIN, domainSeparated } from '../../wire/labels.ts'
import {
  decodeDeviceList,
  decodeDeviceListBody,
  encodeDeviceList,
  encodeDeviceListBody,
  type DeviceEntryFields,
} from './list-codec.ts'
import {
  DEVICE_ROLE,
  DEVICES_DOMAIN,
  MAX_DEVICES_PER_IDENTITY,
  TOO_MANY_DEVICES_MESSAGE,
} from './limits.ts'

export type { DeviceEntryFields }

/** One listed device after verification: the entry plus what its certificate says. */
export interface ListedDevice extends DeviceEntryFields {
  /** X25519 device key from the certificate: the device's identity in sessions. */
  deviceKey: Uint8Array
  /** libp2p PeerId bytes from the certificate. */
  peerId: Uint8Array
  certExpiresAt: number
  /** The encoded device certificate from the bundle (what a DeviceRecord stores). */
  certificate: Uint8Array
}

export interface VerifiedDeviceList {
  /** The exact bytes that were verified (what is stored and forwarded). */
  bytes: Uint8Array
  identityKey: Uint8Array
  listVersion: number
  issuedAt: number
  devices: ListedDevice[]
}

export interface IssueListOptions {
  /** The highest list version this identity issued before, or 0 (e.g. restored from a backup). */
  previousVersion: number
  now: number
  devices: DeviceEntryFields[]
}

/**
 * The version of the next list: strictly above the previous one, and at least the current time in
 * ms, so a primary restored from an old backup (which does not know its last version) still wins.
 */
export function nextListVersion(previousVersion: number, now: number): number {
  return Math.max(previousVersion + 1, Math.trunc(now))
}

/**
 * Signs a device list with the identity key. Refuses (ProtocolError 'limit_exceeded', with the
 * sentence the user reads) more than MAX_DEVICES_PER_IDENTITY devices; the result is checked with
 * the same rules a contact applies, so we never publish a list others refuse.
 */
export function issueDeviceList(
  identity: IdentityKeyPair,
  opts: IssueListOptions,
): VerifiedDeviceList {
  if (opts.devices.length > MAX_DEVICES_PER_IDENTITY) {
    throw new ProtocolError('limit_exceeded', TOO_MANY_DEVICES_MESSAGE)
  }
  const body = encodeDeviceListBody({
    identityKey: identity.publicKey,
    listVersion: nextListVersion(opts.previousVersion, opts.now),
    issuedAt: Math.trunc(opts.now),
    devices: opts.devices,
  })
  const signature = ed25519Sign(
    identity.secretKey,
    domainSeparated(DEVICES_DOMAIN.deviceList, body),
  )
  return verifyDeviceList(encodeDeviceList({ body, signature }), {
    identityKey: identity.publicKey,
  })
}

export interface VerifyListOptions {
  /** The identity the list must belong to (the contact's pinned key, or our own). */
  identityKey: Uint8Array
}

/**
 * Decodes and verifies a device list. Throws ProtocolError: 'malformed'/'oversize'/
 * 'unsupported_version' (bytes), 'limit_exceeded' (over five devices), 'wrong_key' (another
 * identity's list or certificate), 'bad_signature'.
 */
export function verifyDeviceList(bytes: unknown, opts: VerifyListOptions): VerifiedDeviceList {
  const signed = decodeDeviceList(bytes)
  const fields = decodeDeviceListBody(signed.body)
  if (!bytesEqual(fields.identityKey, opts.identityKey)) {
    throw new ProtocolError('wrong_key', 'device list belongs to another identity')
  }
  const message = domainSeparated(DEVICES_DOMAIN.deviceList, signed.body)
  if (!ed25519Verify(fields.identityKey, message, signed.signature)) {
    throw new ProtocolError('bad_signature', 'device list signature does not verify')
  }
  const devices = fields.devices.map((d, i) => checkEntry(d, fields.identityKey, i + 1))
  checkDistinct(devices)
  return {
    bytes: (bytes as Uint8Array).slice(),
    identityKey: fields.identityKey,
    listVersion: fields.listVersion,
    issuedAt: fields.issuedAt,
    devices,
  }
}

/** The entry's bundle must carry a certificate signed by the list's identity; no one-time prekey. */
function checkEntry(entry: DeviceEntryFields, identityKey: Uint8Array, n: number): ListedDevice {
  const parts = decodePrekeyBundle(entry.bundle)
  if (parts.oneTimePrekey !== undefined) {
    throw new ProtocolError('malformed', `device ${n}: a listed bundle has no one-time prekey`)
  }
  const cert = decodeDeviceCert(parts.deviceCert)
  const fields = decodeDeviceCertBody(cert.body)
  if (!bytesEqual(fields.identityKey, identityKey)) {
    throw new ProtocolError('wrong_key', `device ${n}: certificate of another identity`)
  }
  const certMessage = domainSeparated(DOMAIN.deviceCert, cert.body)
  if (!ed25519Verify(identityKey, certMessage, cert.signature)) {
    throw new ProtocolError('bad_signature', `device ${n}: certificate signature does not verify`)
  }
  return {
    ...entry,
    deviceKey: fields.deviceKey,
    peerId: fields.peerId,
    certExpiresAt: fields.expiresAt,
    certificate: parts.deviceCert,
  }
}

function checkDistinct(devices: ListedDevice[]): void {
  if (devices.filter((d) => d.role === DEVICE_ROLE.primary).length !== 1) {
    throw new ProtocolError('malformed', 'device list: exactly one primary device is required')
  }
  for (let i = 0; i < devices.length; i++) {
    for (let j = i + 1; j < devices.length; j++) {
      const a = devices[i]!
      const b = devices[j]!
      if (bytesEqual(a.deviceKey, b.deviceKey) || bytesEqual(a.peerId, b.peerId)) {
        throw new ProtocolError('malformed', `device list: devices ${i + 1} and ${j + 1} repeat`)
      }
    }
  }
}

/**
 * The accept rule: verify, then require a version strictly above the one held (`replay`
 * otherwise), so a relay or a peer replaying an older list — one that still names a removed device
 * — changes nothing. The caller stores the returned list only when this returns.
 */
export function acceptDeviceList(
  current: VerifiedDeviceList | undefined,
  bytes: unknown,
  opts: VerifyListOptions,
): VerifiedDeviceList {
  const next = verifyDeviceList(bytes, opts)
  if (current !== undefined && next.listVersion <= current.listVersion) {
    throw new ProtocolError(
      'replay',
      `device list version ${next.listVersion} is not newer than ${current.listVersion}`,
    )
  }
  return next
}

/** Devices in `next` that `previous` did not list (the "Alice added a device" notice). */
export function addedDevices(
  previous: VerifiedDeviceList | undefined,
  next: VerifiedDeviceList,
): ListedDevice[] {
  if (previous === undefined) return []
  return next.devices.filter(
    (d) => !previous.devices.some((p) => bytesEqual(p.deviceKey, d.deviceKey)),
  )
}

/** Devices `previous` listed and `next` does not: sessions to them end now. */
export function removedDevices(
  previous: VerifiedDeviceList | undefined,
  next: VerifiedDeviceList,
): ListedDevice[] {
  if (previous === undefined) return []
  return previous.devices.filter(
    (p) => !next.devices.some((d) => bytesEqual(p.deviceKey, d.deviceKey)),
  )
}
