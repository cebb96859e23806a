// Differential property test: random sequences of history, unread and outbox operations give the
// same answers from the Dexie store and the memory store (the compliance suite checks chosen
// cases; this looks for the unchosen ones: ties, duplicates, rollbacks, records moving).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { openMemoryStore } from '@hestia/core/store/memory-store.ts'
import type { MessageRecord } from '@hestia/core/store/records.ts'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import { openDexieStore } from './dexie-store.ts'

const conversation = fc.constantFrom('c1', 'c2')
const messageId = fc.integer({ min: 0, max: 9 }).map((n) => `m${n}`)
const receivedAt = fc.integer({ min: 0, max: 3 }) // few values: many ties
const key = fc.record({ receivedAt, messageId })

const message: fc.Arbitrary<MessageRecord> = fc
  .record({
    messageId,
    conversationId: conversation,
    direction: fc.constantFrom('in', 'out'),
    system: fc.boolean(),
    receivedAt,
    read: fc.boolean(),
  })
  .map(({ system, read, ...m }) => ({
    ...m,
    senderDeviceId: null,
    body: system ? { kind: 'system', event: 'verified' } : { kind: 'text', text: m.messageId },
    sentAt: m.receivedAt,
    delivery: m.direction === 'out' ? 'sent' : null,
    failure: null,
    readAt: read ? 1 : null,
  }))

type Op =
  | { op: 'add'; message: MessageRecord }
  | { op: 'addBatch'; messages: MessageRecord[] }
  | { op: 'put'; message: MessageRecord }
  | { op: 'markRead'; conversationId: string; upTo: { receivedAt: number; messageId: string } }
  | {
      op: 'page'
      conversationId: string
      before: { receivedAt: number; messageId: string } | null
      limit: number
    }
  | { op: 'pageAt'; conversationId: string; pick: number; limit: number }
  | { op: 'markReadAt'; conversationId: string; pick: number }
  | { op: 'unread'; conversationId: string }
  | { op: 'enqueue'; conversationId: string }
  | { op: 'sendHead' }
  | { op: 'failingTx'; message: MessageRecord; conversationId: string }

const operation: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), message }),
  fc.record({
    op: fc.constant('addBatch' as const),
    messages: fc.array(message, { maxLength: 4 }),
  }),
  fc.record({ op: fc.constant('put' as const), message }),
  fc.record({ op: fc.constant('markRead' as const), conversationId: conversation, upTo: key }),
  fc.record({
    op: fc.constant('page' as const),
    conversationId: conversation,
    before: fc.option(key, { nil: null }),
    limit: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    op: fc.constant('pageAt' as const),
    conversationId: conversation,
    pick: fc.nat(),
    limit: fc.integer({ min: 1, max: 5 }),
  }),
  fc.record({
    op: fc.constant('markReadAt' as const),
    conversationId: conversation,
    pick: fc.nat(),
  }),
  fc.record({ op: fc.constant('unread' as const), conversationId: conversation }),
  fc.record({ op: fc.constant('enqueue' as const), conversationId: conversation }),
  fc.record({ op: fc.constant('sendHead' as const) }),
  fc.record({ op: fc.constant('failingTx' as const), message, conversationId: conversation }),
)

/** A key of a stored message, chosen by `pick` from the reference store's history. */
async function storedKey(
  reference: MessengerStore,
  conversationId: string,
  pick: number,
): Promise<{ receivedAt: number; messageId: string } | null> {
  const all = await reference.pageMessages(conversationId, { before: null, limit: 500 })
  const chosen = all[pick % Math.max(1, all.length)]
  return chosen === undefined
    ? null
    : { receivedAt: chosen.receivedAt, messageId: chosen.messageId }
}

async function apply(store: MessengerStore, step: Op, reference: MessengerStore): Promise<unknown> {
  switch (step.op) {
    case 'pageAt': {
      const before = await storedKey(reference, step.conversationId, step.pick)
      return store.pageMessages(step.conversationId, { before, limit: step.limit })
    }
    case 'markReadAt': {
      const upTo = await storedKey(reference, step.conversationId, step.pick)
      return upTo === null ? [] : store.markRead(step.conversationId, upTo, 8)
    }
    case 'add':
      return store.addMessage(step.message)
    case 'addBatch':
      return store.addMessages(step.messages)
    case 'put':
      return store.putMessage(step.message)
    case 'markRead':
      return store.markRead(step.conversationId, step.upTo, 7)
    case 'page':
      return store.pageMessages(step.conversationId, { before: step.before, limit: step.limit })
    case 'unread':
      return store.countUnread(step.conversationId)
    case 'enqueue':
      return store.enqueueOutbox({
        conversationId: step.conversationId,
        messageId: null,
        kind: 'receipt',
        payload: new Uint8Array([1]),
        attempts: 0,
        nextAttemptAt: 0,
        createdAt: 0,
        lastError: null,
      })
    case 'sendHead': {
      const heads = await store.outboxHeads()
      const first = heads[0]
      if (first !== undefined) await store.deleteOutbox(first.seq)
      return heads.map((h) => [h.seq, h.conversationId])
    }
    case 'failingTx':
      return store
        .transaction(async (tx) => {
          await tx.addMessage(step.message)
          await tx.markRead(step.conversationId, { receivedAt: 5, messageId: 'm9' }, 9)
          await tx.enqueueOutbox({
            conversationId: step.conversationId,
            messageId: step.message.messageId,
            kind: 'message',
            payload: new Uint8Array(0),
            attempts: 0,
            nextAttemptAt: 0,
            createdAt: 0,
            lastError: null,
          })
          throw new Error('rolled back')
        })
        .catch((error: Error) => error.message)
  }
}

/** Everything observable at the end: both conversations' full history and the outbox. */
async function snapshot(store: MessengerStore): Promise<unknown> {
  const result: unknown[] = []
  for (const id of ['c1', 'c2']) {
    result.push(await store.pageMessages(id, { before: null, limit: 500 }))
    result.push(await store.countUnread(id))
    result.push((await store.listOutbox(id)).map((o) => o.seq))
  }
  return result
}

test('Dexie and memory stores agree on random operation sequences', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 30 }), async (steps) => {
      const memory = openMemoryStore()
      const dexie = await openDexieStore({ name: 'diff', indexedDB: new IDBFactory(), IDBKeyRange })
      try {
        for (const [index, step] of steps.entries()) {
          // Keys are picked before either store applies the step, from the same state.
          const actual = await apply(dexie, step, memory)
          const expected = await apply(memory, step, memory)
          assert.deepEqual(actual, expected, `step ${index}: ${step.op}`)
        }
        assert.deepEqual(await snapshot(dexie), await snapshot(memory))
      } finally {
        await dexie.close()
        await memory.close()
      }
    }),
    { numRuns: 100 },
  )
})
