/**
 * The client API over a message port (a `chrome.runtime.Port`, a `MessagePort`, an in-memory pair
 * in tests). Platform-free: the extension wraps its port in the three-method `ClientPort` shape.
 *
 * UI side: `connectPortClient(() => wrap(chrome.runtime.connect({ name: 'client' })))` gives a
 * MessengerClient that checks every response and event, times requests out, answers `unavailable`
 * while the node is gone and reconnects on the next request (the offscreen document may restart).
 * Node side: `serveClientPort(port, dispatch, hub)` answers requests and forwards events.
 *
 * Envelopes: docs/protocol/client-api.md "Shape".
 */
import { fail } from './api.ts'
import type {
  ClientEventListener,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  MessengerClient,
  ResponseFor,
} from './api.ts'
import { failureFromError, type ClientDispatcher, type ClientEventHub } from './dispatch.ts'
import { parsePortMessageFromClient, parsePortMessageFromNode } from './validate.ts'
import { traceMark } from '../wire/latency-trace.ts'

/** The minimum a port must offer. `chrome.runtime.Port` fits with a three-line adapter. */
export interface ClientPort {
  postMessage(message: unknown): void
  /** Returns a function that removes the listener. */
  onMessage(listener: (message: unknown) => void): () => void
  /** Called once when the other side goes away (or `disconnect()` was called). */
  onDisconnect(listener: () => void): () => void
  disconnect(): void
}

export interface Timers {
  setTimeout(run: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const defaultTimers: Timers = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
}

export interface PortClientOptions {
  /** Per request (default 15 s). */
  timeoutMs?: number
  timers?: Timers
  /** Called with messages that failed validation (they are dropped). */
  onInvalidMessage?: (error: unknown) => void
}

export interface PortClient extends MessengerClient {
  /** 'connected' after a port opened, 'disconnected' when it closed. Refetch state on reconnect. */
  onConnectionChange(listener: (state: 'connected' | 'disconnected') => void): () => void
  /** Closes the port; later requests reconnect. */
  close(): void
}

/** Pending requests per port are capped so a node that never answers cannot grow memory. */
export const MAX_PENDING_REQUESTS = 1_000

interface Pending {
  type: ClientRequestType
  resolve: (response: ClientResponse) => void
  timer: unknown
}

/** Requests sent and not answered yet, each with its timeout. */
class PendingRequests {
  readonly #entries = new Map<number, Pending>()
  readonly #timers: Timers
  #nextId = 1

  constructor(timers: Timers) {
    this.#timers = timers
  }

  get size(): number {
    return this.#entries.size
  }

  typeOf(id: number): ClientRequestType | undefined {
    return this.#entries.get(id)?.type
  }

  /** Registers a request; it answers `timeout` after `timeoutMs` unless settled first. */
  add(type: ClientRequestType, resolve: Pending['resolve'], timeoutMs: number): number {
    const id = this.#nextId++
    const timer = this.#timers.setTimeout(
      () => this.settle(id, fail('timeout', `${type} got no answer in ${timeoutMs} ms`)),
      timeoutMs,
    )
    this.#entries.set(id, { type, resolve, timer })
    return id
  }

  settle(id: number, response: ClientResponse): void {
    const entry = this.#entries.get(id)
    if (entry === undefined) return
    this.#entries.delete(id)
    this.#timers.clearTimeout(entry.timer)
    entry.resolve(response)
  }

  settleAll(response: ClientResponse): void {
    for (const id of [...this.#entries.keys()]) this.settle(id, response)
  }
}

/** One message from the node: an event for the subscribers, or the answer to a pending request. */
function receiveFromNode(
  raw: unknown,
  pending: PendingRequests,
  listeners: Set<ClientEventListener>,
  onInvalidMessage: ((error: unknown) => void) | undefined,
): void {
  try {
    const message = parsePortMessageFromNode(raw, (id) => pending.typeOf(id))
    if (message.kind === 'event') {
      for (const listener of [...listeners]) listener(message.event)
    } else {
      pending.settle(message.id, message.response)
    }
  } catch (error) {
    onInvalidMessage?.(error)
  }
}

export function connectPortClient(
  connect: () => ClientPort,
  options: PortClientOptions = {},
): PortClient {
  const timeoutMs = options.timeoutMs ?? 15_000
  const listeners = new Set<ClientEventListener>()
  const connectionListeners = new Set<(state: 'connected' | 'disconnected') => void>()
  const pending = new PendingRequests(options.timers ?? defaultTimers)
  let port: ClientPort | null = null
  let detach: (() => void)[] = []
  const announce = (state: 'connected' | 'disconnected'): void => {
    for (const listener of [...connectionListeners]) listener(state)
  }

  const dropPort = (): void => {
    if (port === null) return
    for (const undo of detach) undo()
    detach = []
    port = null
    pending.settleAll(fail('unavailable', 'The connection to the Hestia node closed'))
    announce('disconnected')
  }

  const ensurePort = (): ClientPort => {
    if (port !== null) return port
    const opened = connect()
    port = opened
    detach = [
      opened.onMessage((raw) => receiveFromNode(raw, pending, listeners, options.onInvalidMessage)),
      opened.onDisconnect(() => dropPort()),
    ]
    announce('connected')
    return opened
  }

  return {
    request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
      return new Promise<ClientResponse>((resolve) => {
        if (pending.size >= MAX_PENDING_REQUESTS) {
          resolve(fail('unavailable', 'Too many requests are waiting for the Hestia node'))
          return
        }
        let target: ClientPort
        try {
          target = ensurePort()
        } catch (error) {
          resolve(fail('unavailable', `Cannot reach the Hestia node: ${String(error)}`))
          return
        }
        const id = pending.add(request.type, resolve, timeoutMs)
        try {
          target.postMessage({ kind: 'request', id, request })
        } catch (error) {
          pending.settle(id, fail('unavailable', `Cannot reach the Hestia node: ${String(error)}`))
          dropPort()
        }
      }) as Promise<ResponseFor<T>>
    },
    subscribe(listener) {
      listeners.add(listener)
      // Events flow only over an open port: subscribing opens one.
      try {
        ensurePort()
      } catch (error) {
        options.onInvalidMessage?.(error)
      }
      return () => void listeners.delete(listener)
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener)
      return () => void connectionListeners.delete(listener)
    },
    close() {
      const closing = port
      dropPort()
      closing?.disconnect()
    },
  }
}

/**
 * Node side of one port: where a request enters the node. Validates each message (the request's
 * only check: the dispatcher and handlers trust it), answers it through `dispatch` and forwards
 * every hub event until the port disconnects. Returns a function that stops serving.
 */
export function serveClientPort(
  port: ClientPort,
  dispatch: ClientDispatcher,
  hub: ClientEventHub,
  onInvalidMessage: (error: unknown) => void = () => {},
): () => void {
  let open = true
  const post = (message: unknown): void => {
    if (!open) return
    try {
      port.postMessage(message)
    } catch (error) {
      onInvalidMessage(error)
    }
  }
  const unsubscribe = hub.subscribe((event) => {
    traceMark(`host.event ${event.type}`)
    post({ kind: 'event', event })
  })
  const stopMessages = port.onMessage((raw) => {
    let envelope: ReturnType<typeof parsePortMessageFromClient>
    try {
      envelope = parsePortMessageFromClient(raw)
    } catch (error) {
      // Answer malformed requests when we can tell which request they were.
      const id = (raw as { id?: unknown } | null)?.id
      if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0)
        post({ kind: 'response', id, response: failureFromError(error) })
      onInvalidMessage(error)
      return
    }
    traceMark(`host.request ${envelope.request.type}`)
    void dispatch(envelope.request).then((response) => {
      traceMark(`host.response ${envelope.request.type}`)
      post({ kind: 'response', id: envelope.id, response })
    })
  })
  const stop = (): void => {
    if (!open) return
    open = false
    unsubscribe()
    stopMessages()
    stopDisconnect()
  }
  const stopDisconnect = port.onDisconnect(stop)
  return stop
}

/** Two connected in-memory ports whose messages go through JSON, delivered asynchronously. */
export function createPortPair(): [ClientPort, ClientPort] {
  type Side = {
    messageListeners: Set<(message: unknown) => void>
    disconnectListeners: Set<() => void>
  }
  const sides: [Side, Side] = [
    { messageListeners: new Set(), disconnectListeners: new Set() },
    { messageListeners: new Set(), disconnectListeners: new Set() },
  ]
  let connected = true
  const make = (self: Side, other: Side): ClientPort => ({
    postMessage(message) {
      if (!connected) throw new Error('Attempting to use a disconnected port object')
      const json = JSON.stringify(message)
      queueMicrotask(() => {
        if (!connected) return
        for (const listener of [...other.messageListeners]) listener(JSON.parse(json))
      })
    },
    onMessage(listener) {
      self.messageListeners.add(listener)
      return () => self.messageListeners.delete(listener)
    },
    onDisconnect(listener) {
      self.disconnectListeners.add(listener)
      return () => self.disconnectListeners.delete(listener)
    },
    disconnect() {
      if (!connected) return
      connected = false
      // As with runtime ports, only the other side hears about it.
      queueMicrotask(() => {
        for (const listener of [...other.disconnectListeners]) listener()
      })
    },
  })
  return [make(sides[0], sides[1]), make(sides[1], sides[0])]
}
