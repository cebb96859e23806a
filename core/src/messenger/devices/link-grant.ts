/**
 * What the primary gives a new device once the user confirmed the code (docs/adr/0760): a device
 * certificate for the requested device key, the requested prekeys signed by the identity key, and a
 * new device list naming the device. And the new device's check of all of it before it stores
 * anything. The identity secret never leaves the primary.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import {
  encodePrekeyBody,
  encodePrekeyBundle,
  encodeSigned,
  PREKEY_KIND,
  type SignedBytes,
} from '../../crypto/codecs.ts'
import {
  issueDeviceCert,
  verifyDeviceCert,
  type DeviceCertificate,
  type IdentityKeyPair,
} from '../../crypto/identity.ts'
import { verifySignedPrekey, type VerifiedPrekey } from '../../crypto/prekeys.ts'
import { ed25519Sign } from '../../crypto/primitives.ts'
import { displayNameOr } from '../../text/clean.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { DOMAIN, domainSeparated } from '../../wire/labels.ts'
import { issueDeviceList, verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE, MAX_DEVICES_PER_IDENTITY, TOO_MANY_DEVICES_MESSAGE } from './limits.ts'
import { decodeGrantPrekey, type LinkGrantFields, type LinkRequestFields } from './link-codec.ts'

/** Prekey ids a companion's first signed prekeys get (ids are per device key). */
export const COMPANION_PREKEY_IDS = { signed: 1, pq: 2 } as const

export interface GrantInput {
  identity: IdentityKeyPair
  request: LinkRequestFields
  /** The list in force on the primary; the new one is issued from it. */
  currentList: VerifiedDeviceList
  now: number
  certLifetimeMs: number
  prekeyLifetimeMs: number
  /** Own-device sync snapshot to hand over (may be empty). */
  sync?: Uint8Array
}

/** Refuses a sixth device with the sentence the user reads, before anything is signed. */
export function checkRoomForDevice(list: VerifiedDeviceList): void {
  if (list.devices.length >= MAX_DEVICES_PER_IDENTITY) {
    throw new ProtocolError('limit_exceeded', TOO_MANY_DEVICES_MESSAGE)
  }
}

function signPrekey(
  identity: IdentityKeyPair,
  fields: Parameters<typeof encodePrekeyBody>[0],
): SignedBytes {
  const body = encodePrekeyBody(fields)
  const signature = ed25519Sign(identity.secretKey, domainSeparated(DOMAIN.prekeyBundle, body))
  return { body, signature }
}

export interface CertifyOptions {
  now: number
  certLifetimeMs: number
  prekeyLifetimeMs: number
  /** Certificate serial: 0 for a new device, the old one + 1 on a refresh. */
  serial: number
  prekeyIds: { signed: number; pq: number }
}

/** The certificate, the two signed prekeys and the listed bundle for a request's keys. */
export function certifyDevice(
  identity: IdentityKeyPair,
  request: LinkRequestFields,
  o: CertifyOptions,
): { cert: DeviceCertificate; spk: SignedBytes; pq: SignedBytes; bundle: Uint8Array } {
  const cert = issueDeviceCert(identity, {
    deviceKey: request.deviceKey,
    peerId: request.peerId,
    issuedAt: o.now,
    expiresAt: o.now + o.certLifetimeMs,
    serial: o.serial,
  })
  const base = { deviceKey: request.deviceKey, expiresAt: o.now + o.prekeyLifetimeMs }
  const spk = signPrekey(identity, {
    ...base,
    kind: PREKEY_KIND.signedX25519,
    id: o.prekeyIds.signed,
    publicKey: request.signedPrekey,
  })
  const pq = signPrekey(identity, {
    ...base,
    kind: PREKEY_KIND.lastResortMlkem,
    id: o.prekeyIds.pq,
    publicKey: request.pqPrekey,
  })
  const bundle = encodePrekeyBundle({ deviceCert: cert.bytes, signedPrekey: spk, pqPrekey: pq })
  return { cert, spk, pq, bundle }
}

/** Primary side: certificate, signed prekeys and the new list. */
export function buildLinkGrant(input: GrantInput): {
  grant: LinkGrantFields
  list: VerifiedDeviceList
} {
  const { identity, request, currentList, now } = input
  checkRoomForDevice(currentList)
  if (
    currentList.devices.some(
      (d) => bytesEqual(d.deviceKey, request.deviceKey) || bytesEqual(d.peerId, request.peerId),
    )
  ) {
    throw new ProtocolError('malformed', 'link: this device is already on the list')
  }
  const made = certifyDevice(identity, request, {
    now,
    certLifetimeMs: input.certLifetimeMs,
    prekeyLifetimeMs: input.prekeyLifetimeMs,
    serial: 0,
    prekeyIds: COMPANION_PREKEY_IDS,
  })
  const entry = {
    bundle: made.bundle,
    name: displayNameOr(request.name, 'Linked device'),
    role: DEVICE_ROLE.companion,
    addedAt: now,
  }
  const list = issueDeviceList(identity, {
    previousVersion: currentList.listVersion,
    now,
    devices: [...currentList.devices.map(entryOf), entry],
  })
  return { grant: grantOf(made, list, input.sync), list }
}

export function grantOf(
  made: ReturnType<typeof certifyDevice>,
  list: VerifiedDeviceList,
  sync?: Uint8Array,
): LinkGrantFields {
  return {
    deviceCert: made.cert.bytes,
    signedPrekey: encodeSigned(made.spk),
    pqPrekey: encodeSigned(made.pq),
    deviceList: list.bytes,
    sync: sync ?? new Uint8Array(0),
  }
}

export function entryOf(d: VerifiedDeviceList['devices'][number]) {
  return { bundle: d.bundle, name: d.name, role: d.role, addedAt: d.addedAt }
}

export interface AcceptedGrant {
  identityKey: Uint8Array
  cert: DeviceCertificate
  list: VerifiedDeviceList
  signedPrekey: VerifiedPrekey
  pqPrekey: VerifiedPrekey
  sync: Uint8Array
}

/**
 * New-device side: the certificate must be for exactly the keys we asked for, the prekeys ours and
 * signed by the same identity, and the list must name us as a companion. Throws ProtocolError.
 */
export function acceptLinkGrant(
  grant: LinkGrantFields,
  request: LinkRequestFields,
  now: number,
): AcceptedGrant {
  const cert = verifyDeviceCert(grant.deviceCert, { now })
  if (!bytesEqual(cert.deviceKey, request.deviceKey) || !bytesEqual(cert.peerId, request.peerId)) {
    throw new ProtocolError('wrong_key', 'link grant: the certificate is for another device')
  }
  const list = verifyDeviceList(grant.deviceList, { identityKey: cert.identityKey })
  const listed = list.devices.find((d) => bytesEqual(d.deviceKey, request.deviceKey))
  if (listed === undefined || listed.role !== DEVICE_ROLE.companion) {
    throw new ProtocolError('malformed', 'link grant: the device list does not name this device')
  }
  const spk = verifySignedPrekey(
    decodeGrantPrekey(grant.signedPrekey, 'grant prekey'),
    cert,
    [PREKEY_KIND.signedX25519],
    now,
  )
  const pq = verifySignedPrekey(
    decodeGrantPrekey(grant.pqPrekey, 'grant pq prekey'),
    cert,
    [PREKEY_KIND.lastResortMlkem],
    now,
  )
  if (
    !bytesEqual(spk.publicKey, request.signedPrekey) ||
    !bytesEqual(pq.publicKey, request.pqPrekey)
  ) {
    throw new ProtocolError(
      'wrong_key',
      'link grant: the signed prekeys are not the ones asked for',
    )
  }
  return {
    identityKey: cert.identityKey,
    cert,
    list,
    signedPrekey: spk,
    pqPrekey: pq,
    sync: grant.sync,
  }
}
