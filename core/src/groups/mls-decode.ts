/**
 * MLS messages and KeyPackages from bytes (issue 20; part of the door to MLS with mls.ts, ADR
 * 0130): capped, whole (no trailing bytes), and refused with a typed ProtocolError; what the
 * ordering rule reads of a message without processing it, and the credential a KeyPackage names.
 */
import { decodeMlsMessage, type KeyPackage, type MLSMessage } from 'ts-mls'
import { ProtocolError } from '../wire/errors.ts'
import { GROUP_LIMITS } from './limits.ts'

/** Epoch and wire format of an MLS message without processing it (the ordering rule needs it). */
export function peekMessage(bytes: Uint8Array): {
  wireformat: string
  epoch: bigint | undefined
  groupId: Uint8Array | undefined
} {
  const m = decodeMessage(bytes)
  if (m.wireformat === 'mls_private_message')
    return {
      wireformat: m.wireformat,
      epoch: m.privateMessage.epoch,
      groupId: m.privateMessage.groupId,
    }
  if (m.wireformat === 'mls_public_message')
    return {
      wireformat: m.wireformat,
      epoch: m.publicMessage.content.epoch,
      groupId: m.publicMessage.content.groupId,
    }
  return { wireformat: m.wireformat, epoch: undefined, groupId: undefined }
}

/**
 * The credential a KeyPackage's leaf would carry (not verified here: the group layer verifies it
 * when the package is added). Throws ProtocolError for bytes that are not a key package.
 */
export function keyPackageLeaf(bytes: Uint8Array): {
  credential: Uint8Array
  signatureKey: Uint8Array
} {
  const leaf = decodeKeyPackage(bytes).leafNode
  if (leaf.credential.credentialType !== 'basic') {
    throw new ProtocolError('malformed', 'key package: not a basic credential')
  }
  return { credential: leaf.credential.identity, signatureKey: leaf.signaturePublicKey }
}

export function decodeMessage(bytes: Uint8Array): MLSMessage {
  if (!(bytes instanceof Uint8Array))
    throw new ProtocolError('malformed', 'MLS message: expected bytes')
  if (bytes.length > GROUP_LIMITS.maxFrameBytes) {
    throw new ProtocolError(
      'oversize',
      `MLS message longer than ${GROUP_LIMITS.maxFrameBytes} bytes`,
    )
  }
  let decoded: [MLSMessage, number] | undefined
  try {
    decoded = decodeMlsMessage(bytes, 0)
  } catch (err) {
    throw new ProtocolError('malformed', 'MLS message does not decode', { cause: err })
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new ProtocolError('malformed', 'MLS message does not decode (or has trailing bytes)')
  }
  return decoded[0]
}

export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  const m = decodeMessage(bytes)
  if (m.wireformat !== 'mls_key_package')
    throw new ProtocolError('malformed', 'expected an MLS key package')
  return m.keyPackage
}
