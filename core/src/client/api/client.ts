/**
 * What a UI holds: the events it is told, the client interface, the runtime-port envelopes.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 */

import type { CallId, ConversationId } from './scalars.ts'
import type { ConnectivityStatus, IdentityStatus } from './identity.ts'
import type { ChatMessage, ContactSummary, ConversationSummary } from './contacts.ts'
import type { Settings } from './settings.ts'
import type { FileTransfer } from './transfers.ts'
import type { CallInfo, CallSignal } from './calls.ts'
import type { VaultStatus } from './vault.ts'
import type { DevicesEvent } from './devices.ts'
import type { GroupsEvent } from './groups.ts'
import type { ClientRequest, ClientResponse, ResponseFor } from './requests.ts'

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
  /** Locked, unlocked (also by auto-lock), passphrase set, device erased: pages follow it. */
  | { type: 'vault.changed'; vault: VaultStatus }
  /** Multi-device (devices.ts): link progress, the device list, this device removed. */
  | DevicesEvent
  /** Groups (groups.ts): a message stored, a group created, joined, changed, left. */
  | GroupsEvent

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
