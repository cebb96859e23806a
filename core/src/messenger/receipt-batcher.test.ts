/**
 * ReceiptBatcher (ADR 0751): receipts of one conversation wait a random delay from the first one
 * and leave as one batch; nothing leaves before the delay; conversations batch apart; the setting
 * off sends at once; stop hands every waiting batch over; the delay stays in its bounds.
 */
import { afterEach, beforeEach, describe, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { ReceiptBatcher, type ReceiptDelay } from './receipt-batcher.ts'

const id = (n: number) => new Uint8Array(16).fill(n)

function setup(delay: ReceiptDelay, delayed = true, randomByte = 0x80) {
  const sent: { conversationId: string; ids: Uint8Array[] }[] = []
  const opts = { delayed }
  const batcher = new ReceiptBatcher({
    delay,
    random: (n) => new Uint8Array(n).fill(randomByte),
    delayed: () => opts.delayed,
    send: (conversationId, ids) => {
      sent.push({ conversationId, ids })
      return Promise.resolve()
    },
    log: () => undefined,
  })
  return { batcher, sent, opts }
}

const settle = () => new Promise<void>((r) => setImmediate(r))

describe('ReceiptBatcher', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }))
  afterEach(() => mock.timers.reset())

  test('a burst in one conversation: nothing before the delay, then one receipt naming all', async () => {
    const { batcher, sent } = setup({ minMs: 5_000, maxMs: 5_000 })
    batcher.add('conv', [id(1)])
    mock.timers.tick(1_000)
    batcher.add('conv', [id(2)])
    batcher.add('conv', [id(3), id(1)]) // a re-delivered copy is named once
    mock.timers.tick(3_999)
    await settle()
    assert.deepEqual(sent, [], 'nothing before the delay from the first message')
    assert.equal(batcher.waiting, 1)
    mock.timers.tick(1)
    await settle()
    assert.deepEqual(sent, [{ conversationId: 'conv', ids: [id(1), id(2), id(3)] }])
    assert.equal(batcher.waiting, 0)
    batcher.add('conv', [id(4)])
    mock.timers.tick(5_000)
    await settle()
    assert.equal(sent.length, 2, 'a later message starts a new batch')
  })

  test('conversations batch apart (each receipt goes to its own contact)', async () => {
    const { batcher, sent } = setup({ minMs: 100, maxMs: 100 })
    batcher.add('a', [id(1)])
    batcher.add('b', [id(2)])
    mock.timers.tick(100)
    await settle()
    assert.deepEqual(
      sent.map((s) => [s.conversationId, s.ids.length]),
      [
        ['a', 1],
        ['b', 1],
      ],
    )
  })

  test('the setting off: each receipt goes at once', async () => {
    const { batcher, sent } = setup({ minMs: 1_000, maxMs: 30_000 }, false)
    batcher.add('conv', [id(1)])
    await settle()
    assert.deepEqual(sent, [{ conversationId: 'conv', ids: [id(1)] }])
    assert.equal(batcher.waiting, 0)
  })

  test('stop hands waiting batches over at once, and later receipts too', async () => {
    const { batcher, sent } = setup({ minMs: 30_000, maxMs: 30_000 })
    batcher.add('conv', [id(1), id(2)])
    await batcher.stop()
    assert.deepEqual(sent, [{ conversationId: 'conv', ids: [id(1), id(2)] }])
    batcher.add('conv', [id(3)])
    await settle()
    assert.equal(sent.length, 2)
    mock.timers.tick(30_000)
    await settle()
    assert.equal(sent.length, 2, 'the stopped timer does not send twice')
  })

  test('stop waits for receipts already on their way to the outbox, and for ones added meanwhile', async () => {
    const written: string[] = []
    const pending: (() => void)[] = []
    const slow = new ReceiptBatcher({
      delay: { minMs: 0, maxMs: 0 },
      random: (n) => new Uint8Array(n),
      delayed: () => false,
      send: (conversationId) =>
        new Promise<void>((resolve) =>
          pending.push(() => {
            written.push(conversationId)
            resolve()
          }),
        ),
      log: () => undefined,
    })
    slow.add('a', [id(1)])
    let stopped = false
    const stopping = slow.stop().then(() => void (stopped = true))
    slow.add('b', [id(2)]) // a frame that was in flight when stop began
    await settle()
    assert.equal(stopped, false, 'stop waits while a receipt is still being written')
    pending.shift()!()
    await settle()
    assert.equal(stopped, false, 'and for the one added after stop began')
    pending.shift()!()
    await stopping
    assert.deepEqual(written, ['a', 'b'], 'both written before stop resolved')
  })

  test('a failed write is logged, and stop still resolves', async () => {
    const logged: string[] = []
    const failing = new ReceiptBatcher({
      delay: { minMs: 0, maxMs: 0 },
      random: (n) => new Uint8Array(n),
      delayed: () => false,
      send: () => Promise.reject(new Error('store closed')),
      log: (m) => logged.push(m),
    })
    failing.add('a', [id(1)])
    await failing.stop()
    assert.deepEqual(logged, ['delivery receipts not queued'])
  })

  test('the delay is drawn from the random source within [minMs, maxMs]', async () => {
    for (const [byte, expected] of [
      [0x00, 1_000],
      [0xff, 30_000],
    ] as const) {
      const { batcher, sent } = setup({ minMs: 1_000, maxMs: 30_000 }, true, byte)
      batcher.add('conv', [id(1)])
      mock.timers.tick(expected - 1)
      await settle()
      assert.equal(sent.length, 0, `not before ${expected} ms`)
      mock.timers.tick(1)
      await settle()
      assert.equal(sent.length, 1, `at ${expected} ms`)
    }
  })

  test('a delay outside 0 ≤ min ≤ max is refused', () => {
    for (const delay of [
      { minMs: -1, maxMs: 10 },
      { minMs: 10, maxMs: 5 },
      { minMs: 0.5, maxMs: 10 },
    ])
      assert.throws(() => setup(delay), RangeError)
  })
})
