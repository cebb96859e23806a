import { test } from 'node:test'
import assert from 'node:assert/strict'
import { openMemoryStore } from '../store/memory-store.ts'
import type { MessengerStore } from '../store/store.ts'
import { hashWasmArgon2id, passphraseBytes } from '../store/at-rest/argon2id.ts'
import { goldenBackupContents } from '../../test-support/backup-golden.ts'
import { messageRecord } from '../../test-support/store-compliance.ts'
import { seededRandom } from '../../test-support/deterministic.ts'
import { decodeBackup, encodeBackup } from './format.ts'
import { BackupStoreError, collectBackupContents, restoreBackupContents } from './store-contents.ts'

const SMALL = { memoryKiB: 64, iterations: 1, parallelism: 1 }

/** What the user sees of an account: identity, contacts with verification, every conversation's history. */
async function accountView(store: MessengerStore): Promise<unknown> {
  const conversations = await store.listConversations(100)
  const histories = []
  for (const c of conversations)
    histories.push(await store.pageMessages(c.conversationId, { before: null, limit: 500 }))
  return {
    identity: await store.getIdentity(),
    contacts: (await store.listContacts()).sort((a, b) => a.contactId.localeCompare(b.contactId)),
    devices: await store.listDevices('contact-ada'),
    conversations,
    histories,
    unread: await store.countUnread('conv-ada'),
    settings: await store.getSettings(),
  }
}

test('backup from a store and restore into a fresh one: the same account, verification and history (1,200 messages)', async () => {
  const source = openMemoryStore()
  await restoreBackupContents(source, goldenBackupContents())
  // Enough history to need several pages and batches.
  const more = Array.from({ length: 1200 }, (_, i) => messageRecord('conv-ada', i + 10))
  for (let i = 0; i < more.length; i += 1000) await source.addMessages(more.slice(i, i + 1000))

  await source.putSession(
    {
      contactId: 'contact-ada',
      deviceId: '12D3KooWGoldenDeviceAda',
      state: new Uint8Array([7]),
      version: 1,
      updatedAt: 0,
    },
    null,
  )

  const contents = await collectBackupContents(source, Date.UTC(2026, 11, 6))
  assert.equal(contents.messages.length, 1202)
  const file = await encodeBackup(contents, passphraseBytes('pw'), {
    kdf: hashWasmArgon2id,
    random: seededRandom('rt'),
    params: SMALL,
    floor: SMALL,
  })
  const restored = openMemoryStore()
  await restoreBackupContents(
    restored,
    await decodeBackup(file, passphraseBytes('pw'), hashWasmArgon2id),
  )
  assert.deepEqual(await accountView(restored), await accountView(source))
  assert.equal((await restored.getContact('contact-ada'))?.verified, true)
  assert.deepEqual(
    await restored.listSessions('contact-ada'),
    [],
    'no ratchet sessions travel in a backup',
  )
})

test('restore refuses a device that already has an identity, and writes nothing', async () => {
  const store = openMemoryStore()
  await restoreBackupContents(store, goldenBackupContents())
  const before = await accountView(store)
  const other = goldenBackupContents()
  other.identity = { ...other.identity, displayName: 'Someone else' }
  await assert.rejects(restoreBackupContents(store, other), BackupStoreError)
  assert.deepEqual(await accountView(store), before)
})

test('a store with no identity has nothing to back up', async () => {
  await assert.rejects(collectBackupContents(openMemoryStore(), 0), BackupStoreError)
})
