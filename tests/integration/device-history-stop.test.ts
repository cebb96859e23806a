/**
 * The own-device channel stops with the messenger (issue 19, ADR 0790): A1 is sending its history
 * to the laptop, which is off and answers no chunk, when A1's messenger stops. Its wait for the
 * laptop's ack ends with the stop: no "failed" transfer, no chunk, nothing at all comes from A1
 * after stop() resolved, however long the ack wait was. Before the channel had a stop(), the ack
 * timer fired after the stop and A1 emitted a failed transfer into a stopped messenger.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil } from './support/messenger-harness.ts'
import { recordDeposits } from './support/relay-deposits.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { historyTexts, storeTexts } from './support/history-texts.ts'

/** The ack wait while A1 runs; stopping must end it, so the test waits well past it. */
const ACK_WAIT_MS = 300

describe('stopping the messenger mid-history', () => {
  const trio = useDeviceTrio()

  test('nothing of the transfer fires after stop(); a new transfer is refused while stopping', async () => {
    const { a1, a2, conv } = trio
    const laptop = a2.service.node!.peerId.toString()
    const text = (i: number) => `older ${i} `.padEnd(200, '.')
    await storeTexts(
      a1,
      historyTexts(conv.get(a1)!, 40, { text, from: Date.now() - 60_000, stepMs: 1 }),
    )
    await a2.stop() // no acks come back
    const deposits = recordDeposits(trio.relay.dataDir)
    const own = a1.service.messenger!.parts.own
    own.history.ackTimeoutMs = ACK_WAIT_MS
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.equal(started.state, 'running')
    // The one chunk (40 texts of 200 characters) is in the laptop's mailbox: A1 waits for its ack.
    try {
      await waitUntil('A1 deposited the chunk', () => deposits.sizes().some((n) => n > 8_000))
    } finally {
      deposits.close()
    }

    await a1.stop()
    const eventsAtStop = a1.events.length
    await new Promise((r) => setTimeout(r, ACK_WAIT_MS * 4))
    const after = a1.events.slice(eventsAtStop)
    assert.deepEqual(
      after.map((e) => e.type),
      [],
      'no event (no failed transfer) after stop() resolved',
    )
    await assert.rejects(own.history.send(laptop), /stopping/, 'a stopped channel starts nothing')
  })
})
