/**
 * One Hestia user inside a home namespace of the NAT test (started by the test with
 * `ip netns exec <home> node nat-peer.ts`): a messenger service on a real libp2p node — WebSockets
 * to the relay, circuit relay v2, WebRTC through node-datachannel asking the relay's STUN — with
 * files on disk, driven by the test over the IPC channel, one request at a time:
 * `{ id, op, args }` → `{ id, ok, value | error }`. Calls are in nat-call.ts.
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
import { join } from 'node:path'
import type { ClientEvent, ClientRequest, ResponseFor } from '@hestia/core/client/api.ts'
import { MAILBOX_PROTOCOL, MailboxClient } from '@hestia/core/mailbox/index.ts'
import { createMessengerService, decodeSecrets } from '@hestia/core/messenger/index.ts'
import type { MessengerNode, MessengerService, Route } from '@hestia/core/messenger/index.ts'
import { createMemoryBacking, openMemoryStore } from '@hestia/core/store/index.ts'
import type { MessengerStore } from '@hestia/core/store/index.ts'
import {
  NodeFileStorage,
  nodeSha256,
  sha256OfFile,
  tempDir,
  writeDeterministicFile,
} from '../integration/support/files-storage.ts'
import { createTestMailboxNode } from '../integration/support/messenger-harness.ts'
import { NatCall, gatherTypes } from './nat-call.ts'
import type { IceServerSpec } from './nat-call.ts'

export interface PeerStart {
  name: string
  relay: string
  /** The relay's STUN responder, for the libp2p WebRTC transport. */
  stun: string
  /** The home address ICE binds to. */
  bindAddress: string
}

function createNatNode(privateKey: PrivateKey, relays: string[], o: PeerStart) {
  return createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: [...relays.map(() => '/p2p-circuit'), '/webrtc'] },
    transports: [
      webSockets(),
      webRTC({
        rtcConfiguration: {
          iceServers: [{ urls: [o.stun] }],
          bindAddress: o.bindAddress,
        } as RTCConfiguration,
      }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // The test network uses private addresses only, which the default gater refuses.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() },
  }) as unknown as Promise<MessengerNode>
}

async function until(what: string, check: () => Promise<boolean> | boolean, ms: number) {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

class NatPeer {
  service!: MessengerService
  store!: MessengerStore
  files = new NodeFileStorage(tempDir('hestia-nat-files-'))
  events: ClientEvent[] = []
  sent = new Map<string, Route>()
  call: NatCall | undefined
  start!: PeerStart

  async must<T extends ClientRequest>(request: T) {
    const res: ResponseFor<T> = await this.service.client.request(request)
    if (!res.ok) throw new Error(`${request.type}: ${res.error.code} ${res.error.message}`)
    return res.value
  }

  async conversation(): Promise<string> {
    const list = (await this.must({ type: 'conversations.list', query: null })).conversations
    if (list.length !== 1) throw new Error(`expected one conversation, got ${list.length}`)
    return list[0]!.conversationId
  }

  async texts(): Promise<string[]> {
    const conversationId = await this.conversation()
    const page = await this.must({
      type: 'messages.page',
      conversationId,
      before: null,
      limit: 200,
    })
    return page.messages.flatMap((m) => (m.body.kind === 'text' ? [m.body.text] : []))
  }

  async transfer(transferId: string) {
    const list = (await this.must({ type: 'transfers.list', conversationId: null })).transfers
    return list.find((t) => t.transferId === transferId)
  }
}

const peer = new NatPeer()

const ops: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
  async start(args) {
    const o = args as unknown as PeerStart
    peer.start = o
    peer.store = openMemoryStore(createMemoryBacking())
    peer.service = createMessengerService({
      store: peer.store,
      defaultRelays: [o.relay],
      createNode: (key, relays) => createNatNode(key, relays, o),
      createMailboxNode: createTestMailboxNode,
      files: { storage: peer.files, sha256: nodeSha256, tuning: { progressEveryMs: 0 } },
      receiptDelay: { minMs: 0, maxMs: 20 },
      ...(process.env.HESTIA_NAT_LOG !== undefined
        ? { log: (m: string, e?: unknown) => console.error(`[${o.name}] ${m}`, e ?? '') }
        : {}),
      onSent: (item, route) => {
        if (item.messageId !== null && !peer.sent.has(item.messageId)) {
          peer.sent.set(item.messageId, route)
        }
      },
    })
    peer.service.client.subscribe((e) => {
      peer.events.push(e)
      peer.call?.onEvent(e)
    })
    await peer.service.start()
    await peer.must({ type: 'identity.create', displayName: o.name })
    return { peerId: peer.service.node!.peerId.toString() }
  },
  async invite() {
    return (await peer.must({ type: 'invite.mine' })).link
  },
  async accept(args) {
    await peer.must({ type: 'invite.accept', invite: String(args.link) })
    return peer.conversation()
  },
  /** The inviter: the contact is there and the invite mailbox closed (ADR 0730). */
  async settled() {
    await until(
      'contact',
      async () =>
        (await peer.must({ type: 'conversations.list', query: null })).conversations.length === 1,
      30_000,
    )
    await until(
      'invite closed',
      async () => {
        const identity = await peer.store.getIdentity()
        return decodeSecrets(identity!.secretKeys).invites.every(
          (i) => i.boundContactId === undefined,
        )
      },
      30_000,
    )
    return peer.conversation()
  },
  /** One explicit WebRTC dial through the relay, bounded: did a direct connection come up? */
  async dialDirect(args) {
    const t0 = performance.now()
    const target = `${peer.start.relay}/p2p-circuit/webrtc/p2p/${String(args.peerId)}`
    try {
      await peer.service.node!.dial(multiaddr(target), {
        signal: AbortSignal.timeout(Number(args.timeoutMs)),
      })
      return { direct: true, ms: Math.round(performance.now() - t0) }
    } catch (err) {
      return {
        direct: false,
        ms: Math.round(performance.now() - t0),
        error: (err as Error).message,
      }
    }
  },
  async send(args) {
    const conversationId = await peer.conversation()
    const { message } = await peer.must({
      type: 'messages.send',
      conversationId,
      text: String(args.text),
    })
    await until('sent', () => peer.sent.has(message.messageId), Number(args.timeoutMs))
    return { messageId: message.messageId, route: peer.sent.get(message.messageId) }
  },
  async waitText(args) {
    const t0 = performance.now()
    await until(
      `text ${String(args.text)}`,
      async () => (await peer.texts()).includes(String(args.text)),
      Number(args.timeoutMs),
    )
    return Math.round(performance.now() - t0)
  },
  async offerFile(args) {
    const size = Number(args.size)
    const path = join(peer.files.dir, 'outgoing.bin')
    const sha256 = await writeDeterministicFile(path, size, 'nat')
    peer.files.stage('staged-nat', path)
    const conversationId = await peer.conversation()
    const file = {
      stagedFileId: 'staged-nat',
      name: 'nat.bin',
      size,
      mimeType: 'application/octet-stream',
    }
    const { transfer } = await peer.must({ type: 'transfer.offer', conversationId, file })
    return { transferId: transfer.transferId, sha256 }
  },
  /** The receiver: accept once offered, wait for the end, hash what was saved. */
  async receiveFile(args) {
    const id = String(args.transferId)
    const timeoutMs = Number(args.timeoutMs)
    await until('offered', async () => (await peer.transfer(id))?.state === 'offered', timeoutMs)
    await peer.must({ type: 'transfer.accept', transferId: id })
    // Not ended in time: the state it is stuck in is the answer (the test reports it).
    await until(
      'transfer ended',
      async () => ['completed', 'failed'].includes((await peer.transfer(id))?.state ?? ''),
      timeoutMs,
    ).catch(() => undefined)
    const t = (await peer.transfer(id))!
    const sink = peer.files.sinks.get(id)
    const sha256 = sink?.completed === true ? await sha256OfFile(sink.finalPath) : null
    return { state: t.state, route: t.route, sha256, error: t.error }
  },
  async transferInfo(args) {
    const t = await peer.transfer(String(args.transferId))
    const conns = peer.service
      .node!.getConnections()
      .map(
        (c) =>
          `${c.remoteAddr.toString()} ${c.status} ${c.limits === undefined ? 'unlimited' : 'limited'}`,
      )
    return { state: t?.state, route: t?.route, error: t?.error, conns }
  },
  /** TURN servers the relay hands out (mailbox `info`), as ICE servers. */
  async turnServers() {
    const addr = multiaddr(peer.start.relay)
    const client = new MailboxClient({
      openStream: (o) => peer.service.node!.dialProtocol(addr, MAILBOX_PROTOCOL, o),
    })
    const info = await client.info()
    await client.close()
    return info.turnServers.map((t) => ({
      urls: t.urls,
      username: t.username,
      credential: t.credential,
      expiresAtMs: Number(t.expiresAtMs),
    }))
  },
  /** Candidate types of one gathering with these ICE servers (the TURN credential check). */
  async gatherTypes(args) {
    return gatherTypes(args.iceServers as IceServerSpec[], String(args.bindAddress))
  },
  async callStart(args) {
    peer.call = new NatCall(peer, args.iceServers as IceServerSpec[], peer.start.bindAddress)
    return peer.call.start(await peer.conversation())
  },
  async callAnswer(args) {
    peer.call = new NatCall(peer, args.iceServers as IceServerSpec[], peer.start.bindAddress)
    return peer.call.answer(Number(args.timeoutMs))
  },
  async callConnected(args) {
    return peer.call!.connected(Number(args.timeoutMs))
  },
  async callEnd() {
    await peer.call?.end()
    peer.call = undefined
    return null
  },
  async stop() {
    await peer.call?.end().catch(() => undefined)
    await peer.service?.stop()
    cleanupDataChannels()
    return null
  },
}

export type NatPeerHandle = NatPeer

process.on('message', (raw) => {
  const { id, op, args } = raw as { id: number; op: string; args: Record<string, unknown> }
  const fn = ops[op]
  const done = fn === undefined ? Promise.reject(new Error(`unknown op ${op}`)) : fn(args ?? {})
  done.then(
    (value) => process.send!({ id, ok: true, value }),
    (err: unknown) =>
      process.send!({ id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  )
})
// The test closes the channel when it is done with us (or dies): nothing must outlive it.
process.on('disconnect', () => process.exit(0))
process.send!({ ready: true })
