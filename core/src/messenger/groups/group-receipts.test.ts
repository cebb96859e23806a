/**
 * Group delivery receipts as the sender counts them (ADR 0780): receipts from several members
 * that arrive together (one mailbox read hands them over in a row) each count. And as a member
 * sends them: one still waiting when the messenger stops is sent after the next start.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import { createMemoryBacking } from '../../store/memory-backing.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import { GroupReceipts } from './group-receipts.ts'

const GROUP = 'g1'
const TEXT_ID = 'AAAAAAAAAAAAAAAAAAAAAA' // 16 bytes, base64url

/** Receipts that go at once; what they send is pushed onto `sent`. */
function receiptsOver(
  store: ReturnType<typeof openMemoryStore>,
  sent: { groupId: string; ids: string[]; to: (string | null)[] }[] = [],
): GroupReceipts {
  return new GroupReceipts({
    delay: { minMs: 0, maxMs: 0 },
    random: (n) => new Uint8Array(n),
    delayed: () => false,
    store,
    send: (groupId, ids, to) => {
      sent.push({ groupId, ids: ids.map(toBase64Url), to: [...to] })
      return Promise.resolve()
    },
    log: () => undefined,
  })
}

/** Polls `check` until it holds; gives up after 10 s (a loaded machine, not a speed limit). */
async function waitFor(check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 10_000
  while (!(await check()) && Date.now() < end) await new Promise((r) => setTimeout(r, 5))
  assert.ok(await check(), 'condition not reached')
}

async function ourText(store: ReturnType<typeof openMemoryStore>, recipients: string[]) {
  const text: GroupMessageRecord = {
    messageId: TEXT_ID,
    groupId: GROUP,
    senderContactId: null,
    senderKeyId: null,
    outgoing: true,
    text: 'hello all',
    state: 'shown',
    via: 'sent',
    receivedAt: 1,
    recipients,
    deliveredTo: [],
  }
  assert.equal(await store.addGroupMessage(text), true)
}

test('receipts from three members handled at once: delivered to 3 of 3, none lost', async () => {
  const store = openMemoryStore()
  await ourText(store, ['bob', 'carol', 'dave'])
  const receipts = receiptsOver(store)
  const id = fromBase64Url(TEXT_ID)
  await Promise.all(
    ['bob', 'carol', 'dave'].map((member) => receipts.acknowledged(GROUP, member, [id])),
  )
  const stored = await store.getGroupMessage(TEXT_ID)
  assert.deepEqual([...(stored?.deliveredTo ?? [])].sort(), ['bob', 'carol', 'dave'])
  await receipts.stop()
})

test('the same member twice at once, and a stranger, still count one person once', async () => {
  const store = openMemoryStore()
  await ourText(store, ['bob', 'carol'])
  const receipts = receiptsOver(store)
  const id = fromBase64Url(TEXT_ID)
  const moved = await Promise.all([
    receipts.acknowledged(GROUP, 'bob', [id]),
    receipts.acknowledged(GROUP, 'bob', [id, id]),
    receipts.acknowledged(GROUP, 'mallory', [id]),
    receipts.acknowledged('other-group', 'carol', [id]),
  ])
  assert.equal(moved.flat().length, 1, 'only bob’s first receipt moved the text on')
  const stored = await store.getGroupMessage(TEXT_ID)
  assert.deepEqual(stored?.deliveredTo, ['bob'])
  await receipts.stop()
})

const THEIR_ID = 'BBBBBBBBBBBBBBBBBBBBBA' // 16 bytes, base64url
const OTHER_ID = 'CCCCCCCCCCCCCCCCCCCCCA'

async function theirText(
  store: ReturnType<typeof openMemoryStore>,
  messageId: string,
  groupId = GROUP,
): Promise<void> {
  const text: GroupMessageRecord = {
    messageId,
    groupId,
    senderContactId: 'ben',
    senderKeyId: 'ben-key',
    outgoing: false,
    text: 'hi',
    state: 'shown',
    via: 'mailbox',
    receivedAt: 2,
  }
  assert.equal(await store.addGroupMessage(text), true)
}

type Sent = { groupId: string; ids: string[]; to: (string | null)[] }

/** Receipts whose delay outlasts the test (30 s), recording what they send. */
function delayedReceipts(
  store: ReturnType<typeof openMemoryStore>,
  sent: Sent[],
  send: () => Promise<void> = () => Promise.resolve(),
): GroupReceipts {
  return new GroupReceipts({
    delay: { minMs: 30_000, maxMs: 30_000 },
    random: (n) => new Uint8Array(n),
    delayed: () => true,
    store,
    send: async (groupId, ids, to) => {
      await send()
      sent.push({ groupId, ids: ids.map(toBase64Url), to: [...to] })
    },
    log: () => undefined,
  })
}

test('a receipt still waiting at stop is kept in the store and sent after the restart, once', async () => {
  const backing = createMemoryBacking()
  const store = openMemoryStore(backing)
  await theirText(store, THEIR_ID)
  const sent: Sent[] = []
  const before = delayedReceipts(store, sent)
  before.stored(GROUP, THEIR_ID, 'ben')
  await before.stop()
  assert.deepEqual(sent, [], 'nothing is sent at the stop')
  assert.equal((await store.getGroupMessage(THEIR_ID))?.receiptDue, true)
  await store.close()

  // The restart: a new store over the same data, receipts that go at once.
  const again = openMemoryStore(backing)
  const after = receiptsOver(again, sent)
  await after.resume([GROUP])
  await waitFor(() => sent.length === 1)
  assert.deepEqual(sent, [{ groupId: GROUP, ids: [THEIR_ID], to: ['ben'] }])
  await waitFor(async () => (await again.getGroupMessage(THEIR_ID))?.receiptDue === undefined)
  await after.stop()
  // Sent and unmarked: a later start has nothing to send.
  const third = receiptsOver(again, sent)
  await third.resume([GROUP])
  await third.stop()
  assert.equal(sent.length, 1)
})

test('a text stored after stop() is marked before a second stop() resolves', async () => {
  const store = openMemoryStore()
  await theirText(store, THEIR_ID)
  // The mark's write is slow (an IndexedDB round trip): it must be done when stop() says so.
  let written = false
  const put = store.putGroupMessage.bind(store)
  store.putGroupMessage = async (m) => {
    await new Promise((r) => setImmediate(r))
    const stored = await put(m)
    written = true
    return stored
  }
  const receipts = delayedReceipts(store, [])
  await receipts.stop()
  receipts.stored(GROUP, THEIR_ID, 'ben') // the live watch, still reading during the stop
  await receipts.stop()
  assert.equal(written, true, 'the receiptDue mark is written before stop() resolves')
  assert.equal((await store.getGroupMessage(THEIR_ID))?.receiptDue, true)
})

test('resume sends only what was kept: not our own texts, not a group left, and a failed send keeps the mark', async () => {
  const store = openMemoryStore()
  await theirText(store, THEIR_ID)
  await theirText(store, OTHER_ID, 'left-group')
  await ourText(store, ['ben'])
  // Marks as a stop leaves them, and one a hostile or buggy record holds on our own text.
  for (const id of [THEIR_ID, OTHER_ID, TEXT_ID]) {
    const m = await store.getGroupMessage(id)
    assert.ok(m !== undefined)
    await store.putGroupMessage({ ...m, receiptDue: true })
  }
  const sent: Sent[] = []
  const quick = new GroupReceipts({
    delay: { minMs: 0, maxMs: 0 },
    random: (n) => new Uint8Array(n),
    delayed: () => false,
    store,
    send: () => Promise.reject(new Error('relay down')),
    log: () => undefined,
  })
  await quick.resume([GROUP])
  await quick.stop()
  assert.equal((await store.getGroupMessage(THEIR_ID))?.receiptDue, true, 'kept: not sent')
  const after = receiptsOver(store, sent)
  await after.resume([GROUP])
  await waitFor(() => sent.length === 1)
  await after.stop()
  assert.deepEqual(sent, [{ groupId: GROUP, ids: [THEIR_ID], to: ['ben'] }])
  assert.equal((await store.getGroupMessage(OTHER_ID))?.receiptDue, true, 'a group left: untouched')
})
