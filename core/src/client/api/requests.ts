/**
 * Every request, its fields and its result (one table), and the response shapes.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type {
  CallId,
  ContactId,
  ConversationId,
  MessageCursor,
  MessageId,
  RelayAddress,
  TransferId,
} from './scalars.ts'
import type { ClientErrorBody, ClientErrorCode } from './errors.ts'
import type { ConnectivityStatus, IdentityStatus } from './identity.ts'
import type {
  CallMedia,
  ChatMessage,
  ContactInfo,
  ContactSummary,
  ConversationSummary,
  Invite,
} from './contacts.ts'
import type { Settings, SettingsPatch } from './settings.ts'
import type { FileTransfer, StagedFile } from './transfers.ts'
import type { CallInfo, CallSignal } from './calls.ts'
import type { VaultRequestTable } from './vault.ts'
import type { BackupRequestTable } from './backup.ts'
import type { DevicesRequestTable } from './devices.ts'
import type { GroupsRequestTable } from './groups.ts'
import type { CallIceRequestTable } from './call-ice.ts'

type Empty = Record<never, never>

/**
 * One entry per request type: its parameters and the value a successful response carries.
 * `ClientRequest`, `ResultFor` and the validator are all derived from this table.
 */
export interface ClientRequestTable
  extends
    VaultRequestTable,
    BackupRequestTable,
    DevicesRequestTable,
    GroupsRequestTable,
    CallIceRequestTable {
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
  /**
   * Gives the contact a new mailbox to write to (new id and keys, ADR 0755); the address goes to
   * them only end to end. The old one is read until they use the new one, then closed. Also runs
   * weekly by itself. `busy` while three earlier ones still wait for an offline contact.
   */
  'contact.rotateMailbox': { params: { contactId: ContactId }; result: { contact: ContactSummary } }

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
// Helpers
// ---------------------------------------------------------------------------------------------

export function ok<V>(value: V): ClientSuccess<V> {
  return { ok: true, value }
}

export function fail(code: ClientErrorCode, message: string): ClientFailure {
  return { ok: false, error: { code, message } }
}

/**
 * `relay_busy`, with when to try again: whole seconds, 1 to a day (what the port lets through; a
 * relay asking for longer, or for nonsense, is told apart by nothing a user could act on).
 */
export function failRelayBusy(message: string, retryAfterMs: number): ClientFailure {
  const seconds = Number.isFinite(retryAfterMs) ? Math.ceil(retryAfterMs / 1000) : 1
  const retryAfterSeconds = Math.min(86_400, Math.max(1, seconds))
  return { ok: false, error: { code: 'relay_busy', message, retryAfterSeconds } }
}
