// The host side of the client API: every page that connects with CLIENT_PORT_NAME gets the
// messenger's client API over its runtime port. Where a request enters the host: serveClientPort
// validates it (the only validation), the dispatcher runs its handler, every hub event is pushed.
// Only this extension's own pages are served (isTrustedSender).

import { serveClientPort } from '@hestia/core/client/port.ts'
import type { ClientDispatcher, ClientEventHub } from '@hestia/core/client/dispatch.ts'
import { CLIENT_PORT_NAME, wrapRuntimePort } from '../client/runtime-port.ts'
import { isTrustedSender } from '../host-control/router.ts'
import type { WebExt, WebExtPort } from '../platform/webext.ts'

/** Serves client ports until the returned function is called. */
export function serveClientPorts(
  api: WebExt,
  dispatch: ClientDispatcher,
  hub: ClientEventHub,
  onInvalidMessage: (error: unknown) => void = () => undefined,
): () => void {
  const listener = (port: WebExtPort): void => {
    if (port.name !== CLIENT_PORT_NAME) return
    if (port.sender === undefined || !isTrustedSender(api, port.sender)) {
      port.disconnect()
      return
    }
    serveClientPort(wrapRuntimePort(port), dispatch, hub, onInvalidMessage)
  }
  api.runtime.onConnect.addListener(listener)
  return () => api.runtime.onConnect.removeListener(listener)
}
