/**
 * Groups through real messengers and a real relay, through the client API (issue 20): messages
 * arrive as `group.message` events without polling (bob directly, carol without WebRTC through her
 * subscription to the group mailbox), each naming its sender; a rename reaches everyone; and bob's
 * messenger restarts mid-group: he still sends and receives, and his history is there.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { TestPeer } from './support/messenger-harness.ts'
import { waitUntil } from './support/messenger-harness.ts'
import {
  contactIdOf as contactId,
  groupOfThree,
  startGroupTrio,
  toldGroupMessages as told,
  waitTold,
  type GroupTrio,
} from './support/group-trio.ts'

describe('groups across a restart, with live events', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
  })

  after(async () => {
    await trio.stop()
  })

  test('live events with senders, rename, and a restart mid-group', async () => {
    const groupId = await groupOfThree(trio, 'Choir')
    const sent = await alice.must({ type: 'groups.send', groupId, text: 'rehearsal at 7' })
    assert.equal(sent.message.outgoing, true)
    assert.equal(sent.message.sender, null)
    // No groups.messages, no catchUp: the events arrive on their own.
    for (const p of [bob, carol]) {
      await waitTold(p, groupId, 'rehearsal at 7')
      const m = told(p, groupId).find((x) => x.text === 'rehearsal at 7')!
      assert.equal(m.sender?.name, 'alice', `${p.name} sees who sent it`)
      assert.equal(m.sender?.contactId, await contactId(p, 'alice'))
      assert.equal(m.held, false)
    }
    assert.equal(told(carol, groupId)[0]?.via, 'mailbox', 'carol read it from the group mailbox')
    // bob and carol are not contacts: carol's message reaches bob through the mailbox, unnamed.
    await carol.must({ type: 'groups.send', groupId, text: 'I bring the sheet music' })
    await waitTold(bob, groupId, 'I bring the sheet music', 'bob is told carol’s')
    const fromCarol = told(bob, groupId).find((x) => x.text === 'I bring the sheet music')!
    assert.equal(fromCarol.sender?.contactId, null, 'not a contact of bob')
    assert.equal(typeof fromCarol.sender?.keyId, 'string')

    await alice.must({ type: 'groups.rename', groupId, name: 'Choir (tenors)' })
    for (const p of [bob, carol]) {
      await waitUntil(
        `${p.name} sees the new name`,
        async () =>
          (await p.must({ type: 'groups.list' })).groups.some((g) => g.name === 'Choir (tenors)'),
        30_000,
      )
    }

    // bob restarts.
    await bob.stop()
    bob.events.length = 0
    await bob.start()
    const history = (await bob.must({ type: 'groups.messages', groupId })).messages
    assert.deepEqual(
      history.filter((m) => m.system === undefined).map((m) => m.text),
      ['rehearsal at 7', 'I bring the sheet music'],
      'bob’s history survived the restart',
    )
    assert.equal((await bob.must({ type: 'groups.list' })).groups[0]?.name, 'Choir (tenors)')
    await bob.must({ type: 'groups.send', groupId, text: 'back after a restart' })
    for (const p of [alice, carol]) await waitTold(p, groupId, 'back after a restart')
    await alice.must({ type: 'groups.send', groupId, text: 'welcome back' })
    await waitTold(bob, groupId, 'welcome back', 'restarted bob is told')
    const members = (await bob.must({ type: 'groups.members', groupId })).members
    assert.equal(members.length, 3)
    assert.equal(members.filter((m) => m.self).length, 1)
  })
})
