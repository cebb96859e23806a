/**
 * The outbox under a burst (issue 21): messages queued while earlier ones are still in flight, so
 * an outbox pass runs while another is sending. Every row leaves once, no row overtakes one queued
 * before it, the contact shows each message once, and with delayReceipts off every receipt comes
 * back over the direct connection, each receipt row sent once. Written for ADR 0441's
 * "send a new head without a pass" lever (not kept: no gain measured); it guards any later change
 * to how the outbox picks what to send. Real messengers over WebRTC (node-datachannel on
 * loopback) and a real relay.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { startDirectPair, type DirectPair } from './support/direct-pair.ts'

const BURST = 20

describe('outbox: a burst leaves once each, in order', () => {
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
    await pair.stop()
  })

  test('a burst sent all at once: each row leaves once, in queue order; ben shows each once', async () => {
    const texts = Array.from({ length: BURST }, (_, i) => `burst ${String(i).padStart(2, '0')}`)
    // All at once: rows are queued while earlier ones are still in flight, and each send kicks
    // the outbox, so passes overlap with the sending of rows they did not pick.
    const sent = await Promise.all(
      texts.map((text) => a.must({ type: 'messages.send', conversationId: convA, text })),
    )
    const ids = sent.map((r) => r.message.messageId)
    await waitUntil('ben shows the whole burst', () => ids.every((id) => b.addedAt.has(id)), 20_000)
    await waitUntil('ada recorded every send', () =>
      ids.every((id) => a.sent.some((s) => s.messageId === id)),
    )
    for (const id of ids) {
      const sends = a.sent.filter((s) => s.messageId === id)
      assert.equal(sends.length, 1, `message ${ids.indexOf(id)} left ${sends.length} times`)
    }
    // Queue order is the rows' order (seq). No row left before one queued ahead of it, and ben
    // took them in that order.
    const seqOf = (id: string) => a.sent.find((s) => s.messageId === id)!.seq
    const queued = [...ids].sort((x, y) => seqOf(x) - seqOf(y))
    const sendOrder = queued.map((id) => a.sent.findIndex((s) => s.messageId === id))
    assert.deepEqual(
      sendOrder,
      [...sendOrder].sort((x, y) => x - y),
      'sent in queue order',
    )
    const arrived = queued.map((id) => b.addedAt.get(id)!)
    assert.deepEqual(
      arrived,
      [...arrived].sort((x, y) => x - y),
      'ben took them in queue order',
    )
    const shown = (await b.texts(convB)).filter((t) => t.startsWith('burst '))
    assert.equal(shown.length, BURST, 'each shown once')
    assert.deepEqual(new Set(shown), new Set(texts))
    assert.equal(
      b.events.filter(
        (e) =>
          e.type === 'message.added' &&
          e.message.body.kind === 'text' &&
          ids.includes(e.message.messageId),
      ).length,
      BURST,
      'message.added once per message',
    )
  })

  test('receipts at once (delayReceipts off): every message delivered, each receipt row sent once, direct', async () => {
    const receiptsBefore = b.sent.filter((s) => s.kind === 'receipt').length
    const ids: string[] = []
    for (let i = 0; i < 5; i++) {
      const { message } = await a.must({
        type: 'messages.send',
        conversationId: convA,
        text: `one by one ${i}`,
      })
      ids.push(message.messageId)
      await waitUntil(
        `ada sees ${i} delivered`,
        async () =>
          (await a.history(convA)).find((m) => m.messageId === message.messageId)?.delivery ===
          'delivered',
      )
    }
    const receipts = b.sent.filter((s) => s.kind === 'receipt').slice(receiptsBefore)
    assert.ok(receipts.length >= ids.length, `${receipts.length} receipts for ${ids.length}`)
    const seqs = receipts.map((r) => r.seq)
    assert.equal(new Set(seqs).size, seqs.length, 'no receipt row sent twice')
    assert.ok(
      receipts.every((r) => r.route === 'direct'),
      `over the direct connection: ${receipts.map((r) => r.route).join(', ')}`,
    )
  })
})
