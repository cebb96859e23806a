/**
 * Delivery receipts batched and delayed (issue #18, ADR 0751), with real nodes and a relay: a burst
 * of messages yields one receipt, sent no earlier than the delay after the first arrived; the
 * sender sees every message delivered only then. With the setting off, each goes out at once.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const DELAY_MS = 1_500

describe('messenger: delivery receipts batched after a delay', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string

  before(async () => {
    relay = await startTestRelay()
    a = new TestPeer('ayla', relay.multiaddrs)
    b = new TestPeer('bo', relay.multiaddrs)
    b.receiptDelay = { minMs: DELAY_MS, maxMs: DELAY_MS }
    await a.start()
    await b.start()
    ;({ convA } = await connectPeers(a, b))
  })

  after(async () => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  async function deliveries(ids: string[]): Promise<(string | null | undefined)[]> {
    const history = await a.history(convA)
    return ids.map((id) => history.find((m) => m.messageId === id)?.delivery)
  }

  test('a burst of five: nothing before the delay, then one receipt for all five', async () => {
    const receiptsBefore = b.sent.filter((s) => s.kind === 'receipt').length
    const ids: string[] = []
    for (let i = 1; i <= 5; i++) {
      const sent = await a.must({ type: 'messages.send', conversationId: convA, text: `m${i}` })
      ids.push(sent.message.messageId)
    }
    await waitUntil('bo has all five', () => ids.every((id) => b.addedAt.has(id)))
    const firstArrived = Math.min(...ids.map((id) => b.addedAt.get(id)!))
    assert.equal(
      b.sent.filter((s) => s.kind === 'receipt').length,
      receiptsBefore,
      'no receipt yet',
    )
    assert.ok(
      (await deliveries(ids)).every((d) => d !== 'delivered'),
      'ayla sees none delivered yet',
    )
    await waitUntil('ayla sees all five delivered', async () =>
      (await deliveries(ids)).every((d) => d === 'delivered'),
    )
    // The sender may apply the receipt before bo's outbox records the send (a direct ack).
    await waitUntil('bo recorded the receipt', () =>
      b.sent.some((s) => s.kind === 'receipt' && s.at >= firstArrived),
    )
    const receipts = b.sent.filter((s) => s.kind === 'receipt').slice(receiptsBefore)
    assert.equal(
      receipts.length,
      1,
      `one batched receipt: ${JSON.stringify(receipts.map((r) => [r.route, Math.round(r.at - firstArrived)]))}`,
    )
    assert.ok(
      receipts[0]!.at - firstArrived >= DELAY_MS - 5,
      `sent ${Math.round(receipts[0]!.at - firstArrived)} ms after the first message arrived`,
    )
  })

  test('with delayReceipts off, a receipt goes out at once', async () => {
    await b.must({ type: 'settings.update', patch: { delayReceipts: false } })
    const receiptsBefore = b.sent.filter((s) => s.kind === 'receipt').length
    const { message } = await a.must({ type: 'messages.send', conversationId: convA, text: 'now' })
    await waitUntil(
      'ayla sees it delivered',
      async () => (await deliveries([message.messageId]))[0] === 'delivered',
    )
    await waitUntil(
      'bo recorded the receipt',
      () => b.sent.filter((s) => s.kind === 'receipt').length > receiptsBefore,
    )
    const receipt = b.sent.filter((s) => s.kind === 'receipt')[receiptsBefore]!
    assert.ok(
      receipt.at - b.addedAt.get(message.messageId)! < DELAY_MS,
      'sent before the batch delay would have ended',
    )
  })
})
