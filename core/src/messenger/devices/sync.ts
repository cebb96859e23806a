/**
 * Own-device sync of sent messages (issue 19): a copy of what one of our devices sent to a
 * contact travels to our other devices inside our own sessions. A copy is taken only from a
 * session whose other end is our own identity; anything else — a contact forging "you sent this"
 * — is refused ('wrong_key').
 */
import { SentCopy, SyncSnapshot } from './devices.pb.js'
import { bytesEqual } from '../../crypto/bytes.ts'
import { LIMITS } from '../../crypto/limits.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../../crypto/primitives.ts'
import { decodeStrict, requireBytes, requireVersion } from '../../wire/decode.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { DEVICE_CAPS, LINK_FORMAT_VERSION } from './limits.ts'
import { checkName } from './list-codec.ts'
import { toHex } from '../../crypto/bytes.ts'
import { decodeOutbound } from '../records.ts'

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

/** One contact as the new device learns it from the grant. */
export interface SyncedContactFields {
  identityKey: Uint8Array
  displayName: string
  verified: boolean
  blocked: boolean
  /**
   * Where the primary deposits for this contact (the Hello fields of records.ts encodeOutbound):
   * deposit rights only (ADR 0762). Absent when the primary has no route yet.
   */
  route?: Uint8Array
}

/** The whole snapshot: the address book and the user's display name (what our Hellos carry). */
export interface SyncBook {
  ownerName: string
  contacts: SyncedContactFields[]
  /** The own-device link with the primary (own-frames.ts); absent in older grants. */
  own?: { key: Uint8Array; route: Uint8Array }
}

export function encodeSyncSnapshot(
  contacts: readonly SyncedContactFields[],
  ownerName = '',
  own?: SyncBook['own'],
): Uint8Array {
  const bytes = SyncSnapshot.encode({
    version: SENT_COPY_VERSION,
    ownerName,
    ownKey: (own?.key ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    ownRoute: (own?.route ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    contacts: contacts.map((c) => ({
      identityKey: c.identityKey as Uint8Array<ArrayBuffer>,
      displayName: c.displayName,
      verified: c.verified,
      blocked: c.blocked,
      route: (c.route ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
    })),
  })
  if (bytes.length > DEVICE_CAPS.syncSnapshot) {
    throw new RangeError(
      `sync snapshot of ${contacts.length} contacts exceeds ${DEVICE_CAPS.syncSnapshot} bytes`,
    )
  }
  return bytes
}

/** Decodes a grant's snapshot: each contact once, a 32-byte key, a 1..64-grapheme name. */
export function decodeSyncSnapshot(bytes: unknown): SyncedContactFields[] {
  return decodeSyncBook(bytes).contacts
}

/** The snapshot with the owner's name ('' when the primary sent none). */
export function decodeSyncBook(bytes: unknown): SyncBook {
  const v = decodeStrict(bytes, DEVICE_CAPS.syncSnapshot, SyncSnapshot, 'sync snapshot')
  const ownerName = v.ownerName === '' ? '' : checkName(v.ownerName, 'sync snapshot owner name')
  const book: SyncBook = { ownerName, contacts: decodeContacts(v) }
  if (v.ownKey.length === 0 && v.ownRoute.length === 0) return book
  const key = requireBytes(v.ownKey, 'sync snapshot own key', { exact: 32 })
  if (decodeOutbound(v.ownRoute) === null)
    throw new ProtocolError('malformed', 'sync snapshot: no own route')
  return { ...book, own: { key, route: v.ownRoute } }
}

function decodeContacts(v: SyncSnapshot): SyncedContactFields[] {
  requireVersion(v.version, SENT_COPY_VERSION, 'sync snapshot')
  const seen = new Set<string>()
  return v.contacts.map((c, i) => {
    const identityKey = requireBytes(c.identityKey, `synced contact ${i + 1} key`, {
      exact: ED25519_PUBLIC_KEY_BYTES,
    })
    const key = toHex(identityKey)
    if (seen.has(key)) throw new ProtocolError('malformed', 'sync snapshot: a contact twice')
    seen.add(key)
    return {
      identityKey,
      displayName: checkName(c.displayName, `synced contact ${i + 1} name`),
      verified: c.verified,
      blocked: c.blocked,
      // A route must read as a deposit address (records.ts decodeOutbound throws otherwise).
      ...(c.route.length > 0 && decodeOutbound(c.route) !== null ? { route: c.route } : {}),
    }
  })
}
