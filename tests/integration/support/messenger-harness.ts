/**
 * Harness for the messenger integration tests: a real relay on 127.0.0.1 and messenger services
 * built on real libp2p nodes (WebSockets to the relay, circuit relay v2 reservation, WebRTC through
 * node-datachannel bound to loopback), each over an in-memory store whose backing survives restarts.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { PrivateKey } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { cleanup as cleanupDataChannels } from 'node-datachannel'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type {
  ChatMessage,
  ClientEvent,
  ClientRequest,
  ResponseFor,
} from '@hestia/core/client/api.ts'
import type { CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import { createMessengerService, decodeSecrets } from '@hestia/core/messenger/index.ts'
import type {
  MailboxNode,
  MessengerFilesOptions,
  MessengerNode,
  MessengerService,
  Route,
} from '@hestia/core/messenger/index.ts'
import { FILE_PROTOCOL } from '@hestia/core/files/limits.ts'
import { idleDirectConnections } from '@hestia/core/messenger/idle-connections.ts'
import type { ReceiptDelay } from '@hestia/core/messenger/receipt-batcher.ts'
import type { ROTATION_TIMING } from '@hestia/core/messenger/mailbox-rotation.ts'
import { CHAT_PROTOCOL, MESSENGER_TIMING } from '@hestia/core/messenger/limits.ts'
import { MESSENGER_CONNECTION_MANAGER } from '@hestia/core/messenger/node-limits.ts'
import { relayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import { createMemoryBacking, openMemoryStore } from '@hestia/core/store/index.ts'
import type { MemoryBacking, MessengerStore } from '@hestia/core/store/index.ts'
import { startRelay } from '@hestia/relay-node'
import type { RelayHandle } from '@hestia/relay-node'
import { LOOPBACK_USERS, loopbackMailbox } from './loopback-relay.ts'

export function tempDir(prefix = 'hestia-msg-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export async function startTestRelay(
  dataDir = tempDir(),
  port = 0,
  mailbox: Parameters<typeof startRelay>[0]['mailbox'] = {},
  /** The relay's clock, for tests that move time (rate budgets refilling, expiry). */
  now?: () => number,
): Promise<RelayHandle> {
  return startRelay({
    dataDir,
    listen: [`/ip4/127.0.0.1/tcp/${port}/ws`],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
    mailbox: loopbackMailbox(mailbox),
    relay: LOOPBACK_USERS,
    ...(now === undefined ? {} : { now }),
  })
}

export { LOOPBACK_USERS } from './loopback-relay.ts'

export interface TestNodeOptions {
  /** false: no WebRTC, every message to or from this node takes the mailbox. */
  direct?: boolean
  /** The address node-datachannel binds its ICE candidates to (default 127.0.0.1). */
  bindAddress?: string
  /**
   * Run the browser node's connection policy (ADR 0910): libp2p's connection monitor off, direct
   * connections closed after this many ms without a chat or file stream, relays pinged instead.
   */
  directIdleMs?: number
}

/**
 * The node a browser host would build, on loopback. `direct: false` leaves WebRTC out, so every
 * message to or from this node has to take the mailbox (for measuring that path with both online).
 */
export async function createTestNode(
  privateKey: PrivateKey,
  relays: string[],
  options: TestNodeOptions = {},
): Promise<MessengerNode> {
  const direct = options.direct ?? true
  const bindAddress = options.bindAddress ?? '127.0.0.1'
  const idleMs = options.directIdleMs
  return createLibp2p({
    privateKey,
    start: false,
    addresses: {
      listen: [...relays.map(() => '/p2p-circuit'), ...(direct ? ['/webrtc'] : [])],
    },
    transports: [
      webSockets(),
      ...(direct
        ? [
            webRTC({
              rtcConfiguration: { iceServers: [], bindAddress } as RTCConfiguration,
            }),
          ]
        : []),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tests run on loopback, which the default gater refuses.
    connectionGater: { denyDialMultiaddr: () => false },
    // The browser node's inbound limits (ADR 0463): contacts come through the relay's IP.
    connectionManager: { ...MESSENGER_CONNECTION_MANAGER },
    ...(idleMs !== undefined ? { connectionMonitor: { enabled: false } } : {}),
    services: {
      identify: identify(),
      ping: ping(),
      ...(idleMs !== undefined
        ? {
            idleDirect: idleDirectConnections({
              idleMs,
              protocols: [CHAT_PROTOCOL, FILE_PROTOCOL],
              keptProtocols: [CHAT_PROTOCOL],
            }),
            relayKeepAlive: relayKeepAlive({
              intervalMs: MESSENGER_TIMING.relayPingIntervalMs,
              timeoutMs: MESSENGER_TIMING.relayPingTimeoutMs,
            }),
          }
        : {}),
    },
  }) as unknown as Promise<MessengerNode>
}

/**
 * The mailbox node a host builds for every throwaway identity (ADR 0754): WebSockets to the relay
 * only, a fresh key, no listen address, no services (identify would tell the relay nothing useful,
 * and a fingerprint besides).
 */
export async function createTestMailboxNode(): Promise<MailboxNode> {
  // The extension's liveness set-up (ADR 0912): no connection monitor, no yamux keep-alive, one
  // checked yamux ping a minute ± 25 %.
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false },
    services: {
      relayKeepAlive: relayKeepAlive({
        intervalMs: MESSENGER_TIMING.relayPingIntervalMs,
        timeoutMs: MESSENGER_TIMING.relayPingTimeoutMs,
        jitter: MESSENGER_TIMING.mailboxLinkPingJitter,
      }),
    },
  })
  return node
}

export interface SentRecord {
  seq: number
  messageId: string | null
  kind: string
  route: Route
  frame: Uint8Array
  at: number
}

/** One user: a service over a store whose backing outlives restarts. */
export class TestPeer {
  readonly name: string
  readonly backing: MemoryBacking
  relays: string[]
  service!: MessengerService
  store!: MessengerStore
  readonly events: ClientEvent[] = []
  readonly sent: SentRecord[] = []
  readonly notifications: { title: string; conversationId: string }[] = []
  /** What the messenger logged (the message of each entry), for tests that check a step was taken. */
  readonly logged: string[] = []
  /** performance.now() when each message id was first shown here (message.added). */
  readonly addedAt = new Map<string, number>()
  direct = true
  /** Node options besides `direct` (bind address, idle policy); set before start. */
  nodeOptions: Omit<TestNodeOptions, 'direct'> = {}
  /** File transfer for this peer (set before start); absent: transfer.* answers unsupported. */
  files: MessengerFilesOptions | undefined
  /** Clock and randomness (set before start); absent: the system's. Tests move the clock. */
  platform: CryptoPlatform | undefined
  /**
   * The delivery-receipt window (ADR 0751; set before start). Short here so tests that wait for
   * "delivered" stay fast; the product default is 1–30 s.
   */
  receiptDelay: ReceiptDelay = { minMs: 0, maxMs: 20 }
  /** Mailbox traffic on throwaway identities (ADR 0754), as the extension does; set before start. */
  ephemeralMailboxes = true
  /** Mailbox rotation timing (ADR 0755): the old mailbox closes soon after the contact switched. */
  rotation: Partial<typeof ROTATION_TIMING> = { retireAfterSwitchMs: 200 }
  /**
   * Profiling (scripts/profile-direct-message.ts): sees the node right after it is built and the
   * store right after it opens, before the messenger binds to either; set before start.
   */
  instrument: { node?(node: MessengerNode): void; store?(store: MessengerStore): void } = {}
  /**
   * How long a chat stream stays open without a frame (ADR 0422; 0: one stream per frame). Unset:
   * the product's, or a third of nodeOptions.directIdleMs when shorter, so a test with a short idle
   * policy also sees its kept streams close (an open kept stream does not keep its connection in
   * use, ADR 0424: tests/integration/idle-kept-stream.test.ts).
   */
  chatStreamIdleMs: number | undefined = undefined

  constructor(name: string, relays: string[], backing: MemoryBacking = createMemoryBacking()) {
    this.name = name
    this.relays = relays
    this.backing = backing
  }

  async start(): Promise<this> {
    this.store = openMemoryStore(this.backing)
    this.instrument.store?.(this.store)
    this.service = createMessengerService({
      store: this.store,
      defaultRelays: this.relays,
      createNode: async (key, relays) => {
        const node = await createTestNode(key, relays, { ...this.nodeOptions, direct: this.direct })
        this.instrument.node?.(node)
        return node
      },
      ...(this.ephemeralMailboxes ? { createMailboxNode: createTestMailboxNode } : {}),
      rotation: this.rotation,
      chatStreamIdleMs: this.#chatStreamIdleMs(),
      ...(this.files !== undefined ? { files: this.files } : {}),
      ...(this.platform !== undefined ? { platform: this.platform } : {}),
      receiptDelay: this.receiptDelay,
      notifier: (n) => this.notifications.push(n),
      onSent: (item, route, frame) =>
        this.sent.push({
          seq: item.seq,
          messageId: item.messageId,
          kind: item.kind,
          route,
          frame,
          at: performance.now(),
        }),
      log: (m, e) => {
        this.logged.push(m)
        if (process.env.HESTIA_TEST_LOG !== undefined) console.log(`[${this.name}] ${m}`, e ?? '')
      },
    })
    this.service.client.subscribe((e) => {
      this.events.push(e)
      if (e.type === 'message.added' && !this.addedAt.has(e.message.messageId)) {
        this.addedAt.set(e.message.messageId, performance.now())
      }
    })
    await this.service.start()
    return this
  }

  async stop(): Promise<void> {
    await this.service.stop()
  }

  #chatStreamIdleMs(): number {
    if (this.chatStreamIdleMs !== undefined) return this.chatStreamIdleMs
    const idle = this.nodeOptions.directIdleMs
    const product = MESSENGER_TIMING.chatStreamIdleMs
    return idle === undefined ? product : Math.min(product, Math.floor(idle / 3))
  }

  async req<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
    return this.service.client.request(request)
  }

  /** The value of a request that must succeed. */
  async must<T extends ClientRequest>(
    request: T,
  ): Promise<Extract<ResponseFor<T>, { ok: true }>['value']> {
    const res = await this.req(request)
    if (!res.ok)
      throw new Error(`${this.name} ${request.type}: ${res.error.code} ${res.error.message}`)
    return res.value
  }

  async history(conversationId: string): Promise<ChatMessage[]> {
    return (await this.must({ type: 'messages.page', conversationId, before: null, limit: 200 }))
      .messages
  }

  async texts(conversationId: string): Promise<string[]> {
    return (await this.history(conversationId)).flatMap((m) =>
      m.body.kind === 'text' ? [m.body.text] : [],
    )
  }

  async onlyConversation(): Promise<string> {
    const list = (await this.must({ type: 'conversations.list', query: null })).conversations
    if (list.length !== 1)
      throw new Error(`${this.name}: expected one conversation, got ${list.length}`)
    return list[0]!.conversationId
  }
}

/**
 * Opens the WebRTC connection from `from` to `to` through the relay with a generous timeout, so
 * tests that assert the direct route do not depend on the first dial beating the 3 s budget on a
 * loaded machine. Returns the dial time in ms.
 */
export async function ensureDirect(from: TestPeer, to: TestPeer, relay: string): Promise<number> {
  const t0 = performance.now()
  const target = to.service.node!.peerId.toString()
  // libp2p's own WebRTC negotiation timeout can fire on a loaded machine: a few attempts.
  for (let i = 0; ; i++) {
    try {
      await from.service.node!.dial(multiaddr(`${relay}/p2p-circuit/webrtc/p2p/${target}`), {
        signal: AbortSignal.timeout(20_000),
      })
      return performance.now() - t0
    } catch (err) {
      if (i === 2) throw err
    }
  }
}

export async function waitUntil(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const until = Date.now() + timeoutMs
  for (;;) {
    if (await check()) return
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** A and B contacts of each other: B accepts A's invite; both sides see a confirmed contact. */
export async function connectPeers(
  a: TestPeer,
  b: TestPeer,
): Promise<{ convA: string; convB: string }> {
  await a.must({ type: 'identity.create', displayName: a.name })
  await b.must({ type: 'identity.create', displayName: b.name })
  const invite = await a.must({ type: 'invite.mine' })
  const accepted = await b.must({ type: 'invite.accept', invite: invite.link })
  await waitUntil(`${a.name} sees ${b.name} as a contact`, async () => {
    const list = (await a.must({ type: 'conversations.list', query: null })).conversations
    return list.length === 1
  })
  const convA = await a.onlyConversation()
  // Settled: b has a's reply and moved to the fresh mailbox, a closed the invite's (ADR 0730).
  await waitUntil(`${a.name} closed the invite mailbox`, async () => {
    const identity = await a.store.getIdentity()
    return decodeSecrets(identity!.secretKeys).invites.every((i) => i.boundContactId === undefined)
  })
  return { convA, convB: accepted.contact.conversationId }
}

/**
 * Two started peers on `relays`, contacts of each other (connectPeers), with WebRTC left out: every
 * frame crosses the relay's mailboxes. On a failure both are stopped before the error goes on.
 */
export async function mailboxOnlyPair(
  relays: string[],
  names: readonly [string, string],
): Promise<{ a: TestPeer; b: TestPeer; convA: string; convB: string }> {
  const a = new TestPeer(names[0], relays)
  const b = new TestPeer(names[1], relays)
  a.direct = false
  b.direct = false
  try {
    await a.start()
    await b.start()
    return { a, b, ...(await connectPeers(a, b)) }
  } catch (err) {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    throw err
  }
}

/**
 * node-datachannel keeps native threads that hold the process open after every peer connection
 * closed; call this at the very end of a test file, after all nodes stopped.
 */
export function releaseWebRTC(): void {
  cleanupDataChannels()
}

export function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}
