/**
 * The middleware bug of libp2p 3.3.11 (ADR 0910, docs/upstream/libp2p-middleware-chain.md) on real
 * libp2p nodes: `Connection.onIncomingStream` appends the protocol handler to the array the
 * registrar's `getMiddleware` returns, which was the registered chain itself, so the n-th inbound
 * stream ran the handler n times and the chain grew by one function per stream, for good (memory
 * and time that grow with every message). With the idle service's workaround, many streams in both
 * directions leave the chain as registered and run each handler exactly once per stream.
 *
 * Two Node peers over WebSockets on loopback (no relay, no WebRTC: the bug is in libp2p's
 * connection, not in a transport).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, StreamMiddleware } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { idleDirectConnections } from '@hestia/core/messenger/idle-connections.ts'

const PROTOCOL = '/hestia/test-middleware/1.0.0'
/** Streams each way: enough that a chain growing by one per stream would be unmistakable. */
const STREAMS = 250

interface Peer {
  node: Libp2p
  getMiddleware(protocol: string): StreamMiddleware[]
  handled: number
}

async function peer(): Promise<Peer> {
  let registrar: { getMiddleware(protocol: string): StreamMiddleware[] } | undefined
  const node = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    connectionMonitor: { enabled: false },
    services: {
      idleDirect: idleDirectConnections({ idleMs: 600_000, protocols: [PROTOCOL] }),
      // Reads the registrar libp2p hands its services: the one its connections use.
      registrarProbe: (components: { registrar: NonNullable<typeof registrar> }) => {
        registrar = components.registrar
        return {}
      },
    },
  })
  const result: Peer = {
    node,
    getMiddleware: (protocol) => registrar!.getMiddleware(protocol),
    handled: 0,
  }
  await node.handle(
    PROTOCOL,
    async (stream) => {
      result.handled++
      await stream.close()
    },
    { maxInboundStreams: STREAMS },
  )
  return result
}

describe('libp2p stream middleware with the idle service (ADR 0910)', () => {
  let a: Peer
  let b: Peer

  before(async () => {
    a = await peer()
    b = await peer()
  })

  after(async () => {
    await a?.node.stop()
    await b?.node.stop()
  })

  test(`${STREAMS} streams each way: each handler runs once per stream, the chain stays as registered`, async () => {
    assert.equal(a.getMiddleware(PROTOCOL).length, 1, 'the idle service registered one hook')
    const connection = await a.node.dial(b.node.getMultiaddrs()[0]!)
    for (let i = 0; i < 100 && b.node.getConnections(a.node.peerId).length === 0; i++)
      await new Promise((r) => setTimeout(r, 20))
    const back = b.node.getConnections(a.node.peerId)[0]!
    for (let i = 0; i < STREAMS; i++) {
      for (const conn of [connection, back]) {
        const stream = await conn.newStream(PROTOCOL)
        await stream.close()
      }
    }
    // Inbound handlers run after the opener's close; wait for the last ones, bounded.
    for (let i = 0; i < 100 && (a.handled < STREAMS || b.handled < STREAMS); i++)
      await new Promise((r) => setTimeout(r, 20))
    assert.equal(b.handled, STREAMS, "B's handler ran once per stream A opened")
    assert.equal(a.handled, STREAMS, "A's handler ran once per stream B opened")
    assert.equal(a.getMiddleware(PROTOCOL).length, 1, "A's chain is as registered")
    assert.equal(b.getMiddleware(PROTOCOL).length, 1, "B's chain is as registered")
  })
})
