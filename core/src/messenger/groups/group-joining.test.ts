// Joining a group from an invitation (GroupJoining): an invitation is joined only for a KeyPackage
// this device offered, and never replaces a group this device is already in.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../../crypto/bytes.ts'
import {
  decodeGroupDirect,
  encodeGroupDirect,
  encodeGroupInvite,
  invitePartsOf,
} from '../../groups/direct.ts'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from '../../groups/framing.ts'
import { commitChanges, createGroup, memberCount, treeHashOf } from '../../groups/mls.ts'
import { texts, world } from '../../../test-support/group-manager-world.ts'

type World = Awaited<ReturnType<typeof world>>

/** `from` asks `to` for a KeyPackage for `groupId` (answered by `to`'s device by itself). */
async function askKeyPackage(w: World, from: string, to: string, groupId: Uint8Array) {
  w.get(from).online = false // the answer waits in its inbox
  await w
    .get(to)
    .manager.receive(from, encodeGroupDirect({ groupId, body: { kind: 'key_package_request' } }))
  const body = w
    .get(from)
    .inbox.splice(0)
    .map((m) => decodeGroupDirect(m.bytes).body)
    .find((b) => b.kind === 'key_package')
  assert.ok(body?.kind === 'key_package')
  return decodeGroupFrame(body.keyPackage).mls
}

/** `from` makes an MLS group of its own under `groupId`, adds `keyPackage` and invites `to`. */
async function inviteToOwnGroup(
  w: World,
  from: string,
  to: string,
  groupId: Uint8Array,
  keyPackage: Uint8Array,
) {
  const m = w.members.get(from)!
  const made = await createGroup(w.suite, m.checker, groupId, await m.keyPackage())
  const added = await commitChanges(made, { add: [keyPackage] })
  const home = w.newHome()
  const invite = encodeGroupInvite({
    welcome: encodeGroupFrame(FRAME_KIND.welcome, added.welcome!),
    ...{ relays: home.relays, mailboxId: home.mailboxId, mailboxAuthSecret: home.authSecret },
    ...{ mailboxCapability: home.capability, afterId: 0n, name: 'Family' },
  })
  for (const part of invitePartsOf(groupId, invite))
    await w.get(to).manager.receive(from, encodeGroupDirect(part))
  return { group: added.group, home }
}

test('an invitation for a group this device is already in is refused: the group stays the real one', async () => {
  const w = await world(['alice', 'bob', 'mallory'])
  const [alice, bob] = ['alice', 'bob'].map(w.get)
  const gid = await alice!.manager.create('Family')
  await alice!.manager.addContacts(gid, ['mallory']) // mallory is a member: she knows the id
  const groupId = Uint8Array.from(Buffer.from(gid, 'hex'))
  // Before bob is added, mallory asks him for a KeyPackage for that group and keeps it.
  const bobKp = await askKeyPackage(w, 'mallory', 'bob', groupId)
  await alice!.manager.addContacts(gid, ['bob'])
  await alice!.manager.catchUp(gid)
  const real = toHex(treeHashOf(alice!.manager.stateOf(gid)))

  // Mallory invites bob, for the offer he made her, into a two-person group with the same id.
  await inviteToOwnGroup(w, 'mallory', 'bob', groupId, bobKp)
  assert.equal(toHex(treeHashOf(bob!.manager.stateOf(gid))), real, 'still the real group')
  assert.equal(memberCount(bob!.manager.stateOf(gid)), 3)
  assert.ok(
    bob!.events.some((e) => e.kind === 'refused' && e.from === 'mallory' && e.code === 'malformed'),
  )
  // The real group still works for bob, both ways.
  await alice!.manager.sendText(gid, 'dinner at 7')
  await bob!.manager.catchUp(gid)
  assert.deepEqual(texts(bob!, gid), ['dinner at 7'])
  await bob!.manager.sendText(gid, 'coming')
  await alice!.manager.catchUp(gid)
  assert.deepEqual(texts(alice!, gid), ['coming'])
})
