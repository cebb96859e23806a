/**
 * A text sealed in its send's transaction (issue 21, ADR 0441) whose direct send fails goes into
 * the contact's mailbox as the same frame, from that same presealed send (no outbox pass, no
 * second seal), and the contact shows it once.
 *
 * The direct stream breaks while ben's inbox handles the frame: once it has opened it, every
 * connection between the two is closed and ada cannot dial again, so neither the kept stream nor
 * a fresh one can carry the ack.
 * - ben's inbox then fails (the trace sink throws there): the frame was never stored, the mailbox
 *   copy is the one he shows;
 * - ben's inbox goes on: the frame is stored but its ack is lost, the mailbox copy is a replay his
 *   inbox drops (answered as a duplicate).
 * Real messengers over WebRTC (node-datachannel on loopback) and a real relay.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessengerNode } from '@hestia/core/messenger/service.ts'
import { startDirectPair, type DirectPair } from './support/direct-pair.ts'
import { ensureDirect, waitUntil, type TestPeer } from './support/messenger-harness.ts'

const g = globalThis as { __hestiaLatencyTrace?: { push(e: unknown): unknown } }

describe('a presealed text whose direct send breaks', () => {
  let pair: DirectPair
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  /** Set: ada's dials fail (no direct connection can be made again). */
  let noDial = false
  /** Set: runs where ben's inbox has opened ada's next text (a throw makes it fail there). */
  let armed: (() => void) | null = null

  before(async () => {
    const breakableDial = (node: MessengerNode) => {
      const dial = node.dial.bind(node)
      node.dial = (...args: Parameters<typeof dial>) =>
        noDial ? Promise.reject(new Error('dialling is broken in this test')) : dial(...args)
    }
    pair = await startDirectPair({
      beforeAdaStarts: (ada) => (ada.instrument.node = breakableDial),
    })
    ;({ a, b, convA, convB } = pair)
  })

  after(async () => {
    delete g.__hestiaLatencyTrace
    await pair?.stop()
  })

  /** Closes every connection between ada and ben, on both sides; ada cannot dial again. */
  function breakDirect(): void {
    noDial = true
    const aPeer = a.service.node!.peerId
    const bPeer = b.service.node!.peerId
    for (const c of b.service.node!.getConnections(aPeer)) c.abort(new Error('broken by the test'))
    for (const c of a.service.node!.getConnections(bPeer)) c.abort(new Error('broken by the test'))
  }

  /**
   * Sends `text` from ada, presealed, and breaks the direct path once ben's inbox opened it
   * (`thenFail`: his inbox fails there too). Gives the trace labels seen until it is delivered.
   */
  async function sendAndBreak(text: string, thenFail: boolean): Promise<string[]> {
    noDial = false
    await ensureDirect(a, b, pair.relay.multiaddrs[0]!)
    await waitUntil(
      'both outboxes empty',
      async () =>
        (await a.store.listOutbox(convA)).length === 0 &&
        (await b.store.listOutbox(convB)).length === 0,
    )
    const labels: string[] = []
    armed = () => {
      breakDirect()
      if (thenFail) throw new Error('ben’s inbox fails in this test')
    }
    g.__hestiaLatencyTrace = {
      push: (e: unknown) => {
        const [label] = e as [string]
        labels.push(label)
        // ben's inbox opened ada's text; nothing of it is stored yet.
        if (label === 'inbox.decrypted' && armed !== null) {
          const run = armed
          armed = null
          run()
        }
      },
    }
    const sentBefore = a.sent.length
    const { message } = await a.must({ type: 'messages.send', conversationId: convA, text })
    await waitUntil(
      'ada recorded it sent and sees it delivered',
      async () =>
        a.sent.slice(sentBefore).some((s) => s.messageId === message.messageId) &&
        (await a.history(convA)).find((m) => m.messageId === message.messageId)?.delivery ===
          'delivered',
      30_000,
    )
    delete g.__hestiaLatencyTrace
    assert.equal(armed, null, 'ben’s inbox opened the direct frame')
    const mine = a.sent.slice(sentBefore).filter((s) => s.messageId === message.messageId)
    assert.deepEqual(
      mine.map((s) => s.route),
      ['mailbox'],
      'the text left once, by the mailbox',
    )
    assert.deepEqual(
      (await b.history(convB)).filter((m) => m.messageId === message.messageId).length,
      1,
      'ben shows the text once',
    )
    assert.deepEqual(await a.store.listOutbox(convA), [], 'nothing of ada’s is left to send')
    return labels
  }

  function assertOneSend(labels: string[]): void {
    assert.equal(labels.filter((l) => l === 'outbox.presealed message').length, 1, 'presealed')
    assert.deepEqual(
      labels.filter((l) => l === 'outbox.attempt message' || l === 'outbox.sealed message'),
      ['outbox.sealed message'],
      'the presealed send itself fell over: no pass attempted the text, nothing sealed it again',
    )
    assert.ok(labels.includes('outbox.sent message mailbox'), 'sent into the mailbox')
  }

  test('ben never stored the direct frame: the mailbox copy is the one he shows', async () => {
    const labels = await sendAndBreak('over the mailbox, not stored', true)
    assertOneSend(labels)
    assert.deepEqual(
      (await b.texts(convB)).filter((t) => t === 'over the mailbox, not stored'),
      ['over the mailbox, not stored'],
    )
  })

  test('ben stored it but the ack was lost: the mailbox copy is dropped as a replay', async () => {
    const labels = await sendAndBreak('over the mailbox, stored', false)
    assertOneSend(labels)
    assert.ok(labels.filter((l) => l === 'inbox.decrypted').length >= 1)
    const added = b.events.filter(
      (e) =>
        e.type === 'message.added' &&
        e.message.body.kind === 'text' &&
        e.message.body.text === 'over the mailbox, stored',
    )
    assert.equal(added.length, 1, 'ben’s page was told once')
  })

  test('with the path back, the next text goes direct again', async () => {
    noDial = false
    await ensureDirect(a, b, pair.relay.multiaddrs[0]!)
    const sentBefore = a.sent.length
    const { message } = await a.must({ type: 'messages.send', conversationId: convA, text: 'back' })
    await waitUntil(
      'ben shows it and ada recorded it sent',
      async () =>
        (await b.history(convB)).some((m) => m.messageId === message.messageId) &&
        a.sent.slice(sentBefore).some((s) => s.messageId === message.messageId),
    )
    assert.deepEqual(
      a.sent
        .slice(sentBefore)
        .filter((s) => s.kind === 'message')
        .map((s) => s.route),
      ['direct'],
    )
  })
})
