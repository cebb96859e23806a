/**
 * A companion's keys expire (prekeys after at most 90 days, the certificate after 400) and only the
 * primary can sign new ones (ADR 0760). The companion sends a LinkRequest with fresh prekeys — and
 * possibly a new name (a rename) — inside its own-device session with the primary; the primary
 * answers with a grant: a certificate with serial + 1, the new prekeys signed, and a new list in
 * which that device's entry carries the new bundle. The companion checks it with acceptLinkGrant.
 *
 * The sender is the session's other end, so a device can refresh only itself; the device key and
 * PeerId cannot change (a new device links instead), and prekey ids move past the old ones, so
 * first messages that named the old prekeys still find them until they expire.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import {
  decodeDeviceCertBody,
  decodeDeviceCert,
  decodePrekeyBody,
  decodePrekeyBundle,
} from '../../crypto/codecs.ts'
import type { IdentityKeyPair } from '../../crypto/identity.ts'
import { displayNameOr } from '../../text/clean.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { issueDeviceList, type ListedDevice, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'
import type { LinkGrantFields, LinkRequestFields } from './link-codec.ts'
import { certifyDevice, entryOf, grantOf } from './link-grant.ts'

export interface RefreshInput {
  identity: IdentityKeyPair
  currentList: VerifiedDeviceList
  /** The device key at the other end of the own-device session the request came in. */
  fromDeviceKey: Uint8Array
  request: LinkRequestFields
  now: number
  certLifetimeMs: number
  prekeyLifetimeMs: number
}

/** The serial of the listed certificate and the highest prekey id in the listed bundle. */
function currentKeys(device: ListedDevice): { serial: number; maxPrekeyId: number } {
  const parts = decodePrekeyBundle(device.bundle)
  const serial = decodeDeviceCertBody(decodeDeviceCert(parts.deviceCert).body).serial
  const ids = [parts.signedPrekey, parts.pqPrekey].map((s) => decodePrekeyBody(s.body).id)
  return { serial, maxPrekeyId: Math.max(...ids) }
}

/** Primary: signs a listed companion's fresh keys and issues the list with its new entry. */
export function buildRefreshGrant(input: RefreshInput): {
  grant: LinkGrantFields
  list: VerifiedDeviceList
} {
  const { identity, currentList, request, now } = input
  const device = currentList.devices.find((d) => bytesEqual(d.deviceKey, input.fromDeviceKey))
  if (device === undefined || device.role !== DEVICE_ROLE.companion) {
    throw new ProtocolError('unknown_key', 'refresh: the sender is not a listed companion')
  }
  if (
    !bytesEqual(request.deviceKey, device.deviceKey) ||
    !bytesEqual(request.peerId, device.peerId)
  ) {
    throw new ProtocolError('wrong_key', 'refresh: a device can only refresh its own keys')
  }
  const { serial, maxPrekeyId } = currentKeys(device)
  const made = certifyDevice(identity, request, {
    now,
    certLifetimeMs: input.certLifetimeMs,
    prekeyLifetimeMs: input.prekeyLifetimeMs,
    serial: serial + 1,
    prekeyIds: { signed: maxPrekeyId + 1, pq: maxPrekeyId + 2 },
  })
  const devices = currentList.devices.map((d) =>
    d === device
      ? { ...entryOf(d), bundle: made.bundle, name: displayNameOr(request.name, d.name) }
      : entryOf(d),
  )
  const list = issueDeviceList(identity, { previousVersion: currentList.listVersion, now, devices })
  return { grant: grantOf(made, list), list }
}
