// Owns the libp2p node inside the document that hosts it, and answers HostApi requests.
// The messenger will grow here: it receives the started node from `node()`.

import { multiaddr } from '@multiformats/multiaddr'
import type { NodeHome } from '../../../plasmo.config.ts'
import type { HostRequest, NodeStatus, PingResult } from '../messaging/protocol.ts'
import { UnknownRequestError } from '../messaging/errors.ts'
import { ipcLimits } from '../messaging/protocol.ts'
import type { AddressPolicy } from '../node/address-policy.ts'
import { createBrowserNode, type BrowserNode } from '../node/create-node.ts'

export interface NodeServiceOptions {
  readonly nodeHome: NodeHome
  readonly policy: AddressPolicy
  readonly relays: readonly string[]
  readonly pingTimeoutMs?: number
}

export class NodeService {
  readonly #options: NodeServiceOptions
  #node: Promise<BrowserNode> | undefined
  #startedAt = 0

  constructor(options: NodeServiceOptions) {
    this.#options = options
  }

  /** Starts the node once; later calls return the same node. A failed start is retried on the next call. */
  node(): Promise<BrowserNode> {
    this.#node ??= this.#start().catch((error: unknown) => {
      this.#node = undefined
      throw error
    })
    return this.#node
  }

  async #start(): Promise<BrowserNode> {
    const node = await createBrowserNode({
      policy: this.#options.policy,
      relays: this.#options.relays,
    })
    await node.start()
    this.#startedAt = Date.now()
    return node
  }

  async status(): Promise<NodeStatus> {
    const node = await this.node()
    return {
      peerId: node.peerId.toString(),
      started: node.status === 'started',
      connections: node.getConnections().length,
      multiaddrs: node
        .getMultiaddrs()
        .slice(0, ipcLimits.maxAddresses)
        .map((a) => a.toString()),
      rtcPeerConnection: typeof globalThis.RTCPeerConnection === 'function',
      nodeHome: this.#options.nodeHome,
      startedAt: this.#startedAt,
      uptimeMs: Date.now() - this.#startedAt,
    }
  }

  async ping(address: string): Promise<PingResult> {
    const node = await this.node()
    const rttMs = await node.services.ping.ping(multiaddr(address), {
      signal: AbortSignal.timeout(this.#options.pingTimeoutMs ?? 10_000),
    })
    return { rttMs }
  }

  handle = (request: HostRequest): Promise<unknown> => {
    switch (request.kind) {
      case 'node.status':
        return this.status()
      case 'node.ping':
        return this.ping(request.multiaddr)
      default:
        return Promise.reject(new UnknownRequestError((request as { kind: string }).kind))
    }
  }

  async stop(): Promise<void> {
    const node = this.#node
    this.#node = undefined
    if (node !== undefined) await (await node).stop()
  }
}
