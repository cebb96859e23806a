/**
 * Groups through real messengers and a real relay, through the client API (issue 20): messages
 * arrive as `group.message` events without polling (bob directly, carol without WebRTC through her
 * subscription to the group mailbox), each naming its sender; a rename reaches everyone; and bob's
 * messenger restarts mid-group: he still sends and receives, and his history is there.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import type { GroupMessage } from '@hestia/core/client/api.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  tempDir,
  waitUntil,
} from './support/messenger-harness.ts'

describe('groups across a restart, with live events', () => {
  let relay: RelayHandle
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer

  /** group.message events this peer was told, since its (re)start. */
  const told = (p: TestPeer, gid: string): GroupMessage[] =>
    p.events.flatMap((e) =>
      e.type === 'group.message' && e.message.groupId === gid ? [e.message] : [],
    )
  const toldTexts = (p: TestPeer, gid: string) => told(p, gid).map((m) => m.text)
  async function contactId(of: TestPeer, name: string): Promise<string> {
    const c = (await of.store.listContacts()).find((x) => x.displayName === name)
    assert.ok(c !== undefined, `${of.name} knows ${name}`)
    return c.contactId
  }

  before(async () => {
    relay = await startTestRelay(tempDir())
    alice = await new TestPeer('alice', relay.multiaddrs).start()
    bob = await new TestPeer('bob', relay.multiaddrs).start()
    carol = new TestPeer('carol', relay.multiaddrs)
    carol.direct = false // no WebRTC: the group mailbox is carol's only way in
    await carol.start()
    await connectPeers(alice, bob)
    await carol.must({ type: 'identity.create', displayName: 'carol' })
    const invite = await alice.must({ type: 'invite.mine' })
    await carol.must({ type: 'invite.accept', invite: invite.link })
    await waitUntil('alice sees carol', async () => (await alice.store.listContacts()).length === 2)
  })

  after(async () => {
    for (const p of [alice, bob, carol]) await p.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('live events with senders, rename, and a restart mid-group', async () => {
    const { groupId } = await alice.must({ type: 'groups.create', name: 'Choir' })
    const contacts = [await contactId(alice, 'bob'), await contactId(alice, 'carol')]
    await alice.must({ type: 'groups.addMembers', groupId, contactIds: contacts })
    for (const p of [bob, carol]) {
      await waitUntil(
        `${p.name} joined`,
        () =>
          p.events.some(
            (e) =>
              e.type === 'group.changed' && e.change === 'joined' && e.group.groupId === groupId,
          ),
        60_000,
      )
    }
    const sent = await alice.must({ type: 'groups.send', groupId, text: 'rehearsal at 7' })
    assert.equal(sent.message.outgoing, true)
    assert.equal(sent.message.sender, null)
    // No groups.messages, no catchUp: the events arrive on their own.
    for (const p of [bob, carol]) {
      await waitUntil(
        `${p.name} is told`,
        () => toldTexts(p, groupId).includes('rehearsal at 7'),
        30_000,
      )
      const m = told(p, groupId).find((x) => x.text === 'rehearsal at 7')!
      assert.equal(m.sender?.name, 'alice', `${p.name} sees who sent it`)
      assert.equal(m.sender?.contactId, await contactId(p, 'alice'))
      assert.equal(m.held, false)
    }
    assert.equal(told(carol, groupId)[0]?.via, 'mailbox', 'carol read it from the group mailbox')
    // bob and carol are not contacts: carol's message reaches bob through the mailbox, unnamed.
    await carol.must({ type: 'groups.send', groupId, text: 'I bring the sheet music' })
    await waitUntil(
      'bob is told carol’s',
      () => toldTexts(bob, groupId).includes('I bring the sheet music'),
      30_000,
    )
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
      history.map((m) => m.text),
      ['rehearsal at 7', 'I bring the sheet music'],
      'bob’s history survived the restart',
    )
    assert.equal((await bob.must({ type: 'groups.list' })).groups[0]?.name, 'Choir (tenors)')
    await bob.must({ type: 'groups.send', groupId, text: 'back after a restart' })
    for (const p of [alice, carol]) {
      await waitUntil(
        `${p.name} is told bob’s`,
        () => toldTexts(p, groupId).includes('back after a restart'),
        30_000,
      )
    }
    await alice.must({ type: 'groups.send', groupId, text: 'welcome back' })
    await waitUntil(
      'restarted bob is told',
      () => toldTexts(bob, groupId).includes('welcome back'),
      30_000,
    )
    const members = (await bob.must({ type: 'groups.members', groupId })).members
    assert.equal(members.length, 3)
    assert.equal(members.filter((m) => m.self).length, 1)
  })
})
