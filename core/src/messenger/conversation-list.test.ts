// The conversation list (`conversations.list`, the popup's first screen; issue 21): the same
// summaries as before, read with a fixed number of store requests however long the list is — the
// host's thread, which the popup shares, paid for two requests per row — and none at all when
// nothing was written since the last list, but never an outdated one.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import type { MessengerStore, StoreOperations } from '../store/store.ts'
import {
  contactRecord,
  conversationRecord,
  messageRecord,
} from '../../test-support/store-compliance.ts'
import type { MessengerContext } from './context.ts'
import { listConversations } from './messages.ts'

const T0 = Date.UTC(2026, 11, 1)
const ROWS = 40

/** The store, with every request made inside its transactions counted by name. */
async function seeded(): Promise<{ store: MessengerStore; calls: Map<string, number> }> {
  const store = openMemoryStore(createMemoryBacking())
  for (let n = 1; n <= ROWS; n++) {
    await store.putContact(contactRecord(n))
    const last = n % 4 === 0 ? null : messageRecord(`conv-${n}`, n)
    if (last !== null && n !== 7) await store.addMessage(last)
    await store.putConversation(
      conversationRecord(n, { lastMessageId: last?.messageId ?? null, lastActivityAt: T0 + n }),
    )
  }
  // A conversation whose contact is gone (an older build's leftover): not listed.
  await store.putConversation(conversationRecord(99, { lastActivityAt: T0 + 99 }))
  const calls = new Map<string, number>()
  const counting = (tx: StoreOperations): StoreOperations =>
    new Proxy(tx, {
      get(target, name: string) {
        const value = Reflect.get(target, name) as unknown
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          calls.set(name, (calls.get(name) ?? 0) + 1)
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  const cachedRead = store.cachedRead.bind(store)
  store.cachedRead = (key, work, options) => cachedRead(key, (tx) => work(counting(tx)), options)
  return { store, calls }
}

const deps = (store: MessengerStore) => ({ ctx: { store } as unknown as MessengerContext })

test('the list: newest first, contact and last message per row, in a fixed number of reads', async () => {
  const { store, calls } = await seeded()
  const list = await listConversations(deps(store), null)
  assert.equal(list.length, ROWS)
  assert.deepEqual(
    list.slice(0, 3).map((s) => s.conversationId),
    ['conv-40', 'conv-39', 'conv-38'],
  )
  for (const s of list) {
    const n = Number(s.conversationId.slice('conv-'.length))
    assert.equal(s.contact.displayName, `Contact ${n}`)
    // No last message, or one that is not stored (conv-7): no preview.
    if (n % 4 === 0 || n === 7) assert.equal(s.lastMessage, null, s.conversationId)
    else assert.equal(s.lastMessage?.text, `message ${n} in conv-${n}`, s.conversationId)
  }
  // One read of the contacts, one of the last messages; only what is missing (conv-99's contact,
  // conv-7's message) is asked again.
  const once = {
    listConversations: 1,
    listContacts: 1,
    getMessages: 1,
    getContact: 1,
    getMessage: 1,
  }
  assert.deepEqual(Object.fromEntries(calls), once)
})

test('the list filtered by name reads the same way', async () => {
  const { store, calls } = await seeded()
  const list = await listConversations(deps(store), 'contact 1')
  assert.deepEqual(
    list.map((s) => s.conversationId).sort(),
    ['conv-1', ...Array.from({ length: 10 }, (_, i) => `conv-${10 + i}`)].sort(),
  )
  assert.deepEqual(Object.fromEntries(calls), {
    listConversations: 1,
    listContacts: 1,
    getMessages: 1,
    getContact: 1,
    getMessage: 1,
  })
})

test('opened again with nothing written: no store request; after a write: what was written', async () => {
  const { store, calls } = await seeded()
  const first = await listConversations(deps(store), null)
  calls.clear()
  // A page changing what it got changes nothing for the next one.
  first[0]!.contact.displayName = 'changed by a page'
  first.pop()
  const again = await listConversations(deps(store), null)
  assert.deepEqual(Object.fromEntries(calls), {}, 'served from the kept list')
  assert.equal(again.length, ROWS)
  assert.equal(again[0]?.contact.displayName, 'Contact 40')

  // A new message in conv-1 moves it to the top with its text, as the popup must show at once.
  const m = messageRecord('conv-1', 500)
  const text = { kind: 'text', text: 'a new message' } as const
  await store.transaction(async (tx) => {
    await tx.addMessage({ ...m, body: text })
    await tx.putConversation(
      conversationRecord(1, {
        lastMessageId: m.messageId,
        lastActivityAt: T0 + 1000,
        unreadCount: 1,
      }),
    )
  })
  const after = await listConversations(deps(store), null)
  assert.equal(after[0]?.conversationId, 'conv-1')
  assert.equal(after[0]?.lastMessage?.text, 'a new message')
  assert.equal(after[0]?.unreadCount, 1)
  assert.equal(calls.get('listConversations'), 1, 'read again once')
  await store.close()
})
