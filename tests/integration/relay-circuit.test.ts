/**
 * Circuit relay v2: a client reserves a slot on the relay (as a browser does to be reachable), and
 * another client reaches it through the relay on a limited connection that carries the relay's
 * configured signalling limits.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { startRelay } from '@hestia/relay-node'
import { startClientNode, tempDir, waitFor } from './relay-helpers.ts'

void test('reservation, relayed dial, and the configured relayed-connection limits', async () => {
  const relay = await startRelay({
    dataDir: tempDir(),
    listen: ['/ip4/127.0.0.1/tcp/0/ws'],
    stunPort: -1,
    adminPort: -1,
    logLevel: 'silent',
    relay: { relayedDataLimitBytes: 100_000, relayedDurationLimitMs: 30_000 },
  })
  const listener = await startClientNode({ relayAddr: relay.multiaddrs[0]! })
  const dialer = await startClientNode()
  try {
    await waitFor(
      () => listener.getMultiaddrs().some((a) => a.toString().includes('/p2p-circuit')),
      10_000,
    )
    assert.equal((await relay.stats()).reservations, 1)
    const circuit = listener.getMultiaddrs().find((a) => a.toString().includes('/p2p-circuit'))!
    assert.ok(circuit.toString().startsWith(relay.multiaddrs[0]!))
    const conn = await dialer.dial(multiaddr(circuit.toString()))
    assert.equal(conn.remotePeer.toString(), listener.peerId.toString())
    // What is left of the configured 100,000 bytes after the handshakes (the default would be 128 KiB).
    const left = conn.limits?.bytes ?? 0n
    assert.ok(left > 90_000n && left <= 100_000n, `relayed byte limit ${left}`)
    assert.ok((await relay.stats()).connections >= 2)
  } finally {
    await dialer.stop()
    await listener.stop()
    await relay.stop()
  }
})
