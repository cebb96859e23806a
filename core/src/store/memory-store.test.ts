import { runStoreComplianceSuite } from './compliance.ts'
import { createMemoryBacking, openMemoryStore } from './memory-store.ts'

runStoreComplianceSuite('memory store', () => {
  const backing = createMemoryBacking()
  return { open: () => Promise.resolve(openMemoryStore(backing)) }
})
