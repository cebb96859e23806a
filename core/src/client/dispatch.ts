/**
 * The node side of the client API, transport-free: one dispatcher that runs the handler for a
 * request's type and turns what it throws into a typed failure (the one error map), and the one
 * hub that fans events out to subscribers (every page's port, in-process clients).
 *
 * Requests are validated where they enter (serveClientPort in port.ts, createLocalClient here):
 * the dispatcher takes a `ClientRequest` that is already checked, and never checks it again.
 *
 * ```ts
 * const hub = new ClientEventHub()
 * const dispatch = createDispatcher({
 *   'identity.status': async () => ok({ state: 'none' }),
 *   'messages.send': async (req) => fail('key_changed', 'verify first'),
 *   ...                                    // every request type: a missing one does not compile
 * })
 * const client = createLocalClient(dispatch, hub)   // in-process MessengerClient (Node tests)
 * serveClientPort(port, dispatch, hub)              // or over a runtime port (port.ts)
 * ```
 */
import { CLIENT_LIMITS, ClientApiError, fail } from './api.ts'
import type {
  ClientEvent,
  ClientEventListener,
  ClientFailure,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  MessengerClient,
  RequestFor,
  ResponseFor,
} from './api.ts'
import { StoreError } from '../store/store.ts'
import { isProtocolError } from '../wire/errors.ts'
import { parseClientRequest } from './validate.ts'

/** Throw this from a handler (or anything it calls) to fail a request with a specific code. */
export { ClientApiError }

/** Serves one request type: its typed success or typed failure (or throws, see failureFromError). */
export type ClientHandler<K extends ClientRequestType> = (
  request: RequestFor<K>,
) => Promise<ResponseFor<RequestFor<K>>>

/** Handlers for some request types (what one API area's module provides). */
export type HandlersFor<K extends ClientRequestType> = { readonly [P in K]: ClientHandler<P> }

/**
 * One handler for every request type of api.ts. Required keys: adding a request type to the API
 * without a handler, or dropping one, is a compile error (core/src/messenger/handlers/handlers.test.ts).
 */
export type ClientHandlers = HandlersFor<ClientRequestType>

/** Runs one validated request; never rejects. */
export type ClientDispatcher = <T extends ClientRequest>(request: T) => Promise<ResponseFor<T>>

function capped(text: string): string {
  const max = CLIENT_LIMITS.errorMessageMaxChars
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/**
 * The one error map: what a thrown error means to the UI. Unknown errors are `internal` (the
 * dispatcher logs their details).
 */
export function failureFromError(error: unknown): ClientFailure {
  if (error instanceof ClientApiError) return fail(error.code, capped(error.message))
  if (error instanceof StoreError) {
    if (error.code === 'storage_full') return fail('storage_full', capped(error.message))
    if (error.code === 'not_found') return fail('not_found', capped(error.message))
  }
  // Bytes a user handed over (an invite, a scanned code) that do not decode.
  if (isProtocolError(error)) return fail('invalid_request', capped(error.message))
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return fail('internal', capped(detail))
}

export interface DispatcherOptions {
  /** Told about requests that failed as `internal` (a bug: the details go to the log). */
  log?: (message: string, error: unknown) => void
}

export function createDispatcher(
  handlers: ClientHandlers,
  options: DispatcherOptions = {},
): ClientDispatcher {
  const run = async (request: ClientRequest): Promise<ClientResponse> => {
    const handler = handlers[request.type] as (request: ClientRequest) => Promise<ClientResponse>
    try {
      return await handler(request)
    } catch (error) {
      const failure = failureFromError(error)
      if (failure.error.code === 'internal') options.log?.(`request ${request.type} failed`, error)
      return failure
    }
  }
  return run as ClientDispatcher
}

/** The one event fan-out; one failing listener does not stop the others. */
export class ClientEventHub {
  readonly #listeners = new Set<ClientEventListener>()
  readonly #onListenerError: (error: unknown) => void

  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError
  }

  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  emit(event: ClientEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event)
      } catch (error) {
        this.#onListenerError(error)
      }
    }
  }

  get subscriberCount(): number {
    return this.#listeners.size
  }
}

/**
 * An in-process MessengerClient over a dispatcher and hub (Node tests, a CLI): the in-process
 * counterpart of serveClientPort, so it validates each request as the port does. Requests and
 * events pass through a JSON round trip so in-process tests see what a runtime port would deliver.
 */
export function createLocalClient(
  dispatch: ClientDispatcher,
  hub: ClientEventHub,
): MessengerClient {
  const overJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
  return {
    request: async <T extends ClientRequest>(request: T) => {
      let checked: ClientRequest
      try {
        checked = parseClientRequest(overJson(request))
      } catch (error) {
        return failureFromError(error)
      }
      return overJson(await dispatch(checked))
    },
    subscribe: (listener) => hub.subscribe((event) => listener(overJson(event))),
  }
}

/**
 * A dispatcher that forwards to an existing MessengerClient (e.g. serve the fixture client over a
 * real runtime port while the messenger node is not ready), and a hub fed by its events.
 */
export function serveThroughClient(client: MessengerClient): {
  dispatch: ClientDispatcher
  hub: ClientEventHub
  stop: () => void
} {
  const hub = new ClientEventHub()
  const stop = client.subscribe((event) => hub.emit(event))
  const dispatch: ClientDispatcher = async (request) => {
    try {
      return await client.request(request)
    } catch (error) {
      return failureFromError(error)
    }
  }
  return { dispatch, hub, stop }
}
