/**
 * The typed client API between a UI and the messenger node, its runtime validators, the
 * dispatcher and the port transport. The deterministic fixture client for UI work and tests is
 * test support, not part of this entry: `@hestia/core/test-support/fixture-client.ts`.
 *
 * ```ts
 * import { connectPortClient } from '@hestia/core/client/index.ts'
 * const client = connectPortClient(() => openPort())
 * const res = await client.request({ type: 'conversations.list', query: null })
 * ```
 */
export * from './api.ts'
export {
  CLIENT_REQUEST_TYPES,
  InvalidClientMessageError,
  droppedListItems,
  parseClientEvent,
  parseClientRequest,
  parseClientResponse,
  parsePortMessageFromClient,
  parsePortMessageFromNode,
} from './validate.ts'
export type { DroppedItems } from './validate.ts'
export { normalizeFingerprint, sameFingerprint, sdpFingerprint } from './call-fingerprint.ts'
export { checkRelayAddress, relayName } from './relay-address.ts'
// How a file name is shown (the UI's file cards): the same rule the node applies.
export { fileExtension } from '../text/clean.ts'
export {
  ClientApiError,
  ClientEventHub,
  createDispatcher,
  createLocalClient,
  failureFromError,
  serveThroughClient,
} from './dispatch.ts'
export type {
  ClientDispatcher,
  ClientHandler,
  ClientHandlers,
  DispatcherOptions,
  HandlersFor,
} from './dispatch.ts'
export { MAX_PENDING_REQUESTS, connectPortClient, createPortPair, serveClientPort } from './port.ts'
export type { ClientPort, PortClient, PortClientOptions, Timers } from './port.ts'
