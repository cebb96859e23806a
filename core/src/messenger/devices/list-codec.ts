/**
 * Byte codecs of the signed device list (devices.proto DeviceList / DeviceListBody): canonical
 * protobuf only (ADR 0107), every field checked against its cap. Signature and identity checks live
 * in device-list.ts; this module only turns bytes into fields and back.
 */
import { DeviceList, DeviceListBody, type DeviceEntry } from './devices.pb.js'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../../wire/decode.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { ED25519_PUBLIC_KEY_BYTES, ED25519_SIGNATURE_BYTES } from '../../crypto/primitives.ts'
import { graphemes } from '../../text/clean.ts'
import {
  DEVICE_CAPS,
  DEVICE_LIST_FORMAT_VERSION,
  DEVICE_ROLE,
  MAX_DEVICES_PER_IDENTITY,
  type DeviceRole,
} from './limits.ts'

export interface DeviceEntryFields {
  /** Encoded crypto.md PrekeyBundle (device certificate, signed prekey, ML-KEM prekey). */
  bundle: Uint8Array
  name: string
  role: DeviceRole
  addedAt: number
}

export interface DeviceListFields {
  identityKey: Uint8Array
  listVersion: number
  issuedAt: number
  devices: DeviceEntryFields[]
}

export interface SignedDeviceListParts {
  body: Uint8Array
  signature: Uint8Array
}

const ROLES: readonly number[] = Object.values(DEVICE_ROLE)

export function encodeDeviceListBody(f: DeviceListFields): Uint8Array {
  return DeviceListBody.encode({
    version: DEVICE_LIST_FORMAT_VERSION,
    identityKey: f.identityKey as Uint8Array<ArrayBuffer>,
    listVersion: BigInt(f.listVersion),
    issuedAt: BigInt(f.issuedAt),
    devices: f.devices.map((d): DeviceEntry => ({
      bundle: d.bundle as Uint8Array<ArrayBuffer>,
      name: d.name,
      role: d.role,
      addedAt: BigInt(d.addedAt),
    })),
  })
}

export function encodeDeviceList(s: SignedDeviceListParts): Uint8Array {
  return DeviceList.encode({
    body: s.body as Uint8Array<ArrayBuffer>,
    signature: s.signature as Uint8Array<ArrayBuffer>,
  })
}

/** Decodes the outer signed container. Throws ProtocolError ('malformed', 'oversize'). */
export function decodeDeviceList(bytes: unknown): SignedDeviceListParts {
  const v = decodeStrict(bytes, DEVICE_CAPS.deviceList, DeviceList, 'device list')
  return {
    body: requireBytes(v.body, 'device list body', { min: 1, max: DEVICE_CAPS.deviceList }),
    signature: requireBytes(v.signature, 'device list signature', {
      exact: ED25519_SIGNATURE_BYTES,
    }),
  }
}

/**
 * Decodes the signed body and checks every field: format version, key length, 1..5 entries
 * ('limit_exceeded' above the cap), each name 1..64 graphemes, a known role.
 */
export function decodeDeviceListBody(bytes: Uint8Array): DeviceListFields {
  const v = decodeStrict(bytes, DEVICE_CAPS.deviceList, DeviceListBody, 'device list body')
  requireVersion(v.version, DEVICE_LIST_FORMAT_VERSION, 'device list')
  if (v.devices.length > MAX_DEVICES_PER_IDENTITY) {
    throw new ProtocolError(
      'limit_exceeded',
      `device list: ${v.devices.length} devices, the cap is ${MAX_DEVICES_PER_IDENTITY}`,
    )
  }
  if (v.devices.length === 0) throw new ProtocolError('malformed', 'device list: no device')
  return {
    identityKey: requireBytes(v.identityKey, 'device list identity key', {
      exact: ED25519_PUBLIC_KEY_BYTES,
    }),
    listVersion: requireUint(v.listVersion, 'device list version', { min: 1 }),
    issuedAt: requireUint(v.issuedAt, 'device list issued at'),
    devices: v.devices.map((d, i) => decodeEntry(d, `device ${i + 1}`)),
  }
}

function decodeEntry(d: DeviceEntry, what: string): DeviceEntryFields {
  const bundle = requireBytes(d.bundle, `${what} bundle`, { min: 1, max: DEVICE_CAPS.entryBundle })
  checkName(d.name, `${what} name`)
  if (!ROLES.includes(d.role)) throw new ProtocolError('malformed', `${what}: unknown role`)
  return {
    bundle,
    name: d.name,
    role: d.role as DeviceRole,
    addedAt: requireUint(d.addedAt, `${what} added at`),
  }
}

/** A name a peer sent: 1..64 graphemes and at most 256 UTF-16 code units. */
export function checkName(name: string, what: string): string {
  if (name.length > DEVICE_CAPS.nameCodeUnits) {
    throw new ProtocolError('oversize', `${what}: over ${DEVICE_CAPS.nameCodeUnits} code units`)
  }
  const count = graphemes(name).length
  if (count === 0 || count > DEVICE_CAPS.nameGraphemes) {
    throw new ProtocolError('malformed', `${what}: must be 1..${DEVICE_CAPS.nameGraphemes}`)
  }
  return name
}
