import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runStoreComplianceSuite } from '../../test-support/store-compliance.ts'
import { createMemoryBacking, openMemoryStore } from './memory-store.ts'
import { StoreError } from './store.ts'

runStoreComplianceSuite('memory store', () => {
  const backing = createMemoryBacking()
  return { open: () => Promise.resolve(openMemoryStore(backing)) }
})

test('memory store: calling the store inside its own transaction fails clearly instead of hanging', async () => {
  const store = openMemoryStore(createMemoryBacking(), { lockTimeoutMs: 50 })
  const outcome = await store.transaction(async (tx) => {
    await tx.markSeen('a', 1)
    try {
      await store.getIdentity() // wrong: should be tx.getIdentity()
      return 'no error'
    } catch (error) {
      assert.ok(error instanceof StoreError)
      assert.match(error.message, /tx argument/)
      return 'clear error'
    }
  })
  assert.equal(outcome, 'clear error')
  // The store still works, and the transaction's write was kept.
  assert.equal(await store.markSeen('a', 2), false)
})
