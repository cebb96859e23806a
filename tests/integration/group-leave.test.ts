/**
 * Leaving a group without waiting for an admin (issue 20, ADR 0138), with real messengers and a
 * loopback relay: alice creates the group (its only admin) with bob and carol.
 *
 * - carol runs a modified client: she deposits a proposal to remove bob (signed by her own leaf)
 *   and a commit of it by reference, where the order expects them. alice and bob refuse both
 *   (the proposal `not_admin`, the commit of a proposal nobody kept `malformed`), stay in one
 *   epoch and bob stays in.
 * - alice (the admin) is offline; carol leaves. bob, who is no admin, commits her own proposal:
 *   his tree no longer holds carol and his history says "carol left". alice, back, applies the
 *   same commit, says "carol left" too and reads bob's next message.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { bytesEqual, toBase64Url } from '@hestia/core/crypto/bytes.ts'
import { FRAME_KIND } from '@hestia/core/groups/framing.ts'
import {
  epochOf,
  membersOf,
  proposeChange,
  treeHashOf,
  type Group,
} from '@hestia/core/groups/mls.ts'
import { identityOfCredential } from '@hestia/core/groups/credential.ts'
import type { GroupManagerEvent } from '@hestia/core/messenger/groups/messenger-groups.ts'
import { createCommit, encodeMlsMessage } from 'ts-mls'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  forgerIn,
  makeGroup,
  startGroupTrio,
  toldGroupTexts,
  type GroupTrio,
} from './support/group-trio.ts'
import { startClientNode } from './relay-helpers.ts'

describe('a member leaves while the admin is away', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  let attackerNode: Libp2p
  let groupId: string
  const events = new Map<string, GroupManagerEvent[]>()

  const groupsOf = (p: TestPeer) => p.service.messenger!.groups
  const watch = (p: TestPeer) => {
    events.set(p.name, [])
    groupsOf(p).onEvent((e) => events.get(p.name)!.push(e))
  }
  const refused = (p: TestPeer) =>
    events.get(p.name)!.flatMap((e) => (e.kind === 'refused' ? [e.code] : []))
  /** The identity key id alice knows for `name` (what system lines name people by). */
  async function keyIdOf(name: string) {
    const c = (await alice.store.listContacts()).find((x) => x.displayName === name)!
    return toBase64Url(c.identityPublicKey)
  }
  async function leafOf(group: Group, name: string) {
    const c = (await alice.store.listContacts()).find((x) => x.displayName === name)!
    return membersOf(group).find((m) =>
      bytesEqual(identityOfCredential(m.credential), c.identityPublicKey),
    )?.leaf
  }
  /** The system lines `p` stores, as `kind keyId [by keyId]`. */
  async function lines(p: TestPeer) {
    const { messages } = await p.must({ type: 'groups.messages', groupId })
    return messages.flatMap((m) =>
      m.system === undefined
        ? []
        : [[m.system.kind, m.system.member.keyId, m.system.by?.keyId].filter(Boolean).join(' ')],
    )
  }

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    for (const p of [alice, bob, carol]) watch(p)
    attackerNode = await startClientNode()
    groupId = await makeGroup(alice, [bob, carol]) // join order: bob, then carol
  })

  after(async () => {
    await attackerNode.stop()
    await trio.stop()
  })

  test("a non-admin's proposal to remove someone else, and its commit, are refused by all", async () => {
    const state = await groupsOf(carol).state(groupId)
    const bobLeaf = await leafOf(state, 'bob')
    assert.ok(bobLeaf !== undefined)
    const proposal = await proposeChange(state, { remove: bobLeaf }) // signed by carol's leaf
    const byReference = await createCommit({
      state: proposal.group.state,
      cipherSuite: proposal.group.suite.impl,
    })
    const forger = await forgerIn(attackerNode, trio, carol, groupId)
    let last = forger.last
    for (const [kind, mls] of [
      [FRAME_KIND.proposal, proposal.proposal],
      [FRAME_KIND.commit, encodeMlsMessage(byReference.commit)],
    ] as const) {
      last = await forger.append(kind, mls, last + 1n)
    }
    const epoch = epochOf(await groupsOf(alice).state(groupId))
    for (const p of [alice, bob]) {
      await p.must({ type: 'groups.messages', groupId })
      await waitUntil(
        `${p.name} refused both`,
        () => refused(p).includes('not_admin') && refused(p).includes('malformed'),
        30_000,
      )
      assert.equal(epochOf(await groupsOf(p).state(groupId)), epoch, `${p.name} kept the epoch`)
    }
    const a = await groupsOf(alice).state(groupId)
    assert.deepEqual(treeHashOf(a), treeHashOf(await groupsOf(bob).state(groupId)))
    assert.equal(membersOf(a).length, 3, 'bob is still in')
  })

  test('with the admin offline, bob (no admin) commits carol’s leave; all say “carol left”', async () => {
    await alice.stop()
    await carol.must({ type: 'groups.leave', groupId })
    await waitUntil(
      'bob no longer has carol in the group',
      async () => {
        await bob.must({ type: 'groups.messages', groupId })
        return membersOf(await groupsOf(bob).state(groupId)).length === 2
      },
      60_000,
    )
    const carolKey = await keyIdOf('carol')
    assert.equal((await lines(bob)).at(-1), `left ${carolKey}`)
    const members = (await bob.must({ type: 'groups.members', groupId })).members
    assert.equal(members.length, 2)
    assert.equal(members.find((m) => !m.self)?.role, 'admin', 'alice stays the admin')
    await bob.must({ type: 'groups.send', groupId, text: 'carol has gone' })

    await alice.start()
    watch(alice)
    await waitUntil(
      'alice, back, applies the leave and reads bob',
      async () => {
        await alice.must({ type: 'groups.messages', groupId })
        return toldGroupTexts(alice, groupId).includes('carol has gone')
      },
      60_000,
    )
    const a = await groupsOf(alice).state(groupId)
    assert.equal(membersOf(a).length, 2)
    assert.deepEqual(treeHashOf(a), treeHashOf(await groupsOf(bob).state(groupId)))
    const aliceLines = await lines(alice)
    assert.ok(aliceLines.includes(`left ${carolKey}`), aliceLines.join(', '))
    assert.ok(!aliceLines.some((l) => l.startsWith(`removed ${carolKey}`)))
  })
})
