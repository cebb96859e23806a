// Groups between contacts (GroupManager): KeyPackages and the invitation travel only through the
// 1:1 bus (a stand-in for the 1:1 sessions), application data directly to online members and
// through the group mailbox for the others. A contact who answers with someone else's KeyPackage,
// or sends one nobody asked for, adds nobody.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../crypto/bytes.ts'
import { encodeGroupDirect } from '../../groups/direct.ts'
import { FRAME_KIND, encodeGroupFrame } from '../../groups/framing.ts'
import { epochOf, memberCount, treeHashOf } from '../../groups/mls.ts'
import { texts, world } from '../../../test-support/group-manager-world.ts'

test('create, add contacts through their 1:1 sessions, talk, an offline member catches up, remove', async () => {
  const w = await world(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  const gid = await alice!.manager.create('Hiking')
  carol!.online = false // carol answers when she is back
  await alice!.manager.addContacts(gid, ['bob', 'carol'])
  assert.ok(
    bob!.events.some((e) => e.kind === 'joined' && e.name === 'Hiking' && e.from === 'alice'),
  )
  await w.comeBack('carol') // her KeyPackage goes out, alice adds her, the invitation comes back
  assert.ok(carol!.events.some((e) => e.kind === 'joined'))
  await bob!.manager.catchUp(gid)
  await alice!.manager.catchUp(gid)
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 3)

  carol!.online = false
  await alice!.manager.sendText(gid, 'trail at 9')
  await bob!.manager.sendText(gid, 'bringing water')
  assert.deepEqual(texts(bob!, gid), ['trail at 9'], 'bob got it directly')
  await w.comeBack('carol', gid)
  assert.deepEqual(
    texts(carol!, gid),
    ['trail at 9', 'bringing water'],
    'in order from the mailbox',
  )
  for (const d of [alice!, bob!, carol!]) {
    assert.equal(
      toHex(treeHashOf(d.manager.stateOf(gid))),
      toHex(treeHashOf(alice!.manager.stateOf(gid))),
    )
  }

  await alice!.manager.removeContact(gid, 'carol')
  await alice!.manager.sendText(gid, 'carol left')
  await carol!.manager.catchUp(gid)
  assert.ok(carol!.events.some((e) => e.kind === 'removed'))
  assert.ok(!texts(carol!, gid).includes('carol left'), 'carol reads nothing after her removal')
  assert.ok(texts(bob!, gid).includes('carol left'))
  assert.equal(epochOf(bob!.manager.stateOf(gid)), epochOf(alice!.manager.stateOf(gid)))
})

test('the relay never carries a welcome, a KeyPackage or the group mailbox credentials', async () => {
  const w = await world(['alice', 'bob'])
  const [alice, bob] = ['alice', 'bob'].map(w.get)
  const gid = await alice!.manager.create('Secret')
  await alice!.manager.addContacts(gid, ['bob'])
  await bob!.manager.sendText(gid, 'hi')
  const bobKeyPackageCred = w.members.get('bob')!.credential
  const needle = (hay: Uint8Array, n: Uint8Array) =>
    Buffer.from(hay).includes(Buffer.from(n.subarray(0, 32)))
  for (const deposit of w.relayTraffic) {
    assert.ok(
      !needle(deposit, bobKeyPackageCred),
      'no credential of a KeyPackage in the relay traffic',
    )
  }
  assert.ok(w.relayTraffic.length >= 1, 'the add commit went through the group mailbox')
})

test("a contact answering with someone else's KeyPackage, or with one nobody asked for, adds nobody", async () => {
  const w = await world(['alice', 'bob', 'mallory', 'stranger'])
  const [alice, mallory] = ['alice', 'mallory'].map(w.get)
  const gid = await alice!.manager.create('Team')
  mallory!.online = false
  await alice!.manager.addContacts(gid, ['mallory'])
  // Mallory answers with a KeyPackage of a stranger (valid credential, another identity).
  const strangerKp = await w.members.get('stranger')!.keyPackage()
  const groupId = Uint8Array.from(Buffer.from(gid, 'hex'))
  const forged = encodeGroupDirect({
    groupId,
    body: {
      kind: 'key_package',
      keyPackage: encodeGroupFrame(FRAME_KIND.keyPackage, strangerKp.bytes),
    },
  })
  const epoch = epochOf(alice!.manager.stateOf(gid))
  await alice!.manager.receive('mallory', forged)
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 1, 'nobody was added')
  assert.equal(epochOf(alice!.manager.stateOf(gid)), epoch, 'no commit')
  assert.ok(
    alice!.events.some(
      (e) => e.kind === 'refused' && e.from === 'mallory' && e.code === 'wrong_key',
    ),
  )
  // Bob was never asked: his unsolicited KeyPackage adds nobody either.
  const bobKp = await w.members.get('bob')!.keyPackage()
  await alice!.manager.receive(
    'bob',
    encodeGroupDirect({
      groupId,
      body: {
        kind: 'key_package',
        keyPackage: encodeGroupFrame(FRAME_KIND.keyPackage, bobKp.bytes),
      },
    }),
  )
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 1)
  // Garbage from a contact is a typed refusal, nothing else.
  await alice!.manager.receive('bob', new Uint8Array([1, 2, 3]))
  assert.ok(
    alice!.events.some((e) => e.kind === 'refused' && e.from === 'bob' && e.code === 'malformed'),
  )
})

test('a removal whose mailbox move failed is retried, after a restart too, until the group moves away from the removed member', async () => {
  const w = await world(['alice', 'bob', 'mallory'])
  const [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map(w.get)
  const gid = await alice!.manager.create('Team')
  await alice!.manager.addContacts(gid, ['bob', 'mallory'])
  await bob!.manager.catchUp(gid)
  await mallory!.manager.catchUp(gid)
  const old = alice!.manager.homeOf(gid)!
  // The relay is unreachable once, when the new group mailbox is created (ADR 0770).
  const io = (alice!.manager as unknown as { io: { createMailbox: () => Promise<unknown> } }).io
  const create = io.createMailbox
  io.createMailbox = () => {
    io.createMailbox = create
    return Promise.reject(new Error('relay unreachable'))
  }
  await assert.rejects(alice!.manager.removeContact(gid, 'mallory'), /relay unreachable/)
  assert.equal(memberCount(alice!.manager.stateOf(gid)), 2, 'mallory is out of the tree')
  assert.equal(toHex(alice!.manager.homeOf(gid)!.mailboxId), toHex(old.mailboxId), 'not moved')

  await w.restart('alice') // the move still due is stored with the group
  await alice!.manager.catchUp(gid) // and retried at the next catch-up
  assert.notEqual(
    toHex(alice!.manager.homeOf(gid)!.mailboxId),
    toHex(old.mailboxId),
    'the group left the mailbox whose capability and auth key mallory still holds',
  )
  const oldEntries = async () => (await w.portOf(old).read(0n)).entries.length
  const left = await oldEntries()
  bob!.online = false // so the text goes through the (new) group mailbox
  await alice!.manager.sendText(gid, 'after the move')
  assert.equal(await oldEntries(), left, 'nothing more is deposited in the old mailbox')
  await w.comeBack('bob', gid)
  assert.ok(texts(bob!, gid).includes('after the move'), 'bob followed the move and reads on')
  await mallory!.manager.catchUp(gid)
  assert.ok(!texts(mallory!, gid).includes('after the move'), 'mallory reads nothing new')
  // Done once: a later catch-up or removal does not move the group again.
  const moved = toHex(alice!.manager.homeOf(gid)!.mailboxId)
  await alice!.manager.catchUp(gid)
  await alice!.manager.removeContact(gid, 'mallory')
  assert.equal(toHex(alice!.manager.homeOf(gid)!.mailboxId), moved)
})
