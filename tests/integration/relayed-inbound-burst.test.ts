// Ten contacts reaching one device through its relay at once (issue 21, ADR 0463). Every relayed
// connection comes from the relay's IP, and libp2p refuses more than `inboundConnectionThreshold`
// new inbound connections a second per host (its default: 5), so the sixth contact dialling us in
// that second was refused after the relay had joined the circuit and waited for its handshake
// timeout. All nodes here are built from the browser node's own config (browserNodeConfig,
// relay-only: no WebRTC in Node), so they run the messenger's connection-manager settings.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { browserNodeConfig } from '../../extension/src/node/create-node.ts'
import { waitFor } from './relay-helpers.ts'
import { startLoopbackRelay, type TestRelay } from './support/loopback-relay.ts'

const PROTOCOL = '/hestia-test/burst/1.0.0'
const CONTACTS = 10
let relay: TestRelay
let device: Libp2p
let contacts: Libp2p[] = []

function messengerNode(relays: string[]): Promise<Libp2p> {
  return createLibp2p(
    browserNodeConfig({ policy: { allowLoopbackRelays: true }, relays, relayOnly: true }),
  )
}

before(async () => {
  relay = await startLoopbackRelay({
    // The contacts' own sockets to the relay: from ten hosts in life, all from 127.0.0.1 here.
    relay: { inboundConnectionsPerSecondPerIp: 100, maxHandshakingPerIp: 32 },
  })
  const relayAddr = relay.multiaddrs[0]!
  device = await messengerNode([relayAddr])
  await device.start()
  await device.dial(multiaddr(relayAddr))
  await waitFor(
    () => device.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')),
    10_000,
  )
  // Answers one byte with the same byte, on relayed connections too.
  await device.handle(
    PROTOCOL,
    async (stream) => {
      const lp = lpStream(stream)
      await lp.write((await lp.read()).subarray())
      await stream.close()
    },
    { runOnLimitedConnection: true, maxInboundStreams: CONTACTS },
  )
  contacts = await Promise.all(Array.from({ length: CONTACTS }, () => messengerNode([])))
  await Promise.all(contacts.map(async (c) => await c.start()))
  // Each contact's own connection to the relay first, so only the circuits arrive together.
  await Promise.all(contacts.map((c) => c.dial(multiaddr(relayAddr))))
})

after(async () => {
  await Promise.all(contacts.map(async (c) => await c.stop()))
  await device?.stop()
  await relay?.stop()
})

test('ten contacts dialling one device through its relay at once all connect and talk', async () => {
  const circuit = device.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit'))!
  const results = await Promise.allSettled(
    contacts.map(async (contact, i) => {
      const stream = await contact.dialProtocol(circuit, PROTOCOL, {
        runOnLimitedConnection: true,
        signal: AbortSignal.timeout(20_000),
      })
      const lp = lpStream(stream)
      await lp.write(Uint8Array.of(i))
      const answer = (await lp.read({ signal: AbortSignal.timeout(20_000) })).subarray()
      await stream.close()
      return answer[0]
    }),
  )
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`contact ${i}: ${String(r.reason)}`] : [],
  )
  assert.deepEqual(failed, [], 'every contact reached the device')
  assert.deepEqual(
    results.map((r) => (r.status === 'fulfilled' ? r.value : undefined)),
    contacts.map((_, i) => i),
    'each contact got its own byte back',
  )
  assert.equal(device.getConnections().filter((c) => c.limits !== undefined).length, CONTACTS)
})
