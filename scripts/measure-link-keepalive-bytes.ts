/**
 * What one liveness check costs on a mailbox link's relay connection (ADR 0912): payload bytes and
 * TCP reads each way, counted by a byte-counting TCP proxy on loopback between a mailbox node and
 * a relay in this process, for one `/ipfs/ping/1.0.0` stream (what the client and libp2p's
 * connection monitor on the relay each sent every minute before) and one yamux ping frame (what
 * both send now). Wire bytes add ~66 B of Ethernet/IP/TCP headers per segment and the ACKs.
 *
 *   node_modules/.bin/node scripts/measure-link-keepalive-bytes.ts
 */
import { createServer, connect, type Socket } from 'node:net'
import { multiaddr } from '@multiformats/multiaddr'
import { RelayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import type { Libp2p } from '@libp2p/interface'
import {
  createTestMailboxNode,
  startTestRelay,
} from '../tests/integration/support/messenger-harness.ts'

const relay = await startTestRelay()
const target = multiaddr(relay.multiaddrs[0] ?? '')
const relayPort = Number(target.toString().match(/\/tcp\/(\d+)/)![1])
const count = { up: 0, down: 0, upReads: 0, downReads: 0 }
const proxy = createServer((client: Socket) => {
  const upstream = connect(relayPort, '127.0.0.1')
  client.on('data', (b) => ((count.up += b.length), count.upReads++, upstream.write(b)))
  upstream.on('data', (b) => ((count.down += b.length), count.downReads++, client.write(b)))
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
})
await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
const port = (proxy.address() as { port: number }).port
const via = multiaddr(target.toString().replace(`/tcp/${relayPort}/`, `/tcp/${port}/`))
const node = (await createTestMailboxNode()) as unknown as Libp2p
await node.dial(via)
const settle = () => new Promise((r) => setTimeout(r, 300))
const measure = async (label: string, probe: 'stream' | 'muxer', rounds = 10) => {
  const check = new RelayKeepAlive(
    { connectionManager: { getConnections: () => node.getConnections() } },
    { intervalMs: 3_600_000, timeoutMs: 5_000, probe },
  )
  await settle()
  const before = { ...count }
  for (let i = 0; i < rounds; i++) await check.pingRelays()
  await settle()
  const per = (k: keyof typeof count) => ((count[k] - before[k]) / rounds).toFixed(1)
  console.log(
    `${label}: up ${per('up')} B in ${per('upReads')} reads, down ${per('down')} B in ${per('downReads')} reads`,
  )
}
await measure('ping stream (/ipfs/ping/1.0.0)', 'stream')
await measure('yamux ping frame', 'muxer')
await node.stop()
proxy.close()
await relay.stop()
