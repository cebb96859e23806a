/**
 * The relay forgets peers it has no use for (ADR 0212): libp2p's peer store kept a record of every
 * identity that ever connected for the life of the process, so an attacker with a fresh identity
 * per connection (what the soak's hostile workers do) grew the relay's memory for good.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { startLoopbackRelay } from '../integration/support/loopback-relay.ts'
import { mailboxClientFor, startClientNode } from '../integration/relay-helpers.ts'

let relay: RelayHandle
let addr: string

before(async () => {
  relay = await startLoopbackRelay({
    sqliteSynchronous: 'NORMAL',
    // Every visitor comes from 127.0.0.1, which on the internet would be many addresses.
    relay: { inboundConnectionsPerSecondPerIp: 1000 },
  })
  addr = relay.multiaddrs[0]!
})

after(async () => {
  await relay.stop()
})

/** Peers in the relay's peer store, itself excluded. */
async function known(): Promise<string[]> {
  return (await relay.node.peerStore.all()).map((p) => p.id.toString())
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** Connects a fresh identity, lets identify finish (its record appears), disconnects. */
async function visit(): Promise<PeerId> {
  const node = await startClientNode()
  try {
    await node.dial(multiaddr(addr))
    await until('the relay knows the visitor', async () =>
      (await known()).includes(node.peerId.toString()),
    )
    return node.peerId
  } finally {
    await node.stop()
  }
}

void test('twenty fresh identities that connect and leave leave no peer records behind', async () => {
  const visitors: string[] = []
  for (let i = 0; i < 20; i++) visitors.push((await visit()).toString())
  await until(
    'the relay has forgotten every visitor',
    async () => (await known()).filter((p) => visitors.includes(p)).length === 0,
  )
  assert.equal(relay.node.getConnections().length, 0)
})

void test('a connected client keeps its record, and works again after it reconnects', async () => {
  const node: Libp2p = await startClientNode()
  try {
    const client = mailboxClientFor(node, addr)
    const box = newMailboxCredentials()
    await client.create(box)
    assert.ok((await known()).includes(node.peerId.toString()), 'connected: record kept')
    for (const c of node.getConnections()) await c.close()
    await until(
      'the relay has forgotten the client',
      async () => !(await known()).includes(node.peerId.toString()),
    )
    // Reconnecting is a new connection like any other: the mailbox answers as before.
    assert.deepEqual((await client.fetch(box)).messages, [])
    assert.ok((await known()).includes(node.peerId.toString()), 'reconnected: record back')
  } finally {
    await node.stop()
  }
})

void test('a peer holding a reservation keeps its record after it disconnects', async () => {
  const listener = await startClientNode({ relayAddr: addr })
  try {
    const { reservations } = (relay.node.services as { relay: CircuitRelayService }).relay
    await until('the listener holds a reservation', () => reservations.has(listener.peerId))
    for (const c of listener.getConnections()) await c.close()
    await until(
      'the relay sees the listener gone',
      () => relay.node.getConnections(listener.peerId).length === 0,
    )
    await new Promise((r) => setTimeout(r, 200))
    assert.ok((await known()).includes(listener.peerId.toString()))
    await relay.sweep()
    assert.ok((await known()).includes(listener.peerId.toString()), 'the sweep keeps it too')
  } finally {
    await listener.stop()
  }
})

void test('the sweep forgets records written after a disconnect (no connection, no reservation)', async () => {
  const stray = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  await relay.node.peerStore.merge(stray, { multiaddrs: [multiaddr('/ip4/127.0.0.9/tcp/1/ws')] })
  assert.ok((await known()).includes(stray.toString()))
  await relay.sweep()
  assert.ok(!(await known()).includes(stray.toString()))
})
