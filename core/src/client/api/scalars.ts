/**
 * Identifiers, scalars and limits shared by every area of the client API.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import { PEER_VALUE_CAPS } from '../../text/caps.ts'

/** Bumped on any incompatible change to requests, responses or events. */
export const CLIENT_API_VERSION = 1

/** Opaque, stable id of a contact (never the identity key itself). */
export type ContactId = string
/** Opaque id of a 1:1 conversation. */
export type ConversationId = string
/** 128-bit message id, base64url (22 chars); unique across all conversations; the dedupe key. */
export type MessageId = string
export type TransferId = string
export type CallId = string
/** Milliseconds since the Unix epoch (UTC). */
export type Timestamp = number
/** Opaque paging cursor handed out by `messages.page`; pass it back unchanged. */
export type MessageCursor = string
/** A libp2p multiaddr in string form, e.g. `/dns4/relay.example/tcp/443/wss/p2p/12D3…`. */
export type RelayAddress = string

/**
 * Caps on every length and count a request or event may carry. The validator enforces them on
 * data arriving from another context, so a buggy or compromised page cannot make the node allocate
 * without bound.
 */
export const CLIENT_LIMITS = {
  /**
   * Display names (own and contacts'), in UTF-16 code units: the storage bound. What a person sees
   * is capped at displayNameMaxGraphemes user-perceived characters (core/src/text/caps.ts).
   */
  displayNameMaxChars: PEER_VALUE_CAPS.displayNameCodeUnits,
  displayNameMaxGraphemes: PEER_VALUE_CAPS.displayNameGraphemes,
  /** A text message body, in UTF-16 code units (the decoder refuses longer peer texts). */
  messageTextMaxChars: PEER_VALUE_CAPS.messageTextCodeUnits,
  /** Previews in the conversation list are cut to this length by the node. */
  previewMaxChars: PEER_VALUE_CAPS.previewCodeUnits,
  /** An invite link or scanned QR payload. */
  inviteMaxChars: 4_096,
  /** A verification QR payload. */
  verificationPayloadMaxChars: 1_024,
  relayAddressMaxChars: 512,
  relaysMax: 16,
  /** Messages per `messages.page` request. */
  pageMaxMessages: 200,
  /** Conversations returned by one `conversations.list`. */
  conversationsMax: 5_000,
  searchQueryMaxChars: 128,
  idMaxChars: 128,
  cursorMaxChars: 256,
  /** File names and MIME types, in UTF-16 code units (the file decoder uses the same caps). */
  fileNameMaxChars: PEER_VALUE_CAPS.fileNameCodeUnits,
  mimeTypeMaxChars: PEER_VALUE_CAPS.mimeTypeCodeUnits,
  /** 2^53 - 1: file sizes are exact integers in JS numbers (4 GiB is far below). */
  fileSizeMax: Number.MAX_SAFE_INTEGER,
  /** SDP blobs in call signalling. */
  sdpMaxChars: 65_536,
  iceCandidateMaxChars: 2_048,
  errorMessageMaxChars: 1_024,
  devicesMax: PEER_VALUE_CAPS.devicesPerContact,
  transfersMax: 1_000,
} as const
