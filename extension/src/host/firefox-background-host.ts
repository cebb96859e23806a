// Firefox: the background page has a DOM and RTCPeerConnection, so the node runs right here.
// The page is persistent (firefox-mv2, ADR 0302), so the node lives as long as the browser.

import type { HostRequest } from '../host-control/protocol.ts'
import type { NodeHost } from './node-host.ts'
import type { NodeService } from './node-service.ts'

export class FirefoxBackgroundHost implements NodeHost {
  readonly #service: NodeService

  constructor(service: NodeService) {
    this.#service = service
  }

  async ensureRunning(): Promise<void> {
    await this.#service.node()
  }

  handle(request: HostRequest): Promise<unknown> {
    return this.#service.handle(request)
  }
}
