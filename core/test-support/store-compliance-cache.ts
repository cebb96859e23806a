/**
 * The read cache part of the store compliance suite (issue 21, core/src/store/read-cache.ts): a
 * kept read is served until the store is next written — whichever write, top-level or inside a
 * transaction, and erase — and never after; a read racing a write ends with the write seen; the
 * work cannot write. A stale list here would show a user an old last message or a deleted
 * contact's conversation.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessengerStore, StoreOperations } from '../src/store/store.ts'
import type { StoreHarness } from './store-compliance.ts'
import { contactRecord, conversationRecord, messageRecord } from './store-compliance.ts'

type WithStore = (
  body: (store: MessengerStore, harness: StoreHarness) => Promise<void>,
) => Promise<void>

/** What the popup's list shows of each conversation: id, last message, unread count. */
type Row = [string, string | null, number]

/** A cached read of the conversations that counts how often it really read. */
function listReader(store: MessengerStore) {
  let reads = 0
  const work = async (tx: StoreOperations): Promise<Row[]> => {
    reads++
    const list = await tx.listConversations(10)
    return list.map((c) => [c.conversationId, c.lastMessageId, c.unreadCount])
  }
  return {
    rows: () => store.cachedRead('compliance.list', work),
    get reads() {
      return reads
    },
  }
}

export function cacheComplianceTests(withStore: WithStore): void {
  test('cachedRead: kept until the next write, whichever way the write is made', () =>
    withStore(async (store) => {
      await store.putContact(contactRecord(1))
      await store.putConversation(conversationRecord(1))
      const list = listReader(store)
      assert.deepEqual(await list.rows(), [['conv-1', null, 0]])
      assert.deepEqual(await list.rows(), [['conv-1', null, 0]])
      assert.equal(list.reads, 1, 'the second call is served from what was kept')

      const m = messageRecord('conv-1', 0)
      await store.addMessages([m])
      await store.putConversation(conversationRecord(1, { lastMessageId: m.messageId }))
      assert.deepEqual(await list.rows(), [['conv-1', m.messageId, 0]], 'a top-level write')

      await store.transaction(async (tx) => {
        await tx.putConversation(
          conversationRecord(1, { lastMessageId: m.messageId, unreadCount: 3 }),
        )
      })
      assert.deepEqual(await list.rows(), [['conv-1', m.messageId, 3]], 'a write in a transaction')

      await store.putContact(contactRecord(2))
      await store.putConversation(conversationRecord(2, { lastActivityAt: Date.UTC(2027, 0, 1) }))
      assert.deepEqual(
        (await list.rows()).map((r) => r[0]),
        ['conv-2', 'conv-1'],
      )
      await store.deleteContact('contact-2')
      assert.deepEqual(
        (await list.rows()).map((r) => r[0]),
        ['conv-1'],
        'a cascading delete',
      )
      await store.erase()
      assert.deepEqual(await list.rows(), [], 'erase')
      const before = list.reads
      await list.rows()
      assert.equal(list.reads, before, 'kept again once read after the last write')
    }))

  test('cachedRead: a read racing writes ends with every write seen', () =>
    withStore(async (store) => {
      await store.putContact(contactRecord(1))
      const list = listReader(store)
      const racing = Array.from({ length: 5 }, (_, i) =>
        i % 2 === 0
          ? list.rows()
          : store.putConversation(conversationRecord(1, { unreadCount: i })),
      )
      await Promise.all(racing)
      assert.deepEqual(await list.rows(), [['conv-1', null, 3]])
    }))

  test('cachedRead: the work cannot write, and a refused write leaves the store as it was', () =>
    withStore(async (store) => {
      await assert.rejects(
        store.cachedRead('compliance.write', (tx) => tx.putContact(contactRecord(7))),
      )
      assert.deepEqual(await store.listContacts(), [])
    }))
}
