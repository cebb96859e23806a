/**
 * Contacts, conversations and messages as the UI sees them.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type {
  CallId,
  ContactId,
  ConversationId,
  MessageId,
  RelayAddress,
  Timestamp,
  TransferId,
} from './scalars.ts'
import type { ClientErrorBody } from './errors.ts'

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

/** `answered_elsewhere`: it rang here and another device of ours took it (issue 19). */
export const CALL_OUTCOMES = [
  'completed',
  'missed',
  'declined',
  'busy',
  'failed',
  'answered_elsewhere',
] as const
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
  /**
   * The contact linked another browser to their identity (issue 19): same identity, same safety
   * number, so nothing is blocked; shown as a notice ("Alice added a device").
   */
  'device_added',
  /** The contact removed one of their devices: nothing more is encrypted to it. */
  'device_removed',
] as const
export type SystemEvent = (typeof SYSTEM_EVENTS)[number]

/** What a message shows. Text is plain text: a UI renders it as text, never as HTML. */
export type MessageBody =
  | { kind: 'text'; text: string }
  | { kind: 'file'; transferId: TransferId; name: string; size: number; mimeType: string }
  | {
      kind: 'call'
      callId: CallId
      media: CallMedia
      outcome: CallOutcome
      durationMs: number
      /** Outcome `declined` on another device of ours (issue 19, ADR 0787): that device's name. */
      declinedOn?: string
    }
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
