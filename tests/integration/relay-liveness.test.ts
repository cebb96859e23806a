/**
 * The relay's side of connection liveness (ADR 0912): it checks each peer with a yamux ping frame
 * (no ping stream, no libp2p connection monitor) and drops a peer whose muxer stops answering,
 * which frees its slots and closes its mailbox subscriptions.
 */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MailboxClient,
  depositAddressOf,
  newMailboxCredentials,
  type MailboxMessage,
} from '@hestia/core/mailbox/client.ts'
import { MAILBOX_PROTOCOL } from '@hestia/core/mailbox/constants.ts'
import { PING_PROTOCOL, type RelayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import { createTestMailboxNode, startTestRelay } from './support/messenger-harness.ts'

const relay = await startTestRelay()
after(() => relay.stop())

function liveness(): RelayKeepAlive {
  const services = relay.node.services as { liveness?: RelayKeepAlive }
  assert.ok(services.liveness !== undefined, 'the relay runs its liveness check')
  return services.liveness
}

test('the relay keeps a peer that answers yamux pings, opens no ping stream, and drops one that stops answering', async () => {
  const answering = await createTestMailboxNode()
  const silent = await createTestMailboxNode()
  const nodes = [answering, silent] as unknown as Libp2p[]
  after(async () => {
    for (const n of nodes) await n.stop()
  })
  let pingStreams = 0
  for (const n of nodes)
    await n.handle(PING_PROTOCOL, () => {
      pingStreams++
    })
  const [first] = relay.multiaddrs
  assert.ok(first !== undefined)
  const address = multiaddr(first)
  const [toAnswering, toSilent] = await Promise.all(nodes.map((n) => n.dial(address)))

  assert.equal(await liveness().pingRelays(), 0, 'both answer')
  assert.equal(pingStreams, 0, 'the check opened no ping stream on either peer')

  // One peer's muxer stops answering pings: a laptop that slept, a NAT that forgot the mapping.
  const conn = toSilent as unknown as { muxer: { sendPing(id: number, flag?: number): void } }
  conn.muxer.sendPing = () => undefined
  assert.equal(await liveness().pingRelays(), 1, 'only the silent peer counts as dead')
  const remaining = relay.node.getConnections().map((c) => c.remotePeer.toString())
  assert.deepEqual(remaining, [answering.peerId.toString()])
  assert.equal(toAnswering?.status, 'open')
  // The relay closed the dropped peer's socket too (patches/@libp2p+websockets: a reset sent the
  // forbidden close code 1006, which threw, and the TCP connection stayed open on both ends for
  // good): the peer sees its connection end and can dial again.
  const until = Date.now() + 5_000
  while (toSilent?.status === 'open' && Date.now() < until)
    await new Promise((r) => setTimeout(r, 50))
  assert.notEqual(toSilent?.status, 'open', "the dropped peer's side of the connection ended")
  assert.equal(toAnswering?.status, 'open')
})

test('a mailbox link whose relay stops answering finds it by its own check; the subscription ends, a new one through the same link gets the next message', async () => {
  const [first] = relay.multiaddrs
  assert.ok(first !== undefined)
  const address = multiaddr(first)
  const link = (await createTestMailboxNode()) as unknown as Libp2p<{
    relayKeepAlive: RelayKeepAlive
  }>
  const writer = await createTestMailboxNode()
  after(async () => {
    await link.stop()
    await writer.stop()
  })
  const client = (node: { dialProtocol: Libp2p['dialProtocol'] }) =>
    new MailboxClient({ openStream: (o) => node.dialProtocol(address, MAILBOX_PROTOCOL, o) })
  const owner = client(link)
  const creds = newMailboxCredentials()
  await owner.create(creds)
  const got: MailboxMessage[] = []
  const sub = await owner.subscribe(creds, (m) => got.push(m))

  // The relay's side of the link stops answering pings (as a connection the NAT dropped would).
  const relaySide = relay.node.getConnections(link.peerId)[0] as unknown as {
    muxer: { sendPing(id: number, flag?: number): void }
  }
  relaySide.muxer.sendPing = () => undefined
  assert.equal(await link.services.relayKeepAlive.pingRelays(), 1, 'the link found it dead')
  await sub.ended

  const again = await owner.subscribe(creds, (m) => got.push(m))
  after(() => again.close())
  const sealed = new Uint8Array(4096).fill(7)
  await client(writer).deposit(depositAddressOf(creds), sealed)
  const deadline = Date.now() + 5_000
  while (got.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  assert.equal(got.length, 1, 'the message pushed on the new subscription')
  assert.deepEqual(got[0]?.sealed, sealed)
})
