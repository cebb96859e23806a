/**
 * Group state to bytes and back, for the store (issue 20, docs/protocol/storage.md "groups"). Part
 * of the door to MLS with mls.ts: the encoding is ts-mls's own GroupState encoding (RFC 9420
 * structures in TLS presentation language), so a future library needs a migration, not a guess.
 */
import { decodeGroupState, encodeGroupState, type PrivateKeyPackage } from 'ts-mls'
import { ProtocolError } from '../wire/errors.ts'
import type { LeafCredentialCheck } from './credential.ts'
import { clientConfig, type Group, type GroupSuite, type KeyPackageBundle } from './mls.ts'
import { decodeMlsMessage } from 'ts-mls'

/** The member's whole state: epoch secrets, ratchet tree, its leaf's private keys. Secret. */
export function encodeGroup(group: Group): Uint8Array {
  return encodeGroupState(group.state)
}

/** A group stored by encodeGroup; throws ProtocolError for bytes that are not one. */
export function decodeGroup(
  suite: GroupSuite,
  checker: LeafCredentialCheck,
  bytes: Uint8Array,
): Group {
  let decoded
  try {
    decoded = decodeGroupState(bytes, 0)
  } catch (err) {
    throw new ProtocolError('malformed', 'stored group state does not decode', { cause: err })
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new ProtocolError('malformed', 'stored group state does not decode')
  }
  return { suite, checker, state: { ...decoded[0], clientConfig: clientConfig(checker) } }
}

/** The private half of a KeyPackage to store (the signing key is the device's, stored apart). */
export function keyPackageSecrets(bundle: KeyPackageBundle): {
  initPrivateKey: Uint8Array
  hpkePrivateKey: Uint8Array
} {
  const { initPrivateKey, hpkePrivateKey } = bundle.privatePackage
  return { initPrivateKey, hpkePrivateKey }
}

/** A KeyPackage handed out earlier, from its MLSMessage bytes and the stored private keys. */
export function restoreKeyPackage(
  bytes: Uint8Array,
  secrets: Omit<PrivateKeyPackage, 'signaturePrivateKey'>,
  signaturePrivateKey: Uint8Array,
): KeyPackageBundle {
  const decoded = decodeMlsMessage(bytes, 0)
  if (decoded === undefined || decoded[0].wireformat !== 'mls_key_package') {
    throw new ProtocolError('malformed', 'stored key package does not decode')
  }
  return {
    bytes,
    publicPackage: decoded[0].keyPackage,
    privatePackage: { ...secrets, signaturePrivateKey },
  }
}
