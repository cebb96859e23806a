// ReadCache's rules over a fake store (the stores' own write counting is in the compliance suite,
// core/test-support/store-compliance-cache.ts): a value read while a write came is not kept; a
// kept value goes with the next write; `refresh` keys are read again once writes pause, not
// during a steady run of writes; close() stops all of it.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { ReadCache } from './read-cache.ts'
import type { StoreOperations } from './store.ts'

/** A store of one number: `write` changes it and counts a write, `reads` counts real reads. */
function fakeStore(quietMs = 40) {
  const state = { value: 0, generation: 0, reads: 0 }
  let duringRead: (() => void) | undefined
  const cache = new ReadCache({
    generation: () => state.generation,
    read: async <T>(work: (tx: StoreOperations) => Promise<T>): Promise<T> => {
      state.reads++
      const result = await work({} as StoreOperations)
      duringRead?.()
      return result
    },
    refreshQuietMs: quietMs,
  })
  const write = (value: number) => {
    state.value = value
    state.generation++
    cache.wrote()
  }
  const work = () => Promise.resolve(state.value)
  return {
    state,
    cache,
    write,
    get: (refresh = false) => cache.get('k', work, { refresh }),
    /** Runs `f` after the next read has taken its value, before it returns. */
    onNextRead: (f: () => void) =>
      (duringRead = () => {
        duringRead = undefined
        f()
      }),
  }
}

describe('read cache', () => {
  test('serves the kept value until a write, then reads again', async () => {
    const s = fakeStore()
    assert.equal(await s.get(), 0)
    assert.equal(await s.get(), 0)
    assert.equal(s.state.reads, 1)
    s.write(5)
    assert.equal(await s.get(), 5)
    assert.equal(s.state.reads, 2)
  })

  test('a value read while a write came is returned but not kept', async () => {
    const s = fakeStore()
    s.onNextRead(() => s.write(9)) // the read saw 0; the write lands before it returns
    assert.equal(await s.get(), 0)
    assert.equal(await s.get(), 9, 'not the 0 read during the write')
    assert.equal(s.state.reads, 2)
  })

  test('refresh keys are read again once writes pause, so the next get finds them ready', async () => {
    const s = fakeStore(40)
    await s.get(true)
    s.write(1)
    s.write(2)
    await sleep(120)
    assert.equal(s.state.reads, 2, 'one background read for the two writes')
    assert.equal(await s.get(true), 2)
    assert.equal(s.state.reads, 2, 'served from the background read')
  })

  test('a steady run of writes postpones the background read until it ends', async () => {
    const s = fakeStore(60)
    await s.get(true)
    for (let i = 1; i <= 6; i++) {
      s.write(i)
      await sleep(20)
    }
    assert.equal(s.state.reads, 1, 'nothing read while the writes went on')
    await sleep(150)
    assert.equal(s.state.reads, 2)
  })

  test('keys read without refresh are not read in the background', async () => {
    const s = fakeStore(20)
    await s.get(false)
    s.write(1)
    await sleep(80)
    assert.equal(s.state.reads, 1)
  })

  test('close() drops what is kept and stops background reads', async () => {
    const s = fakeStore(20)
    await s.get(true)
    s.write(1)
    s.cache.close()
    await sleep(80)
    assert.equal(s.state.reads, 1, 'no background read after close')
    assert.equal(await s.get(), 1)
    assert.equal(await s.get(), 1)
    assert.equal(s.state.reads, 3, 'nothing kept after close')
  })
})
