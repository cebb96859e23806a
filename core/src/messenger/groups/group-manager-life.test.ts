// A group's life on one device across restarts, renames, leaving and key changes (GroupManager
// over a real store). The world helper is shared with group-manager.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../crypto/bytes.ts'
import { epochOf, memberCount, treeHashOf } from '../../groups/mls.ts'
import { world, texts } from '../../../test-support/group-manager-world.ts'

test('a device restarts mid-group: it still sends and receives, and its history is there', async () => {
  const w = await world(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  const gid = await alice!.manager.create('Book club')
  await alice!.manager.addContacts(gid, ['bob'])
  // Carol answers the KeyPackage request, then goes offline before the invitation arrives: the
  // KeyPackage's private keys must survive her restart or she can never open it.
  carol!.online = false
  await alice!.manager.addContacts(gid, ['carol'])
  const request = carol!.inbox.splice(0)
  for (const m of request) await carol!.manager.receive(m.from, m.bytes)
  assert.equal(carol!.inbox.length > 0, true, 'the invitation waits in her 1:1 mailbox')
  await alice!.manager.sendText(gid, 'before')
  await w.restart('bob')
  await w.restart('carol')
  await w.comeBack('carol', gid)
  assert.ok(
    carol!.events.some((e) => e.kind === 'joined'),
    'carol joined after her restart',
  )

  await alice!.manager.sendText(gid, 'after')
  const mine = await bob!.manager.sendText(gid, 'bob is back')
  await w.restart('alice')
  await alice!.manager.catchUp(gid)
  await carol!.manager.catchUp(gid)
  await bob!.manager.catchUp(gid)
  assert.deepEqual(texts(bob!, gid), ['after'], 'bob (restarted) received directly')
  // Carol was added before 'before' was sent: she reads it from the mailbox.
  assert.deepEqual(texts(carol!, gid), ['before', 'after', 'bob is back'])

  // Members' messages (the system lines between them: group-manager-lines.test.ts).
  const said = (m: { system?: unknown }) => m.system === undefined
  const history = (await bob!.store.pageGroupMessages(gid, 10)).filter(said)
  assert.deepEqual(
    history.map((m) => [m.text, m.outgoing, m.senderContactId]),
    [
      ['before', false, 'alice'],
      ['after', false, 'alice'],
      ['bob is back', true, null],
    ],
  )
  assert.equal(history[2]?.messageId, mine.messageId)
  const aliceHistory = (await alice!.store.pageGroupMessages(gid, 10)).filter(said)
  assert.deepEqual(
    aliceHistory.map((m) => m.text),
    ['before', 'after', 'bob is back'],
    "alice's history survived her restart and bob's message was read after it",
  )
  for (const d of [alice!, bob!, carol!]) {
    assert.equal(memberCount(d.manager.stateOf(gid)), 3)
    assert.equal(
      toHex(treeHashOf(d.manager.stateOf(gid))),
      toHex(treeHashOf(alice!.manager.stateOf(gid))),
    )
  }
  // After a restart the next commit still orders: alice removes carol, bob follows.
  await alice!.manager.removeContact(gid, 'carol')
  await bob!.manager.catchUp(gid)
  assert.equal(epochOf(bob!.manager.stateOf(gid)), epochOf(alice!.manager.stateOf(gid)))
  assert.equal(memberCount(bob!.manager.stateOf(gid)), 2)
})

test('rename reaches every member; a member who leaves is removed by the others and reads nothing after', async () => {
  const w = await world(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  const gid = await alice!.manager.create('Old name')
  await alice!.manager.addContacts(gid, ['bob', 'carol'])
  await bob!.manager.catchUp(gid)
  await alice!.manager.rename(gid, 'New name')
  for (const d of [bob!, carol!]) {
    // A rename is an admin's commit now (ADR 0135): members apply it when they read the mailbox.
    await d.manager.catchUp(gid)
    assert.equal(d.manager.list()[0]?.name, 'New name')
    assert.ok(
      d.events.some((e) => e.kind === 'changed' && e.change === 'renamed' && e.by === 'alice'),
    )
  }
  await w.restart('bob')
  assert.equal(bob!.manager.list()[0]?.name, 'New name', 'the name is stored')

  await carol!.manager.leave(gid)
  assert.equal(carol!.manager.list()[0]?.status, 'left')
  await assert.rejects(carol!.manager.sendText(gid, 'still here?'))
  // The others commit carol's removal (the relay orders the racers; one wins).
  await new Promise((r) => setTimeout(r, 50))
  await alice!.manager.catchUp(gid)
  await bob!.manager.catchUp(gid)
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 2)
  assert.equal(memberCount(bob!.manager.stateOf(gid)), 2)
  assert.equal(epochOf(bob!.manager.stateOf(gid)), epochOf(alice!.manager.stateOf(gid)))
  await alice!.manager.sendText(gid, 'after carol left')
  await carol!.manager.catchUp(gid)
  assert.ok(!texts(carol!, gid).includes('after carol left'))
  assert.ok(texts(bob!, gid).includes('after carol left'))
})

test('a member whose key change is not accepted is held: messages stored as held, not added', async () => {
  const w = await world(['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  const gid = await alice!.manager.create('Trust')
  await alice!.manager.addContacts(gid, ['bob', 'carol'])
  await bob!.manager.catchUp(gid)
  // At bob, alice's key changed and bob has not accepted it.
  w.hold('bob', 'alice')
  await alice!.manager.sendText(gid, 'is it me?')
  await bob!.manager.catchUp(gid)
  const said = (m: { system?: unknown }) => m.system === undefined
  const held = (await bob!.store.pageGroupMessages(gid, 10)).filter(said)
  assert.deepEqual(
    held.map((m) => [m.text, m.state, m.senderContactId]),
    [['is it me?', 'held', 'alice']],
    'stored as held (not shown as alice)',
  )
  assert.ok(bob!.manager.members(gid).some((m) => m.heldBy === 'alice' && m.contact === undefined))
  w.release('bob', 'alice')
  await alice!.manager.sendText(gid, 'verified now')
  const after = (await bob!.store.pageGroupMessages(gid, 10)).filter(said)
  assert.deepEqual(after.at(-1)?.state, 'shown')
  // Carol is unaffected: both shown.
  const carolHistory = await carol!.store.pageGroupMessages(gid, 10)
  assert.ok(carolHistory.every((m) => m.state === 'shown'))

  // Alice holds dave (his key changed at her end): his KeyPackage answer adds nobody.
  w.hold('alice', 'dave')
  const before = epochOf(alice!.manager.stateOf(gid))
  await alice!.manager.addContacts(gid, ['dave'])
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 3, 'dave was not added')
  assert.equal(epochOf(alice!.manager.stateOf(gid)), before)
  assert.ok(
    alice!.events.some((e) => e.kind === 'refused' && e.from === 'dave' && e.code === 'wrong_key'),
  )
})
