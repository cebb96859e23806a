/**
 * Safety numbers: Signal's numeric fingerprint (libsignal rust/protocol/src/fingerprint.rs) with
 * Hestia's own version, plus the QR payload two users scan to verify each other.
 *
 * Per side: h = SHA-512(version(2) || key || stableId || key), then 5,199 more rounds of
 * h = SHA-512(h || key) (5,200 hashes in total). The first 30 bytes give six 5-digit groups
 * (each 5 bytes big-endian mod 100,000); the two 30-digit halves are sorted and concatenated.
 */
import { ProtocolError } from '../wire/errors.ts'
import { DOMAIN, labelBytes } from '../wire/labels.ts'
import { bytesEqual, concatBytes } from './bytes.ts'
import { decodeSafetyQr, encodeSafetyQr, SAFETY_FINGERPRINT_BYTES } from './codecs.ts'
import { sha512 } from './primitives.ts'

export const SAFETY_NUMBER_ITERATIONS = 5200
/** The 2-byte hash-input version: Signal uses 0x0000; Hestia v1 uses 0x4801 ('H', 1). */
export const HESTIA_FINGERPRINT_HASH_VERSION = new Uint8Array([0x48, 0x01])
/** The version inside the QR payload (Signal's scannable versions are 1 and 2). */
export const HESTIA_SAFETY_QR_VERSION = 0x4801
/** Key-type byte before the Ed25519 identity key in the hash input (Signal prefixes 0x05). */
export const HESTIA_IDENTITY_KEY_TYPE = 0xed

export interface FingerprintInput {
  /** 2-byte version at the start of the hash input. */
  hashVersion: Uint8Array
  /** Serialized identity key as hashed (type byte + key). */
  keyBytes: Uint8Array
  /** Stable identifier of the key's owner. */
  stableId: Uint8Array
  iterations: number
}

/** The iterated hash of one side (64 bytes). Generic so the Signal vectors can check it. */
export function iteratedFingerprint(input: FingerprintInput): Uint8Array {
  if (input.iterations < 2 || input.iterations > 1_000_000) {
    throw new RangeError('fingerprint iterations out of range')
  }
  const k = input.keyBytes
  let h = sha512
    .create()
    .update(input.hashVersion)
    .update(k)
    .update(input.stableId)
    .update(k)
    .digest()
  for (let i = 1; i < input.iterations; i++) h = sha512.create().update(h).update(k).digest()
  return h
}

/** Six 5-digit groups from the first 30 bytes (each group: 5 bytes big-endian mod 100,000). */
export function displayDigits(fingerprint: Uint8Array): string {
  if (fingerprint.length < 30) throw new RangeError('fingerprint shorter than 30 bytes')
  let out = ''
  for (let g = 0; g < 6; g++) {
    let x = 0
    // 40-bit values stay exact in a double (< 2^53).
    for (let i = 0; i < 5; i++) x = x * 256 + (fingerprint[g * 5 + i] as number)
    out += String(x % 100_000).padStart(5, '0')
  }
  return out
}

/** 60 digits: the two sides' 30-digit strings in ascending order (both users see the same). */
export function combineDisplay(localDigits: string, remoteDigits: string): string {
  return localDigits < remoteDigits ? localDigits + remoteDigits : remoteDigits + localDigits
}

/** Hestia's hash input for an Ed25519 identity key. The stable id is the domain label. */
export function hestiaFingerprint(identityKey: Uint8Array): Uint8Array {
  if (identityKey.length !== 32) throw new RangeError('identity key must be 32 bytes')
  return iteratedFingerprint({
    hashVersion: HESTIA_FINGERPRINT_HASH_VERSION,
    keyBytes: concatBytes(new Uint8Array([HESTIA_IDENTITY_KEY_TYPE]), identityKey),
    stableId: labelBytes(DOMAIN.safetyNumber),
    iterations: SAFETY_NUMBER_ITERATIONS,
  })
}

export interface SafetyNumber {
  /** 60 digits, identical on both sides. */
  digits: string
  /** Same digits as 12 groups of 5, for display. */
  groups: string[]
  /** Bytes to put in a QR code (our fingerprint first, theirs second). */
  qrPayload: Uint8Array
}

/** Computes the safety number between our identity key and theirs (~20 ms: 10,400 SHA-512). */
export function safetyNumber(
  localIdentityKey: Uint8Array,
  remoteIdentityKey: Uint8Array,
): SafetyNumber {
  const local = hestiaFingerprint(localIdentityKey)
  const remote = hestiaFingerprint(remoteIdentityKey)
  const digits = combineDisplay(displayDigits(local), displayDigits(remote))
  const groups = digits.match(/.{5}/g) ?? []
  const qrPayload = encodeSafetyQr({
    version: HESTIA_SAFETY_QR_VERSION,
    local: local.subarray(0, SAFETY_FINGERPRINT_BYTES),
    remote: remote.subarray(0, SAFETY_FINGERPRINT_BYTES),
  })
  return { digits, groups, qrPayload }
}

/**
 * Checks a scanned QR payload against ours: theirs must list our fingerprint as remote and theirs
 * as local (libsignal ScannableFingerprint::compare). Returns true when both match; throws
 * ProtocolError('malformed'/'unsupported_version') for payloads that are not a Hestia QR.
 */
export function compareSafetyQr(ours: SafetyNumber, scanned: unknown): boolean {
  const theirs = decodeSafetyQr(scanned)
  if (theirs.version !== HESTIA_SAFETY_QR_VERSION) {
    throw new ProtocolError(
      'unsupported_version',
      `safety-number QR version ${theirs.version} is not Hestia's; both sides need a current Hestia`,
    )
  }
  const mine = decodeSafetyQr(ours.qrPayload)
  const a = bytesEqual(theirs.local, mine.remote)
  const b = bytesEqual(theirs.remote, mine.local)
  return a && b
}
