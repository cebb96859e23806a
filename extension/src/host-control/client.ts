// The typed client every page uses to reach the node: the popup (to the background) and the
// Chrome service worker (to the offscreen host). Replies are validated before they are returned.

import type { WebExt } from '../platform/webext.ts'
import { HostRequestError, malformedMessage } from './errors.ts'
import {
  IPC_CHANNEL,
  endpoints,
  errorCodes,
  type Endpoint,
  type Envelope,
  type HostApi,
  type HostResult,
  type NodeStatus,
  type PingResult,
  type RequestKind,
  type WakeResult,
} from './protocol.ts'
import { parseReply, resultParsers } from './validate.ts'

export interface HostClientOptions {
  readonly to?: Endpoint
  /** Per attempt. */
  readonly timeoutMs?: number
  /** Extra attempts while nobody listens yet (a host document still loading). */
  readonly retriesWhileUnavailable?: number
  readonly retryDelayMs?: number
}

const noReceiver = /Receiving end does not exist|Could not establish connection/i

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export class HostClient {
  readonly #api: WebExt
  readonly #to: Endpoint
  readonly #timeoutMs: number
  readonly #retries: number
  readonly #retryDelayMs: number

  constructor(api: WebExt, options: HostClientOptions = {}) {
    this.#api = api
    this.#to = options.to ?? endpoints.background
    this.#timeoutMs = options.timeoutMs ?? 10_000
    this.#retries = options.retriesWhileUnavailable ?? 0
    this.#retryDelayMs = options.retryDelayMs ?? 50
  }

  status(): Promise<NodeStatus> {
    return this.request<'node.status'>({ kind: 'node.status' })
  }

  ping(multiaddr: string): Promise<PingResult> {
    return this.request<'node.ping'>({ kind: 'node.ping', multiaddr })
  }

  /** Makes sure the host runs and listens for client ports (Chrome: creates the document). */
  wake(): Promise<WakeResult> {
    return this.request<'host.wake'>({ kind: 'host.wake' })
  }

  async request<K extends RequestKind>(request: HostApi[K]['request']): Promise<HostResult<K>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#once(request)
      } catch (error) {
        const unavailable =
          error instanceof HostRequestError && error.code === errorCodes.hostUnavailable
        if (!unavailable || attempt >= this.#retries) throw error
        await delay(this.#retryDelayMs)
      }
    }
  }

  async #once<K extends RequestKind>(request: HostApi[K]['request']): Promise<HostResult<K>> {
    const envelope: Envelope = {
      channel: IPC_CHANNEL,
      to: this.#to,
      id: crypto.randomUUID(),
      request,
    }
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new HostRequestError(
              errorCodes.timeout,
              `No answer from the ${this.#to} within ${this.#timeoutMs} ms.`,
            ),
          ),
        this.#timeoutMs,
      )
    })
    let raw: unknown
    try {
      raw = await Promise.race([this.#api.runtime.sendMessage(envelope), timeout])
    } catch (error) {
      if (error instanceof HostRequestError) throw error
      const message = error instanceof Error ? error.message : String(error)
      if (noReceiver.test(message)) {
        throw new HostRequestError(
          errorCodes.hostUnavailable,
          `The ${this.#to} is not running: ${message}`,
        )
      }
      throw new HostRequestError(errorCodes.requestFailed, message)
    } finally {
      clearTimeout(timer)
    }
    if (raw === undefined) {
      throw new HostRequestError(errorCodes.hostUnavailable, `The ${this.#to} did not answer.`)
    }
    const reply = parseReply(raw)
    if (!reply.ok) throw new HostRequestError(reply.error.code, reply.error.message)
    const parse = resultParsers[request.kind] as (raw: unknown) => HostResult<K>
    if (parse === undefined) throw malformedMessage(`no parser for ${request.kind}`)
    return parse(reply.result)
  }
}
