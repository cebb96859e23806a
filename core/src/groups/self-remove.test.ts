// Leaving without waiting for an admin, and a group whose admins are all gone (issue 20, ADR 0138),
// through GroupChannel over an in-memory group mailbox: a member's own proposal to remove itself
// is committed by a member who is not an admin, and every member applies it; a proposal or commit
// that removes anyone else is refused by all (`not_admin`); with no listed admin left in the tree,
// the longest-standing person present is admin for everyone, and nobody else.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createCommit, encodeMlsMessage } from 'ts-mls'
import { bytesEqual } from '../crypto/bytes.ts'
import { isProtocolError } from '../wire/errors.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import type { TestMember } from '../../test-support/group-fixtures.ts'
import type { MemoryGroupMailbox } from '../../test-support/group-mailbox-memory.ts'
import {
  depositForged,
  refusals,
  startRolesGroup,
  withRoles,
} from '../../test-support/group-roles-fixture.ts'
import { FRAME_KIND, type FrameKind } from './framing.ts'
import {
  commitChanges,
  epochOf,
  loadSuite,
  membersOf,
  pendingSelfRemoves,
  proposeChange,
  treeHashOf,
  type Group,
} from './mls.ts'
import { presentRoles, rolesOf } from './roles-policy.ts'

const suite = await loadSuite()
const p = { random: seededRandom('self-remove.test'), clock: fixedClock().clock }

const leafOf = (group: Group, m: TestMember) =>
  membersOf(group).find((x) => bytesEqual(x.credential, m.credential))?.leaf

const deposit = (box: MemoryGroupMailbox, kind: FrameKind, mls: Uint8Array) =>
  depositForged(p, box, kind, mls)
const admins = (group: Group) =>
  presentRoles(group)!.members.flatMap((m) => {
    return m.admin ? [m.identity] : []
  })

test('a leaver proposes its own removal; a member who is not an admin commits it for all', async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => g.get(n))
  const carolLeaf = leafOf(carol!.channel.state, carol!.member)!
  const epoch = epochOf(bob!.channel.state)
  await carol!.channel.proposeLeave()
  // The same proposal twice is one leave: the second is refused and does not pile up.
  const again = await proposeChange(carol!.channel.state, { remove: carolLeaf })
  await deposit(g.box, FRAME_KIND.proposal, again.proposal)
  await bob!.channel.catchUp()
  assert.deepEqual(pendingSelfRemoves(bob!.channel.state), [carolLeaf])
  assert.ok(bob!.events.some((e) => e.kind === 'proposal'))
  assert.deepEqual(refusals(bob!), ['malformed'], 'the repeat is refused')
  // bob is no admin, yet his commit of carol's own proposal goes through, for everyone.
  await bob!.channel.commit((group) =>
    pendingSelfRemoves(group).length > 0 ? { selfRemoves: true } : undefined,
  )
  for (const peer of [alice!, dave!, carol!]) await peer.channel.catchUp()
  for (const peer of [alice!, bob!, dave!]) {
    assert.equal(epochOf(peer.channel.state), epoch + 1n, peer.member.name)
    assert.equal(leafOf(peer.channel.state, carol!.member), undefined, 'carol is gone')
    assert.deepEqual(treeHashOf(peer.channel.state), treeHashOf(alice!.channel.state))
    const commit = peer.events.findLast((e) => e.kind === 'commit')
    assert.deepEqual(commit?.kind === 'commit' && commit.leavers, [carolLeaf], 'she left')
  }
  assert.ok(
    carol!.events.some((e) => e.kind === 'removed'),
    'carol reads her own removal',
  )
  assert.equal(refusals(alice!).length, 1, 'alice refused only the repeat')
})

test("a non-admin's proposal or commit that removes someone else is refused by every member", async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => g.get(n))
  const epoch = epochOf(alice!.channel.state)
  const ds = dave!.channel.state
  const bobLeaf = leafOf(ds, bob!.member)!
  // dave proposes bob's removal (signed by dave: MLS names him as its sender) ...
  const proposal = await proposeChange(ds, { remove: bobLeaf })
  await deposit(g.box, FRAME_KIND.proposal, proposal.proposal)
  // ... commits it by reference, from his own state that kept it ...
  const byRef = await createCommit({ state: proposal.group.state, cipherSuite: suite.impl })
  await deposit(g.box, FRAME_KIND.commit, encodeMlsMessage(byRef.commit))
  // ... and inline, next to carol's genuine leave, which he may commit.
  await carol!.channel.proposeLeave()
  await dave!.channel.catchUp()
  const withLeave = await commitChanges(dave!.channel.state, {
    selfRemoves: true,
    remove: [bobLeaf],
  })
  await deposit(g.box, FRAME_KIND.commit, withLeave.commit)
  for (const peer of [alice!, bob!]) {
    await peer.channel.catchUp()
    assert.equal(epochOf(peer.channel.state), epoch, `${peer.member.name} stays at the epoch`)
    assert.ok(leafOf(peer.channel.state, bob!.member) !== undefined, 'bob is still in')
    assert.deepEqual(pendingSelfRemoves(peer.channel.state), [leafOf(ds, carol!.member)])
    const codes = refusals(peer)
    assert.equal(codes[0], 'not_admin', 'the proposal to remove bob')
    assert.equal(codes[1], 'malformed', 'a commit of a proposal nobody kept')
    assert.equal(codes[2], 'not_admin', 'an inline removal beside a leave')
  }
  // The honest members go on together: alice commits carol's leave.
  await alice!.channel.commit(() => ({ selfRemoves: true }))
  await bob!.channel.catchUp()
  assert.equal(epochOf(bob!.channel.state), epoch + 1n)
  assert.deepEqual(treeHashOf(bob!.channel.state), treeHashOf(alice!.channel.state))
  assert.equal(membersOf(bob!.channel.state).length, 3)
})

test('with every admin gone from the tree the longest-standing person present is admin, for all', async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => g.get(n))
  const bobId = bob!.member.identity.publicKey
  await alice!.channel.commit((group) =>
    withRoles(group, {}, { admins: [{ identity: bobId, admin: true }] }),
  )
  for (const peer of [bob!, carol!, dave!]) await peer.channel.catchUp()
  // While an admin is in the tree, carol is no admin (she cannot grab it).
  await assert.rejects(
    carol!.channel.commit((group) => withRoles(group, {}, { name: 'Carol rules' })),
    (e) => isProtocolError(e, 'not_admin'),
  )
  // Both admins leave at once (each saw the other as admin, so nobody handed over).
  await alice!.channel.proposeLeave()
  await bob!.channel.proposeLeave()
  await dave!.channel.commit(() => ({ selfRemoves: true }))
  await carol!.channel.catchUp()
  assert.equal(membersOf(carol!.channel.state).length, 2)
  assert.equal(rolesOf(carol!.channel.state)!.members.filter((m) => m.admin).length, 2, 'listed')
  const carolId = carol!.member.identity.publicKey
  for (const peer of [carol!, dave!])
    assert.deepEqual(admins(peer.channel.state), [carolId], 'carol joined before dave')
  // dave is not: his rename is refused by his own client, and by carol when forced.
  await assert.rejects(
    dave!.channel.commit((group) => withRoles(group, {}, { name: 'Dave rules' })),
    (e) => isProtocolError(e, 'not_admin'),
  )
  const forced = await commitChanges(
    dave!.channel.state,
    withRoles(dave!.channel.state, {}, { name: 'Dave rules' }),
  )
  await deposit(g.box, FRAME_KIND.commit, forced.commit)
  await carol!.channel.catchUp()
  assert.deepEqual(refusals(carol!).slice(-1), ['not_admin'])
  // carol manages: her roles commit lists her as admin, and dave applies it.
  await carol!.channel.commit((group) => withRoles(group, {}, { name: 'Carol and Dave' }))
  await dave!.channel.catchUp()
  assert.equal(rolesOf(dave!.channel.state)!.name, 'Carol and Dave')
  assert.deepEqual(
    rolesOf(dave!.channel.state)!.members.map((m) => m.admin),
    [true, false],
    'the roles now name carol admin explicitly',
  )
  assert.deepEqual(treeHashOf(dave!.channel.state), treeHashOf(carol!.channel.state))
})
