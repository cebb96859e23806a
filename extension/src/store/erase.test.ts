import { test } from 'node:test'
import assert from 'node:assert/strict'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { hashWasmArgon2id, passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import { contactRecord } from '@hestia/core/test-support/store-compliance.ts'
import { FilesDatabase } from '../files/files-db.ts'
import { encryptDatabase, readKeyring } from './at-rest.ts'
import { openDexieStore } from './dexie-store.ts'
import { eraseDevice } from './erase.ts'

const FAST = { memoryKiB: 64, iterations: 1, parallelism: 1 }

test('erase this device: both databases, the keyring and file bytes are gone; a fresh start works', async () => {
  const indexedDB = new IDBFactory()
  const store = await openDexieStore({ indexedDB, IDBKeyRange })
  await store.putContact(contactRecord(1))
  await store.close()
  await encryptDatabase(passphraseBytes('forgotten'), {
    indexedDB,
    IDBKeyRange,
    kdf: hashWasmArgon2id,
    params: FAST,
    floor: FAST,
  })
  const files = new FilesDatabase({ indexedDB, IDBKeyRange })
  await files.chunks.put({
    transferId: 't',
    offset: 0,
    length: 3,
    data: new Blob([new Uint8Array(3)]),
  })
  files.close()

  await eraseDevice({ indexedDB, IDBKeyRange })

  assert.deepEqual(
    (await indexedDB.databases()).map((d) => d.name),
    [],
    'no database left',
  )
  assert.equal(await readKeyring({ indexedDB, IDBKeyRange }), undefined)
  const fresh = await openDexieStore({ indexedDB, IDBKeyRange })
  try {
    assert.deepEqual(await fresh.listContacts(), [], 'a new, empty, unlocked store')
  } finally {
    await fresh.close()
  }
})
