/**
 * The link handshake between a new device N and an existing device E (docs/adr/0110):
 *
 *   N shows   offer  = { commitment SHA-256(label || Ln), PeerId, relay, expiry }
 *   E → N     hello  = { Le }
 *   N → E     reveal = { Ln, seal(kNE, request) }
 *   both      code   = 6 digits from HKDF(X25519, transcript(offer, hello, Ln))
 *   E → N     grant  = seal(kEN, LinkGrant)   only after the user confirmed the code on E
 *
 * This module is transport-free: it turns bytes into bytes and keeps the one-time secrets; the
 * messenger carries the frames (direct stream or mailbox). Every failure is a ProtocolError and
 * leaves the state unusable, so a failed handshake is started again from a fresh offer.
 */
import { bytesEqual, concatBytes, u32be } from '../../crypto/bytes.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import {
  chachaOpen,
  chachaSeal,
  hkdfSha256,
  sha256,
  x25519Dh,
  x25519KeyPair,
  type KeyPair,
} from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { domainSeparated, labelBytes } from '../../wire/labels.ts'
import {
  decodeLinkGrant,
  decodeLinkHello,
  decodeLinkOffer,
  decodeLinkRequest,
  decodeLinkReveal,
  encodeLinkGrant,
  encodeLinkHello,
  encodeLinkOffer,
  encodeLinkRequest,
  encodeLinkReveal,
  type LinkGrantFields,
  type LinkOfferFields,
  type LinkRequestFields,
} from './link-codec.ts'
import { DEVICES_DOMAIN, LINK_CODE_DIGITS, LINK_OFFER_LIFETIME_MS } from './limits.ts'

const NONCE_BYTES = 12

/** What both sides derive once the three frames are known. */
export interface LinkKeys {
  code: string
  transcript: Uint8Array
  /** New device → existing device (the request). */
  toExisting: Uint8Array
  /** Existing device → new device (the grant). */
  toNew: Uint8Array
}

export function linkCommitment(linkKey: Uint8Array): Uint8Array {
  return sha256(domainSeparated(DEVICES_DOMAIN.linkCommit, linkKey))
}

function framed(part: Uint8Array): Uint8Array {
  return concatBytes(u32be(part.length), part)
}

/** Derives the code and the two direction keys from the DH secret and the three frames. */
export function deriveLinkKeys(
  shared: Uint8Array,
  offer: Uint8Array,
  hello: Uint8Array,
  newLinkKey: Uint8Array,
): LinkKeys {
  const transcript = sha256(
    domainSeparated(
      DEVICES_DOMAIN.linkTranscript,
      concatBytes(framed(offer), framed(hello), framed(newLinkKey)),
    ),
  )
  const okm = hkdfSha256(shared, transcript, labelBytes(DEVICES_DOMAIN.linkKeys), 4 + 32 + 32)
  const n = new DataView(okm.buffer, okm.byteOffset, 4).getUint32(0, false)
  const code = String(n % 10 ** LINK_CODE_DIGITS).padStart(LINK_CODE_DIGITS, '0')
  return { code, transcript, toExisting: okm.slice(4, 36), toNew: okm.slice(36, 68) }
}

function seal(p: CryptoPlatform, key: Uint8Array, ad: Uint8Array, plain: Uint8Array): Uint8Array {
  const nonce = p.random(NONCE_BYTES)
  return concatBytes(nonce, chachaSeal(key, nonce, plain, ad))
}

function open(key: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array {
  if (sealed.length < NONCE_BYTES + 16)
    throw new ProtocolError('malformed', 'link: sealed too short')
  return chachaOpen(key, sealed.subarray(0, NONCE_BYTES), sealed.subarray(NONCE_BYTES), ad)
}

// --- the new device ---

export interface NewDeviceLinkOptions {
  platform: CryptoPlatform
  /** libp2p PeerId bytes of the new device. */
  peerId: Uint8Array
  /** Where the existing device reaches the new one (a circuit multiaddr). */
  relay: string
}

/** The new device's side: show `offer`, answer a hello with a reveal, open the grant. */
export class NewDeviceLink {
  readonly offer: Uint8Array
  readonly expiresAt: number
  private readonly platform: CryptoPlatform
  private linkKey: KeyPair | undefined
  private keys: LinkKeys | undefined

  constructor(opts: NewDeviceLinkOptions) {
    this.platform = opts.platform
    this.linkKey = x25519KeyPair(opts.platform.random)
    this.expiresAt = opts.platform.clock() + LINK_OFFER_LIFETIME_MS
    this.offer = encodeLinkOffer({
      commitment: linkCommitment(this.linkKey.publicKey),
      peerId: opts.peerId,
      relay: opts.relay,
      expiresAt: this.expiresAt,
    })
  }

  /** Answers the existing device's hello (once): returns the reveal to send and the code to show. */
  answerHello(hello: Uint8Array, request: LinkRequestFields): { reveal: Uint8Array; code: string } {
    const own = this.linkKey
    if (own === undefined) throw new ProtocolError('replay', 'link: this offer was already used')
    this.linkKey = undefined // one hello per offer, whatever happens next
    if (this.platform.clock() >= this.expiresAt) {
      throw new ProtocolError('expired', 'link: the code expired; show a new one')
    }
    const existingKey = decodeLinkHello(hello)
    const keys = deriveLinkKeys(
      x25519Dh(own.secretKey, existingKey),
      this.offer,
      hello,
      own.publicKey,
    )
    this.keys = keys
    const sealed = seal(this.platform, keys.toExisting, keys.transcript, encodeLinkRequest(request))
    return {
      reveal: encodeLinkReveal({ linkKey: own.publicKey, request: sealed }),
      code: keys.code,
    }
  }

  /** Opens the grant sent after the user confirmed. Throws 'decrypt_failed' for anything else. */
  openGrant(sealed: Uint8Array): LinkGrantFields {
    const keys = this.keys
    if (keys === undefined) throw new ProtocolError('malformed', 'link: no handshake to finish')
    const grant = decodeLinkGrant(open(keys.toNew, keys.transcript, sealed))
    this.keys = undefined
    return grant
  }
}

// --- the existing device ---

/** The existing device's side: answer a scanned offer, check the reveal, seal the grant. */
export class ExistingDeviceLink {
  readonly hello: Uint8Array
  readonly offer: LinkOfferFields
  private readonly platform: CryptoPlatform
  private readonly offerBytes: Uint8Array
  private linkKey: KeyPair | undefined
  private keys: LinkKeys | undefined
  private request: LinkRequestFields | undefined

  /** Checks the offer (format, expiry) and makes the hello. */
  constructor(offerBytes: Uint8Array, platform: CryptoPlatform) {
    this.offer = decodeLinkOffer(offerBytes)
    if (platform.clock() >= this.offer.expiresAt) {
      throw new ProtocolError('expired', 'link: the code expired; show a new one on the new device')
    }
    if (this.offer.expiresAt - platform.clock() > LINK_OFFER_LIFETIME_MS + 5 * 60_000) {
      throw new ProtocolError('malformed', 'link: the offer claims an expiry too far away')
    }
    this.platform = platform
    this.offerBytes = offerBytes.slice()
    this.linkKey = x25519KeyPair(platform.random)
    this.hello = encodeLinkHello(this.linkKey.publicKey)
  }

  /**
   * Checks the revealed key against the offer's commitment ('bad_signature' when it differs: the
   * offer came from someone else) and opens the request. Returns the code to show and the request.
   */
  receiveReveal(reveal: Uint8Array): { code: string; request: LinkRequestFields } {
    const own = this.linkKey
    if (own === undefined) throw new ProtocolError('replay', 'link: reveal already received')
    this.linkKey = undefined
    const r = decodeLinkReveal(reveal)
    if (!bytesEqual(linkCommitment(r.linkKey), this.offer.commitment)) {
      throw new ProtocolError('bad_signature', 'link: the revealed key does not match the code')
    }
    const keys = deriveLinkKeys(
      x25519Dh(own.secretKey, r.linkKey),
      this.offerBytes,
      this.hello,
      r.linkKey,
    )
    const request = decodeLinkRequest(open(keys.toExisting, keys.transcript, r.request))
    if (!bytesEqual(request.peerId, this.offer.peerId)) {
      throw new ProtocolError('wrong_key', 'link: the request names another device than the offer')
    }
    this.keys = keys
    this.request = request
    return { code: keys.code, request }
  }

  /** The verified request, once the reveal was received. */
  get pendingRequest(): LinkRequestFields | undefined {
    return this.request
  }

  /** Seals the grant. Call only after the user confirmed that both codes match. */
  sealGrant(grant: LinkGrantFields): Uint8Array {
    const keys = this.keys
    if (keys === undefined) throw new ProtocolError('malformed', 'link: no confirmed handshake')
    this.keys = undefined
    return seal(this.platform, keys.toNew, keys.transcript, encodeLinkGrant(grant))
  }
}
