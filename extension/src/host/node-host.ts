// Where the libp2p node lives, seen from the background. Two implementations:
//   ChromeOffscreenHost      the service worker keeps an offscreen document that runs the node
//   FirefoxBackgroundHost    the (persistent) background page runs the node itself
// The background serves popup requests by handing them to its NodeHost.

import type { HostRequest } from '../host-control/protocol.ts'

export interface NodeHost {
  /** Makes sure the node's document exists and its node is starting. Idempotent. */
  ensureRunning(): Promise<void>
  /** Answers one validated request (see HostApi in host-control/protocol.ts). */
  handle(request: HostRequest): Promise<unknown>
}
