import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import {
  contactRecord,
  runStoreComplianceSuite,
} from '@hestia/core/test-support/store-compliance.ts'
import { openDexieStore } from './dexie-store.ts'

// Each harness gets its own fake IndexedDB, so tests are isolated; reopening uses the same one.
runStoreComplianceSuite('Dexie store (fake-indexeddb)', () => {
  const indexedDB = new IDBFactory()
  return {
    open: () => openDexieStore({ name: 'compliance', indexedDB, IDBKeyRange }),
  }
})

test('Dexie store: a store call inside a transaction joins it (and rolls back with it)', async () => {
  const store = await openDexieStore({ name: 'nested', indexedDB: new IDBFactory(), IDBKeyRange })
  try {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.markSeen('a', 1)
        await store.markSeen('b', 1) // joins the running transaction
        assert.equal(await store.markSeen('a', 2), false, 'sees the transaction’s own write')
        throw new Error('abort')
      }),
      /abort/,
    )
    assert.equal(await store.markSeen('a', 3), true, 'rolled back')
    assert.equal(await store.markSeen('b', 3), true, 'rolled back')
  } finally {
    await store.close()
  }
})

test('Dexie store: a cached read inside a transaction keeps nothing that could roll back', async () => {
  const store = await openDexieStore({ name: 'cached', indexedDB: new IDBFactory(), IDBKeyRange })
  const contacts = () =>
    store.cachedRead('contacts', async (tx) => (await tx.listContacts()).map((c) => c.contactId))
  try {
    assert.deepEqual(await contacts(), [])
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putContact(contactRecord(1))
        assert.deepEqual(await contacts(), ['contact-1'], 'joined: sees the uncommitted write')
        throw new Error('abort')
      }),
      /abort/,
    )
    assert.deepEqual(await contacts(), [], 'the rolled-back contact is not served')
  } finally {
    await store.close()
  }
})
