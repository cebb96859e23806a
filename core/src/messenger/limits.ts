/**
 * Every cap and timing of the messenger in one place (cited in docs/protocol/messaging.md). Each
 * length or count a peer controls is capped here and checked by the decoders.
 */
import { KiB } from '../wire/caps.ts'
import { FRAME_CAPS } from '../wire/caps.ts'
import { PEER_VALUE_CAPS, utf8BytesFor } from '../text/caps.ts'

export const MESSENGER_FORMAT_VERSION = 1

/** The direct chat protocol (docs/protocol/messaging.md "Chat frames"). */
export const CHAT_PROTOCOL = '/hestia/chat/1.0.0'

/** Link prefix of an invite; the base64url Invite protobuf follows. */
export const INVITE_LINK_PREFIX = 'hestia:invite/'

export const MESSENGER_LIMITS = {
  /** Encoded Invite (prekey bundle ~2.6 KiB with ML-KEM, relays, signature). */
  inviteBytes: FRAME_CAPS.prekeyBundle + 2 * KiB,
  /** Invite link length in characters (base64url of inviteBytes plus the prefix). */
  inviteLinkChars: 16 + Math.ceil(((FRAME_CAPS.prekeyBundle + 2 * KiB) * 4) / 3),
  /**
   * Display names on the wire, UTF-8 bytes (a name is then cleaned and cut to
   * PEER_VALUE_CAPS.displayNameGraphemes: core/src/text/clean.ts).
   */
  displayNameBytes: utf8BytesFor(PEER_VALUE_CAPS.displayNameCodeUnits),
  /** Relays in an invite or hello. */
  relays: PEER_VALUE_CAPS.relaysPerContact,
  /** One relay multiaddr, bytes. */
  relayAddressBytes: 256,
  mailboxIdBytes: 32,
  capabilityMinBytes: 16,
  capabilityMaxBytes: 64,
  sealKeyBytes: 32,
  /** Message ids in payloads. */
  messageIdBytes: 16,
  /** Text in UTF-16 code units: what the client API and the composer count. */
  textCodeUnits: PEER_VALUE_CAPS.messageTextCodeUnits,
  /** The same text's largest UTF-8 encoding (16,000 UTF-16 units, up to 3 bytes each). */
  textBytes: utf8BytesFor(PEER_VALUE_CAPS.messageTextCodeUnits),
  /** Message ids in one receipt. */
  receiptIds: 100,
  /** A ChatPayload after ratchet decryption (fits the crypto body limit). */
  payloadBytes: 60 * KiB,
  /** One direct chat frame (a session frame). */
  directFrameBytes: 128 * KiB,
  /** Frames one inbound direct stream may carry before we close it. */
  framesPerStream: 256,
  /** Invites are valid this long unless the caller says otherwise. */
  inviteLifetimeMs: 7 * 86_400_000,
} as const

/**
 * Trust caps (ADR 0721): what one contact, or whoever holds their mailbox capability, can make us
 * keep. A frame beyond a cap is refused with nothing stored.
 */
export const TRUST_LIMITS = {
  /** Unexpired certified devices of a contact's pinned identity (and sessions with them). */
  devicesPerContact: 8,
  /** Sessions with identities other than the pinned one (a pending or refused new key). */
  otherKeySessionsPerContact: 4,
  /** Sessions one incoming frame is tried against (newest first): the two caps above. */
  sessionsTriedPerFrame: 12,
  /** Texts and file offers held under a pending key (ADR 0720). */
  heldMessages: 100,
  /** Their decrypted payload bytes together. */
  heldBytes: 512 * KiB,
  /** Refused identity keys remembered per contact (the oldest is forgotten first). */
  refusedKeys: 8,
} as const

export const MESSENGER_TIMING = {
  /** A direct dial (or stream open) that takes longer falls back to the mailbox. */
  directDialMs: 3_000,
  /** Waiting for the peer's transport ack on a direct frame. */
  directAckMs: 5_000,
  /**
   * A chat stream kept open to a contact's device is closed after this long without a frame
   * (ADR 0422); 0 keeps none (one stream per frame). 20 s: inside the handler's 30 s wait for the
   * next frame. An open kept stream does not hold its connection open: only its frames count as
   * use for directIdleMs (ADR 0424; it was off while an open one did).
   */
  chatStreamIdleMs: 20_000,
  /** Outbox retry backoff: first delay, doubling to the maximum, jittered ±20 %. */
  retryFirstMs: 1_000,
  retryMaxMs: 5 * 60_000,
  /** Attempts before an outgoing message becomes `failed` (~40 min of backoff). */
  maxAttempts: 14,
  /**
   * A contact's direct connection that carried no chat or file stream this long is closed; the
   * next message takes the mailbox and re-dials in the background. 2 min: an open idle WebRTC
   * connection costs ~10 KB and ~80 packets a minute, a re-dial ~21 KB and ~140 packets more
   * than a direct send, so keeping it longer costs more than re-dialling (ADR 0910).
   */
  directIdleMs: 2 * 60_000,
  /**
   * One ping round trip (a yamux ping frame) on each relay connection this often; no answer aborts
   * it (ADR 0910, 0912). The same for every mailbox link, each on its own timer.
   */
  relayPingIntervalMs: 60_000,
  relayPingTimeoutMs: 10_000,
  /** A mailbox link's waits between pings vary by ± this fraction, so links do not ping in step. */
  mailboxLinkPingJitter: 0.25,
  /** How often relay connections and mailbox subscriptions are checked and repaired. */
  keeperIntervalMs: 2_000,
  /** Our device certificate and prekeys are valid this long. */
  deviceCertLifetimeMs: 365 * 86_400_000,
  prekeyLifetimeMs: 60 * 86_400_000,
} as const

/** Transport ack bytes on a direct stream. */
export const DIRECT_ACK = { stored: 0x01, rejected: 0x02 } as const

export const RECEIPT_KIND = { delivered: 1, read: 2 } as const
