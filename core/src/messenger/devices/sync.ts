/**
 * Own-device sync of sent messages (issue 19): a copy of what one of our devices sent to a
 * contact travels to our other devices inside our own sessions. A copy is taken only from a
 * session whose other end is our own identity; anything else — a contact forging "you sent this"
 * — is refused ('wrong_key').
 */
import { SentCopy } from './devices.pb.js'
import { bytesEqual } from '../../crypto/bytes.ts'
import { LIMITS } from '../../crypto/limits.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../../crypto/primitives.ts'
import { decodeStrict, requireBytes, requireVersion } from '../../wire/decode.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { LINK_FORMAT_VERSION } from './limits.ts'

export interface SentCopyFields {
  /** The contact the message went to. */
  peerIdentityKey: Uint8Array
  /** The chat payload exactly as sent. */
  payload: Uint8Array
}

const SENT_COPY_VERSION = LINK_FORMAT_VERSION

export function encodeSentCopy(f: SentCopyFields): Uint8Array {
  return SentCopy.encode({
    version: SENT_COPY_VERSION,
    peerIdentityKey: f.peerIdentityKey as Uint8Array<ArrayBuffer>,
    payload: f.payload as Uint8Array<ArrayBuffer>,
  })
}

export function decodeSentCopy(bytes: unknown): SentCopyFields {
  const v = decodeStrict(bytes, LIMITS.maxMessageBodyBytes, SentCopy, 'sent copy')
  requireVersion(v.version, SENT_COPY_VERSION, 'sent copy')
  return {
    peerIdentityKey: requireBytes(v.peerIdentityKey, 'sent copy contact', {
      exact: ED25519_PUBLIC_KEY_BYTES,
    }),
    payload: requireBytes(v.payload, 'sent copy payload', { min: 1 }),
  }
}

/**
 * Opens a copy that arrived in a session with `senderIdentityKey`; only our own identity may send
 * one. Returns the contact and the payload to file as "sent by me".
 */
export function acceptSentCopy(
  bytes: Uint8Array,
  senderIdentityKey: Uint8Array,
  ownIdentityKey: Uint8Array,
): SentCopyFields {
  if (!bytesEqual(senderIdentityKey, ownIdentityKey)) {
    throw new ProtocolError('wrong_key', 'a sent copy from someone else than our own devices')
  }
  return decodeSentCopy(bytes)
}
