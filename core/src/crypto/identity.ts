/**
 * User identity (an Ed25519 key that only ever signs: device certificates and prekeys) and device
 * certificates binding a device's X25519 agreement key and libp2p PeerId to that identity.
 * The PeerId is per device so relays cannot link an identity to every device's IP and contacts.
 */
import { ProtocolError } from '../wire/errors.ts'
import { DOMAIN, domainSeparated } from '../wire/labels.ts'
import {
  decodeDeviceCert,
  decodeDeviceCertBody,
  encodeDeviceCertBody,
  encodeSigned,
  type DeviceCertFields,
} from './codecs.ts'
import { LIMITS } from './limits.ts'
import type { RandomSource } from './platform.ts'
import { bytesEqual as equal } from './bytes.ts'
import {
  ed25519KeyPair,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  x25519KeyPair,
  type KeyPair,
} from './primitives.ts'

/** Ed25519 identity key pair. The secret key never leaves the device that created it. */
export type IdentityKeyPair = KeyPair
/** X25519 device agreement key pair. */
export type DeviceKeyPair = KeyPair

export function createIdentity(random: RandomSource): IdentityKeyPair {
  return ed25519KeyPair(random)
}

/** Rebuilds an identity key pair from its 32-byte secret (e.g. after loading it from storage). */
export function identityFromSecret(secretKey: Uint8Array): IdentityKeyPair {
  if (secretKey.length !== 32) throw new RangeError('Ed25519 secret key must be 32 bytes')
  return { secretKey, publicKey: ed25519PublicKey(secretKey) }
}

export function createDeviceKeys(random: RandomSource): DeviceKeyPair {
  return x25519KeyPair(random)
}

/** A verified device certificate: its fields plus the exact bytes that carry it. */
export interface DeviceCertificate extends DeviceCertFields {
  bytes: Uint8Array
}

export interface DeviceCertRequest {
  deviceKey: Uint8Array
  peerId: Uint8Array
  issuedAt: number
  expiresAt: number
  /** Rotation counter; a newer certificate for the same device carries a higher serial. */
  serial?: number
}

/** Signs a device certificate: Ed25519(identity, label "hestia/v1/device-cert" || body). */
export function issueDeviceCert(
  identity: IdentityKeyPair,
  req: DeviceCertRequest,
): DeviceCertificate {
  if (req.expiresAt <= req.issuedAt) throw new RangeError('certificate must expire after issue')
  if (req.expiresAt - req.issuedAt > LIMITS.maxDeviceCertLifetimeMs) {
    throw new RangeError('certificate lifetime exceeds LIMITS.maxDeviceCertLifetimeMs')
  }
  const fields: DeviceCertFields = {
    identityKey: identity.publicKey,
    deviceKey: req.deviceKey,
    peerId: req.peerId,
    serial: req.serial ?? 0,
    issuedAt: req.issuedAt,
    expiresAt: req.expiresAt,
  }
  const body = encodeDeviceCertBody(fields)
  const signature = ed25519Sign(identity.secretKey, domainSeparated(DOMAIN.deviceCert, body))
  return { ...fields, bytes: encodeSigned({ body, signature }) }
}

export interface VerifyCertOptions {
  /** Current time (ms); the certificate must be valid now. */
  now: number
  /** When given, the certificate must be signed by exactly this identity. */
  identityKey?: Uint8Array
}

/**
 * Decodes and verifies a device certificate. Throws ProtocolError: 'malformed'/'oversize'/
 * 'unsupported_version' (bytes), 'wrong_key' (other identity), 'bad_signature', 'not_yet_valid',
 * 'expired'.
 */
export function verifyDeviceCert(bytes: unknown, opts: VerifyCertOptions): DeviceCertificate {
  const signed = decodeDeviceCert(bytes)
  const fields = decodeDeviceCertBody(signed.body)
  if (opts.identityKey !== undefined && !equal(opts.identityKey, fields.identityKey)) {
    throw new ProtocolError('wrong_key', 'device certificate is signed by another identity')
  }
  const message = domainSeparated(DOMAIN.deviceCert, signed.body)
  if (!ed25519Verify(fields.identityKey, message, signed.signature)) {
    throw new ProtocolError('bad_signature', 'device certificate signature does not verify')
  }
  checkValidity(
    fields.issuedAt,
    fields.expiresAt,
    opts.now,
    LIMITS.maxDeviceCertLifetimeMs,
    'device certificate',
  )
  return { ...fields, bytes: (bytes as Uint8Array).slice() }
}

/** Shared validity-window rule for certificates and prekeys. */
export function checkValidity(
  issuedAt: number,
  expiresAt: number,
  now: number,
  maxLifetime: number,
  what: string,
): void {
  if (expiresAt <= issuedAt || expiresAt - issuedAt > maxLifetime) {
    throw new ProtocolError('malformed', `${what}: validity window is empty or too long`)
  }
  if (issuedAt > now + LIMITS.certClockSkewMs) {
    throw new ProtocolError('not_yet_valid', `${what}: issued in the future; check the clock`)
  }
  if (now >= expiresAt) {
    throw new ProtocolError('expired', `${what}: expired; ask the contact for a fresh one`)
  }
}

export interface RotationOptions {
  random: RandomSource
  now: number
  lifetimeMs: number
  /** New libp2p PeerId bytes, when the transport key rotates too; default keeps the old one. */
  peerId?: Uint8Array
}

/**
 * Rotates a device's X25519 key without touching the identity: new key pair, certificate with
 * serial + 1. Contacts accept it as the same device (same identity, higher serial).
 */
export function rotateDeviceKey(
  identity: IdentityKeyPair,
  current: DeviceCertificate,
  opts: RotationOptions,
): { keys: DeviceKeyPair; cert: DeviceCertificate } {
  if (!equal(current.identityKey, identity.publicKey)) {
    throw new RangeError('the current certificate belongs to another identity')
  }
  const keys = createDeviceKeys(opts.random)
  const cert = issueDeviceCert(identity, {
    deviceKey: keys.publicKey,
    peerId: opts.peerId ?? current.peerId,
    issuedAt: opts.now,
    expiresAt: opts.now + opts.lifetimeMs,
    serial: current.serial + 1,
  })
  return { keys, cert }
}

/** True when `candidate` supersedes `current` (same identity and PeerId, higher serial). */
export function supersedes(candidate: DeviceCertificate, current: DeviceCertificate): boolean {
  return (
    equal(candidate.identityKey, current.identityKey) &&
    equal(candidate.peerId, current.peerId) &&
    candidate.serial > current.serial
  )
}
