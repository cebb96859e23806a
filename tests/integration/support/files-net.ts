/**
 * Two devices for the file-transfer tests: real libp2p nodes (WebSockets to an in-process relay,
 * circuit relay v2 reservation, WebRTC through node-datachannel bound to 127.0.0.1) each with a
 * FileTransferEngine over a memory store and fs-backed file adapters. The E2EE chat channel the
 * messenger would provide is simulated: offers and controls are handed to the other engine
 * directly (they are already authenticated there).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { rm } from 'node:fs/promises'
import { cleanup as cleanupDataChannels } from 'node-datachannel'
import type { FileTransfer } from '@hestia/core/client/api.ts'
import {
  FILE_PROTOCOL,
  FileTransferEngine,
  type FileEngineDeps,
  type ServeResult,
} from '@hestia/core/files/index.ts'
import {
  createMemoryBacking,
  openMemoryStore,
  type MessengerStore,
} from '@hestia/core/store/index.ts'
import { startRelay, type RelayHandle } from '@hestia/relay-node'
import { NodeFileStorage, nodeSha256, tempDir } from './files-storage.ts'

export async function startFilesRelay(): Promise<{ relay: RelayHandle; addr: string }> {
  const relay = await startRelay({
    dataDir: tempDir('hestia-files-relay-'),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
  })
  const addr = relay.multiaddrs.find((a) => a.includes('/ws/'))
  if (addr === undefined) throw new Error('relay has no ws address')
  return { relay, addr }
}

export async function createFileNode(relayAddr: string): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: [`${relayAddr}/p2p-circuit`, '/webrtc'] },
    transports: [
      webSockets(),
      webRTC({
        rtcConfiguration: { iceServers: [], bindAddress: '127.0.0.1' } as RTCConfiguration,
      }),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify(), ping: ping() },
  })
  const deadline = Date.now() + 15_000
  while (!node.getMultiaddrs().some((m) => m.toString().includes('/p2p-circuit'))) {
    if (Date.now() > deadline) throw new Error('no relay reservation within 15 s')
    await new Promise((r) => setTimeout(r, 50))
  }
  return node
}

/** A direct (WebRTC, not relayed) connection to `peer`, dialled through the relay if needed. */
export async function directConnectionTo(
  node: Libp2p,
  relayAddr: string,
  peer: PeerId,
  signal?: AbortSignal,
): Promise<Connection> {
  const open = node
    .getConnections(peer)
    .find((c) => c.status === 'open' && c.remoteAddr.toString().includes('/webrtc'))
  if (open !== undefined) return open
  // A WebRTC dial on a loaded 2-core machine occasionally stalls (FINDINGS): bounded retry.
  let lastErr: unknown
  for (let attempt = 0; attempt < 3; attempt++) {
    signal?.throwIfAborted()
    const perTry = AbortSignal.timeout(8_000)
    try {
      return await node.dial(multiaddr(`${relayAddr}/p2p-circuit/webrtc/p2p/${peer.toString()}`), {
        signal: signal ? AbortSignal.any([signal, perTry]) : perTry,
      })
    } catch (err) {
      lastErr = err
    }
  }
  throw lastErr instanceof Error ? lastErr : new Error(String(lastErr))
}

export interface Device {
  name: string
  node: Libp2p
  engine: FileTransferEngine
  store: MessengerStore
  storage: NodeFileStorage
  updates: FileTransfer[]
  /** Streams this device opened, for tests that cut the connection. */
  opened: Stream[]
  /** What each inbound file stream ended with (sender side). */
  served: ServeResult[]
  /** Replaces the inbound handler's stream before the engine sees it (tamper tests). */
  wrapInbound: ((stream: Stream) => Stream) | null
  /** Offers this device's engine queued (the messenger would send them), by message id. */
  offers: Map<string, Uint8Array>
  /** Stops the engine and starts a new one over the same store backing and directory. */
  restartEngine(): Promise<void>
}

export interface DevicePair {
  a: Device
  b: Device
  relay: RelayHandle
  relayAddr: string
  stop(): Promise<void>
}

export const CONVERSATION = 'conv-a-b'

/**
 * Two devices with engines wired to each other. `tuning`/`sha256`/`aes` go to both engines; `peerOf`
 * maps the shared conversation to the other device.
 */
export async function startDevicePair(
  opts: {
    tuning?: FileEngineDeps['tuning']
    sha256?: FileEngineDeps['sha256']
    aes?: FileEngineDeps['aes']
    log?: boolean
  } = {},
): Promise<DevicePair> {
  const { relay, addr } = await startFilesRelay()
  const nodes = await Promise.all([createFileNode(addr), createFileNode(addr)])
  const devices: Device[] = []
  const names = ['A', 'B']
  for (let i = 0; i < 2; i++) {
    const node = nodes[i]!
    const other = () => devices[1 - i]!
    const backing = createMemoryBacking()
    const store = openMemoryStore(backing)
    const storage = new NodeFileStorage(tempDir(`hestia-files-${names[i]}-`))
    const updates: FileTransfer[] = []
    const opened: Stream[] = []
    const offers = new Map<string, Uint8Array>()
    const makeEngine = (store: MessengerStore, storage: NodeFileStorage) =>
      new FileTransferEngine({
        store,
        storage,
        localPeer: node.peerId.toString(),
        peerOf: (conversationId) =>
          conversationId === CONVERSATION ? other().node.peerId.toString() : undefined,
        openStream: async (_peer, signal) => {
          const conn = await directConnectionTo(node, addr, other().node.peerId, signal)
          const s = await conn.newStream(FILE_PROTOCOL, { signal })
          opened.push(s)
          return s
        },
        sendControl: (conversationId, control) => {
          // The messenger's E2EE channel, delivered in order a moment later.
          setTimeout(
            () =>
              void other()
                .engine.receiveControl(conversationId, control)
                .catch(() => undefined),
            5,
          )
          return Promise.resolve()
        },
        sendOffer: (_conversationId, messageId, offer) => {
          offers.set(messageId, offer)
          return Promise.resolve()
        },
        ...(opts.sha256 ? { sha256: opts.sha256 } : { sha256: nodeSha256 }),
        ...(opts.tuning ? { tuning: opts.tuning } : {}),
        ...(opts.aes ? { aes: opts.aes } : {}),
        onUpdate: (t) => updates.push(t),
        ...(opts.log
          ? { log: (m: string, e?: unknown) => console.log(`[${names[i]}] ${m}`, e ?? '') }
          : {}),
      })
    const engine = makeEngine(store, storage)
    const device: Device = {
      name: names[i]!,
      node,
      engine,
      store,
      storage,
      updates,
      opened,
      offers,
      served: [],
      wrapInbound: null,
      async restartEngine() {
        // Like a browser restart: the engine and its memory go; the store and the files on disk stay.
        await device.engine.stop()
        device.store = openMemoryStore(backing)
        const fresh = new NodeFileStorage(device.storage.dir)
        for (const [id, path] of device.storage.staged) fresh.stage(id, path)
        device.storage = fresh
        device.engine = makeEngine(device.store, fresh)
        await device.engine.restore()
      },
    }
    await node.handle(
      FILE_PROTOCOL,
      (stream, connection) => {
        const s = device.wrapInbound ? device.wrapInbound(stream) : stream
        void device.engine
          .handleStream(s, connection.remotePeer.toString())
          .then((r) => device.served.push(r))
      },
      { maxInboundStreams: 8 },
    )
    devices.push(device)
  }
  // Both devices online and connected directly before the first test, as after a messenger start.
  await directConnectionTo(nodes[1], addr, nodes[0].peerId)
  return {
    a: devices[0]!,
    b: devices[1]!,
    relay,
    relayAddr: addr,
    async stop() {
      for (const d of devices) await d.engine.stop()
      await Promise.all(devices.map((d) => Promise.resolve(d.node.stop())))
      await relay.stop()
      await Promise.all(devices.map((d) => rm(d.storage.dir, { recursive: true, force: true })))
      await rm(relay.dataDir, { recursive: true, force: true })
      // node-datachannel's native threads hold the process open otherwise (one pair per test file).
      cleanupDataChannels()
    },
  }
}

/** Polls the engine until the transfer is in one of `states` (or the timeout passes). */
export async function waitForState(
  device: Device,
  transferId: string,
  states: readonly string[],
  timeoutMs: number,
): Promise<FileTransfer> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const t = await device.engine.get(transferId)
    if (t !== undefined && states.includes(t.state)) return t
    if (Date.now() > deadline) {
      throw new Error(
        `${device.name}: transfer ${transferId} is ${t?.state ?? 'missing'}, wanted ${states.join('|')}`,
      )
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Polls until `pred` holds. */
export async function waitUntil(
  pred: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

let stagedSeq = 0

/** A offers a deterministic file of `size` bytes to B; B has received the offer (not accepted). */
export async function offerFile(
  pair: DevicePair,
  size: number,
  seed: string,
  name = `${seed}.bin`,
): Promise<{ transferId: string; sourceSha256: string; sourcePath: string; offer: Uint8Array }> {
  const { writeDeterministicFile } = await import('./files-storage.ts')
  const sourcePath = `${pair.a.storage.dir}/${seed}.source`
  const sourceSha256 = await writeDeterministicFile(sourcePath, size, seed)
  const stagedFileId = `staged-${++stagedSeq}`
  pair.a.storage.stage(stagedFileId, sourcePath)
  const messageId = `msg-${stagedFileId}`
  const { transfer } = await pair.a.engine.offer({
    conversationId: CONVERSATION,
    messageId,
    file: { stagedFileId, name, size, mimeType: 'application/octet-stream' },
  })
  // The engine prepares the file (one encryption pass) before it hands out the offer.
  await waitUntil(() => pair.a.offers.has(messageId), 10_000 + size / 10_000, 'the offer')
  const offer = pair.a.offers.get(messageId)!
  const incoming = await pair.b.engine.receiveOffer({
    conversationId: CONVERSATION,
    messageId: `msg-${stagedFileId}`,
    offer,
  })
  if (incoming.transferId !== transfer.transferId) throw new Error('transfer ids differ')
  return { transferId: transfer.transferId, sourceSha256, sourcePath, offer }
}

/** Closes every connection between the two devices (both directions), like a network drop. */
export function cutConnections(pair: DevicePair): number {
  const conns = [
    ...pair.a.node.getConnections(pair.b.node.peerId),
    ...pair.b.node.getConnections(pair.a.node.peerId),
  ]
  for (const c of conns) c.abort(new Error('test: connection cut'))
  return conns.length
}
