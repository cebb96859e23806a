// The background's whole job: start the host with the browser, pass validated popup requests
// to it, and show the host's notifications.

import { serveEndpoint } from '../host-control/router.ts'
import { endpoints } from '../host-control/protocol.ts'
import type { WebExt } from '../platform/webext.ts'
import type { NodeHost } from './node-host.ts'
import { showNotification } from './notifications.ts'
import { directDownloads } from '../files/save-download.ts'

export interface ServeBackgroundOptions {
  /** Test builds of Firefox: open the popup page in a tab once installed (see plasmo.config.ts). */
  readonly openPopupTabOnInstall: boolean
}

export function serveBackground(
  api: WebExt,
  host: NodeHost,
  options: ServeBackgroundOptions,
): void {
  const start = (): void => {
    host
      .ensureRunning()
      .catch((error: unknown) => console.error('Hestia host failed to start', error))
  }
  api.runtime.onStartup.addListener(start)
  api.runtime.onInstalled.addListener(() => {
    start()
    if (options.openPopupTabOnInstall && api.tabs !== undefined) {
      api.tabs.create({ url: api.runtime.getURL('popup.html') }).catch((error: unknown) => {
        console.error('Hestia could not open the popup tab', error)
      })
    }
  })
  // Also on every worker/page start: a restarted service worker re-checks the document.
  start()
  serveEndpoint(api, endpoints.background, async (request) => {
    // The background shows notifications itself: Chrome's offscreen host cannot.
    if (request.kind === 'notification.show') {
      await showNotification(api, request.title, request.conversationId)
      return {}
    }
    // And downloads: Chrome's offscreen host has no downloads API either.
    if (request.kind === 'download.start' || request.kind === 'download.state') {
      if (api.downloads === undefined) throw new Error('No downloads API in the background')
      const ownBlobs = `blob:${new URL(api.runtime.getURL('')).origin}/`
      if (request.kind === 'download.start' && !request.url.startsWith(ownBlobs))
        throw new Error('Only files this extension made can be saved')
      const downloads = directDownloads(api.downloads)
      return request.kind === 'download.start'
        ? { downloadId: await downloads.start(request.url, request.filename) }
        : downloads.state(request.downloadId)
    }
    // And chrome.storage.session: the offscreen document's unlocked key (ADR 0523).
    if (request.kind === 'session.key.get') return { key: await sessionKeyOf(api) }
    if (request.kind === 'session.key.put' || request.kind === 'session.key.remove') {
      const area = api.storage?.session
      if (area === undefined) throw new Error('No storage.session in the background')
      if (request.kind === 'session.key.put') await area.set({ [SESSION_KEY_ITEM]: request.key })
      else await area.remove(SESSION_KEY_ITEM)
      return {}
    }
    return host.handle(request)
  })
}

const SESSION_KEY_ITEM = 'hestia.dataKey'

async function sessionKeyOf(api: WebExt): Promise<string | null> {
  const area = api.storage?.session
  if (area === undefined) throw new Error('No storage.session in the background')
  const value = (await area.get(SESSION_KEY_ITEM))[SESSION_KEY_ITEM]
  return typeof value === 'string' ? value : null
}
