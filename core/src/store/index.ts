/**
 * Storage for the messenger: the MessengerStore interface, its record types and the in-memory
 * implementation. The browser implementation (Dexie) lives in extension/src/store.
 *
 * ```ts
 * import { openMemoryStore } from '@hestia/core/store/index.ts'
 * const store = openMemoryStore()
 * await store.transaction(async (tx) => {
 *   if (await tx.addMessage(message)) await tx.putConversation(updated)
 * })
 * ```
 */
export * from './records.ts'
export * from './store.ts'
export { createMemoryBacking, openMemoryStore, MemoryBacking } from './memory-store.ts'
export { READ_OPERATIONS, WRITE_OPERATIONS, delegateOperations } from './delegate.ts'
export type { TransactionMode, TransactionRunner } from './delegate.ts'
