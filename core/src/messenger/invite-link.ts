/**
 * Short invite links (ADR 0734, docs/protocol/messaging.md "Short invite link"): at most 300
 * characters, so the QR code stays small (version ≤ 10 at error correction M). The link carries
 * only what cannot be fetched: where the invite waits (one relay and a mailbox id), the secret that
 * opens it (the mailbox's capability), and enough of the inviter's identity to check what comes
 * back (a 128-bit fingerprint). Everything else — the signed invite with the prekey bundle, name,
 * relay list, sealing key and expiry — is fetched sealed from that mailbox (invite.ts).
 *
 * Bytes: 0x01 (format) || fingerprint (16) || mailbox id (32) || capability (32) || relay multiaddr
 * (binary, the rest: 1–100 bytes, ending in /p2p/<relay peer id>). Text: `hestia:i/` + RFC 4648
 * base32 without padding, lowercase in the link and uppercase in the QR code (QR alphanumeric mode
 * holds uppercase base32 in 5.5 bits a character instead of 8: a smaller code). Decoding ignores
 * case and surrounding white space and throws only ProtocolError.
 */
import { multiaddr } from '@multiformats/multiaddr'
import { fromString } from 'uint8arrays/from-string'
import { toString } from 'uint8arrays/to-string'
import { bytesEqual } from '../crypto/bytes.ts'
import { sha256 } from '../crypto/primitives.ts'
import { ProtocolError, asProtocolError } from '../wire/errors.ts'
import { domainSeparated } from '../wire/labels.ts'
import { MESSENGER_DOMAIN } from './labels.ts'
import { MESSENGER_LIMITS as L } from './limits.ts'
import { checkRelays } from './payload.ts'

export const SHORT_INVITE_PREFIX = 'hestia:i/'

export const SHORT_INVITE = {
  /** Format byte; a later format gets the next number and the same prefix. */
  format: 0x01,
  fingerprintBytes: 16,
  /** The whole link, prefix included: the budget the QR code size is measured against. */
  maxChars: 300,
  /** The relay's binary multiaddr: what is left of 300 characters after the fixed fields. */
  maxRelayBytes: 100,
} as const

const FIXED_BYTES = 1 + SHORT_INVITE.fingerprintBytes + L.mailboxIdBytes + 32
const CAPABILITY_BYTES = 32

export interface ShortInvite {
  /** SHA-256 of the inviter's identity key (domain-separated), first 16 bytes. */
  fingerprint: Uint8Array
  mailboxId: Uint8Array
  /** The invite mailbox's capability: fetches the sealed invite and opens it (prekey-seal.ts). */
  capability: Uint8Array
  /** The relay holding the invite mailbox, as text (`/…/p2p/<id>`). */
  relay: string
}

/** The 128 bits of an identity key a short link carries (ADR 0734: why 128). */
export function inviteFingerprint(identityKey: Uint8Array): Uint8Array {
  const digest = sha256(domainSeparated(MESSENGER_DOMAIN.inviteFingerprint, identityKey))
  return digest.subarray(0, SHORT_INVITE.fingerprintBytes)
}

/** True when `text` looks like a short link (the long `hestia:invite/` form is not one). */
export function isShortInvite(text: string): boolean {
  return text.trim().toLowerCase().startsWith(SHORT_INVITE_PREFIX)
}

/** The link (lowercase) and the QR payload (the same text in uppercase). */
export function encodeShortInvite(invite: ShortInvite): { link: string; qrPayload: string } {
  const relay = relayBytes(invite.relay)
  if (relay.length > SHORT_INVITE.maxRelayBytes) {
    throw new ProtocolError(
      'oversize',
      `invite: the relay address is ${relay.length} bytes; a short invite holds ${SHORT_INVITE.maxRelayBytes}`,
    )
  }
  if (
    invite.fingerprint.length !== SHORT_INVITE.fingerprintBytes ||
    invite.mailboxId.length !== L.mailboxIdBytes ||
    invite.capability.length !== CAPABILITY_BYTES
  ) {
    throw new ProtocolError('malformed', 'invite: fingerprint, mailbox id or capability size')
  }
  const bytes = new Uint8Array(FIXED_BYTES + relay.length)
  bytes[0] = SHORT_INVITE.format
  bytes.set(invite.fingerprint, 1)
  bytes.set(invite.mailboxId, 1 + SHORT_INVITE.fingerprintBytes)
  bytes.set(invite.capability, 1 + SHORT_INVITE.fingerprintBytes + L.mailboxIdBytes)
  bytes.set(relay, FIXED_BYTES)
  const link = SHORT_INVITE_PREFIX + toString(bytes, 'base32')
  return { link, qrPayload: link.toUpperCase() }
}

/** The uppercase QR payload of a link (short links only; a long one is returned as it is). */
export function qrPayloadOf(link: string): string {
  return isShortInvite(link) ? link.toUpperCase() : link
}

/** Parses a short link. Throws ProtocolError('malformed' | 'oversize' | 'unsupported_version'). */
export function decodeShortInvite(text: unknown): ShortInvite {
  if (typeof text !== 'string') throw new ProtocolError('malformed', 'invite: expected a string')
  const trimmed = text.trim().toLowerCase()
  if (trimmed.length > SHORT_INVITE.maxChars) {
    throw new ProtocolError('oversize', `invite: longer than ${SHORT_INVITE.maxChars} characters`)
  }
  if (!trimmed.startsWith(SHORT_INVITE_PREFIX)) {
    throw new ProtocolError('malformed', `invite: must start with ${SHORT_INVITE_PREFIX}`)
  }
  const b32 = trimmed.slice(SHORT_INVITE_PREFIX.length)
  if (!/^[a-z2-7]+$/.test(b32)) throw new ProtocolError('malformed', 'invite: not base32')
  const bytes = asProtocolError('malformed', 'invite base32', () => fromString(b32, 'base32'))
  // One text per invite: leftover bits must be zero (re-encoding gives the same characters).
  if (toString(bytes, 'base32') !== b32) {
    throw new ProtocolError('malformed', 'invite: not canonical base32')
  }
  if (bytes[0] !== SHORT_INVITE.format) {
    throw new ProtocolError('unsupported_version', 'invite: a newer format; update Hestia')
  }
  if (bytes.length <= FIXED_BYTES) throw new ProtocolError('malformed', 'invite: too short')
  let at = 1
  const take = (n: number) => bytes.slice(at, (at += n))
  const fingerprint = take(SHORT_INVITE.fingerprintBytes)
  const mailboxId = take(L.mailboxIdBytes)
  const capability = take(CAPABILITY_BYTES)
  const raw = bytes.slice(at)
  return { fingerprint, mailboxId, capability, relay: relayText(raw) }
}

/** True when two relay addresses are the same multiaddr (whatever their text spelling). */
export function sameRelay(a: string, b: string): boolean {
  try {
    return bytesEqual(multiaddr(a).bytes, multiaddr(b).bytes)
  } catch {
    return false
  }
}

function relayBytes(relay: string): Uint8Array {
  return asProtocolError('malformed', 'invite relay', () => multiaddr(relay).bytes)
}

/** The relay's text form, from bytes that must be a canonical multiaddr ending in /p2p/<id>. */
function relayText(raw: Uint8Array): string {
  const text = asProtocolError('malformed', 'invite relay', () => {
    const addr = multiaddr(raw)
    const s = addr.toString()
    if (!bytesEqual(multiaddr(s).bytes, raw)) throw new Error('not canonical')
    const last = addr.getComponents().at(-1)
    if (last?.name !== 'p2p') throw new Error('does not end in /p2p/<relay id>')
    return s
  })
  return checkRelays([text], 'invite relay')[0]!
}
