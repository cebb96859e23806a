/**
 * Byte codecs of the link handshake (devices.proto LinkOffer, LinkHello, LinkReveal, LinkRequest,
 * LinkGrant; ADR 0110): canonical protobuf only, every field checked against its cap.
 */
import {
  DeviceList,
  LinkGrant,
  LinkHello,
  LinkOffer,
  LinkRequest,
  LinkReveal,
} from './devices.pb.js'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../../wire/decode.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { FRAME_CAPS } from '../../wire/caps.ts'
import { LIMITS } from '../../crypto/limits.ts'
import {
  ED25519_SIGNATURE_BYTES,
  MLKEM768_PUBLIC_KEY_BYTES,
  X25519_KEY_BYTES,
} from '../../crypto/primitives.ts'
import { graphemes } from '../../text/clean.ts'
import { DEVICE_CAPS, LINK_FORMAT_VERSION } from './limits.ts'

type B = Uint8Array<ArrayBuffer>
const b = (u: Uint8Array): B => u as B

export interface LinkOfferFields {
  commitment: Uint8Array
  peerId: Uint8Array
  relay: string
  expiresAt: number
}

export function encodeLinkOffer(f: LinkOfferFields): Uint8Array {
  return LinkOffer.encode({
    version: LINK_FORMAT_VERSION,
    commitment: b(f.commitment),
    peerId: b(f.peerId),
    relay: f.relay,
    expiresAt: BigInt(f.expiresAt),
  })
}

export function decodeLinkOffer(bytes: unknown): LinkOfferFields {
  const v = decodeStrict(bytes, DEVICE_CAPS.linkOffer, LinkOffer, 'link offer')
  requireVersion(v.version, LINK_FORMAT_VERSION, 'link offer')
  if (new TextEncoder().encode(v.relay).length > DEVICE_CAPS.relayAddressBytes) {
    throw new ProtocolError('oversize', 'link offer: relay address too long')
  }
  return {
    commitment: requireBytes(v.commitment, 'link commitment', { exact: 32 }),
    peerId: requireBytes(v.peerId, 'link peer id', { min: 1, max: LIMITS.maxPeerIdBytes }),
    relay: v.relay,
    expiresAt: requireUint(v.expiresAt, 'link offer expires at'),
  }
}

export function encodeLinkHello(linkKey: Uint8Array): Uint8Array {
  return LinkHello.encode({ version: LINK_FORMAT_VERSION, linkKey: b(linkKey) })
}

export function decodeLinkHello(bytes: unknown): Uint8Array {
  const v = decodeStrict(bytes, DEVICE_CAPS.linkHello, LinkHello, 'link hello')
  requireVersion(v.version, LINK_FORMAT_VERSION, 'link hello')
  return requireBytes(v.linkKey, 'link hello key', { exact: X25519_KEY_BYTES })
}

export interface LinkRevealFields {
  linkKey: Uint8Array
  /** Sealed LinkRequest. */
  request: Uint8Array
}

export function encodeLinkReveal(f: LinkRevealFields): Uint8Array {
  return LinkReveal.encode({
    version: LINK_FORMAT_VERSION,
    linkKey: b(f.linkKey),
    request: b(f.request),
  })
}

export function decodeLinkReveal(bytes: unknown): LinkRevealFields {
  const v = decodeStrict(bytes, DEVICE_CAPS.linkReveal, LinkReveal, 'link reveal')
  requireVersion(v.version, LINK_FORMAT_VERSION, 'link reveal')
  return {
    linkKey: requireBytes(v.linkKey, 'link reveal key', { exact: X25519_KEY_BYTES }),
    request: requireBytes(v.request, 'link request', { min: 1, max: DEVICE_CAPS.linkReveal }),
  }
}

/** What the new device asks the primary to certify and sign (public halves only). */
export interface LinkRequestFields {
  deviceKey: Uint8Array
  peerId: Uint8Array
  signedPrekey: Uint8Array
  pqPrekey: Uint8Array
  name: string
}

export function encodeLinkRequest(f: LinkRequestFields): Uint8Array {
  return LinkRequest.encode({
    deviceKey: b(f.deviceKey),
    peerId: b(f.peerId),
    signedPrekey: b(f.signedPrekey),
    pqPrekey: b(f.pqPrekey),
    name: f.name,
  })
}

export function decodeLinkRequest(bytes: unknown): LinkRequestFields {
  const v = decodeStrict(bytes, DEVICE_CAPS.linkReveal, LinkRequest, 'link request')
  const count = graphemes(v.name).length
  if (
    count === 0 ||
    count > DEVICE_CAPS.nameGraphemes ||
    v.name.length > DEVICE_CAPS.nameCodeUnits
  ) {
    throw new ProtocolError('malformed', `link request: the device name must be 1..64 characters`)
  }
  return {
    deviceKey: requireBytes(v.deviceKey, 'link device key', { exact: X25519_KEY_BYTES }),
    peerId: requireBytes(v.peerId, 'link request peer id', { min: 1, max: LIMITS.maxPeerIdBytes }),
    signedPrekey: requireBytes(v.signedPrekey, 'link signed prekey', { exact: X25519_KEY_BYTES }),
    pqPrekey: requireBytes(v.pqPrekey, 'link pq prekey', { exact: MLKEM768_PUBLIC_KEY_BYTES }),
    name: v.name,
  }
}

/** What the primary sends once the user confirmed the code. */
export interface LinkGrantFields {
  deviceCert: Uint8Array
  signedPrekey: Uint8Array
  pqPrekey: Uint8Array
  deviceList: Uint8Array
  sync: Uint8Array
}

export function encodeLinkGrant(f: LinkGrantFields): Uint8Array {
  return LinkGrant.encode({
    deviceCert: b(f.deviceCert),
    signedPrekey: b(f.signedPrekey),
    pqPrekey: b(f.pqPrekey),
    deviceList: b(f.deviceList),
    sync: b(f.sync),
  })
}

export function decodeLinkGrant(bytes: unknown): LinkGrantFields {
  const v = decodeStrict(bytes, DEVICE_CAPS.linkGrant, LinkGrant, 'link grant')
  return {
    deviceCert: requireBytes(v.deviceCert, 'grant cert', { min: 1, max: FRAME_CAPS.deviceCert }),
    signedPrekey: requireBytes(v.signedPrekey, 'grant prekey', { min: 1, max: FRAME_CAPS.prekey }),
    pqPrekey: requireBytes(v.pqPrekey, 'grant pq prekey', { min: 1, max: FRAME_CAPS.prekey }),
    deviceList: requireBytes(v.deviceList, 'grant list', { min: 1, max: DEVICE_CAPS.deviceList }),
    sync: requireBytes(v.sync, 'grant sync', { max: DEVICE_CAPS.syncSnapshot }),
  }
}

/**
 * A signed prekey as carried in a grant (crypto.proto SignedPrekey: body = 1, signature = 2, the
 * same shape as DeviceList, whose codec reads it). Capped at one prekey plus its signature.
 */
export function decodeGrantPrekey(
  bytes: unknown,
  what: string,
): { body: Uint8Array; signature: Uint8Array } {
  const v = decodeStrict(bytes, FRAME_CAPS.prekey + 128, DeviceList, what)
  return {
    body: requireBytes(v.body, `${what} body`, { min: 1, max: FRAME_CAPS.prekey }),
    signature: requireBytes(v.signature, `${what} signature`, { exact: ED25519_SIGNATURE_BYTES }),
  }
}
