import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { PING_PROTOCOL, RelayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import {
  MAILBOX_LINK_KEEPALIVE,
  NODE_USER_AGENT,
  browserNodeConfig,
  createBrowserNode,
  nodeRtcConfiguration,
} from './create-node.ts'

const started: Libp2p[] = []
after(async () => {
  for (const node of started) await node.stop()
})

test('a relay learns only the fixed Hestia user agent from the browser node, no browser details', async () => {
  // The other side plays a relay: it reads what identify tells it.
  const relay = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
  started.push(relay)
  const browser = await createBrowserNode({ policy: { allowLoopbackRelays: true }, relays: [] })
  started.push(browser)
  await browser.start()

  const identified = new Promise<string>((resolve) => {
    relay.addEventListener('peer:identify', (event) => {
      if (event.detail.peerId.equals(browser.peerId)) resolve(event.detail.agentVersion ?? '')
    })
  })
  const address = relay.getMultiaddrs()[0]
  assert.ok(address !== undefined)
  await browser.dial(address)
  const agent = await identified

  assert.equal(agent, NODE_USER_AGENT)
  assert.doesNotMatch(agent, /browser|node|mozilla|chrome|firefox|linux|windows|mac|\d+\.\d+/i)
  const stored = await relay.peerStore.get(browser.peerId)
  assert.equal(new TextDecoder().decode(stored.metadata.get('AgentVersion')), NODE_USER_AGENT)
})

/** A node that plays a relay on loopback WebSockets; `ping: 'answer' | 'silent'`. */
async function relayLike(pingMode: 'answer' | 'silent') {
  const base = {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
  }
  const node: Libp2p =
    pingMode === 'answer'
      ? await createLibp2p({ ...base, services: { ping: ping() } })
      : await createLibp2p(base)
  // A relay that stopped answering: it takes the stream and never echoes.
  if (pingMode === 'silent') await node.handle(PING_PROTOCOL, () => undefined)
  started.push(node)
  return node
}

test('relay keep-alive, ping stream: a relay that answers keeps its connection; one that does not is aborted', async () => {
  const browser = await createBrowserNode({ policy: { allowLoopbackRelays: true }, relays: [] })
  started.push(browser)
  await browser.start()
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => browser.getConnections() } },
    { intervalMs: 3_600_000, timeoutMs: 1_000, probe: 'stream' },
  )

  const alive = await relayLike('answer')
  const toAlive = await browser.dial(alive.getMultiaddrs()[0]!)
  assert.equal(await keepAlive.pingRelays(), 0)
  assert.equal(toAlive.status, 'open')

  const silent = await relayLike('silent')
  const toSilent = await browser.dial(silent.getMultiaddrs()[0]!)
  assert.equal(await keepAlive.pingRelays(), 1, 'only the silent relay counts as dead')
  assert.notEqual(toSilent.status, 'open')
  assert.equal(toAlive.status, 'open')
  assert.deepEqual(
    browser.getConnections().map((c) => c.remotePeer.toString()),
    [alive.peerId.toString()],
  )
})

/** The relay-like node's side of its connection to `peer`, with its yamux muxer. */
function muxerOf(node: Libp2p, peer: Libp2p) {
  const conn = node.getConnections(peer.peerId)[0] as unknown as {
    muxer: { sendPing(id: number, flag?: number): void }
  }
  assert.ok(conn !== undefined)
  return conn.muxer
}

test('relay keep-alive, yamux ping (ADR 0912): no ping stream is opened; a muxer that stops answering gets its connection aborted', async () => {
  const browser = await createBrowserNode({ policy: { allowLoopbackRelays: true }, relays: [] })
  started.push(browser)
  await browser.start()
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => browser.getConnections() } },
    { intervalMs: 3_600_000, timeoutMs: 1_000 },
  )
  // 'silent' never echoes a ping stream: only a check that does not use one finds it alive.
  const relay = await relayLike('silent')
  let pingStreams = 0
  await relay.unhandle(PING_PROTOCOL)
  await relay.handle(PING_PROTOCOL, () => {
    pingStreams++
  })
  const toRelay = await browser.dial(relay.getMultiaddrs()[0]!)
  assert.equal(await keepAlive.pingRelays(), 0)
  assert.equal(await keepAlive.pingRelays(), 0)
  assert.equal(toRelay.status, 'open')
  assert.equal(pingStreams, 0, 'the check opened no ping stream on the relay')

  // The relay's muxer stops answering pings (a process or path that went silent).
  muxerOf(relay, browser).sendPing = () => undefined
  assert.equal(await keepAlive.pingRelays(), 1)
  assert.notEqual(toRelay.status, 'open')
  assert.deepEqual(browser.getConnections(), [])
})

test('mailbox links ping each on their own timer: waits spread over ± 25 % of a minute', () => {
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => [] } },
    MAILBOX_LINK_KEEPALIVE,
  )
  const delays = Array.from({ length: 200 }, () => keepAlive.nextDelayMs())
  assert.ok(
    delays.every((d) => d >= 45_000 && d <= 75_000),
    'within 60 s ± 25 %',
  )
  // Two links opened together drift apart: the spread covers most of the ± 15 s band.
  assert.ok(Math.max(...delays) - Math.min(...delays) > 20_000)
  assert.throws(
    () =>
      new RelayKeepAlive(
        { connectionManager: { getConnections: () => [] } },
        { intervalMs: 1, timeoutMs: 1, jitter: 2 },
      ),
    RangeError,
  )
})

test('relay-only (ADR 0752): no WebRTC transport, no /webrtc listen address, no signalling handler', async () => {
  const signalling = '/webrtc-signaling/0.0.1'
  const normal = await createBrowserNode({ policy: { allowLoopbackRelays: true }, relays: [] })
  const relayOnly = await createBrowserNode({
    policy: { allowLoopbackRelays: true },
    relays: [],
    relayOnly: true,
  })
  started.push(normal, relayOnly)
  await normal.start()
  await relayOnly.start()
  assert.ok(normal.getProtocols().includes(signalling), 'the usual node answers WebRTC offers')
  assert.equal(relayOnly.getProtocols().includes(signalling), false)
  const config = browserNodeConfig({
    policy: { allowLoopbackRelays: true },
    relays: ['r'],
    relayOnly: true,
  })
  assert.deepEqual(config.addresses.listen, ['/p2p-circuit'])
})

test("the node's WebRTC asks only its own relays' STUN responder, never a public default (ADR 0452)", () => {
  const id = '12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'
  assert.deepEqual(
    nodeRtcConfiguration([
      `/dns4/relay.example.org/tcp/443/wss/p2p/${id}`,
      `/ip4/127.0.0.1/tcp/4001/ws/p2p/${id}`,
    ]),
    { iceServers: [{ urls: ['stun:relay.example.org:3478'] }] },
  )
  // Loopback relays (tests, dev) and no relays: no server at all, so libp2p adds none of its own.
  assert.deepEqual(nodeRtcConfiguration([`/ip4/127.0.0.1/tcp/4001/ws/p2p/${id}`]), {
    iceServers: [],
  })
  assert.deepEqual(nodeRtcConfiguration([]), { iceServers: [] })
})
