/**
 * A text sealed in its send's transaction (ADR 0441) must not race the inbox: the inbox reads a
 * contact's sessions, decrypts outside any transaction and commits the next session under a
 * compare-and-set on the version it read, holding the contact's lock throughout (every other
 * sealer takes that lock). A send committed in between must not make the inbox's commit conflict:
 * the contact's frame would be refused (direct) or left for a later mailbox read.
 *
 * Made deterministic by holding ada's first store transaction after her inbox decrypted ben's
 * text (its commit) until ada's own messages.send has answered.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { startDirectPair, type DirectPair } from './support/direct-pair.ts'

const g = globalThis as { __hestiaLatencyTrace?: { push(e: unknown): unknown } }

describe('a presealed send while the inbox commits a frame of the same contact', () => {
  let pair: DirectPair
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  /** Set: ada's next transaction (her inbox's commit) waits for this send first. */
  let holdFor: (() => Promise<unknown>) | null = null
  let armed = false

  before(async () => {
    const holdTransactions = (store: MessengerStore) => {
      const transaction = store.transaction.bind(store)
      store.transaction = (async (work: Parameters<typeof transaction>[0]) => {
        const hold = holdFor
        if (hold !== null) {
          holdFor = null
          await hold()
        }
        return transaction(work)
      }) as typeof store.transaction
    }
    pair = await startDirectPair({
      beforeAdaStarts: (ada) => (ada.instrument.store = holdTransactions),
    })
    ;({ a, b, convA, convB } = pair)
  })

  after(async () => {
    delete g.__hestiaLatencyTrace
    await pair.stop()
  })

  test("ben's direct text is taken at once although ada sent between its decrypt and its commit", async () => {
    // Each side has a confirmed session and nothing queued.
    const first = await a.must({ type: 'messages.send', conversationId: convA, text: 'hello' })
    await waitUntil('ben shows hello', async () =>
      (await b.history(convB)).some((m) => m.messageId === first.message.messageId),
    )
    await waitUntil('both outboxes empty', async () => {
      const outA = await a.store.listOutbox(convA)
      const outB = await b.store.listOutbox(convB)
      return outA.length === 0 && outB.length === 0
    })
    let mine: string | undefined
    g.__hestiaLatencyTrace = {
      push: (e: unknown) => {
        const [label] = e as [string]
        if (label !== 'inbox.decrypted' || !armed) return
        armed = false // ada's inbox decrypted ben's text: its commit is her next transaction
        holdFor = async () => {
          const r = await a.must({ type: 'messages.send', conversationId: convA, text: 'mine' })
          mine = r.message.messageId
        }
      },
    }
    const rejectedBefore = a.logged.filter((m) => m === 'direct frame rejected').length
    const sentBefore = b.sent.length
    armed = true
    const theirs = await b.must({ type: 'messages.send', conversationId: convB, text: 'theirs' })
    await waitUntil('ada shows ben’s text', async () =>
      (await a.history(convA)).some((m) => m.messageId === theirs.message.messageId),
    )
    await waitUntil('ben shows ada’s text', async () =>
      (await b.history(convB)).some((m) => m.messageId === mine),
    )
    delete g.__hestiaLatencyTrace
    assert.ok(mine !== undefined, 'ada sent while her inbox held ben’s text')
    assert.equal(
      a.logged.filter((m) => m === 'direct frame rejected').length,
      rejectedBefore,
      'ada’s inbox refused no direct frame',
    )
    const text = b.sent.slice(sentBefore).filter((s) => s.kind === 'message')
    assert.deepEqual(
      text.map((s) => s.route),
      ['direct'],
      'ben’s text went once, direct',
    )
  })
})
