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
  parseClientEvent,
  parseClientRequest,
  parseClientResponse,
  parsePortMessageFromClient,
  parsePortMessageFromNode,
  toClientFailure,
} from './validate.ts'
export { createFixtureClient, createManualClock } from './fixture-client.ts'
export type {
  Clock,
  FixtureClient,
  FixtureClientOptions,
  FixtureControls,
  ManualClock,
  Scheduler,
} from './fixture-client.ts'
