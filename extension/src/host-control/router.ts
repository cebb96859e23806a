// Serves one endpoint: accepts only envelopes from this extension's own pages, addressed to
// this endpoint, validated; answers every accepted envelope with a Reply.

import type { MessageSender, WebExt } from '../platform/webext.ts'
import { codeOf } from './errors.ts'
import type { Endpoint, HostRequest, Reply } from './protocol.ts'
import { isHestiaMessage, parseEnvelope } from './validate.ts'

export type RequestHandler = (request: HostRequest) => Promise<unknown>

/**
 * Own pages and workers only. A content script shares the extension id but reports the web
 * page's URL, and other extensions have another id: both are refused.
 */
export function isTrustedSender(api: WebExt, sender: MessageSender): boolean {
  const origin = api.runtime.getURL('')
  return (
    sender.id === api.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(origin)
  )
}

function failure(error: unknown): Reply {
  const message = error instanceof Error ? error.message : String(error)
  return { ok: false, error: { code: codeOf(error), message: message.slice(0, 2048) } }
}

/** Returns a function that stops serving. */
export function serveEndpoint(api: WebExt, endpoint: Endpoint, handle: RequestHandler): () => void {
  const listener = (
    message: unknown,
    sender: MessageSender,
    sendResponse: (response: unknown) => void,
  ): boolean | undefined => {
    if (!isHestiaMessage(message) || !isTrustedSender(api, sender)) return undefined
    const addressedHere = (message as { to?: unknown }).to === endpoint
    if (!addressedHere) return undefined
    let request: HostRequest
    try {
      request = parseEnvelope(message).request
    } catch (error) {
      sendResponse(failure(error))
      return undefined
    }
    handle(request).then(
      (result) => sendResponse({ ok: true, result } satisfies Reply),
      (error: unknown) => sendResponse(failure(error)),
    )
    return true
  }
  api.runtime.onMessage.addListener(listener)
  return () => api.runtime.onMessage.removeListener(listener)
}
