/**
 * A hostile group member against the live places of the group mailbox (ADR 0213): over real
 * libp2p connections to a relay, one member's node asks for many live subscriptions at once. It
 * holds only the per-peer cap; the rest are refused `rate_limited` and the other members' nodes
 * still subscribe and get every deposit pushed.
 */
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import type { Libp2p } from '@libp2p/interface'
import {
  MailboxError,
  depositAddressOf,
  newMailboxCredentials,
} from '@hestia/core/mailbox/index.ts'
import { startRelay } from '@hestia/relay-node'
import { MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX } from '../../relay-node/src/mailbox-service.ts'
import { mailboxClientFor, sealedOf, startClientNode, tempDir, waitFor } from './relay-helpers.ts'

const many = { perSecond: 1e6, burst: 1e6 }
const relay = await startRelay({
  dataDir: tempDir(),
  listen: ['/ip4/127.0.0.1/tcp/0/ws'],
  stunPort: -1,
  adminPort: -1,
  logLevel: 'silent',
  // Every node here shares 127.0.0.1: the per-IP read limit stands for different addresses.
  mailbox: { rate: { readPerIp: many, readPerPeer: many } },
})
const address = relay.multiaddrs[0]!
const nodes: Libp2p[] = []
after(async () => {
  for (const n of nodes) await Promise.resolve(n.stop()).catch(() => undefined)
  await relay.stop()
})

async function node(): Promise<Libp2p> {
  const n = await startClientNode({ connectionMonitor: false })
  nodes.push(n)
  return n
}

test('a hostile member holds at most its per-peer share of the group mailbox live; the other members keep subscribing and get each push', async () => {
  const group = newMailboxCredentials()
  const owner = mailboxClientFor(await node(), address)
  await owner.create(group)

  // The hostile member holds the group's read credentials, as every member does. Its connection
  // is up first (one read), then it asks for 16 places at once, each on a stream of its own.
  const hostile = mailboxClientFor(await node(), address)
  await hostile.fetch(group)
  const tries = await Promise.allSettled(
    Array.from({ length: 16 }, () => hostile.subscribe(group, () => undefined)),
  )
  const held = tries.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []))
  const refused = tries.flatMap((t) => (t.status === 'rejected' ? [t.reason as unknown] : []))
  assert.equal(held.length, MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX)
  for (const err of refused) {
    assert.ok(err instanceof MailboxError, String(err))
    assert.equal(err.code, 'rate_limited')
  }

  const got: Uint8Array[][] = []
  const subs = []
  for (let m = 0; m < 3; m++) {
    const seen: Uint8Array[] = []
    got.push(seen)
    const member = mailboxClientFor(await node(), address)
    subs.push(await member.subscribe(group, (msg) => seen.push(msg.sealed)))
  }
  const sent = sealedOf(1024, 9)
  await owner.deposit(depositAddressOf(group), sent)
  await waitFor(() => got.every((seen) => seen.length === 1))
  for (const seen of got) assert.deepEqual(seen, [sent])
  assert.equal((await relay.stats()).subscribers, MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX + 3)
  for (const sub of [...held, ...subs]) await sub.close()
})
