/**
 * Invites. The signed invite (`Invite` protobuf: everything an invitee needs to start a session and
 * reach the inviter) is no longer put in the link itself: it waits, sealed, in the invite's mailbox,
 * and the link is short (invite-link.ts, ADR 0734). Links made before that carry the signed invite
 * whole as `hestia:invite/<base64url>` and are still accepted (docs/protocol/messaging.md "Invite").
 *
 * Every decoder here returns a verified invite or throws one ProtocolError: 'malformed'/'oversize'
 * for bad encodings, 'bad_signature' when the identity signature does not verify, 'expired', and
 * 'wrong_key' when a fetched invite is not the one the short link names.
 */
import { bytesEqual, fromBase64Url, toBase64Url } from '../crypto/bytes.ts'
import type { IdentityKeyPair } from '../crypto/identity.ts'
import { verifyPrekeyBundle, type VerifiedBundle } from '../crypto/prekeys.ts'
import { ed25519Sign, ed25519Verify } from '../crypto/primitives.ts'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../wire/decode.ts'
import { ProtocolError, asProtocolError } from '../wire/errors.ts'
import { domainSeparated } from '../wire/labels.ts'
import { MESSENGER_DOMAIN } from './labels.ts'
import {
  decodeShortInvite,
  inviteFingerprint,
  isShortInvite,
  sameRelay,
  type ShortInvite,
} from './invite-link.ts'
import { INVITE_LINK_PREFIX, MESSENGER_FORMAT_VERSION, MESSENGER_LIMITS as L } from './limits.ts'
import { Invite as InviteCodec, InviteBody as InviteBodyCodec } from './messenger.pb.js'
import { checkDisplayName, checkRelays } from './payload.ts'

export interface InviteFields {
  displayName: string
  /** Encoded prekey bundle (crypto.md) of the inviting device. */
  prekeyBundle: Uint8Array
  /** Relay multiaddrs with /p2p/; the mailbox lives on the first. */
  relays: string[]
  mailboxId: Uint8Array
  mailboxCapability: Uint8Array
  mailboxSealKey: Uint8Array
  expiresAt: number
}

export interface VerifiedInvite extends InviteFields {
  bundle: VerifiedBundle
  /** The inviter's Ed25519 identity key (from the bundle's device certificate). */
  identityKey: Uint8Array
}

/** Signs and encodes an invite: the bytes published sealed in the invite mailbox. */
export function createInviteCard(identity: IdentityKeyPair, fields: InviteFields): Uint8Array {
  const body = InviteBodyCodec.encode({
    version: MESSENGER_FORMAT_VERSION,
    displayName: fields.displayName,
    prekeyBundle: new Uint8Array(fields.prekeyBundle),
    relays: [...fields.relays],
    mailboxId: new Uint8Array(fields.mailboxId),
    mailboxCapability: new Uint8Array(fields.mailboxCapability),
    mailboxSealKey: new Uint8Array(fields.mailboxSealKey),
    expiresAt: BigInt(fields.expiresAt),
  })
  const signature = ed25519Sign(identity.secretKey, domainSeparated(MESSENGER_DOMAIN.invite, body))
  return InviteCodec.encode({ body, signature: new Uint8Array(signature) })
}

/** The long link (the whole signed invite in the link) that invites had before ADR 0734. */
export function createInviteLink(identity: IdentityKeyPair, fields: InviteFields): string {
  return INVITE_LINK_PREFIX + toBase64Url(createInviteCard(identity, fields))
}

/** Decodes a long link, verifies it (bundle, signature, expiry) and returns it. Changes nothing. */
export function decodeInvite(link: unknown, now: number): VerifiedInvite {
  if (typeof link !== 'string') throw new ProtocolError('malformed', 'invite: expected a string')
  const trimmed = link.trim()
  if (trimmed.length > L.inviteLinkChars) {
    throw new ProtocolError('oversize', `invite: longer than ${L.inviteLinkChars} characters`)
  }
  if (!trimmed.startsWith(INVITE_LINK_PREFIX)) {
    throw new ProtocolError('malformed', `invite: must start with ${INVITE_LINK_PREFIX}`)
  }
  const b64 = trimmed.slice(INVITE_LINK_PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) throw new ProtocolError('malformed', 'invite: not base64url')
  const bytes = asProtocolError('malformed', 'invite base64url', () => fromBase64Url(b64))
  return decodeInviteCard(bytes, now)
}

/** Decodes and verifies signed invite bytes (bundle, signature, expiry). Changes nothing. */
export function decodeInviteCard(bytes: Uint8Array, now: number): VerifiedInvite {
  const outer = decodeStrict(bytes, L.inviteBytes, InviteCodec, 'invite')
  const signature = requireBytes(outer.signature, 'invite signature', { exact: 64 })
  const raw = decodeStrict(outer.body, L.inviteBytes, InviteBodyCodec, 'invite body')
  requireVersion(raw.version, MESSENGER_FORMAT_VERSION, 'invite')
  // The bundle is verified first: its certificate names the identity key that signed the invite.
  const bundle = verifyPrekeyBundle(raw.prekeyBundle, { now })
  const identityKey = bundle.cert.identityKey
  const signed = domainSeparated(MESSENGER_DOMAIN.invite, outer.body)
  if (!ed25519Verify(identityKey, signed, signature)) {
    throw new ProtocolError('bad_signature', 'invite: signature does not verify; ask for a new one')
  }
  const expiresAt = requireUint(raw.expiresAt, 'invite expires_at')
  if (expiresAt <= now) throw new ProtocolError('expired', 'invite expired; ask for a new one')
  return {
    displayName: checkDisplayName(raw.displayName, 'invite display_name'),
    prekeyBundle: raw.prekeyBundle,
    relays: checkRelays(raw.relays, 'invite relays'),
    mailboxId: requireBytes(raw.mailboxId, 'invite mailbox_id', { exact: L.mailboxIdBytes }),
    mailboxCapability: requireBytes(raw.mailboxCapability, 'invite mailbox_capability', {
      min: L.capabilityMinBytes,
      max: L.capabilityMaxBytes,
    }),
    mailboxSealKey: requireBytes(raw.mailboxSealKey, 'invite mailbox_seal_key', {
      exact: L.sealKeyBytes,
    }),
    expiresAt,
    bundle,
    identityKey,
  }
}

/**
 * The signed invite fetched for a short link, verified and bound to that link: its identity key
 * must hash to the link's fingerprint, and it must name the link's mailbox, capability and relay.
 * Anything else (another person's invite, served by a relay the link was swapped to, or another of
 * the same person's invites) is refused with ProtocolError('wrong_key').
 */
export function openShortInvite(link: ShortInvite, card: Uint8Array, now: number): VerifiedInvite {
  const invite = decodeInviteCard(card, now)
  if (!bytesEqual(inviteFingerprint(invite.identityKey), link.fingerprint)) {
    throw new ProtocolError(
      'wrong_key',
      "invite: the invite fetched from the relay is not from this link's sender",
    )
  }
  if (
    !bytesEqual(invite.mailboxId, link.mailboxId) ||
    !bytesEqual(invite.mailboxCapability, link.capability) ||
    !invite.relays.some((r) => sameRelay(r, link.relay))
  ) {
    throw new ProtocolError('wrong_key', 'invite: the fetched invite is for another mailbox')
  }
  return invite
}

/**
 * What the invite mailbox holds instead of the signed invite once the invite is bound (ADR 0734):
 * a replay of the link during the move window is refused at once ("already used") instead of
 * answering an invite the inviter will refuse. Only the mailbox owner can publish it (signed), and
 * only capability holders can open it, like the invite it replaces.
 */
export const INVITE_USED_MARKER = new TextEncoder().encode('hestia/v1/invite-used')

/**
 * Any invite link, verified: a short one is fetched with `fetchCard` (the sealed signed invite,
 * opened) and bound to the link; a long one is decoded. Throws ProtocolError for the link or the
 * invite, and InviteFetchError when the fetch failed (its cause says why).
 */
export async function resolveInvite(
  link: unknown,
  now: number,
  fetchCard: (short: ShortInvite) => Promise<Uint8Array>,
): Promise<VerifiedInvite> {
  if (typeof link !== 'string' || !isShortInvite(link)) return decodeInvite(link, now)
  const short = decodeShortInvite(link)
  let card: Uint8Array
  try {
    card = await fetchCard(short)
  } catch (err) {
    throw new InviteFetchError(err)
  }
  if (bytesEqual(card, INVITE_USED_MARKER)) throw new InviteUsedError()
  return openShortInvite(short, card, now)
}

/** The short link's invite was already used (its mailbox holds INVITE_USED_MARKER). */
export class InviteUsedError extends Error {
  override readonly name = 'InviteUsedError'
  constructor() {
    super('invite: already used')
  }
}

/** The sealed invite could not be fetched from the link's relay (see `cause`). */
export class InviteFetchError extends Error {
  override readonly name = 'InviteFetchError'
  constructor(cause: unknown) {
    super(
      `invite: not fetched from its relay: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    )
  }
}
