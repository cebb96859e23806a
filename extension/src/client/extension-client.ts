// The page side of the client API in the extension: a MessengerClient over a runtime port to the
// node's host that survives the host going away. Chrome may close the offscreen document (it is
// then recreated on the next request) and stops its service worker when idle; the Firefox
// background page lives as long as the browser.
//
//   const { client, stop } = connectExtensionClient(webExt(), {
//     wake: () => hostClient.wake(), onReconnected: () => appState.loadIdentity() })

import { connectPortClient, type PortClient } from '@hestia/core/client/port.ts'
import type { WebExt } from '../platform/webext.ts'
import { CLIENT_PORT_NAME, deferredPort, wrapRuntimePort } from './runtime-port.ts'

export interface ExtensionClientOptions {
  /** Makes sure the host runs and listens for ports (Chrome: creates the offscreen document). */
  wake: () => Promise<unknown>
  /** After the port came back following a disconnect: refetch what may have changed meanwhile. */
  onReconnected?: () => void
  /** Per request (default 15 s). */
  timeoutMs?: number
  /** First retry delay after a disconnect; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number
  maxRetryDelayMs?: number
  onInvalidMessage?: (error: unknown) => void
}

export interface ExtensionClient {
  readonly client: PortClient
  /** Stops reconnecting and closes the port. */
  stop(): void
}

export function connectExtensionClient(
  api: WebExt,
  options: ExtensionClientOptions,
): ExtensionClient {
  const firstDelay = options.retryDelayMs ?? 250
  const maxDelay = options.maxRetryDelayMs ?? 5_000
  const client = connectPortClient(
    () =>
      deferredPort(async () => {
        await options.wake()
        return wrapRuntimePort(api.runtime.connect({ name: CLIENT_PORT_NAME }))
      }),
    {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.onInvalidMessage !== undefined
        ? { onInvalidMessage: options.onInvalidMessage }
        : {}),
    },
  )
  let stopped = false
  let retrying = false
  let timer: ReturnType<typeof setTimeout> | undefined

  // Events flow only over an open port, so a page that is just reading must reconnect by itself.
  const reconnect = (delayMs: number): void => {
    if (stopped) return
    timer = setTimeout(() => {
      void client.request({ type: 'identity.status' }).then((response) => {
        if (stopped) return
        const transportTrouble =
          !response.ok &&
          (response.error.code === 'unavailable' || response.error.code === 'timeout')
        if (transportTrouble) {
          reconnect(Math.min(delayMs * 2, maxDelay))
          return
        }
        retrying = false
        options.onReconnected?.()
      })
    }, delayMs)
  }

  client.onConnectionChange((state) => {
    if (state !== 'disconnected' || stopped || retrying) return
    retrying = true
    reconnect(firstDelay)
  })

  return {
    client,
    stop() {
      stopped = true
      clearTimeout(timer)
      client.close()
    },
  }
}
