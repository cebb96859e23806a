/**
 * The node side of the client API, transport-free: validate a request, run its handler, turn what
 * it throws into a typed failure; and a hub that fans events out to subscribers.
 *
 * ```ts
 * const hub = new ClientEventHub()
 * const dispatch = createDispatcher({
 *   'identity.status': async () => ({ state: 'none' }),
 *   'messages.send': async (req) => { ...; throw new ClientApiError('key_changed', 'verify first') },
 * })
 * const client = createLocalClient(dispatch, hub)   // in-process MessengerClient (Node tests)
 * serveClientPort(port, dispatch, hub)              // or over a runtime port (port.ts)
 * ```
 */
import { CLIENT_LIMITS, fail, ok } from './api.ts'
import type {
  ClientErrorCode,
  ClientEvent,
  ClientEventListener,
  ClientFailure,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  MessengerClient,
  RequestFor,
  ResponseFor,
  ResultFor,
} from './api.ts'
import { StoreError } from '../store/store.ts'
import { InvalidClientMessageError, parseClientRequest } from './validate.ts'

/** Throw this from a handler to fail a request with a specific code. */
export class ClientApiError extends Error {
  override readonly name = 'ClientApiError'
  readonly code: ClientErrorCode

  constructor(code: ClientErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export type ClientHandler<K extends ClientRequestType> = (
  request: RequestFor<K>,
) => Promise<ResultFor<K>>

/** One handler per request type; missing ones answer `unsupported` (backends still to come). */
export type ClientHandlers = { [K in ClientRequestType]?: ClientHandler<K> }

/** Validates and runs one request from another context; never rejects. */
export type ClientDispatcher = (request: unknown) => Promise<ClientResponse>

function capped(text: string): string {
  const max = CLIENT_LIMITS.errorMessageMaxChars
  return text.length > max ? `${text.slice(0, max - 1)}…` : text
}

/** What a handler's failure means to the UI. Unknown errors are `internal` (details logged). */
export function failureFromError(error: unknown): ClientFailure {
  if (error instanceof ClientApiError) return fail(error.code, capped(error.message))
  if (error instanceof InvalidClientMessageError) return fail(error.code, capped(error.message))
  if (error instanceof StoreError) {
    if (error.code === 'storage_full') return fail('storage_full', capped(error.message))
    if (error.code === 'not_found') return fail('not_found', capped(error.message))
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
  return fail('internal', capped(detail))
}

export function createDispatcher(handlers: ClientHandlers): ClientDispatcher {
  return async (raw) => {
    let request: ClientRequest
    try {
      request = parseClientRequest(raw)
    } catch (error) {
      return failureFromError(error)
    }
    const handler = handlers[request.type] as
      ((request: ClientRequest) => Promise<unknown>) | undefined
    if (handler === undefined)
      return fail('unsupported', `${request.type} is not available in this build yet`)
    try {
      return ok(await handler(request))
    } catch (error) {
      return failureFromError(error)
    }
  }
}

/** Fans events out to subscribers; one failing listener does not stop the others. */
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
 * An in-process MessengerClient over a dispatcher and hub (Node tests, a CLI). Requests and events
 * pass through a JSON round trip so in-process tests see what a runtime port would deliver.
 */
export function createLocalClient(
  dispatch: ClientDispatcher,
  hub: ClientEventHub,
): MessengerClient {
  const overJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T
  return {
    request: async <T extends ClientRequest>(request: T) =>
      overJson(await dispatch(overJson(request))) as ResponseFor<T>,
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
  const dispatch: ClientDispatcher = async (raw) => {
    try {
      return await client.request(parseClientRequest(raw))
    } catch (error) {
      return failureFromError(error)
    }
  }
  return { dispatch, hub, stop }
}
