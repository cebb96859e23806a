import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { deadline, pendingDeadlines, withDeadline } from './deadline.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('deadline', () => {
  test('aborts with a TimeoutError once the time is up, like AbortSignal.timeout', async () => {
    const before = pendingDeadlines()
    const limit = deadline(10)
    assert.equal(pendingDeadlines(), before + 1)
    assert.equal(limit.signal.aborted, false)
    await sleep(40)
    assert.equal(limit.signal.aborted, true)
    assert.equal((limit.signal.reason as Error).name, 'TimeoutError')
    assert.equal(pendingDeadlines(), before, 'an expired deadline is no longer pending')
    limit.clear()
    assert.equal(pendingDeadlines(), before, 'clearing after expiry changes nothing')
  })

  test('a cleared deadline never aborts', async () => {
    const before = pendingDeadlines()
    const limit = deadline(10)
    limit.clear()
    limit.clear()
    assert.equal(pendingDeadlines(), before)
    await sleep(40)
    assert.equal(limit.signal.aborted, false)
  })

  test('withDeadline clears however the operation ends, and the operation sees the abort', async () => {
    const before = pendingDeadlines()
    assert.equal(await withDeadline(1_000, () => Promise.resolve(7)), 7)
    await assert.rejects(
      withDeadline(1_000, () => Promise.reject(new Error('no'))),
      /no/,
    )
    assert.equal(pendingDeadlines(), before)
    await assert.rejects(
      withDeadline(
        10,
        (signal) =>
          new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason as Error)),
          ),
      ),
      { name: 'TimeoutError' },
    )
    assert.equal(pendingDeadlines(), before)
  })

  test('a negative or NaN time is refused', () => {
    assert.throws(() => deadline(-1), RangeError)
    assert.throws(() => deadline(Number.NaN), RangeError)
  })
})
