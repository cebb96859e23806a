// Group roles (ADR 0135): the codec is strict (and fuzzed), and the admin rule is applied by every
// member through GroupChannel over an in-memory group mailbox: a non-admin's commit that removes,
// adds, renames or promotes is refused by all and changes nothing, the honest members stay in one
// epoch; an admin's changes go through; a leaf update is anyone's. Real messengers and relay:
// tests/integration/group-admin.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import { isProtocolError } from '../wire/errors.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember, type TestMember } from '../../test-support/group-fixtures.ts'
import type { MemoryGroupMailbox } from '../../test-support/group-mailbox-memory.ts'
import {
  depositForged,
  refusals,
  startRolesGroup,
  withRoles,
} from '../../test-support/group-roles-fixture.ts'
import { FRAME_KIND } from './framing.ts'
import {
  commitChanges,
  epochOf,
  loadSuite,
  membersOf,
  treeHashOf,
  type Group,
  type GroupChanges,
} from './mls.ts'
import { rolesExtension, rolesOf } from './roles-policy.ts'
import { decodeRoles, encodeRoles, successorOf, type GroupRoles } from './roles.ts'

const suite = await loadSuite()
const p = { random: seededRandom('roles.test'), clock: fixedClock().clock }
const id = (n: number) => new Uint8Array(32).fill(n)

test('roles: encode/decode round trip; every broken form is malformed', () => {
  const roles: GroupRoles = {
    name: 'Team ✓',
    members: [
      { identity: id(1), admin: true },
      { identity: id(2), admin: false },
    ],
  }
  const bytes = encodeRoles(roles)
  assert.deepEqual(decodeRoles(bytes), roles)
  const broken: Uint8Array[] = [
    bytes.subarray(0, bytes.length - 1), // cut
    new Uint8Array([...bytes, 0]), // trailing
    Uint8Array.of(2, ...bytes.subarray(1)), // version
  ]
  const noAdmin = bytes.slice()
  noAdmin[bytes.length - 34] = 0
  broken.push(noAdmin)
  const badRole = bytes.slice()
  badRole[bytes.length - 1] = 2
  broken.push(badRole)
  const twice = encodeRoles(roles)
  twice.set(id(1), twice.length - 33)
  broken.push(twice)
  for (const b of broken)
    assert.throws(
      () => decodeRoles(b),
      (e) => isProtocolError(e, 'malformed'),
    )
  assert.throws(() => encodeRoles({ name: '', members: roles.members }))
  assert.equal(toHex(successorOf(roles, id(1))!), toHex(id(2)), 'the longest-standing other')
  assert.equal(
    successorOf({ ...roles, members: [...roles.members, { identity: id(3), admin: true }] }, id(1)),
    undefined,
  )
})

test('roles decoder: 100,000 random and mutated inputs throw only ProtocolError', () => {
  const random = seededRandom('roles-fuzz')
  const seed = encodeRoles({
    name: 'g',
    members: [1, 2, 3].map((n) => ({ identity: id(n), admin: n === 1 })),
  })
  for (let i = 0; i < 100_000; i++) {
    let input: Uint8Array
    if (i % 2 === 0) input = random(random(1)[0]! % 140)
    else {
      input = seed.slice()
      const flips = 1 + (random(1)[0]! % 4)
      for (let f = 0; f < flips; f++) input[random(1)[0]! % input.length] = random(1)[0]!
    }
    try {
      decodeRoles(input)
    } catch (err) {
      if (!isProtocolError(err)) throw err
    }
  }
})

const leafOf = (group: Group, m: TestMember) =>
  membersOf(group).find((x) => bytesEqual(x.credential, m.credential))!.leaf

/** A modified client: commits without its own admin check and deposits where the order expects. */
async function forceCommit(box: MemoryGroupMailbox, group: Group, change: GroupChanges) {
  await depositForged(p, box, FRAME_KIND.commit, (await commitChanges(group, change)).commit)
}

test("a non-admin's commits (remove, add, rename, promote itself) are refused by every member", async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => g.get(n))
  const epoch = epochOf(alice!.channel.state)
  const cs = carol!.channel.state
  // Her own client refuses to send it (the rule runs on the committer's side too) ...
  await assert.rejects(
    carol!.channel.commit((group) => ({ remove: [leafOf(group, bob!.member)] })),
    (e) => isProtocolError(e, 'not_admin'),
  )
  // ... so she bypasses it: remove bob; add; rename; make herself admin; add without new roles.
  const extra = await makeMember(p, suite, 'eve').keyPackage()
  const attempts: GroupChanges[] = [
    { remove: [leafOf(cs, bob!.member)] },
    withRoles(cs, { add: [extra.bytes] }),
    withRoles(cs, {}, { name: 'Carol rules' }),
    withRoles(cs, {}, { admins: [{ identity: carol!.member.identity.publicKey, admin: true }] }),
    { add: [extra.bytes] },
  ]
  for (const change of attempts) await forceCommit(g.box, cs, change)
  for (const peer of [alice!, bob!, dave!]) {
    await peer.channel.catchUp()
    assert.equal(epochOf(peer.channel.state), epoch, `${peer.member.name} stays at the epoch`)
    assert.deepEqual(refusals(peer), Array(5).fill('not_admin'))
    assert.equal(membersOf(peer.channel.state).length, 4, 'bob is still in')
    assert.equal(rolesOf(peer.channel.state)!.name, 'Team')
  }
  assert.deepEqual(treeHashOf(bob!.channel.state), treeHashOf(alice!.channel.state))
  // The honest members go on together: an admin's next commit lands for everyone.
  await alice!.channel.commit((group) => withRoles(group, {}, { name: 'Team 2' }))
  for (const peer of [bob!, carol!, dave!]) {
    await peer.channel.catchUp()
    assert.equal(epochOf(peer.channel.state), epoch + 1n)
    assert.equal(rolesOf(peer.channel.state)!.name, 'Team 2')
  }
})

test('an admin promotes, the new admin removes; demoted, she cannot; a leaf update is anyone', async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => g.get(n))
  const carolId = carol!.member.identity.publicKey
  await alice!.channel.commit((group) =>
    withRoles(group, {}, { admins: [{ identity: carolId, admin: true }] }),
  )
  await carol!.channel.catchUp()
  // A removal carries no roles (roles-policy.ts: the ts-mls path + extensions bug).
  await carol!.channel.commit((group) => ({ remove: [leafOf(group, bob!.member)] }))
  await alice!.channel.catchUp()
  await bob!.channel.catchUp()
  assert.equal(membersOf(alice!.channel.state).length, 2, 'bob removed by the promoted carol')
  assert.ok(bob!.events.some((e) => e.kind === 'removed'))
  await alice!.channel.commit((group) =>
    withRoles(group, {}, { admins: [{ identity: carolId, admin: false }] }),
  )
  await carol!.channel.catchUp()
  await assert.rejects(
    carol!.channel.commit((group) => withRoles(group, {}, { name: 'mine' })),
    (e) => isProtocolError(e, 'not_admin'),
  )
  // The last admin cannot demote herself: a group always has one.
  const aliceId = alice!.member.identity.publicKey
  await assert.rejects(
    alice!.channel.commit((group) =>
      withRoles(group, {}, { admins: [{ identity: aliceId, admin: false }] }),
    ),
    (e) => isProtocolError(e, 'malformed'),
  )
  const before = epochOf(carol!.channel.state)
  await carol!.channel.commit(() => ({})) // her own leaf update
  await alice!.channel.catchUp()
  assert.equal(epochOf(alice!.channel.state), before + 1n)
  assert.deepEqual(treeHashOf(alice!.channel.state), treeHashOf(carol!.channel.state))
})

test('an admin commit whose roles do not list the members after it is refused by all', async () => {
  const g = await startRolesGroup(p, suite, ['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((n) => g.get(n))
  const a = alice!.channel.state
  const epoch = epochOf(a)
  const dave = await makeMember(p, suite, 'dave').keyPackage()
  const roles = rolesOf(a)!
  const daveId = withRoles(a, { add: [dave.bytes] }).extensions![0]!
  const swapped = { ...roles, members: [...roles.members].reverse() }
  const bad: GroupChanges[] = [
    { add: [dave.bytes], extensions: [rolesExtension(roles)] }, // dave not listed
    { add: [dave.bytes], extensions: [rolesExtension(swapped), daveId] }, // two extensions
    { extensions: [rolesExtension(swapped)] }, // order changed: carol "longest-standing"
  ]
  for (const change of bad) await forceCommit(g.box, a, change)
  for (const peer of [bob!, carol!]) {
    await peer.channel.catchUp()
    assert.equal(epochOf(peer.channel.state), epoch)
    assert.deepEqual(refusals(peer), ['malformed', 'malformed', 'malformed'])
  }
})
