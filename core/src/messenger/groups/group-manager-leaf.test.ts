// The periodic leaf update in the messenger's group manager (ADR 0136): a member who is not an
// admin updates its own leaf after N messages it sent or T time, the epoch advances for everyone
// and its leaf key changes; the count and the time survive a restart (stored with the group).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual } from '../../crypto/bytes.ts'
import { epochOf, ownLeaf, treeHashOf, type Group } from '../../groups/mls.ts'
import { world } from '../../../test-support/group-manager-world.ts'

const leafKey = (g: Group, leaf: number) => {
  const node = g.state.ratchetTree[leaf * 2]
  assert.ok(node?.nodeType === 'leaf')
  return node.leaf.hpkePublicKey
}

test('after 3 messages (policy) bob updates his own leaf; after the time, again; stored across a restart', async () => {
  const day = 24 * 60 * 60 * 1000
  const w = await world(['alice', 'bob'], { leafUpdate: { maxMessages: 3, maxAgeMs: 7 * day } })
  const alice = w.get('alice')
  const bob = w.get('bob')
  const gid = await alice.manager.create('Leaves')
  await alice.manager.addContacts(gid, ['bob'])
  await alice.manager.catchUp(gid)
  const start = epochOf(alice.manager.stateOf(gid))
  const bobLeaf = ownLeaf(bob.manager.stateOf(gid))
  const firstKey = leafKey(alice.manager.stateOf(gid), bobLeaf)

  await bob.manager.sendText(gid, 'one')
  await bob.manager.sendText(gid, 'two')
  await alice.manager.catchUp(gid)
  assert.equal(epochOf(alice.manager.stateOf(gid)), start, 'two messages: no update yet')
  await bob.manager.sendText(gid, 'three')
  await waitFor(() => epochOf(bob.manager.stateOf(gid)) === start + 1n)
  await alice.manager.catchUp(gid)
  assert.equal(epochOf(alice.manager.stateOf(gid)), start + 1n, 'the update reached alice')
  assert.deepEqual(treeHashOf(alice.manager.stateOf(gid)), treeHashOf(bob.manager.stateOf(gid)))
  const secondKey = leafKey(alice.manager.stateOf(gid), bobLeaf)
  assert.ok(!bytesEqual(firstKey, secondKey), "bob's leaf key is new")
  assert.equal((await bob.store.getGroup(gid))!.leafUpdate!.sent, 0, 'the count starts again')

  // Time: 7 days later a read is enough (the watch reads every 20 s), also after a restart.
  // 4 days, a restart, 3 more days: due only if the time of the last update was stored.
  w.time.advance(4 * day)
  await w.restart('bob')
  const bob2 = w.get('bob')
  await bob2.manager.catchUp(gid)
  assert.equal(epochOf(bob2.manager.stateOf(gid)), start + 1n, 'not due after 4 days')
  w.time.advance(3 * day)
  await bob2.manager.catchUp(gid)
  await waitFor(() => epochOf(bob2.manager.stateOf(gid)) === start + 2n)
  await alice.manager.catchUp(gid)
  assert.equal(epochOf(alice.manager.stateOf(gid)), start + 2n)
  assert.ok(!bytesEqual(secondKey, leafKey(alice.manager.stateOf(gid), bobLeaf)))
})

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(check(), 'in time')
}

test('a member whose device certificate expired: its leaf update applies and its texts still show as its own (rg-3b)', async () => {
  const day = 24 * 60 * 60 * 1000
  const w = await world(['alice', 'bob'], { leafUpdate: { maxMessages: 1, maxAgeMs: 7 * day } })
  const alice = w.get('alice')
  const bob = w.get('bob')
  const gid = await alice.manager.create('Old friends')
  await alice.manager.addContacts(gid, ['bob'])
  await bob.manager.catchUp(gid)
  const start = epochOf(alice.manager.stateOf(gid))
  w.time.advance(31 * day) // the test certificates last 30 days (crypto-fixtures.ts)
  await bob.manager.sendText(gid, 'still me') // and bob's leaf update after it (1 message)
  await waitFor(() => epochOf(bob.manager.stateOf(gid)) === start + 1n)
  await alice.manager.catchUp(gid)
  assert.equal(epochOf(alice.manager.stateOf(gid)), start + 1n, "alice applied bob's update")
  assert.deepEqual(treeHashOf(alice.manager.stateOf(gid)), treeHashOf(bob.manager.stateOf(gid)))
  const texts = (await alice.store.pageGroupMessages(gid, 50)).filter((m) => m.system === undefined)
  assert.deepEqual(
    texts.map((m) => [m.text, m.senderContactId]),
    [['still me', 'bob']],
    'shown as bob, not an unknown sender',
  )
})
