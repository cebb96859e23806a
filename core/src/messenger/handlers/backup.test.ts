// backup.export / backup.import handlers over real stores (no network: the node start is a stub):
// a 1,200-message history round-trips through the file, re-keyed as a new device of the same
// identity; what must not travel does not; an import where an identity exists runs no KDF and
// writes nothing; a damaged file writes nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClientApiError } from '../../client/api.ts'
import type { ClientEvent, ClientRequest } from '../../client/api.ts'
import { createDispatcher } from '../../client/dispatch.ts'
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.ts'
import { systemPlatform } from '../../crypto/platform.ts'
import { hashWasmArgon2id } from '../../store/at-rest/argon2id.ts'
import type { PassphraseKdf } from '../../store/at-rest/argon2id.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import type { MessengerStore } from '../../store/store.ts'
import { restoreBackupContents } from '../../backup/store-contents.ts'
import { goldenBackupContents } from '../../../test-support/backup-golden.ts'
import { messageRecord } from '../../../test-support/store-compliance.ts'
import { handlersWith } from '../../../test-support/client-handlers.ts'
import { createLocalIdentity } from '../identity.ts'
import { decodeSecrets } from '../secrets.ts'
import { backupHandlers } from './backup.ts'

const SMALL = { memoryKiB: 64, iterations: 1, parallelism: 1 }

function device(store: MessengerStore, kdf: PassphraseKdf = hashWasmArgon2id) {
  const events: ClientEvent[] = []
  let started = 0
  const handlers = backupHandlers(
    {
      store: () => Promise.resolve(store),
      platform: systemPlatform,
      startNode: () => {
        started++
        return Promise.resolve()
      },
      emit: (e) => events.push(e),
    },
    { kdf, params: SMALL, floor: SMALL },
  )
  const dispatch = createDispatcher(handlersWith(handlers))
  return {
    events,
    started: () => started,
    request: (r: ClientRequest) => dispatch(r),
  }
}

async function account(): Promise<MessengerStore> {
  const store = openMemoryStore()
  const contents = goldenBackupContents()
  contents.identity = (await createLocalIdentity(systemPlatform, 'Zoë')).record
  contents.messages.push(
    ...Array.from({ length: 1200 }, (_, i) =>
      messageRecord('conv-ada', i + 10, i === 1199 ? { direction: 'out', delivery: 'queued' } : {}),
    ),
  )
  await restoreBackupContents(store, contents)
  return store
}

async function everything(store: MessengerStore) {
  const contacts = await store.listContacts()
  const messages = await store.pageMessages('conv-ada', { before: null, limit: 500 })
  return {
    identity: await store.getIdentity(),
    contacts,
    messages,
    count: await store.countUnread('conv-ada'),
  }
}

test('a 1,200-message history round-trips through backup.export / backup.import, re-keyed', async () => {
  const source = await account()
  const a = device(source)
  const exported = await a.request({
    type: 'backup.export',
    passphrase: 'a long backup passphrase',
  })
  assert.ok(exported.ok, JSON.stringify(exported))
  const value = exported.value as { file: string; bytes: number; messages: number }
  assert.equal(value.messages, 1202)
  // Far below what the port carries (BACKUP_LIMITS.fileMaxBytes): ~250 KB here.
  assert.ok(value.bytes < 1_048_576, `${value.bytes} bytes`)

  const target = openMemoryStore()
  const fresh = device(target)
  const imported = await fresh.request({
    type: 'backup.import',
    file: value.file,
    passphrase: 'a long backup passphrase',
  })
  assert.ok(imported.ok, JSON.stringify(imported))
  assert.equal(fresh.started(), 1, 'the node starts once, after the restore')
  assert.ok(fresh.events.some((e) => e.type === 'identity.changed'))

  const before = await source.getIdentity()
  const after = await target.getIdentity()
  assert.deepEqual(after!.identityPublicKey, before!.identityPublicKey, 'same identity')
  assert.notEqual(after!.deviceId, before!.deviceId, 'a new device')
  const oldSecrets = decodeSecrets(before!.secretKeys)
  const newSecrets = decodeSecrets(after!.secretKeys)
  assert.deepEqual(newSecrets.identitySecret, oldSecrets.identitySecret)
  assert.notDeepEqual(newSecrets.mailboxRoot, oldSecrets.mailboxRoot)
  assert.notDeepEqual(newSecrets.device.publicKey, oldSecrets.device.publicKey)
  assert.equal(newSecrets.restoredFrom?.deviceId, before!.deviceId)
  assert.deepEqual(newSecrets.invites, [])

  const [was, now] = [await everything(source), await everything(target)]
  assert.equal(now.messages.length, 500)
  // The one message still queued when the backup was made is shown failed (its outbox row stayed).
  const queued = was.messages.find((m) => m.delivery === 'queued')!
  const restored = now.messages.find((m) => m.messageId === queued.messageId)!
  assert.equal(restored.delivery, 'failed')
  assert.deepEqual(
    now.messages.filter((m) => m.messageId !== queued.messageId),
    was.messages.filter((m) => m.messageId !== queued.messageId),
  )
  assert.equal(now.count, was.count)
  assert.deepEqual(
    now.contacts.map((c) => ({ ...c, inboundMailboxId: null, mailboxSince: 0 })),
    was.contacts.map((c) => ({ ...c, inboundMailboxId: null, mailboxSince: 0 })),
    'contacts with their verification state',
  )
  assert.ok(
    now.contacts.every((c) => c.inboundMailboxId === null),
    'old mailboxes not reused',
  )
  assert.deepEqual(await target.listSessions('contact-ada'), [])
})

test('an import where an identity exists runs no KDF and changes nothing; a damaged file neither', async () => {
  const source = await account()
  const exported = await device(source).request({ type: 'backup.export', passphrase: null })
  assert.ok(exported.ok)
  const file = (exported.value as { file: string; recoveryCode: string }).file
  const code = (exported.value as { recoveryCode: string }).recoveryCode
  let kdfRuns = 0
  const counting: PassphraseKdf = (p, s, params) => {
    kdfRuns++
    return hashWasmArgon2id(p, s, params)
  }
  const busy = await account()
  const before = await everything(busy)
  const refused = await device(busy, counting).request({
    type: 'backup.import',
    file,
    passphrase: code,
  })
  assert.ok(!refused.ok && refused.error.code === 'identity_exists')
  assert.equal(kdfRuns, 0)
  assert.deepEqual(await everything(busy), before)

  const empty = openMemoryStore()
  const bytes = fromBase64Url(file)
  bytes[bytes.length - 1]! ^= 1
  const d = device(empty, counting)
  const damaged = await d.request({
    type: 'backup.import',
    file: toBase64Url(bytes),
    passphrase: code,
  })
  assert.ok(!damaged.ok && damaged.error.code === 'backup_wrong_passphrase')
  assert.equal(await empty.getIdentity(), undefined)
  assert.equal(d.started(), 0)
  assert.ok(new ClientApiError('backup_damaged', '').userText.length > 10)
})
