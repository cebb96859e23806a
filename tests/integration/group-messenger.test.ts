/**
 * Groups through real messengers and a real relay (issue 20): alice creates a group and adds her
 * contacts bob and carol. The KeyPackage requests, the KeyPackages and the invitations travel as
 * ChatPayload `group` bodies inside the 1:1 sessions; the group mailbox lives on alice's relay.
 * carol runs without WebRTC, so nothing reaches her directly: she reads the group mailbox, in
 * order. bob and carol are not contacts of each other: what one sends reaches the other only
 * through the group mailbox. Then alice removes carol, who reads nothing sent after that.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { GroupManagerEvent } from '@hestia/core/messenger/groups/messenger-groups.ts'
import { epochOf, treeHashOf } from '@hestia/core/groups/mls.ts'
import { toHex } from '@hestia/core/crypto/bytes.ts'
import type { TestPeer } from './support/messenger-harness.ts'
import { waitUntil } from './support/messenger-harness.ts'
import { contactIdOf as contactId, startGroupTrio, type GroupTrio } from './support/group-trio.ts'

describe('groups through the messenger', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  const events = new Map<string, GroupManagerEvent[]>()

  const groupsOf = (p: TestPeer) => p.service.messenger!.groups
  const texts = (p: TestPeer, gid: string) =>
    (events.get(p.name) ?? []).flatMap((e) =>
      e.kind === 'message' && e.groupId === gid ? [e.text] : [],
    )
  const listen = (p: TestPeer) => {
    events.set(p.name, [])
    groupsOf(p).onEvent((e) => events.get(p.name)!.push(e))
  }
  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    for (const p of [alice, bob, carol]) listen(p)
  })

  after(async () => {
    await trio.stop()
  })

  test('create, add two contacts through their 1:1 sessions, talk, catch up in order, remove', async () => {
    const gid = await groupsOf(alice).create('Trip')
    await groupsOf(alice).add(gid, [await contactId(alice, 'bob'), await contactId(alice, 'carol')])
    for (const p of [bob, carol]) {
      await waitUntil(
        `${p.name} joined`,
        () => events.get(p.name)!.some((e) => e.kind === 'joined' && e.groupId === gid),
        60_000,
      )
    }
    assert.ok(events.get('bob')!.some((e) => e.kind === 'joined' && e.name === 'Trip'))

    await groupsOf(alice).send(gid, 'one')
    await groupsOf(bob).send(gid, 'two')
    await groupsOf(alice).send(gid, 'three')
    await waitUntil('bob reads one and three', async () => {
      await groupsOf(bob).catchUp(gid)
      return texts(bob, gid).includes('one') && texts(bob, gid).includes('three')
    })
    await groupsOf(carol).catchUp(gid)
    assert.deepEqual(
      texts(carol, gid),
      ['one', 'two', 'three'],
      'carol, from the group mailbox, in order',
    )
    await groupsOf(alice).catchUp(gid)
    assert.ok(texts(alice, gid).includes('two'))
    const states = await Promise.all([alice, bob, carol].map((p) => groupsOf(p).state(gid)))
    for (const s of states) assert.equal(toHex(treeHashOf(s)), toHex(treeHashOf(states[0]!)))

    await groupsOf(alice).remove(gid, await contactId(alice, 'carol'))
    await groupsOf(alice).send(gid, 'after carol')
    await groupsOf(carol).catchUp(gid)
    assert.ok(events.get('carol')!.some((e) => e.kind === 'removed' && e.groupId === gid))
    assert.ok(!texts(carol, gid).includes('after carol'), 'carol reads nothing after her removal')
    await waitUntil('bob reads after carol', async () => {
      await groupsOf(bob).catchUp(gid)
      return texts(bob, gid).includes('after carol')
    })
    const [a, b] = await Promise.all([alice, bob].map((p) => groupsOf(p).state(gid)))
    assert.equal(epochOf(a!), epochOf(b!))
  })

  test('through the client API: groups.create / addMembers / send / messages / list; unknown group or contact is not_found', async () => {
    const { groupId } = await alice.must({ type: 'groups.create', name: 'API group' })
    const bobId = await contactId(alice, 'bob')
    await alice.must({ type: 'groups.addMembers', groupId, contactIds: [bobId] })
    await waitUntil(
      'bob lists the group',
      async () =>
        (await bob.must({ type: 'groups.list' })).groups.some(
          (g) => g.groupId === groupId && g.name === 'API group' && g.memberCount === 2,
        ),
      60_000,
    )
    await alice.must({ type: 'groups.send', groupId, text: 'via the API' })
    await waitUntil('bob reads it through groups.messages', async () => {
      const { messages } = await bob.must({ type: 'groups.messages', groupId })
      return messages.some((m) => m.text === 'via the API')
    })
    const unknown = await alice.req({ type: 'groups.send', groupId: 'f'.repeat(64), text: 'x' })
    assert.ok(!unknown.ok && unknown.error.code === 'not_found')
    const stranger = await alice.req({ type: 'groups.addMembers', groupId, contactIds: ['nobody'] })
    assert.ok(!stranger.ok && stranger.error.code === 'not_found')
    const bad = await alice.req({ type: 'groups.create', name: '' })
    assert.ok(!bad.ok && bad.error.code === 'invalid_request')
  })
})
