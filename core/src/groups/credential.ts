/**
 * MLS credentials bound to Hestia identities. A device's leaf carries a MemberCredential: its
 * device certificate (signed by the identity key, crypto/identity.ts) and a binding signature of
 * the same identity key over the leaf's MLS signature key. Every member checks both before it
 * accepts a leaf, so the safety number of the identity key verifies group members as it verifies
 * 1:1 contacts, and each device is its own leaf (multi-device ready).
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, bytesEqual } from '../crypto/bytes.ts'
import { decodeDeviceCert, decodeDeviceCertBody } from '../crypto/codecs.ts'
import { verifyDeviceCert, type DeviceCertificate } from '../crypto/identity.ts'
import { ed25519Sign, ed25519Verify, type KeyPair } from '../crypto/primitives.ts'
import type { Clock } from '../crypto/platform.ts'
import { decodeStrict, requireBytes, requireVersion } from '../wire/decode.ts'
import { ProtocolError, isProtocolError } from '../wire/errors.ts'
import { domainSeparated } from '../wire/labels.ts'
import { MemberCredential as MemberCredentialCodec } from './groups.pb.js'
import { GROUP_FORMAT_VERSION, GROUP_LIMITS } from './limits.ts'

/** Domain label of the binding signature (format of wire/labels.ts). */
export const MLS_KEY_BINDING_LABEL = 'hestia/v1/mls-signature-key'

const ED25519_KEY_BYTES = 32
const ED25519_SIGNATURE_BYTES = 64

/** A credential that verified: who the member is (identity key) and which device (certificate). */
export interface VerifiedMember {
  identityKey: Uint8Array
  deviceCert: DeviceCertificate
  signatureKey: Uint8Array
}

function bindingMessage(deviceCert: Uint8Array, signatureKey: Uint8Array): Uint8Array {
  return domainSeparated(MLS_KEY_BINDING_LABEL, concatBytes(sha256(deviceCert), signatureKey))
}

/**
 * Issues the credential of one device: the identity signs the device's MLS signature key. Whoever
 * certifies a device (this device, or the primary when linking another) issues it alongside.
 */
export function issueMemberCredential(
  identity: KeyPair,
  deviceCert: DeviceCertificate,
  signatureKey: Uint8Array,
): Uint8Array {
  if (!bytesEqual(deviceCert.identityKey, identity.publicKey)) {
    throw new RangeError('the device certificate belongs to another identity')
  }
  if (signatureKey.length !== ED25519_KEY_BYTES)
    throw new RangeError('Ed25519 key must be 32 bytes')
  const binding = ed25519Sign(identity.secretKey, bindingMessage(deviceCert.bytes, signatureKey))
  return MemberCredentialCodec.encode({
    version: GROUP_FORMAT_VERSION,
    deviceCert: new Uint8Array(deviceCert.bytes),
    signatureKey: new Uint8Array(signatureKey),
    binding: new Uint8Array(binding),
  })
}

/**
 * Decodes and verifies a MemberCredential for the leaf signature key `signatureKey`. Throws
 * ProtocolError: 'malformed'/'oversize'/'unsupported_version' (bytes), the device certificate's
 * own codes ('bad_signature', 'expired', 'not_yet_valid', 'wrong_key'), 'wrong_key' when the
 * leaf signs with another key than the one bound, 'bad_signature' when the binding does not verify.
 *
 * `now` undefined checks everything but time: the certificate is judged at its own issue time, so
 * its signature and its window (not empty, inverted or too long) still count, but no clock does.
 * Members reading the same commit must all decide alike whenever they read it (rg-3).
 */
export function verifyMemberCredential(
  bytes: unknown,
  signatureKey: Uint8Array,
  now: number | undefined,
): VerifiedMember {
  const v = decodeStrict(
    bytes,
    GROUP_LIMITS.maxCredentialBytes,
    MemberCredentialCodec,
    'member credential',
  )
  requireVersion(v.version, GROUP_FORMAT_VERSION, 'member credential')
  const boundKey = requireBytes(v.signatureKey, 'signature key', { exact: ED25519_KEY_BYTES })
  const binding = requireBytes(v.binding, 'binding', { exact: ED25519_SIGNATURE_BYTES })
  const at = now ?? decodeDeviceCertBody(decodeDeviceCert(v.deviceCert).body).issuedAt
  const deviceCert = verifyDeviceCert(v.deviceCert, { now: at })
  if (!bytesEqual(boundKey, signatureKey)) {
    throw new ProtocolError('wrong_key', 'member credential: the leaf signs with another key')
  }
  if (!ed25519Verify(deviceCert.identityKey, bindingMessage(v.deviceCert, boundKey), binding)) {
    throw new ProtocolError('bad_signature', 'member credential: binding signature does not verify')
  }
  return { identityKey: deviceCert.identityKey, deviceCert, signatureKey: boundKey }
}

/**
 * The identity key a MemberCredential names, decoded without any check of time or signatures.
 * Only for leaves MLS already accepted (every leaf went through verifyMemberCredential when it
 * entered the tree): the admin rule (roles.ts) must give every member the same answer, so it may
 * not depend on each member's clock. Throws ProtocolError for bytes that are not a credential.
 */
export function identityOfCredential(bytes: unknown): Uint8Array {
  const v = decodeStrict(
    bytes,
    GROUP_LIMITS.maxCredentialBytes,
    MemberCredentialCodec,
    'member credential',
  )
  requireVersion(v.version, GROUP_FORMAT_VERSION, 'member credential')
  return decodeDeviceCertBody(decodeDeviceCert(v.deviceCert).body).identityKey
}

/**
 * Decides whether a verified member may hold a leaf (e.g. a known contact's identity must not have
 * changed: the key-change rules of 1:1). Throw a ProtocolError to refuse with a reason.
 */
export type MemberPolicy = (member: VerifiedMember) => void

/** What the group layer asks of a credential check (CredentialChecker is Hestia's one). */
export interface LeafCredentialCheck {
  /**
   * A value when the leaf's credential may hold a leaf with this signature key, else undefined.
   * Independent of the reader's clock: every member must decide alike about the same commit.
   */
  check(identity: unknown, signatureKey: Uint8Array): unknown
  /** As check, and the certificate must also be valid now: for a key package we add ourselves. */
  checkNow?(identity: unknown, signatureKey: Uint8Array): unknown
  /** Why the last check refused, for the typed error (cleared before each group operation). */
  lastRefusal: ProtocolError | undefined
}

/**
 * The check MLS runs on every leaf it meets (key packages, updates, commit paths, the tree of a
 * welcome). It answers true/false as ts-mls asks; the last refusal is kept so the group layer can
 * throw it as the typed error instead of the library's generic one.
 *
 * Time is checked only by checkNow, for a key package this device adds: a commit another member
 * made must apply for everyone whenever they read it, as the roles rule (roles-policy.ts) does, or
 * a member reading it after a certificate expired would split off for good (rg-3, rg-3b).
 */
export class CredentialChecker implements LeafCredentialCheck {
  lastRefusal: ProtocolError | undefined
  private readonly clock: Clock
  private readonly policy: MemberPolicy | undefined

  constructor(clock: Clock, policy?: MemberPolicy) {
    this.clock = clock
    this.policy = policy
  }

  check(identity: unknown, signatureKey: Uint8Array): VerifiedMember | undefined {
    return this.run(identity, signatureKey, undefined)
  }

  checkNow(identity: unknown, signatureKey: Uint8Array): VerifiedMember | undefined {
    return this.run(identity, signatureKey, this.clock())
  }

  private run(
    identity: unknown,
    signatureKey: Uint8Array,
    now: number | undefined,
  ): VerifiedMember | undefined {
    try {
      const member = verifyMemberCredential(identity, signatureKey, now)
      this.policy?.(member)
      return member
    } catch (err) {
      this.lastRefusal = isProtocolError(err)
        ? err
        : new ProtocolError('malformed', 'member credential refused', { cause: err })
      return undefined
    }
  }
}
