// The client API (core/src/client) over WebExtension runtime ports.
//
// A page (popup, "open in a tab") calls `runtime.connect({ name: CLIENT_PORT_NAME })`; the node's
// host (Chrome: offscreen document; Firefox: background page) answers `runtime.onConnect`. Chrome
// serialises port messages as JSON, Firefox by structured clone: the client API is plain data
// (ADR 0501) and both ends validate what arrives (port.ts uses validate.ts).

import type { ClientPort } from '@hestia/core/client/port.ts'
import type { WebExtPort } from '../platform/webext.ts'

/** The port name pages use for the client API; other names are not served. */
export const CLIENT_PORT_NAME = 'hestia/v1/client'

/** A runtime port in the `ClientPort` shape of core/src/client/port.ts. */
export function wrapRuntimePort(port: WebExtPort): ClientPort {
  return {
    postMessage: (message) => port.postMessage(message),
    onMessage(listener) {
      const forward = (message: unknown): void => listener(message)
      port.onMessage.addListener(forward)
      return () => port.onMessage.removeListener(forward)
    },
    onDisconnect(listener) {
      const forward = (): void => {
        // Chrome reports "Receiving end does not exist" through runtime.lastError and logs it as
        // unchecked unless it is read here; the client answers `unavailable` and retries anyway.
        void (globalThis as { chrome?: { runtime?: { lastError?: unknown } } }).chrome?.runtime
          ?.lastError
        listener()
      }
      port.onDisconnect.addListener(forward)
      return () => port.onDisconnect.removeListener(forward)
    },
    disconnect: () => port.disconnect(),
  }
}

/**
 * A `ClientPort` available at once whose real port opens asynchronously: Chrome's offscreen
 * document may not exist yet, so `open` first wakes the host and then connects. Messages posted
 * meanwhile are queued (at most `maxQueued`); a failed `open` reports a disconnect, so the client
 * answers pending requests `unavailable` and reconnects on the next one.
 */
export function deferredPort(open: () => Promise<ClientPort>, maxQueued = 1_000): ClientPort {
  const messageListeners = new Set<(message: unknown) => void>()
  const disconnectListeners = new Set<() => void>()
  let queue: unknown[] = []
  let real: ClientPort | null = null
  let closed = false

  const goneAway = (): void => {
    if (closed) return
    closed = true
    queue = []
    for (const listener of [...disconnectListeners]) listener()
  }

  open().then(
    (port) => {
      if (closed) {
        port.disconnect()
        return
      }
      real = port
      port.onMessage((message) => {
        for (const listener of [...messageListeners]) listener(message)
      })
      port.onDisconnect(goneAway)
      const waiting = queue
      queue = []
      try {
        for (const message of waiting) port.postMessage(message)
      } catch {
        port.disconnect()
        goneAway()
      }
    },
    () => goneAway(),
  )

  return {
    postMessage(message) {
      if (closed) throw new Error('Attempting to use a disconnected port object')
      if (real !== null) {
        real.postMessage(message)
        return
      }
      if (queue.length >= maxQueued) throw new Error('Too many messages wait for the Hestia node')
      queue.push(message)
    },
    onMessage(listener) {
      messageListeners.add(listener)
      return () => messageListeners.delete(listener)
    },
    onDisconnect(listener) {
      disconnectListeners.add(listener)
      return () => disconnectListeners.delete(listener)
    },
    disconnect() {
      // As with runtime ports, only the other side hears about a disconnect we start.
      closed = true
      queue = []
      real?.disconnect()
    },
  }
}
