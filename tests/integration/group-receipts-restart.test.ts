/**
 * A group delivery receipt still waiting when the messenger stops (ADR 0780) is sent after the
 * next start: bob stores alice's text, his receipt waits out its delay, he stops before it goes;
 * once he is back alice's text reads "delivered to 2 of 2". Before, the stop dropped it and the
 * text stayed at 1 of 2 for good.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { TestPeer } from './support/messenger-harness.ts'
import { waitUntil } from './support/messenger-harness.ts'
import { groupOfThree, startGroupTrio, waitTold, type GroupTrio } from './support/group-trio.ts'

describe('group receipts across a stop', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob } = trio)
  })

  after(async () => {
    await trio.stop()
  })

  test('a receipt waiting at the stop reaches the sender after the restart', async () => {
    const groupId = await groupOfThree(trio, 'Night shift')
    // bob's receipts now wait ten minutes: longer than he stays up.
    await bob.stop()
    bob.receiptDelay = { minMs: 600_000, maxMs: 600_000 }
    await bob.start()

    const { message } = await alice.must({ type: 'groups.send', groupId, text: 'who has the keys' })
    const delivery = async () =>
      (await alice.must({ type: 'groups.messages', groupId })).messages.find(
        (m) => m.messageId === message.messageId,
      )?.delivery
    await waitTold(bob, groupId, 'who has the keys')
    await waitUntil('carol’s receipt counted', async () => (await delivery())?.delivered === 1)
    assert.deepEqual(await delivery(), { delivered: 1, of: 2 }, 'bob’s receipt is still waiting')

    // bob stops with his receipt waiting, and comes back with the usual short window.
    await bob.stop()
    bob.receiptDelay = { minMs: 0, maxMs: 20 }
    await bob.start()
    await waitUntil('bob’s kept receipt counted', async () => (await delivery())?.delivered === 2)
    assert.deepEqual(await delivery(), { delivered: 2, of: 2 })
  })
})
