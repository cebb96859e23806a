/**
 * Every cap and constant of multi-device (issue 19, docs/adr/0760), in one place cited by
 * docs/protocol/devices.md. Sizes in bytes unless named otherwise.
 */
import { KiB } from '../../wire/caps.ts'
import { PEER_VALUE_CAPS } from '../../text/caps.ts'

/** The most devices one identity may have, the primary included (ADR 0760). */
export const MAX_DEVICES_PER_IDENTITY = 5

/** The sentence the user reads when linking one more device is refused. */
export const TOO_MANY_DEVICES_MESSAGE =
  `This identity already has ${MAX_DEVICES_PER_IDENTITY} devices, the most Hestia allows. ` +
  'Remove one in Settings → Devices first.'

/** Format versions of the messages in devices.proto. */
export const DEVICE_LIST_FORMAT_VERSION = 1
export const LINK_FORMAT_VERSION = 1

export const DEVICE_ROLE = { primary: 1, companion: 2 } as const
export type DeviceRole = (typeof DEVICE_ROLE)[keyof typeof DEVICE_ROLE]

export const DEVICE_CAPS = {
  /** One entry's prekey bundle without one-time prekey (about 1.7 KiB: ML-KEM-768 is 1,184 B). */
  entryBundle: 3 * KiB,
  /** A whole signed device list (five entries are about 9 KiB). */
  deviceList: 16 * KiB,
  /** A device name's storage bound in UTF-16 code units (the display-name cap). */
  nameCodeUnits: PEER_VALUE_CAPS.displayNameCodeUnits,
  /** A device name as shown. */
  nameGraphemes: PEER_VALUE_CAPS.displayNameGraphemes,
  /** The relay multiaddr in a link offer. */
  relayAddressBytes: 256,
  /** A link offer (what the QR code carries). */
  linkOffer: 512,
  /** Hello and reveal frames of the link handshake. */
  linkHello: 64,
  linkReveal: 2 * KiB,
  /** The sealed grant: certificate, two signed prekeys, the device list and the sync snapshot. */
  linkGrant: 48 * KiB,
  /** The own-device sync snapshot inside a grant. */
  syncSnapshot: 24 * KiB,
} as const

/** How long a link offer may be used after it is shown. */
export const LINK_OFFER_LIFETIME_MS = 10 * 60_000

/** Digits of the comparison code both devices show. */
export const LINK_CODE_DIGITS = 6

/** Domain labels of multi-device signatures, hashes and KDFs (wire/labels.ts format). */
export const DEVICES_DOMAIN = {
  /** Device list signature by the identity key. */
  deviceList: 'hestia/v1/device-list',
  /** Commitment to the new device's link key in the offer. */
  linkCommit: 'hestia/v1/device-link/commit',
  /** Transcript hash over offer, hello and reveal. */
  linkTranscript: 'hestia/v1/device-link/transcript',
  /** HKDF info for the comparison code and the two direction keys. */
  linkKeys: 'hestia/v1/device-link/keys',
} as const
