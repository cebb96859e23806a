/**
 * Group delivery receipts as the sender counts them (ADR 0780): receipts from several members
 * that arrive together (one mailbox read hands them over in a row) each count.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fromBase64Url } from '../../crypto/bytes.ts'
import type { GroupMessageRecord } from '../../store/records.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import { GroupReceipts } from './group-receipts.ts'

const GROUP = 'g1'
const TEXT_ID = 'AAAAAAAAAAAAAAAAAAAAAA' // 16 bytes, base64url

function receiptsOver(store: ReturnType<typeof openMemoryStore>): GroupReceipts {
  return new GroupReceipts({
    delay: { minMs: 0, maxMs: 0 },
    random: (n) => new Uint8Array(n),
    delayed: () => false,
    store,
    send: () => Promise.resolve(),
    log: () => undefined,
  })
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
