/**
 * Group admins (ADR 0135) with real messengers and a loopback relay: alice creates the group (its
 * only admin) with bob and carol.
 *
 * - carol runs a modified client: she bypasses her own admin check and deposits a commit that
 *   removes bob, at the right place in the group mailbox. alice and bob refuse it (typed
 *   `not_admin`, logged as a refused group step), stay in one epoch, bob stays in and reads on.
 * - Through the client API: carol's removeMember is `invalid_state`; alice promotes carol, who
 *   then renames the group; alice demotes her again.
 * - alice, the last admin, leaves: bob (the longest-standing member) becomes admin first, and
 *   commits alice's removal; everyone agrees on who is admin.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import { FRAME_KIND } from '@hestia/core/groups/framing.ts'
import {
  commitChanges,
  epochOf,
  membersOf,
  treeHashOf,
  type Group,
} from '@hestia/core/groups/mls.ts'
import { identityOfCredential } from '@hestia/core/groups/credential.ts'
import type { GroupManagerEvent } from '@hestia/core/messenger/groups/messenger-groups.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  contactIdOf as contactId,
  forgerIn,
  makeGroup,
  startGroupTrio,
  type GroupTrio,
} from './support/group-trio.ts'
import { startClientNode } from './relay-helpers.ts'

describe('group admins, enforced by every member', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  let attackerNode: Libp2p
  let groupId: string
  const events = new Map<string, GroupManagerEvent[]>()

  const groupsOf = (p: TestPeer) => p.service.messenger!.groups
  const toldTexts = (p: TestPeer) =>
    p.events.flatMap((e) =>
      e.type === 'group.message' && e.message.groupId === groupId ? [e.message.text] : [],
    )
  const refused = (p: TestPeer) =>
    events.get(p.name)!.flatMap((e) => (e.kind === 'refused' ? [e.code] : []))
  /** `me:<role>` first, then the admins and members among the others (carol knows only alice). */
  const roles = async (p: TestPeer) => {
    const members = (await p.must({ type: 'groups.members', groupId })).members
    const me = members.find((m) => m.self)!
    const others = members.filter((m) => !m.self)
    return {
      me: me.role,
      admins: others.filter((m) => m.role === 'admin').length,
      members: others.filter((m) => m.role === 'member').length,
    }
  }
  /** The leaf of `name` in a group state (by the identity key alice knows for that contact). */
  async function leafOf(group: Group, name: string) {
    const c = (await alice.store.listContacts()).find((x) => x.displayName === name)!
    return membersOf(group).find((m) =>
      bytesEqual(identityOfCredential(m.credential), c.identityPublicKey),
    )?.leaf
  }

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    for (const p of [alice, bob, carol]) {
      events.set(p.name, [])
      groupsOf(p).onEvent((e) => events.get(p.name)!.push(e))
    }
    attackerNode = await startClientNode()
    groupId = await makeGroup(alice, [bob, carol]) // join order: bob, then carol
  })

  after(async () => {
    await attackerNode.stop()
    await trio.stop()
  })

  test("a non-admin's forged removal is refused by every member; the victim stays in", async () => {
    assert.deepEqual(await roles(alice), { me: 'admin', admins: 0, members: 2 })
    assert.deepEqual(await roles(carol), { me: 'member', admins: 1, members: 1 })
    const carolList = (await carol.must({ type: 'groups.list' })).groups[0]!
    assert.equal(carolList.canManage, false, 'carol is not an admin')
    const r = await carol.req({
      type: 'groups.removeMember',
      groupId,
      contactId: await contactId(carol, 'alice'),
    })
    assert.equal(r.ok ? 'ok' : r.error.code, 'invalid_state', 'her own check says no')

    // The modified client: her state, her mailbox credentials, a commit removing bob.
    const state = await groupsOf(carol).state(groupId)
    const bobLeaf = await leafOf(state, 'bob')
    assert.ok(bobLeaf !== undefined)
    const forged = await commitChanges(state, { remove: [bobLeaf] }) // no admin check
    const forger = await forgerIn(attackerNode, trio, carol, groupId)
    const last = forger.last
    const at = await forger.append(FRAME_KIND.commit, forged.commit, last + 1n)
    assert.equal(at, last + 1n, 'the forged commit sits where the next commit belongs')

    const epoch = epochOf(await groupsOf(alice).state(groupId))
    for (const p of [alice, bob]) {
      await p.must({ type: 'groups.messages', groupId })
      await waitUntil(`${p.name} refused it`, () => refused(p).includes('not_admin'), 30_000)
      assert.equal(epochOf(await groupsOf(p).state(groupId)), epoch, `${p.name} kept the epoch`)
    }
    const a = await groupsOf(alice).state(groupId)
    const b = await groupsOf(bob).state(groupId)
    assert.deepEqual(treeHashOf(a), treeHashOf(b), 'alice and bob in one epoch, one tree')
    assert.equal(membersOf(a).length, 3, 'bob is still in')
    assert.equal((await bob.must({ type: 'groups.list' })).groups[0]!.status, 'member')

    await alice.must({ type: 'groups.send', groupId, text: 'bob still here?' })
    await waitUntil('bob reads on', () => toldTexts(bob).includes('bob still here?'), 30_000)
    await bob.must({ type: 'groups.send', groupId, text: 'yes' })
    await waitUntil('alice reads bob', () => toldTexts(alice).includes('yes'), 30_000)
    await waitUntil('carol reads bob', () => toldTexts(carol).includes('yes'), 30_000)
  })

  test('an admin promotes: the new admin renames; demoted, she no longer may', async () => {
    const carolId = await contactId(alice, 'carol')
    await alice.must({ type: 'groups.promote', groupId, contactId: carolId })
    await waitUntil(
      'carol is told she manages',
      async () => (await carol.must({ type: 'groups.list' })).groups[0]!.canManage,
      30_000,
    )
    // bob applies the same commit on his own time (directly or from the mailbox).
    await waitUntil('bob sees carol as admin', async () => (await roles(bob)).admins === 2, 30_000)
    assert.deepEqual(await roles(bob), { me: 'member', admins: 2, members: 0 })
    await carol.must({ type: 'groups.rename', groupId, name: 'Carol’s team' })
    for (const p of [alice, bob])
      await waitUntil(
        `${p.name} sees the new name`,
        async () => (await p.must({ type: 'groups.list' })).groups[0]!.name === 'Carol’s team',
        30_000,
      )
    await alice.must({ type: 'groups.demote', groupId, contactId: carolId })
    await waitUntil(
      'carol no longer manages',
      async () => !(await carol.must({ type: 'groups.list' })).groups[0]!.canManage,
      30_000,
    )
    const r = await carol.req({ type: 'groups.rename', groupId, name: 'again' })
    assert.equal(r.ok ? 'ok' : r.error.code, 'invalid_state')
  })

  test('the last admin leaves: the longest-standing member (bob) becomes admin, all agree', async () => {
    await alice.must({ type: 'groups.leave', groupId })
    for (const p of [bob, carol])
      await waitUntil(
        `${p.name} sees alice gone and bob admin`,
        async () => {
          await p.must({ type: 'groups.messages', groupId })
          const r = await roles(p)
          return r.admins + r.members === 1 && (p === bob ? r.me === 'admin' : r.admins === 1)
        },
        60_000,
      )
    assert.deepEqual(await roles(carol), { me: 'member', admins: 1, members: 0 })
    assert.deepEqual(await roles(bob), { me: 'admin', admins: 0, members: 1 })
    const b = await groupsOf(bob).state(groupId)
    const c = await groupsOf(carol).state(groupId)
    assert.equal(epochOf(b), epochOf(c))
    await bob.must({ type: 'groups.rename', groupId, name: 'Bob’s team' })
    await waitUntil(
      'carol sees bob’s rename',
      async () => (await carol.must({ type: 'groups.list' })).groups[0]!.name === 'Bob’s team',
      30_000,
    )
  })
})
