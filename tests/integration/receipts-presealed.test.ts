/**
 * Rows sealed in the transaction that queues them (issue 21, ADR 0441): with a direct connection
 * open, a text is sealed in its send's transaction and, with delayReceipts off, its delivery
 * receipt in the transaction that stores it; each goes out right after its commit, without an
 * outbox pass. Each leaves once, over the direct connection, no pass attempts it as well, and both
 * outboxes are empty afterwards.
 * Seen through the latency marks (core/src/wire/latency-trace.ts), both peers in this process.
 * Real messengers over WebRTC (node-datachannel on loopback) and a real relay.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { startDirectPair, type DirectPair } from './support/direct-pair.ts'

type Trace = ([string, number] | [string, number, number])[]
const g = globalThis as { __hestiaLatencyTrace?: Trace }

describe('texts and receipts sealed with their commit, sent without a pass', () => {
  let pair: DirectPair
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string

  before(async () => {
    pair = await startDirectPair({ receiptsAtOnce: true })
    ;({ a, b, convA, convB } = pair)
  })

  after(async () => {
    delete g.__hestiaLatencyTrace
    await pair.stop()
  })

  test('five messages and their five receipts, each sealed in its commit and sent once, direct', async () => {
    const receiptsBefore = b.sent.filter((s) => s.kind === 'receipt').length
    const messagesBefore = a.sent.filter((s) => s.kind === 'message').length
    g.__hestiaLatencyTrace = []
    for (let i = 0; i < 5; i++) {
      const { message } = await a.must({
        type: 'messages.send',
        conversationId: convA,
        text: `sealed with it ${i}`,
      })
      await waitUntil(
        `ada sees ${i} delivered`,
        async () =>
          (await a.history(convA)).find((m) => m.messageId === message.messageId)?.delivery ===
          'delivered',
      )
      // A row goes once its transport ack is in: only a row heading its conversation is sealed
      // in its commit (rows leave in order).
      await waitUntil(
        'both outboxes are empty',
        async () =>
          (await b.store.listOutbox(convB)).length === 0 &&
          (await a.store.listOutbox(convA)).length === 0,
      )
    }
    await waitUntil(
      'ben recorded five receipts',
      () => b.sent.slice(receiptsBefore).filter((s) => s.kind === 'receipt').length >= 5,
    )
    const marks = g.__hestiaLatencyTrace.map((e) => e[0])
    delete g.__hestiaLatencyTrace
    assert.equal(marks.filter((m) => m === 'outbox.presealed message').length, 5)
    assert.equal(marks.filter((m) => m === 'outbox.presealed receipt').length, 5)
    assert.deepEqual(
      marks.filter((m) => m.startsWith('outbox.attempt')),
      [],
      'no pass attempted a text or a receipt',
    )
    const messages = a.sent.filter((s) => s.kind === 'message').slice(messagesBefore)
    assert.equal(messages.length, 5)
    assert.equal(new Set(messages.map((r) => r.seq)).size, 5, 'no text sent twice')
    assert.ok(messages.every((r) => r.route === 'direct'))
    assert.deepEqual(
      (await b.history(convB)).filter((m) => m.body.kind === 'text').map((m) => m.body),
      [0, 1, 2, 3, 4].map((i) => ({ kind: 'text', text: `sealed with it ${i}` })),
      'ben shows each once, in order',
    )
    const receipts = b.sent.filter((s) => s.kind === 'receipt').slice(receiptsBefore)
    assert.equal(receipts.length, 5)
    assert.equal(new Set(receipts.map((r) => r.seq)).size, 5, 'no receipt row sent twice')
    assert.ok(receipts.every((r) => r.route === 'direct'))
    await waitUntil(
      'ben’s outbox is empty',
      async () => (await b.store.listOutbox(convB)).length === 0,
    )
  })
})
