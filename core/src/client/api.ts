/**
 * The typed client API: the only way a UI (popup, tab, call window) talks to the messenger node.
 *
 * Everything here is plain data (strings, finite numbers, booleans, null, arrays, plain objects) so
 * it survives both structured clone (Firefox runtime ports, BroadcastChannel) and JSON (Chrome
 * runtime ports serialise messages as JSON). Bytes never cross this boundary as Uint8Array: the few
 * binary values (fingerprints, verification payloads) are base64url strings (RFC 4648 §5, no
 * padding). See docs/protocol/client-api.md and docs/adr/0501-client-api-plain-data.md.
 *
 * ```ts
 * const res = await client.request({ type: 'messages.send', conversationId, text: 'hi' })
 * if (res.ok) show(res.value.message)
 * else toast(CLIENT_ERROR_TEXT[res.error.code])
 * const unsubscribe = client.subscribe((event) => {
 *   if (event.type === 'message.updated') redraw(event.message)
 * })
 * ```
 */

import { PEER_VALUE_CAPS } from '../text/caps.ts'

/** Bumped on any incompatible change to requests, responses or events. */
export const CLIENT_API_VERSION = 1

// ---------------------------------------------------------------------------------------------
// Identifiers and scalars
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/** Every error code a request can fail with. A UI maps each to a sentence (CLIENT_ERROR_TEXT). */
export const CLIENT_ERROR_CODES = [
  /** The request (or event) was malformed; a programming error in the caller. */
  'invalid_request',
  /** The node cannot be reached (port closed, host restarting). Retry after `connectivity.changed`. */
  'unavailable',
  /** The node took too long to answer. */
  'timeout',
  /** No identity yet: create one first. */
  'no_identity',
  /** `identity.create` when an identity already exists. */
  'identity_exists',
  /** The contact, conversation, message, transfer or call does not exist (or was deleted). */
  'not_found',
  /** The request does not fit the current state (e.g. retry a message that did not fail). */
  'invalid_state',
  /** The invite is malformed or its signature does not verify. */
  'invite_invalid',
  'invite_expired',
  /** The invite is our own. */
  'invite_self',
  /** The invite was already used, withdrawn by its maker, or has expired (the relay closed it). */
  'invite_closed',
  /** Sending and calls are blocked: the contact's identity key changed. Re-verify or accept. */
  'key_changed',
  /** The contact is blocked. */
  'contact_blocked',
  /** The scanned verification payload does not match this contact's safety number. */
  'verification_mismatch',
  /** A value exceeds a limit (text too long, file too large for the mailbox fallback, …). */
  'too_large',
  'relay_address_invalid',
  /** The contact is not reachable directly and the action needs a direct connection. */
  'peer_unreachable',
  /** Already in a call. */
  'busy',
  /** Local storage is full. */
  'storage_full',
  /** A received file failed its integrity check (altered or corrupted on the way): not saved. */
  'integrity_failed',
  /** The request is valid but its backend is not built yet (files, calls during development). */
  'unsupported',
  /** A bug in the node. The message carries details for a bug report, never message content. */
  'internal',
] as const

export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]

export interface ClientErrorBody {
  code: ClientErrorCode
  /** Detail for logs and bug reports; a UI shows CLIENT_ERROR_TEXT[code] to the user. */
  message: string
}

/**
 * A client request failed with this code. On the node a handler (or anything it calls) throws it
 * and the dispatcher's one error map (dispatch.ts) answers with its body; on a page the UI's `call`
 * throws it for a failure response. One error class for the client-API boundary (ADR 0810).
 */
export class ClientApiError extends Error {
  override readonly name: string = 'ClientApiError'
  readonly code: ClientErrorCode

  constructor(code: ClientErrorCode, message: string) {
    super(message)
    this.code = code
  }

  /** The sentence a person sees (never the detail message, which is for bug reports). */
  get userText(): string {
    return CLIENT_ERROR_TEXT[this.code]
  }

  toBody(): ClientErrorBody {
    return { code: this.code, message: this.message }
  }
}

/** Default user-facing sentences, one per code. The UI may translate them. */
export const CLIENT_ERROR_TEXT: Readonly<Record<ClientErrorCode, string>> = {
  invalid_request: 'Something went wrong inside Hestia. Please report this.',
  unavailable: 'Hestia is starting up. Try again in a moment.',
  timeout: 'Hestia did not answer in time. Try again.',
  no_identity: 'Create your identity first.',
  identity_exists: 'You already have an identity on this device.',
  not_found: 'This item no longer exists.',
  invalid_state: 'That action is not possible right now.',
  invite_invalid: 'This invite is not valid. Ask your contact for a new one.',
  invite_expired: 'This invite has expired. Ask your contact for a new one.',
  invite_self: 'This is your own invite. Share it with someone else.',
  invite_closed:
    'This invite was already used, withdrawn or has expired. Ask your contact for a new one.',
  key_changed:
    "This contact's security key changed. Verify the new key or accept it before sending.",
  contact_blocked: 'You blocked this contact. Unblock them to send messages.',
  verification_mismatch:
    'The codes do not match. You may not be talking to who you think. Do not mark as verified.',
  too_large: 'This is too large to send.',
  relay_address_invalid: 'This relay address is not valid.',
  peer_unreachable: 'Your contact is not reachable right now.',
  busy: 'You are already in a call.',
  storage_full: 'Your device storage is full. Free some space and try again.',
  integrity_failed:
    'This file was damaged or altered on the way, so it was not saved. Ask your contact to send it again.',
  unsupported: 'This feature is not available yet.',
  internal: 'Something went wrong inside Hestia. Please report this.',
}

// ---------------------------------------------------------------------------------------------
// Identity and connectivity
// ---------------------------------------------------------------------------------------------

export type IdentityStatus =
  | { state: 'none' }
  | {
      state: 'ready'
      displayName: string
      /** Short fingerprint of our identity key for display (base64url of a hash prefix). */
      fingerprint: string
      createdAt: Timestamp
    }

export const RELAY_STATES = ['connecting', 'connected', 'disconnected', 'error'] as const
export type RelayState = (typeof RELAY_STATES)[number]

export interface RelayStatus {
  address: RelayAddress
  state: RelayState
  /** A circuit-relay reservation is held: contacts can reach us through this relay. */
  reserved: boolean
  /** Our mailbox on this relay is reachable (offline delivery works). */
  mailboxReady: boolean
  /** Last round-trip time in ms, or null if unknown. */
  rttMs: number | null
  /**
   * Why the relay is in `error`, in words for the user ("unreachable: connection refused",
   * "timed out after 10 s", "wrong relay identity …"), else null.
   */
  error: string | null
  since: Timestamp
}

export interface ConnectivityStatus {
  /** The node itself runs (the host is up); false while it starts or after it died. */
  nodeRunning: boolean
  relays: RelayStatus[]
  /** Contacts' devices with an open direct (WebRTC) connection. */
  directPeers: number
}

// ---------------------------------------------------------------------------------------------
// Contacts and conversations
// ---------------------------------------------------------------------------------------------

/**
 * - unverified: trusted on first use, safety number not compared yet
 * - verified: the user compared safety numbers or scanned the contact's QR
 * - key_changed: a new identity key answered for this contact; sending and calls are blocked and
 *   everything under the new key is held (`heldCount`, ADR 0720) until the user verifies
 *   (`contact.verify`), accepts (`contact.acceptNewKey`) or refuses it (`contact.keepOldKey`)
 * - blocked: the user blocked the contact; nothing is sent or shown from them
 */
export const TRUST_STATES = ['unverified', 'verified', 'key_changed', 'blocked'] as const
export type TrustState = (typeof TRUST_STATES)[number]

export interface ContactSummary {
  contactId: ContactId
  conversationId: ConversationId
  /**
   * The name as the node cleaned it: no control, bidi or zero-width characters, at most
   * CLIENT_LIMITS.displayNameMaxGraphemes user-perceived characters. UIs still render it isolated
   * (`<bdi>`), since any script may be in it.
   */
  displayName: string
  /**
   * Set when this name is confusable with another contact's (core/src/text/confusable.ts): a
   * short tag from the contact's key that UIs must show next to the name, styled apart from it.
   */
  nameTag?: string
  /** The current key was verified (stays true while blocked if it was verified before). */
  verified: boolean
  trust: TrustState
  /** Messages held under a pending new key (trust `key_changed`): not in history, not unread. */
  heldCount: number
}

/**
 * queued: stored in the durable outbox, not yet accepted by anyone
 * sent: accepted by the contact's device (direct) or by their relay mailbox
 * delivered: a delivery receipt came back from the contact's device
 * read: the contact read it (only if both sides turned read receipts on)
 * failed: gave up (see `failure`); `messages.retry` puts it back to queued
 */
export const DELIVERY_STATES = ['queued', 'sent', 'delivered', 'read', 'failed'] as const
export type DeliveryState = (typeof DELIVERY_STATES)[number]

export const MESSAGE_DIRECTIONS = ['in', 'out'] as const
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number]

export const CALL_MEDIA = ['audio', 'video'] as const
export type CallMedia = (typeof CALL_MEDIA)[number]

export const CALL_OUTCOMES = ['completed', 'missed', 'declined', 'busy', 'failed'] as const
export type CallOutcome = (typeof CALL_OUTCOMES)[number]

export const SYSTEM_EVENTS = [
  'contact_added',
  'verified',
  'unverified',
  'key_changed',
  'new_key_accepted',
  /** The user kept the old key: the new key's held messages were deleted. */
  'new_key_refused',
  'blocked',
  'unblocked',
  /** Our answer to their invite was refused: the invite was used, withdrawn or expired. */
  'invite_closed',
] as const
export type SystemEvent = (typeof SYSTEM_EVENTS)[number]

/** What a message shows. Text is plain text: a UI renders it as text, never as HTML. */
export type MessageBody =
  | { kind: 'text'; text: string }
  | { kind: 'file'; transferId: TransferId; name: string; size: number; mimeType: string }
  | { kind: 'call'; callId: CallId; media: CallMedia; outcome: CallOutcome; durationMs: number }
  | { kind: 'system'; event: SystemEvent }

export type MessageKind = MessageBody['kind']

export interface ChatMessage {
  messageId: MessageId
  conversationId: ConversationId
  direction: MessageDirection
  body: MessageBody
  /** When the sender sent it (sender's clock; shown as the message time). */
  sentAt: Timestamp
  /** When this device stored it (equals sentAt for our own messages). Messages sort by this. */
  receivedAt: Timestamp
  /** Outgoing messages: the delivery state. Incoming and system messages: null. */
  delivery: DeliveryState | null
  /** Why an outgoing message is `failed`, else null. */
  failure: ClientErrorBody | null
  /** Incoming: when we read it locally (null = unread). Outgoing: when the contact read it. */
  readAt: Timestamp | null
}

export interface MessagePreview {
  messageId: MessageId
  direction: MessageDirection
  kind: MessageKind
  /** Text cut to CLIENT_LIMITS.previewMaxChars; file name for files; empty for call/system. */
  text: string
  sentAt: Timestamp
  delivery: DeliveryState | null
  /** System messages: what happened, so the list can say it ("You verified Bob"). */
  event?: SystemEvent
  /** Call lines: which call and how it ended ("Missed video call"). */
  call?: { media: CallMedia; outcome: CallOutcome }
}

export interface ConversationSummary {
  conversationId: ConversationId
  contact: ContactSummary
  lastMessage: MessagePreview | null
  unreadCount: number
  /** Time of the last activity; the list is sorted by this, newest first. */
  lastActivityAt: Timestamp
}

export interface ContactDevice {
  /** The device's libp2p PeerId. */
  deviceId: string
  addedAt: Timestamp
  lastSeenAt: Timestamp | null
}

export interface ContactInfo {
  contact: ContactSummary
  /** Safety number: 12 groups of 5 digits (60 digits; docs/CRYPTO.md "Safety number"). */
  safetyNumber: string[]
  /** The payload for our verification QR code, which the contact scans. */
  myVerificationQr: string
  devices: ContactDevice[]
  addedAt: Timestamp
  /** When the key change was seen (trust `key_changed`), else null. */
  keyChangedAt: Timestamp | null
  /** Relays the contact is reachable through (from their invite and later updates). */
  relays: RelayAddress[]
  /** New identity keys the user refused (`contact.keepOldKey`); `contact.allowNewKeys` clears. */
  refusedKeys: number
}

export interface Invite {
  /** `hestia:` link to copy or share. */
  link: string
  /** The string to render as a QR code (may equal `link`). */
  qrPayload: string
  expiresAt: Timestamp
}

// ---------------------------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------------------------

export interface NotificationSettings {
  enabled: boolean
  /** Show the sender's name in notifications. Off by default: notifications say "New message". */
  showNames: boolean
}

export interface Settings {
  relays: RelayAddress[]
  notifications: NotificationSettings
  /** Send read receipts (and show the contact's). Off by default. */
  readReceipts: boolean
}

export interface SettingsPatch {
  notifications?: Partial<NotificationSettings>
  readReceipts?: boolean
}

// ---------------------------------------------------------------------------------------------
// File transfers (issue 7)
// ---------------------------------------------------------------------------------------------

/**
 * offered: waiting for the receiver to accept (both sides see it)
 * waiting: accepted but no route yet (too large for the mailbox, peer offline)
 * transferring, paused, verifying (final ciphertext hash check), completed
 * declined, cancelled, failed: final
 */
export const TRANSFER_STATES = [
  /** The sender encrypts the file once to learn its checksum; the offer goes out after. */
  'preparing',
  'offered',
  'waiting',
  'transferring',
  'paused',
  'verifying',
  'completed',
  'declined',
  'cancelled',
  'failed',
] as const
export type TransferState = (typeof TRANSFER_STATES)[number]

export const TRANSFER_ROUTES = ['direct', 'mailbox'] as const
export type TransferRoute = (typeof TRANSFER_ROUTES)[number]

export interface TransferProgress {
  /** Bytes transferred and verified so far. */
  bytes: number
  total: number
  /** Smoothed rate in bytes/s (0 when not transferring). */
  rateBytesPerSec: number
  /** Estimated seconds left, null when unknown (paused, no rate yet). */
  etaSeconds: number | null
}

export interface FileTransfer {
  transferId: TransferId
  conversationId: ConversationId
  /** The chat message that shows this file. */
  messageId: MessageId
  direction: MessageDirection
  name: string
  size: number
  mimeType: string
  state: TransferState
  route: TransferRoute | null
  progress: TransferProgress
  /** Why it failed (`storage_full`, `too_large`, `peer_unreachable`, …), else null. */
  error: ClientErrorBody | null
  updatedAt: Timestamp
}

/**
 * A file the UI has handed to the host before offering it. The bytes never cross the client API:
 * the page that picked the File stages it with the host (a same-origin store, see the file
 * transfer issue) and passes the staging id here.
 */
export interface StagedFile {
  stagedFileId: string
  name: string
  size: number
  mimeType: string
}

// ---------------------------------------------------------------------------------------------
// Calls (issue 8)
// ---------------------------------------------------------------------------------------------

export const CALL_STATES = [
  'outgoing_ringing',
  'incoming_ringing',
  'connecting',
  'active',
  'ended',
] as const
export type CallState = (typeof CALL_STATES)[number]

export const CALL_END_REASONS = [
  'hangup',
  'remote_hangup',
  'declined',
  'missed',
  'busy',
  'failed',
  'key_changed',
] as const
export type CallEndReason = (typeof CALL_END_REASONS)[number]

export interface CallInfo {
  callId: CallId
  conversationId: ConversationId
  contactId: ContactId
  direction: MessageDirection
  media: CallMedia
  state: CallState
  muted: boolean
  cameraOn: boolean
  startedAt: Timestamp
  connectedAt: Timestamp | null
  endedAt: Timestamp | null
  endReason: CallEndReason | null
  /** DTLS fingerprints bound into the E2EE signalling (shown in the call window), null until known. */
  localDtlsFingerprint: string | null
  remoteDtlsFingerprint: string | null
}

/**
 * WebRTC signalling between the call window and the node; the node carries it E2EE
 * (docs/protocol/calls.md). Offers and answers name the DTLS fingerprint (`a=fingerprint`, e.g.
 * "sha-256 AB:CD:…") the sender's window took from its own SDP: it is bound into the encrypted
 * signal, and the receiving window refuses media whose SDP or certificate does not match it.
 * `media` goes from the window to the node only: the media connection came up (the call is
 * active) or failed (the node ends the call with reason `failed` and tells the contact).
 */
export type CallSignal =
  | { kind: 'offer'; sdp: string; dtlsFingerprint: string }
  | { kind: 'answer'; sdp: string; dtlsFingerprint: string }
  | { kind: 'ice'; candidate: string; sdpMid: string | null; sdpMLineIndex: number | null }
  | { kind: 'ice_end' }
  | { kind: 'media'; state: 'connected' | 'failed'; detail: string | null }

// ---------------------------------------------------------------------------------------------
// Requests and their results
// ---------------------------------------------------------------------------------------------

type Empty = Record<never, never>

/**
 * One entry per request type: its parameters and the value a successful response carries.
 * `ClientRequest`, `ResultFor` and the validator are all derived from this table.
 */
export interface ClientRequestTable {
  'identity.status': { params: Empty; result: IdentityStatus }
  'identity.create': { params: { displayName: string }; result: IdentityStatus }

  'connectivity.status': { params: Empty; result: ConnectivityStatus }
  /** Tries one of our relays again now (skips the wait after failures); `not_found` otherwise. */
  'connectivity.retryRelay': { params: { address: RelayAddress }; result: ConnectivityStatus }

  /** Sorted by lastActivityAt, newest first; `query` filters by contact name (case-insensitive). */
  'conversations.list': {
    params: { query: string | null }
    result: { conversations: ConversationSummary[] }
  }

  /**
   * A page of history, oldest first within the page. `before: null` = the newest page.
   * `olderCursor` is null once the start of the conversation is reached.
   */
  'messages.page': {
    params: { conversationId: ConversationId; before: MessageCursor | null; limit: number }
    result: { messages: ChatMessage[]; olderCursor: MessageCursor | null }
  }
  /** Queues a text message; the result is the stored message in state `queued`. */
  'messages.send': {
    params: { conversationId: ConversationId; text: string }
    result: { message: ChatMessage }
  }
  /** Re-queues a `failed` outgoing message. */
  'messages.retry': {
    params: { conversationId: ConversationId; messageId: MessageId }
    result: { message: ChatMessage }
  }
  /** Marks every incoming message up to and including `upTo` as read. */
  'messages.markRead': {
    params: { conversationId: ConversationId; upTo: MessageId }
    result: { unreadCount: number }
  }

  /**
   * Our pending invite for Add contact. Invites are single-use (messaging.md): the node returns the
   * same one until someone accepts it or it expires, then makes a new one.
   */
  'invite.mine': { params: Empty; result: Invite }
  /** Withdraws the pending invite (e.g. shared with the wrong person) and makes a new one. */
  'invite.renew': { params: Empty; result: Invite }
  /** Accepts a pasted `hestia:` link or a scanned QR payload. Idempotent for a known contact. */
  'invite.accept': {
    params: { invite: string }
    result: { contact: ContactSummary; created: boolean }
  }

  'contact.info': { params: { contactId: ContactId }; result: ContactInfo }
  /**
   * Marks the contact verified: `safety_number` after the user compared the digits (the UI passes
   * the 60 digits it showed as `scannedPayload`; when they are no longer the contact's current
   * safety number, e.g. another key arrived meanwhile: `verification_mismatch`); `qr` with the
   * payload scanned from the contact's screen (checked by the node: `verification_mismatch`).
   * Also the way out of `key_changed` by re-verification: it trusts the new key (ADR 0720).
   */
  'contact.verify': {
    params: { contactId: ContactId; method: 'safety_number' | 'qr'; scannedPayload: string | null }
    result: { contact: ContactSummary }
  }
  /** Leaves `key_changed` by accepting the new key unverified (trust becomes `unverified`). */
  'contact.acceptNewKey': { params: { contactId: ContactId }; result: { contact: ContactSummary } }
  /**
   * Leaves `key_changed` by keeping the old key: the held messages are deleted and the new key is
   * refused (its frames are dropped) until `contact.allowNewKeys`.
   */
  'contact.keepOldKey': { params: { contactId: ContactId }; result: { contact: ContactSummary } }
  /** Forgets refused keys: a refused key that writes again raises a new key-change notice. */
  'contact.allowNewKeys': { params: { contactId: ContactId }; result: { contact: ContactSummary } }
  'contact.rename': {
    params: { contactId: ContactId; displayName: string }
    result: { contact: ContactSummary }
  }
  'contact.setBlocked': {
    params: { contactId: ContactId; blocked: boolean }
    result: { contact: ContactSummary }
  }
  /** Deletes the contact, its sessions and the conversation history on this device. */
  'contact.delete': { params: { contactId: ContactId }; result: Empty }

  'settings.get': { params: Empty; result: Settings }
  'settings.update': { params: { patch: SettingsPatch }; result: Settings }
  'settings.addRelay': { params: { address: RelayAddress }; result: Settings }
  'settings.removeRelay': { params: { address: RelayAddress }; result: Settings }

  'transfers.list': {
    params: { conversationId: ConversationId | null }
    result: { transfers: FileTransfer[] }
  }
  'transfer.offer': {
    params: { conversationId: ConversationId; file: StagedFile }
    result: { transfer: FileTransfer }
  }
  'transfer.accept': { params: { transferId: TransferId }; result: { transfer: FileTransfer } }
  'transfer.decline': { params: { transferId: TransferId }; result: { transfer: FileTransfer } }
  'transfer.pause': { params: { transferId: TransferId }; result: { transfer: FileTransfer } }
  'transfer.resume': { params: { transferId: TransferId }; result: { transfer: FileTransfer } }
  'transfer.cancel': { params: { transferId: TransferId }; result: { transfer: FileTransfer } }

  /** The call in progress (at most one), or null. */
  'call.current': { params: Empty; result: { call: CallInfo | null } }
  'call.start': {
    params: { conversationId: ConversationId; media: CallMedia }
    result: { call: CallInfo }
  }
  'call.accept': { params: { callId: CallId }; result: { call: CallInfo } }
  'call.decline': { params: { callId: CallId }; result: { call: CallInfo } }
  'call.hangUp': { params: { callId: CallId }; result: { call: CallInfo } }
  'call.setMuted': { params: { callId: CallId; muted: boolean }; result: { call: CallInfo } }
  'call.setCamera': { params: { callId: CallId; cameraOn: boolean }; result: { call: CallInfo } }
  /** The call window hands local signalling (its SDP, ICE) to the node to send E2EE. */
  'call.signal': { params: { callId: CallId; signal: CallSignal }; result: Empty }
}

export type ClientRequestType = keyof ClientRequestTable

type RequestOf<K extends ClientRequestType> = { type: K } & ClientRequestTable[K]['params']

/** A request: `{ type, ...params }`. */
export type ClientRequest = { [K in ClientRequestType]: RequestOf<K> }[ClientRequestType]

/** The request with the given type, e.g. `RequestFor<'messages.send'>`. */
export type RequestFor<K extends ClientRequestType> = Extract<ClientRequest, { type: K }>

/** The success value of a request type. */
export type ResultFor<K extends ClientRequestType> = ClientRequestTable[K]['result']

export type ClientFailure = { ok: false; error: ClientErrorBody }
export type ClientSuccess<V> = { ok: true; value: V }
export type ClientResponse<V = unknown> = ClientSuccess<V> | ClientFailure

/** The response to request T. */
export type ResponseFor<T extends ClientRequest> = ClientResponse<ResultFor<T['type']>>

// ---------------------------------------------------------------------------------------------
// Events pushed to subscribers
// ---------------------------------------------------------------------------------------------

export type ClientEvent =
  | { type: 'identity.changed'; identity: IdentityStatus }
  | { type: 'connectivity.changed'; connectivity: ConnectivityStatus }
  /** A conversation's summary changed (new message, unread count, contact trust or name). */
  | { type: 'conversation.updated'; conversation: ConversationSummary }
  | { type: 'conversation.removed'; conversationId: ConversationId }
  /** A message was stored, incoming or outgoing (the sending page gets it too): upsert by messageId. */
  | { type: 'message.added'; message: ChatMessage }
  /** A stored message changed (delivery state, failure, read). Replace by messageId. */
  | { type: 'message.updated'; message: ChatMessage }
  | { type: 'contact.updated'; contact: ContactSummary }
  | { type: 'settings.changed'; settings: Settings }
  | { type: 'transfer.updated'; transfer: FileTransfer }
  | { type: 'call.updated'; call: CallInfo }
  /** Remote signalling for the call window. */
  | { type: 'call.signal'; callId: CallId; signal: CallSignal }

export type ClientEventType = ClientEvent['type']
export type EventFor<K extends ClientEventType> = Extract<ClientEvent, { type: K }>

export type ClientEventListener = (event: ClientEvent) => void

// ---------------------------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------------------------

/**
 * What a UI holds. Implementations: the port client in the extension, the in-memory fixture
 * client (core/test-support/fixture-client.ts), and the messenger node itself in Node tests.
 *
 * `request` never rejects: transport problems resolve as `{ ok: false, error: { code:
 * 'unavailable' | 'timeout' } }`, so the UI has one error path.
 */
export interface MessengerClient {
  request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>>
  /** Calls `listener` for every event until the returned function is called. */
  subscribe(listener: ClientEventListener): () => void
}

// ---------------------------------------------------------------------------------------------
// Envelopes on a runtime port (one port per UI page; ids are per port)
// ---------------------------------------------------------------------------------------------

export type ClientPortMessage =
  | { kind: 'request'; id: number; request: ClientRequest }
  | { kind: 'response'; id: number; response: ClientResponse }
  | { kind: 'event'; event: ClientEvent }

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function ok<V>(value: V): ClientSuccess<V> {
  return { ok: true, value }
}

export function fail(code: ClientErrorCode, message: string): ClientFailure {
  return { ok: false, error: { code, message } }
}

/** Default settings of a fresh install: names hidden, read receipts off (issue 5). */
export function defaultSettings(relays: RelayAddress[] = []): Settings {
  return {
    relays: [...relays],
    notifications: { enabled: true, showNames: false },
    readReceipts: false,
  }
}
