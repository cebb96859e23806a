/**
 * Domain-separation labels. Every signature, hash and KDF in Hestia starts from one of these, so a
 * signature or key made for one purpose can never be replayed as another (cf. hypercore caps.js).
 * Format: "hestia/v1/<purpose>". Changing a label is a protocol version change.
 */
export const DOMAIN = {
  deviceCert: 'hestia/v1/device-cert',
  prekeyBundle: 'hestia/v1/prekey-bundle',
  /** PQXDH §2.2 info: application, curve, hash and KEM. */
  pqxdhInfo: 'hestia/v1/pqxdh_CURVE25519_SHA-256_ML-KEM-768',
  ratchetRoot: 'hestia/v1/ratchet/root',
  ratchetChain: 'hestia/v1/ratchet/chain',
  ratchetMessageKeys: 'hestia/v1/ratchet/message-keys',
  ratchetAd: 'hestia/v1/ratchet/ad',
  sealedEnvelope: 'hestia/v1/sealed-envelope',
  safetyNumber: 'hestia/v1/safety-number',
  fileShare: 'hestia/v1/file-share',
} as const

export type DomainLabel = (typeof DOMAIN)[keyof typeof DOMAIN]

const encoder = new TextEncoder()

/** UTF-8 bytes of a label. */
export function labelBytes(label: string): Uint8Array {
  return encoder.encode(label)
}

/**
 * Prefixes `message` with a one-byte label length and the label: the byte string that is actually
 * signed or hashed. Unambiguous because the length is fixed before the label.
 */
export function domainSeparated(label: string, message: Uint8Array): Uint8Array {
  const l = labelBytes(label)
  if (l.length > 255) throw new RangeError('domain label longer than 255 bytes')
  const out = new Uint8Array(1 + l.length + message.length)
  out[0] = l.length
  out.set(l, 1)
  out.set(message, 1 + l.length)
  return out
}
