// One test per schema migration: open the previous version, write data the way that version's
// code wrote it, upgrade, and check what a user would notice (history, unread counts, outbox).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Dexie } from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import {
  contactRecord,
  conversationRecord,
  messageRecord,
} from '@hestia/core/test-support/store-compliance.ts'
import type { MessageRecord, NewOutboxRecord } from '@hestia/core/store/records.ts'
import { openDexieStore } from './dexie-store.ts'
import { LATEST_VERSION, SCHEMA_VERSIONS, TABLES, declareSchema } from './schema.ts'

const NAME = 'migration-test'

function openAt(indexedDB: IDBFactory, version: number): Dexie {
  const db = new Dexie(NAME, { indexedDB, IDBKeyRange, autoOpen: false })
  declareSchema(db, version)
  return db
}

function indexNames(db: Dexie, table: string): string[] {
  return db
    .table(table)
    .schema.indexes.map((index) => index.name)
    .sort()
}

const outboxItem: NewOutboxRecord = {
  conversationId: 'conv-1',
  messageId: 'conv-1-m000001',
  kind: 'message',
  payload: new Uint8Array([1, 2, 3]),
  attempts: 2,
  nextAttemptAt: 0,
  createdAt: 0,
  lastError: 'relay unreachable',
}

/** Messages as v1 code stored them: the record exactly, no unread flag. */
function v1History(): MessageRecord[] {
  return [
    messageRecord('conv-1', 0, { direction: 'in', readAt: 5 }),
    messageRecord('conv-1', 1, { direction: 'out', readAt: null, delivery: 'queued' }),
    messageRecord('conv-1', 2, { direction: 'in', readAt: null }),
    messageRecord('conv-1', 3, {
      direction: 'in',
      readAt: null,
      body: { kind: 'system', event: 'key_changed' },
    }),
    messageRecord('conv-1', 4, { direction: 'in', readAt: null }),
  ]
}

describe('Dexie schema migrations', () => {
  test('the versions are numbered 1..n without gaps', () => {
    assert.deepEqual(
      SCHEMA_VERSIONS.map((v) => v.version),
      Array.from({ length: LATEST_VERSION }, (_, i) => i + 1),
    )
  })

  test('v1: a new database gets every table and index, and keeps data across reopen', async () => {
    const indexedDB = new IDBFactory()
    const db = openAt(indexedDB, 1)
    await db.open()
    // Every table but the keyring, which v3 added, and the group tables, which v4 added.
    const later: string[] = [TABLES.keyring, TABLES.groups, TABLES.groupMessages]
    assert.deepEqual(
      db.tables.map((t) => t.name).sort(),
      Object.values(TABLES)
        .filter((name) => !later.includes(name))
        .sort(),
    )
    assert.deepEqual(indexNames(db, TABLES.messages), ['[conversationId+receivedAt+messageId]'])
    assert.deepEqual(indexNames(db, TABLES.contacts), ['identityKeyId', 'inboundMailboxId'])
    await db.table(TABLES.contacts).add(contactRecord(1))
    // The unique identity-key index exists from v1 on.
    await assert.rejects(
      db.table(TABLES.contacts).add(contactRecord(2, { identityKeyId: 'key-1' })),
      (error: Error) => error.name === 'ConstraintError',
    )
    await db.table(TABLES.messages).bulkAdd(v1History())
    db.close()

    const again = openAt(indexedDB, 1)
    await again.open()
    assert.equal(again.verno, 1)
    assert.equal(await again.table(TABLES.messages).count(), 5)
    assert.equal(
      ((await again.table(TABLES.contacts).get('contact-1')) as { displayName: string })
        .displayName,
      'Contact 1',
    )
    again.close()
  })

  test('v1 → v2: unread flags are backfilled, unread counts and mark-read work on old history', async () => {
    const indexedDB = new IDBFactory()
    const v1 = openAt(indexedDB, 1)
    await v1.open()
    await v1.table(TABLES.contacts).add(contactRecord(1))
    await v1.table(TABLES.conversations).add(conversationRecord(1, { unreadCount: 2 }))
    await v1.table(TABLES.messages).bulkAdd(v1History())
    const seq = (await v1.table(TABLES.outbox).add({ ...outboxItem })) as number
    await v1.table(TABLES.sessions).add({
      contactId: 'contact-1',
      deviceId: 'dev',
      state: new Uint8Array([7, 7]),
      version: 4,
      updatedAt: 0,
    })
    v1.close()

    const store = await openDexieStore({ name: NAME, indexedDB, IDBKeyRange })
    try {
      // What the user sees after the update: the same history, the right unread count.
      const page = await store.pageMessages('conv-1', { before: null, limit: 10 })
      assert.deepEqual(
        page.map((m) => m.messageId),
        v1History()
          .map((m) => m.messageId)
          .reverse(),
      )
      assert.deepEqual(page[0], v1History()[4], 'records come back exactly as v1 stored them')
      assert.equal(await store.countUnread('conv-1'), 2, 'incoming, non-system, unread only')
      const upTo = v1History()[2]
      assert.ok(upTo)
      const marked = await store.markRead('conv-1', upTo, 99)
      assert.deepEqual(
        marked.map((m) => m.messageId),
        ['conv-1-m000002'],
      )
      assert.equal(await store.countUnread('conv-1'), 1)
      // The rest of the data is untouched; the outbox keeps its order and its counter.
      assert.equal((await store.getContact('contact-1'))?.displayName, 'Contact 1')
      assert.deepEqual((await store.getSession('contact-1', 'dev'))?.state, new Uint8Array([7, 7]))
      assert.equal((await store.getOutbox(seq))?.lastError, 'relay unreachable')
      assert.ok((await store.enqueueOutbox(outboxItem)) > seq)
    } finally {
      await store.close()
    }

    const raw = openAt(indexedDB, 2)
    await raw.open()
    assert.equal(raw.verno, 2)
    assert.ok(indexNames(raw, TABLES.messages).includes('[conversationId+unread+receivedAt]'))
    const flags = (await raw.table(TABLES.messages).toArray()) as {
      messageId: string
      unread: number
    }[]
    assert.deepEqual(
      flags.map((row) => [row.messageId, row.unread]),
      [
        ['conv-1-m000000', 0],
        ['conv-1-m000001', 0],
        ['conv-1-m000002', 0],
        ['conv-1-m000003', 0],
        ['conv-1-m000004', 1],
      ],
    )
    raw.close()
  })
  test('v2 → v3: a keyring table appears; every existing row is kept as it was', async () => {
    const indexedDB = new IDBFactory()
    const v2 = openAt(indexedDB, 2)
    await v2.open()
    await v2.table(TABLES.contacts).add(contactRecord(1))
    const seq = (await v2.table(TABLES.outbox).add({ ...outboxItem })) as number
    v2.close()

    const store = await openDexieStore({ name: NAME, indexedDB, IDBKeyRange })
    try {
      assert.deepEqual(await store.getContact('contact-1'), contactRecord(1))
      assert.equal((await store.getOutbox(seq))?.lastError, 'relay unreachable')
    } finally {
      await store.close()
    }
    const raw = openAt(indexedDB, 3)
    await raw.open()
    try {
      assert.equal(raw.verno, 3)
      assert.equal(await raw.table(TABLES.keyring).count(), 0, 'no passphrase set by the upgrade')
    } finally {
      raw.close()
    }
  })
})
