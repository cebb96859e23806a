// The host runs the messenger over the Dexie store. The messenger's transactions are chains of
// native async functions, several levels deep, awaiting only store operations (ADR 0503). Dexie
// keeps its transaction zone across native awaits only when the scope function is itself an async
// function; otherwise a long chain loses the zone, later calls run outside the transaction, and
// IndexedDB commits early: PrematureCommitError after the writes were made (seen in Chromium and
// with fake-indexeddb: the message was stored but no event and no receipt followed).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import type { StoreOperations } from '@hestia/core/store/store.ts'
import { openDexieStore } from '../store/dexie-store.ts'

/** Awaits `depth` nested async functions before each store call, like the inbox does. */
async function nested(tx: StoreOperations, depth: number, id: string): Promise<boolean> {
  if (depth === 0) return tx.markSeen(id, 1)
  return nested(tx, depth - 1, id)
}

test('a transaction of deeply nested native awaits commits once, at its end', async () => {
  const store = await openDexieStore({ name: 'deep', indexedDB: new IDBFactory(), IDBKeyRange })
  try {
    const outcome = await store.transaction(async (tx) => {
      const results: boolean[] = []
      for (let i = 0; i < 40; i++) results.push(await nested(tx, 12, `id-${i}`))
      return results
    })
    assert.equal(outcome.length, 40)
    assert.ok(outcome.every((fresh) => fresh))
    assert.equal(await store.markSeen('id-39', 2), false, 'the last write was committed')
  } finally {
    await store.close()
  }
})

test('a deep transaction that throws at its end leaves nothing behind', async () => {
  const store = await openDexieStore({
    name: 'deep-abort',
    indexedDB: new IDBFactory(),
    IDBKeyRange,
  })
  try {
    await assert.rejects(
      store.transaction(async (tx) => {
        for (let i = 0; i < 40; i++) await nested(tx, 12, `id-${i}`)
        throw new Error('abort at the end')
      }),
      /abort at the end/,
    )
    assert.equal(await store.markSeen('id-0', 2), true, 'rolled back: the first write is gone')
    assert.equal(await store.markSeen('id-39', 2), true, 'rolled back: the last write is gone')
  } finally {
    await store.close()
  }
})
