// Chrome MV3: the service worker has no RTCPeerConnection and is stopped after ~30 s idle.
// The node lives in an offscreen document, which outlives the worker. The worker keeps no
// state: on every request it checks that the document exists (recreating it if it died) and
// forwards the request, so a restarted worker serves the same node.

import { HostClient } from '../host-control/client.ts'
import { endpoints, type HostRequest } from '../host-control/protocol.ts'
import type { WebExt, WebExtOffscreen } from '../platform/webext.ts'
import type { NodeHost } from './node-host.ts'

export interface ChromeOffscreenHostOptions {
  readonly documentPath: string
}

export class ChromeOffscreenHost implements NodeHost {
  readonly #api: WebExt
  readonly #offscreen: WebExtOffscreen
  readonly #documentUrl: string
  readonly #client: HostClient
  #creating: Promise<void> | undefined

  constructor(api: WebExt, options: ChromeOffscreenHostOptions) {
    if (api.offscreen === undefined || api.runtime.getContexts === undefined) {
      throw new Error(
        'chrome.offscreen and runtime.getContexts are missing: Chrome 116+ is required.',
      )
    }
    this.#api = api
    this.#offscreen = api.offscreen
    this.#documentUrl = api.runtime.getURL(options.documentPath)
    // A freshly created document needs a moment before its listener is registered.
    this.#client = new HostClient(api, {
      to: endpoints.host,
      retriesWhileUnavailable: 40,
      retryDelayMs: 50,
    })
  }

  async #documentExists(): Promise<boolean> {
    const contexts = await this.#api.runtime.getContexts!({
      contextTypes: ['OFFSCREEN_DOCUMENT'],
      documentUrls: [this.#documentUrl],
    })
    return contexts.length > 0
  }

  async ensureRunning(): Promise<void> {
    if (await this.#documentExists()) return
    // One creation at a time: createDocument rejects while another document exists.
    this.#creating ??= this.#offscreen
      .createDocument({
        url: this.#documentUrl,
        reasons: ['WEB_RTC'],
        justification: 'Hosts the Hestia libp2p node (WebRTC peer connections to contacts).',
      })
      .catch(async (error: unknown) => {
        // Another context of this extension created it first: that is what we wanted.
        if (!(await this.#documentExists())) throw error
      })
      .finally(() => {
        this.#creating = undefined
      })
    await this.#creating
  }

  async handle(request: HostRequest): Promise<unknown> {
    await this.ensureRunning()
    return this.#client.request(request)
  }
}
