// A group made before roles existed (no 0xF0E5 extension in its context, ADR 0135) moving its
// mailbox after a removal (ADR 0770): there every member manages, so any member's move is followed.
// Before a0943e9 the move was taken only from an admin, and such a group has none: the others stayed
// in the old mailbox and read nothing written after the removal.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../crypto/bytes.ts'
import { GroupChannel } from '../../groups/group-channel.ts'
import { extensionOf, memberCount } from '../../groups/mls.ts'
import { ROLES_EXTENSION_TYPE } from '../../groups/roles.ts'
import { texts, world } from '../../../test-support/group-manager-world.ts'
import { toGroupRecord } from './group-records.ts'

/** alice, bob and carol in a group without roles, as a device from before them stored it. */
async function preRolesGroup(w: Awaited<ReturnType<typeof world>>) {
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  const home = w.newHome()
  const io = { mailbox: w.portOf(home), random: w.random, onEvent: () => undefined }
  const id = w.random(32)
  const own = await alice!.member.keyPackage()
  const created = await GroupChannel.create(w.suite, alice!.member.checker, id, own, io)
  const kps = [await bob!.member.keyPackage(), await carol!.member.keyPackage()]
  const added = await created.commit(() => ({ add: kps.map((k) => k.bytes) }))
  assert.ok(added?.welcome !== undefined)
  const channels = [created]
  for (const [i, d] of [bob!, carol!].entries()) {
    channels.push(
      await GroupChannel.join(
        w.suite,
        d.member.checker,
        added.welcome,
        kps[i]!,
        added.mailboxId,
        io,
      ),
    )
  }
  const key = toHex(id)
  for (const [i, d] of [alice!, bob!, carol!].entries()) {
    const ch = channels[i]!
    const at = w.time.clock()
    await d.store.putGroup(
      toGroupRecord(
        {
          ...{ key, name: 'Old friends', home, group: ch.state, asked: [], names: new Map() },
          ...{ cursor: ch.mailboxCursor, knownNext: ch.knownNextId, status: 'member' as const },
          ...{ createdAt: at, lastActivityAt: at },
        },
        at,
      ),
    )
    await w.restart(d.name) // the manager loads it as it would after an update
  }
  return { key, home }
}

test('a group made before roles: a member who is not its creator removes someone, and the others follow its mailbox move', async () => {
  const w = await world(['alice', 'bob', 'carol'])
  const { key, home } = await preRolesGroup(w)
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(w.get)
  assert.equal(extensionOf(alice!.manager.stateOf(key), ROLES_EXTENSION_TYPE), undefined)
  assert.equal(memberCount(bob!.manager.stateOf(key)), 3)

  // bob, not the creator, removes carol: a new epoch and a move to a new mailbox, announced in
  // the old one (ADR 0770).
  await bob!.manager.removeContact(key, 'carol')
  const bobHome = (await bob!.store.getGroup(key))!.mailbox.mailboxId
  assert.notEqual(toHex(bobHome), toHex(home.mailboxId), 'bob moved the group')

  // alice is offline meanwhile; bob writes after the move, into the new mailbox only.
  alice!.online = false
  await bob!.manager.sendText(key, 'moved, carol is out')
  await w.comeBack('alice', key)
  assert.equal(
    toHex((await alice!.store.getGroup(key))!.mailbox.mailboxId),
    toHex(bobHome),
    'alice followed the move of a member who is no admin (a group without roles has none)',
  )
  assert.ok(alice!.events.some((e) => e.kind === 'moved' && e.groupId === key))
  assert.deepEqual(texts(alice!, key), ['moved, carol is out'])
  assert.equal(memberCount(alice!.manager.stateOf(key)), 2)
  // carol, removed, is left in the old mailbox and reads nothing of it.
  await carol!.manager.catchUp(key).catch(() => undefined)
  assert.deepEqual(texts(carol!, key), [])
})
