/**
 * The rows the outbox sends, as the one module that makes them leaves them in the store: due at
 * once, no attempts, the message id a row carries equal to its payload's, receipts split at the
 * receipt cap, a requeue that keeps order and first-queued time and drops receipts and controls.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { testPlatform } from '../../test-support/deterministic.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import {
  queueControl,
  queueHello,
  queueMessage,
  queueReceipts,
  requeueMessages,
} from './outbox-rows.ts'
import { decodePayload, type HelloBody } from './payload.ts'
import { toBase64Url } from './records.ts'

const CONV = 'conv-1'
const id = (n: number) => new Uint8Array(16).fill(n)
const hello: HelloBody = {
  displayName: '',
  relays: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay'],
  mailboxId: new Uint8Array(32).fill(7),
  mailboxCapability: new Uint8Array(32).fill(8),
  mailboxSealKey: new Uint8Array(32).fill(9),
  reply: true,
}

test('a message row carries its payload’s message id and is due at once', async () => {
  const store = openMemoryStore()
  const now = 1_000
  const body = { kind: 'text', text: 'hi' } as const
  const seq = await queueMessage(store, CONV, { messageId: id(3), sentAt: 900, body }, now)
  const row = await store.getOutbox(seq)
  assert.ok(row !== undefined)
  assert.equal(row.kind, 'message')
  assert.equal(row.messageId, toBase64Url(id(3)))
  assert.deepEqual(
    { attempts: row.attempts, nextAttemptAt: row.nextAttemptAt, createdAt: row.createdAt },
    { attempts: 0, nextAttemptAt: now, createdAt: now },
  )
  assert.equal(row.lastError, null)
  const payload = decodePayload(row.payload)
  assert.deepEqual(payload.messageId, id(3))
  assert.deepEqual(payload.body, body)
})

test('controls and Hellos carry no message; receipts split at the receipt cap, in order', async () => {
  const platform = testPlatform('outbox-rows')
  const store = openMemoryStore()
  const now = platform.clock()
  await queueControl(
    store,
    CONV,
    { messageId: id(1), sentAt: now, body: { kind: 'hello', hello } },
    now,
  )
  await queueHello(store, CONV, hello, platform, now)
  const ids = Array.from({ length: MESSENGER_LIMITS.receiptIds * 2 + 1 }, (_, i) => id(i % 256))
  await queueReceipts(store, CONV, 'read', ids, platform, now)
  await queueReceipts(store, CONV, 'delivered', [], platform, now)
  const rows = await store.listOutbox(CONV)
  assert.deepEqual(
    rows.map((r) => [r.kind, r.messageId]),
    [
      ['control', null],
      ['control', null],
      ['receipt', null],
      ['receipt', null],
      ['receipt', null],
    ],
  )
  const hellos = rows.slice(0, 2).map((r) => decodePayload(r.payload))
  assert.notDeepEqual(hellos[1]!.messageId, id(1), 'queueHello gives its payload a new id')
  for (const h of hellos) assert.equal(h.body.kind, 'hello')
  const receipts = rows.slice(2).map((r) => decodePayload(r.payload).body)
  const carried = receipts.flatMap((b) =>
    b.kind === 'receipt' && b.receipt === 'read' ? b.messageIds : [],
  )
  assert.deepEqual(carried, ids)
  assert.deepEqual(
    receipts.map((b) => (b.kind === 'receipt' ? b.messageIds.length : 0)),
    [MESSENGER_LIMITS.receiptIds, MESSENGER_LIMITS.receiptIds, 1],
  )
})

test('requeue: message rows again in order, attempts reset, first-queued time kept', async () => {
  const store = openMemoryStore()
  const text = (n: number) => ({
    messageId: id(n),
    sentAt: 10,
    body: { kind: 'text', text: `m${n}` } as const,
  })
  await queueMessage(store, CONV, text(1), 100)
  await queueReceipts(store, CONV, 'delivered', [id(9)], testPlatform('requeue'), 150)
  await queueMessage(store, CONV, text(2), 200)
  // As after failed attempts; then taken out of the outbox (a session started over).
  const old = (await store.listOutbox(CONV)).map((r) => ({
    ...r,
    attempts: 4,
    nextAttemptAt: 9_999,
    lastError: 'Error: x',
  }))
  for (const row of old) await store.deleteOutbox(row.seq)
  await requeueMessages(store, old, 500)
  const rows = await store.listOutbox(CONV)
  assert.deepEqual(
    rows.map((r) => [r.kind, r.messageId, r.attempts, r.nextAttemptAt, r.createdAt, r.lastError]),
    [
      ['message', toBase64Url(id(1)), 0, 500, 100, null],
      ['message', toBase64Url(id(2)), 0, 500, 200, null],
    ],
  )
  assert.deepEqual(
    rows.map((r) => r.payload),
    old.filter((r) => r.kind === 'message').map((r) => r.payload),
  )
})
