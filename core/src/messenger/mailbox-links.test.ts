import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MailboxLinks, type MailboxNode } from './mailbox-links.ts'

const RELAY = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

/** Fake nodes: each has a serial number; a stream open records which node opened it. */
function fakeNodes() {
  const made: Array<{ n: number; stopped: boolean; dials: number }> = []
  const create = (): Promise<MailboxNode> => {
    const rec = { n: made.length, stopped: false, dials: 0 }
    made.push(rec)
    return Promise.resolve({
      peerId: { toString: () => `peer-${rec.n}` } as MailboxNode['peerId'],
      dialProtocol: () => {
        rec.dials++
        // The request then fails on this fake stream; the dial is what the test counts.
        return Promise.reject(Object.assign(new Error(`node ${rec.n}`), { node: rec.n }))
      },
      stop: () => {
        rec.stopped = true
        return Promise.resolve()
      },
    })
  }
  return { made, create }
}

function links(create: () => Promise<MailboxNode>, clock = () => 0, limits = {}) {
  return new MailboxLinks({
    create,
    clock,
    random: (n) => new Uint8Array(n),
    timeoutMs: 1_000,
    log: () => undefined,
    limits: { connectsPerSecond: 1_000, ...limits },
  })
}

/** Which fake node a client's next request dials from. */
async function nodeOf(client: ReturnType<MailboxLinks['own']>): Promise<number> {
  const err = (await client.info().catch((e: unknown) => e)) as { node?: number }
  assert.equal(typeof err.node, 'number', JSON.stringify(err))
  return err.node!
}

test('each own mailbox and each deposit target gets its own node; none is shared', async () => {
  const { made, create } = fakeNodes()
  const l = links(create)
  const a = await nodeOf(l.own('mbA', RELAY))
  const b = await nodeOf(l.own('mbB', RELAY))
  const d1 = await nodeOf(l.deposit(RELAY, 'theirs1'))
  const d2 = await nodeOf(l.deposit(RELAY, 'theirs2'))
  assert.equal(new Set([a, b, d1, d2]).size, 4)
  // The same mailbox keeps its node (its subscription and fetches share one identity).
  assert.equal(await nodeOf(l.own('mbA', RELAY)), a)
  assert.equal(await nodeOf(l.deposit(RELAY, 'theirs1')), d1)
  assert.equal(made.length, 4)
  assert.deepEqual(l.counts(), { own: 2, deposit: 2 })
  await l.stop()
  assert.ok(made.every((m) => m.stopped))
})

test('past ownPerRelay, mailboxes share the least used links (groups)', async () => {
  const { made, create } = fakeNodes()
  const l = links(create, () => 0, { ownPerRelay: 2 })
  const nodes = []
  for (const id of ['m1', 'm2', 'm3', 'm4']) nodes.push(await nodeOf(l.own(id, RELAY)))
  assert.equal(made.length, 2)
  assert.deepEqual(nodes, [0, 1, 0, 1])
  assert.deepEqual(l.counts(), { own: 2, deposit: 0 })
})

test('a released mailbox stops its node, and its old client never builds another', async () => {
  const { made, create } = fakeNodes()
  const l = links(create)
  const client = l.own('mbA', RELAY)
  await nodeOf(client)
  l.releaseOwn('mbA')
  await new Promise((r) => setTimeout(r, 0))
  assert.equal(made[0]!.stopped, true)
  const err = (await client.info().catch((e: unknown) => e)) as Error
  assert.match(err.message, /mailbox link closed/)
  assert.equal(made.length, 1)
  // Watching it again later gets a new identity.
  assert.equal(await nodeOf(l.own('mbA', RELAY)), 1)
})

test('deposit links idle for depositIdleMs are closed; the next deposit uses a new identity', async () => {
  const { made, create } = fakeNodes()
  let now = 0
  const l = links(create, () => now, { depositIdleMs: 60_000 })
  assert.equal(await nodeOf(l.deposit(RELAY, 'theirs')), 0)
  now = 59_000
  l.sweep()
  assert.equal(await nodeOf(l.deposit(RELAY, 'theirs')), 0, 'used again: kept')
  now = 59_000 + 60_000
  l.sweep()
  await new Promise((r) => setTimeout(r, 0))
  assert.equal(made[0]!.stopped, true)
  assert.equal(await nodeOf(l.deposit(RELAY, 'theirs')), 1)
})

test('new links to one relay are paced to connectsPerSecond', async () => {
  const { create } = fakeNodes()
  const l = links(create, () => 0, { connectsPerSecond: 2 })
  const t0 = Date.now()
  await Promise.all(['a', 'b', 'c'].map((id) => nodeOf(l.own(id, RELAY))))
  const took = Date.now() - t0
  assert.ok(took >= 900, `the third link waited for the next second (${took} ms)`)
  await l.stop()
})

test('a node that fails to build is built again on the next request', async () => {
  let fail = true
  const { made, create } = fakeNodes()
  const l = links(() => (fail ? Promise.reject(new Error('no transport')) : create()))
  const client = l.own('mb', RELAY)
  await assert.rejects(client.info(), /no transport/)
  fail = false
  assert.equal(await nodeOf(client), 0)
  assert.equal(made.length, 1)
})
