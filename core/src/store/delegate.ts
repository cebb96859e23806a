/**
 * Builds the top-level StoreOperations of a store from its transaction runner: each method runs as
 * its own small transaction, so single calls are atomic too (a dedupe check and its insert, a
 * compare-and-set, a cascading delete).
 */
import type { StoreOperations } from './store.ts'
import { traceSpan, traceStart } from '../wire/latency-trace.ts'

/** Operations that only read: a store may run them in a read-only transaction. */
export const READ_OPERATIONS = [
  'getIdentity',
  'getDevice',
  'listDevices',
  'getContact',
  'getContactByIdentityKey',
  'getContactByInboundMailbox',
  'listContacts',
  'getSession',
  'listSessions',
  'getConversation',
  'getConversationByContact',
  'listConversations',
  'getMessage',
  'getMessages',
  'pageMessages',
  'countUnread',
  'getOutbox',
  'listOutbox',
  'outboxHeads',
  'getSettings',
  'getRelayInstances',
  'getTransfer',
  'listTransfers',
  'getGroup',
  'listGroups',
  'pageGroupMessages',
  'getGroupMessage',
  'getGroupDevice',
] as const satisfies readonly (keyof StoreOperations)[]

export const WRITE_OPERATIONS = [
  'putIdentity',
  'putDevice',
  'deleteDevice',
  'putContact',
  'deleteContact',
  'putSession',
  'deleteSession',
  'putConversation',
  'addMessage',
  'addMessages',
  'putMessage',
  'markRead',
  'enqueueOutbox',
  'updateOutbox',
  'deleteOutbox',
  'putSettings',
  'putRelayInstances',
  'putTransfer',
  'markSeen',
  'pruneSeen',
  'putGroup',
  'deleteGroup',
  'addGroupMessage',
  'putGroupMessage',
  'putGroupDevice',
] as const satisfies readonly (keyof StoreOperations)[]

type Listed = (typeof READ_OPERATIONS)[number] | (typeof WRITE_OPERATIONS)[number]
// Fails to compile when StoreOperations gains a method that is in neither list.
const everyOperationListed: Exclude<keyof StoreOperations, Listed> extends never ? true : never =
  true
void everyOperationListed

export type TransactionMode = 'read' | 'write'
export type TransactionRunner = <T>(
  mode: TransactionMode,
  work: (tx: StoreOperations) => Promise<T>,
) => Promise<T>

type AnyOperation = (...args: unknown[]) => Promise<unknown>

export function delegateOperations(run: TransactionRunner): StoreOperations {
  const operations: Record<string, AnyOperation> = {}
  const add = (name: keyof StoreOperations, mode: TransactionMode): void => {
    operations[name] = async (...args) => {
      const started = traceStart()
      try {
        return await run(mode, (tx) => (tx[name] as AnyOperation).apply(tx, args))
      } finally {
        traceSpan(`store.${name}`, started)
      }
    }
  }
  for (const name of READ_OPERATIONS) add(name, 'read')
  for (const name of WRITE_OPERATIONS) add(name, 'write')
  return operations as unknown as StoreOperations
}
