/**
 * A group screen that re-reads often (the popup polls the open group) against a relay that starts
 * refusing reads as rate-limited: every read still answers with the stored history instead of an
 * error, and once the relay allows reads again a new message arrives. Real messengers and relay;
 * carol has no WebRTC, so the group mailbox is her only way in.
 */
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from './support/messenger-harness.ts'
import { contactIdOf, startGroupTrio, waitTold, type GroupTrio } from './support/group-trio.ts'

let trio: GroupTrio
let groupId: string

before(async () => {
  // Each link may read 60 times at once, then once every 2 s: 150 reads in a row outrun it however
  // fast or slow this machine is.
  trio = await startGroupTrio({ rate: { readPerPeer: { perSecond: 0.5, burst: 60 } } })
  const { alice, carol } = trio
  groupId = (await alice.must({ type: 'groups.create', name: 'Busy' })).groupId
  const contactIds = [await contactIdOf(alice, 'carol')]
  await alice.must({ type: 'groups.addMembers', groupId, contactIds })
  await waitUntil(
    'carol joined',
    async () => (await carol.store.getGroup(groupId)) !== undefined,
    60_000,
  )
  await alice.must({ type: 'groups.send', groupId, text: 'first' })
  await waitTold(carol, groupId, 'first')
})

after(async () => trio?.stop())

test('reads the relay refuses as too many still show the stored history; later reads fetch again', async () => {
  const { alice, carol } = trio
  const texts = async () =>
    (await carol.must({ type: 'groups.messages', groupId })).messages.map((m) => m.text)
  for (let i = 0; i < 150; i++) assert.ok((await texts()).includes('first'), `read ${i}`)
  assert.ok(
    carol.logged.some((m) => m.startsWith('group read deferred')),
    'the relay refused some of those reads',
  )
  await alice.must({ type: 'groups.send', groupId, text: 'second' })
  await waitUntil(
    'carol reads the next message',
    async () => (await texts()).includes('second'),
    30_000,
  )
})
