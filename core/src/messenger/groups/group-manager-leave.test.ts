// Leaving a group through GroupManagers (issue 20, ADR 0138): a member's leave is committed by a
// member who is not an admin while the admin is away, so nobody keeps encrypting to the leaver;
// everyone, the admin when back too, shows "<name> left" and no removal, also after a restart
// between reading the leave and its removal (the line comes from the commit, not from memory).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toBase64Url } from '../../crypto/bytes.ts'
import { membersOf } from '../../groups/mls.ts'
import { world, type Device } from '../../../test-support/group-manager-world.ts'

const keyOf = (d: Device) => toBase64Url(d.member.identity.publicKey)
const tick = (ms = 50) => new Promise((r) => setTimeout(r, ms))

/** System lines as `kind member [by]`, members by name ('you' for the device itself). */
async function lines(d: Device, gid: string, who: Map<string, string>) {
  const name = (k: string | null | undefined) => (k === null ? 'you' : (who.get(k!) ?? '?'))
  return (await d.store.pageGroupMessages(gid, 50)).flatMap((m) =>
    m.system === undefined
      ? []
      : [
          [m.system.kind, name(m.system.member)]
            .concat(m.system.by === undefined ? [] : ['by', name(m.system.by)])
            .join(' '),
        ],
  )
}

async function trio() {
  const w = await world(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = [w.get('alice'), w.get('bob'), w.get('carol')]
  const who = new Map([alice, bob, carol].map((d) => [keyOf(d), d.name]))
  const gid = await alice.manager.create('Club')
  await alice.manager.addContacts(gid, ['bob', 'carol'])
  await bob.manager.catchUp(gid)
  await carol.manager.catchUp(gid)
  return { w, alice, bob, carol, who, gid }
}

test('with the admin away, a member commits a leaver’s removal; all show “left”', async () => {
  const { w, alice, bob, carol, who, gid } = await trio()
  alice.online = false // the only admin is away: no 1:1 delivery, no mailbox
  await carol.manager.leave(gid)
  await tick()
  await bob.manager.catchUp(gid)
  const names = (d: Device) =>
    d.manager
      .members(gid)
      .map((m) => (m.self ? d.name : m.contact))
      .sort()
  assert.deepEqual(names(bob), ['alice', 'bob'], 'bob no longer has carol in his tree')
  assert.equal(membersOf(bob.manager.stateOf(gid)).length, 2)
  assert.equal((await lines(bob, gid, who)).at(-1), 'left carol')
  // bob is no admin: he did not move the group (only an admin's move is followed).
  await bob.manager.sendText(gid, 'bye carol')
  await w.comeBack('alice', gid)
  assert.deepEqual(names(alice), ['alice', 'bob'])
  const aliceLines = await lines(alice, gid, who)
  assert.equal(aliceLines.at(-1), 'left carol')
  assert.ok(!aliceLines.some((l) => l.startsWith('removed')), aliceLines.join(', '))
  assert.ok(
    alice.events.some((e) => e.kind === 'message' && e.text === 'bye carol'),
    'alice reads bob in the epoch after the leave',
  )
})

test('“left”, not “removed by”, for a member that restarted between the leave and its removal', async () => {
  const { w, alice, bob, carol, who, gid } = await trio()
  // Everyone online: carol's leave reaches bob directly (nothing of it kept in his memory
  // survives the restart), and its removal is committed by alice or bob.
  await carol.manager.leave(gid)
  await tick()
  await alice.manager.catchUp(gid)
  assert.equal(membersOf(alice.manager.stateOf(gid)).length, 2, 'the leave is committed')
  // bob's own background commit attempt, if any, settles before the restart.
  for (let i = 0; i < 100 && membersOf(bob.manager.stateOf(gid)).length > 2; i++) await tick(20)
  await tick()
  await w.restart('bob')
  await w.comeBack('bob', gid)
  const bobLines = await lines(bob, gid, who)
  assert.equal(bobLines.at(-1), 'left carol', bobLines.join(', '))
  assert.ok(!bobLines.some((l) => l.startsWith('removed')))
  assert.equal((await lines(alice, gid, who)).at(-1), 'left carol')
  // An admin's removal is still "removed by": alice removes bob.
  await alice.manager.removeContact(gid, 'bob')
  await bob.manager.catchUp(gid)
  assert.equal((await lines(alice, gid, who)).at(-1), 'removed bob by you')
  assert.equal((await lines(bob, gid, who)).at(-1), 'removed you by alice')
})
