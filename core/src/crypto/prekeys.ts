/**
 * Prekeys and prekey bundles (PQXDH §2.4, §3.1): each prekey is signed on its own by the identity
 * key, so a relay mailbox can hand out one-time prekeys it cannot forge. A bundle = the device
 * certificate + a signed X25519 prekey + an ML-KEM-768 prekey (one-time, or last-resort) +
 * optionally a one-time X25519 prekey. Every prekey expires.
 */
import { ProtocolError } from '../wire/errors.ts'
import { DOMAIN, domainSeparated } from '../wire/labels.ts'
import { bytesEqual } from './bytes.ts'
import {
  decodePrekeyBody,
  decodePrekeyBundle,
  encodePrekeyBody,
  encodePrekeyBundle,
  PREKEY_KIND,
  type PrekeyFields,
  type PrekeyKind,
  type SignedBytes,
} from './codecs.ts'
import { verifyDeviceCert, type DeviceCertificate, type IdentityKeyPair } from './identity.ts'
import { LIMITS } from './limits.ts'
import type { RandomSource } from './platform.ts'
import { ed25519Sign, ed25519Verify, mlkemKeyPair, x25519KeyPair } from './primitives.ts'

export { PREKEY_KIND, type PrekeyKind }

/** The private half of a prekey, kept by its owner until used (one-time) or expired. */
export interface PrekeySecret {
  kind: PrekeyKind
  id: number
  publicKey: Uint8Array
  secretKey: Uint8Array
  /** The device X25519 key this prekey is bound to. */
  deviceKey: Uint8Array
  expiresAt: number
  /** The signed public prekey as it travels (body + signature). */
  signed: SignedBytes
}

export interface CreatePrekeyOptions {
  kind: PrekeyKind
  id: number
  /** X25519 key of the device this prekey belongs to (bound into the signature). */
  deviceKey: Uint8Array
  expiresAt: number
  random: RandomSource
}

/** Generates and signs one prekey: Ed25519(identity, "hestia/v1/prekey-bundle" || body). */
export function createPrekey(identity: IdentityKeyPair, opts: CreatePrekeyOptions): PrekeySecret {
  const isPq = opts.kind === PREKEY_KIND.lastResortMlkem || opts.kind === PREKEY_KIND.oneTimeMlkem
  const pair = isPq ? mlkemKeyPair(opts.random) : x25519KeyPair(opts.random)
  const fields: PrekeyFields = {
    kind: opts.kind,
    id: opts.id,
    publicKey: pair.publicKey,
    deviceKey: opts.deviceKey,
    expiresAt: opts.expiresAt,
  }
  const body = encodePrekeyBody(fields)
  const signature = ed25519Sign(identity.secretKey, domainSeparated(DOMAIN.prekeyBundle, body))
  return { ...fields, secretKey: pair.secretKey, signed: { body, signature } }
}

export interface BundleInput {
  deviceCert: DeviceCertificate
  signedPrekey: PrekeySecret
  pqPrekey: PrekeySecret
  oneTimePrekey?: PrekeySecret
}

/** Encodes a prekey bundle from our own certificate and prekeys (public halves only). */
export function buildPrekeyBundle(input: BundleInput): Uint8Array {
  if (input.signedPrekey.kind !== PREKEY_KIND.signedX25519) {
    throw new RangeError('signedPrekey must be of kind signedX25519')
  }
  if (
    input.pqPrekey.kind !== PREKEY_KIND.lastResortMlkem &&
    input.pqPrekey.kind !== PREKEY_KIND.oneTimeMlkem
  ) {
    throw new RangeError('pqPrekey must be an ML-KEM-768 prekey')
  }
  if (input.oneTimePrekey && input.oneTimePrekey.kind !== PREKEY_KIND.oneTimeX25519) {
    throw new RangeError('oneTimePrekey must be of kind oneTimeX25519')
  }
  return encodePrekeyBundle({
    deviceCert: input.deviceCert.bytes,
    signedPrekey: input.signedPrekey.signed,
    pqPrekey: input.pqPrekey.signed,
    ...(input.oneTimePrekey ? { oneTimePrekey: input.oneTimePrekey.signed } : {}),
  })
}

export interface VerifiedPrekey {
  kind: PrekeyKind
  id: number
  publicKey: Uint8Array
  expiresAt: number
}

export interface VerifiedBundle {
  cert: DeviceCertificate
  signedPrekey: VerifiedPrekey
  pqPrekey: VerifiedPrekey
  oneTimePrekey?: VerifiedPrekey
  /** The earliest expiry among the certificate and prekeys. */
  expiresAt: number
}

export interface VerifyBundleOptions {
  now: number
  /** When given (e.g. from the invite or the pinned contact), the bundle must be this identity's. */
  identityKey?: Uint8Array
}

/**
 * Decodes and verifies a bundle: device certificate, then each prekey's signature, kind, device
 * binding and expiry. Throws ProtocolError ('malformed', 'bad_signature', 'expired', 'wrong_key', ...).
 */
export function verifyPrekeyBundle(bytes: unknown, opts: VerifyBundleOptions): VerifiedBundle {
  const parts = decodePrekeyBundle(bytes)
  const cert = verifyDeviceCert(parts.deviceCert, opts)
  const check = (s: SignedBytes, kinds: readonly PrekeyKind[], what: string) =>
    verifySignedPrekey(s, cert, kinds, opts.now, what)
  const signedPrekey = check(parts.signedPrekey, [PREKEY_KIND.signedX25519], 'signed prekey')
  const pqPrekey = check(
    parts.pqPrekey,
    [PREKEY_KIND.lastResortMlkem, PREKEY_KIND.oneTimeMlkem],
    'pq prekey',
  )
  const out: VerifiedBundle = {
    cert,
    signedPrekey,
    pqPrekey,
    expiresAt: Math.min(cert.expiresAt, signedPrekey.expiresAt, pqPrekey.expiresAt),
  }
  if (parts.oneTimePrekey) {
    out.oneTimePrekey = check(parts.oneTimePrekey, [PREKEY_KIND.oneTimeX25519], 'one-time prekey')
    out.expiresAt = Math.min(out.expiresAt, out.oneTimePrekey.expiresAt)
  }
  return out
}

/** Verifies one signed prekey against the device certificate it claims to belong to. */
export function verifySignedPrekey(
  signed: SignedBytes,
  cert: DeviceCertificate,
  kinds: readonly PrekeyKind[],
  now: number,
  what = 'prekey',
): VerifiedPrekey {
  const f = decodePrekeyBody(signed.body)
  if (
    !ed25519Verify(
      cert.identityKey,
      domainSeparated(DOMAIN.prekeyBundle, signed.body),
      signed.signature,
    )
  ) {
    throw new ProtocolError('bad_signature', `${what}: signature does not verify`)
  }
  if (!kinds.includes(f.kind))
    throw new ProtocolError('malformed', `${what}: wrong prekey kind ${f.kind}`)
  if (!bytesEqual(f.deviceKey, cert.deviceKey)) {
    throw new ProtocolError('wrong_key', `${what}: belongs to another device key`)
  }
  if (now >= f.expiresAt)
    throw new ProtocolError('expired', `${what}: expired; fetch a fresh bundle`)
  if (f.expiresAt - now > LIMITS.maxPrekeyLifetimeMs + LIMITS.certClockSkewMs) {
    throw new ProtocolError('malformed', `${what}: expiry further out than the prekey lifetime cap`)
  }
  return { kind: f.kind, id: f.id, publicKey: f.publicKey, expiresAt: f.expiresAt }
}
