import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { runStoreComplianceSuite } from '@hestia/core/store/compliance.ts'
import { openDexieStore } from './dexie-store.ts'

// Each harness gets its own fake IndexedDB, so tests are isolated; reopening uses the same one.
runStoreComplianceSuite('Dexie store (fake-indexeddb)', () => {
  const indexedDB = new IDBFactory()
  return {
    open: () => openDexieStore({ name: 'compliance', indexedDB, IDBKeyRange }),
  }
})
