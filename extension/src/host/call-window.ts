// The call window (issue 8): an extension page (tabs/call.html) opened as its own popup-type
// window, because the browser-action popup closes on blur and would end the media with it. The
// host opens one per call when the call appears (outgoing: after `call.start`; incoming: when it
// rings). Chrome's offscreen document has no `windows` API, so there it asks the service worker
// with a small runtime message on its own channel; Firefox's background page opens it directly.

import { isTrustedSender } from '../host-control/router.ts'
import type { MessageListener, WebExt } from '../platform/webext.ts'

export const CALL_WINDOW_PAGE = 'tabs/call.html'
/** The runtime-message channel of "open the call window" requests (host → service worker). */
export const CALL_WINDOW_CHANNEL = 'hestia/v1/call-window'
const callIdMaxChars = 128
const size = { width: 480, height: 680 }

interface WindowsApi {
  create(options: {
    url: string
    type: 'popup'
    width: number
    height: number
    focused: boolean
  }): Promise<unknown>
}

function windowsOf(api: WebExt): WindowsApi | undefined {
  return (api as unknown as { windows?: WindowsApi }).windows
}

export function callWindowUrl(api: WebExt, callId: string): string {
  return api.runtime.getURL(`${CALL_WINDOW_PAGE}?callId=${encodeURIComponent(callId)}`)
}

/** Opens the call window for `callId` (needs the `windows` API: background contexts and pages). */
export async function openCallWindow(api: WebExt, callId: string): Promise<void> {
  const windows = windowsOf(api)
  if (windows === undefined) throw new Error('No windows API here: ask the background.')
  await windows.create({ url: callWindowUrl(api, callId), type: 'popup', focused: true, ...size })
}

/** A request on CALL_WINDOW_CHANNEL: the call id, checked; anything else is null. */
export function parseCallWindowRequest(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null
  const m = message as Record<string, unknown>
  if (m.channel !== CALL_WINDOW_CHANNEL || Object.keys(m).length !== 2) return null
  const id = m.callId
  if (typeof id !== 'string' || id.length === 0 || id.length > callIdMaxChars) return null
  return /^[A-Za-z0-9_-]+$/.test(id) ? id : null
}

/** Service worker: opens the window when this extension's host asks. */
export function serveCallWindowRequests(api: WebExt, log: (error: unknown) => void): void {
  const listener: MessageListener = (message, sender, sendResponse) => {
    const callId = parseCallWindowRequest(message)
    if (callId === null || !isTrustedSender(api, sender)) return undefined
    openCallWindow(api, callId).then(
      () => sendResponse({ opened: true }),
      (error: unknown) => {
        log(error)
        sendResponse({ opened: false })
      },
    )
    return true
  }
  api.runtime.onMessage.addListener(listener)
}

/** Offscreen document: asks the service worker to open the window. */
export function askToOpenCallWindow(api: WebExt, callId: string): Promise<void> {
  return api.runtime.sendMessage({ channel: CALL_WINDOW_CHANNEL, callId }).then(() => undefined)
}
