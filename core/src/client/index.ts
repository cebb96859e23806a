/**
 * The typed client API between a UI and the messenger node, its runtime validators and the
 * deterministic fixture client for UI work.
 *
 * ```ts
 * import { createFixtureClient, createManualClock } from '@hestia/core/client/index.ts'
 * const client = createFixtureClient({ clock: createManualClock(Date.UTC(2026, 10, 23)) })
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
  toClientFailure,
} from './validate.ts'
export type { DroppedItems } from './validate.ts'
export { createFixtureClient, createManualClock } from './fixture-client.ts'
export type {
  Clock,
  FixtureClient,
  FixtureClientOptions,
  FixtureControls,
  ManualClock,
  Scheduler,
} from './fixture-client.ts'
export {
  ClientApiError,
  ClientEventHub,
  createDispatcher,
  createLocalClient,
  failureFromError,
  serveThroughClient,
} from './dispatch.ts'
export type { ClientDispatcher, ClientHandler, ClientHandlers } from './dispatch.ts'
export { MAX_PENDING_REQUESTS, connectPortClient, createPortPair, serveClientPort } from './port.ts'
export type { ClientPort, PortClient, PortClientOptions, Timers } from './port.ts'
