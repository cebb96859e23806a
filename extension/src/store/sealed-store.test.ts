// The Dexie store with at-rest sealing on (ADR 0520): the same compliance suite as the plaintext
// store, then what someone holding a copy of the profile's IndexedDB sees and can do.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Dexie } from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import {
  contactRecord,
  conversationRecord,
  messageRecord,
  runStoreComplianceSuite,
} from '@hestia/core/test-support/store-compliance.ts'
import { seededRandom } from '@hestia/core/test-support/deterministic.ts'
import { RowSealer } from '@hestia/core/store/at-rest/row-sealer.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import type { IdentityRecord } from '@hestia/core/store/records.ts'
import { hashWasmArgon2id, passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '@hestia/core/store/at-rest/argon2id.ts'
import { openDexieStore } from './dexie-store.ts'
import { encryptDatabase } from './at-rest.ts'
import { DATABASE_NAME, TABLES, declareSchema } from './schema.ts'

const FAST: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASSPHRASE = passphraseBytes('correct horse')
const keys = new WeakMap<IDBFactory, Uint8Array>()

/** A fresh database with encryption turned on (empty), as the user would have it. */
async function encryptedFactory(): Promise<IDBFactory> {
  const indexedDB = new IDBFactory()
  const dataKey = await encryptDatabase(PASSPHRASE, {
    indexedDB,
    IDBKeyRange,
    kdf: hashWasmArgon2id,
    params: FAST,
    floor: FAST,
    random: seededRandom('enc'),
  })
  keys.set(indexedDB, dataKey)
  return indexedDB
}

function sealer(indexedDB: IDBFactory, key?: Uint8Array): RowSealer {
  return new RowSealer(key ?? keys.get(indexedDB)!, seededRandom('sealed-store'), DATABASE_NAME)
}

runStoreComplianceSuite('Dexie store, sealed (fake-indexeddb)', async () => {
  const indexedDB = await encryptedFactory()
  return { open: () => openDexieStore({ indexedDB, IDBKeyRange, sealer: sealer(indexedDB) }) }
})

const MARKER = 'zebra-marker-7f3a'
const PEER_ID = '12D3KooWAliceDevicePeerIdForTheForensicTest'
const SECRET = new Uint8Array(64).map((_, i) => (i * 37 + 11) & 0xff)

function identity(): IdentityRecord {
  return {
    displayName: `Me ${MARKER}`,
    identityPublicKey: new Uint8Array(32).fill(9),
    secretKeys: SECRET,
    deviceId: '12D3KooWdevice',
    deviceCertificate: new Uint8Array([1, 2, 3]),
    createdAt: 1,
  }
}

/** Every string and byte string anywhere inside `value`. */
function leaves(value: unknown, out: (string | Uint8Array)[] = []): (string | Uint8Array)[] {
  if (typeof value === 'string') out.push(value)
  else if (value instanceof Uint8Array) out.push(value)
  else if (Array.isArray(value)) for (const item of value) leaves(item, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      out.push(key)
      leaves(item, out)
    }
  }
  return out
}

function contains(haystack: string | Uint8Array, needle: Uint8Array): boolean {
  const bytes = typeof haystack === 'string' ? new TextEncoder().encode(haystack) : haystack
  return Buffer.from(bytes).includes(Buffer.from(needle))
}

/** Reads every row of every table of the database without the sealing layer. */
async function rawRows(indexedDB: IDBFactory): Promise<Record<string, unknown[]>> {
  const db = new Dexie(DATABASE_NAME, { indexedDB, IDBKeyRange, autoOpen: false })
  declareSchema(db)
  await db.open()
  try {
    const out: Record<string, unknown[]> = {}
    for (const table of db.tables) out[table.name] = await table.toArray()
    return out
  } finally {
    db.close()
  }
}

async function populate(indexedDB: IDBFactory): Promise<void> {
  const store = await openDexieStore({ indexedDB, IDBKeyRange, sealer: sealer(indexedDB) })
  try {
    await store.putIdentity(identity())
    await store.putContact(
      contactRecord(1, { displayName: `Alice ${MARKER}`, identityKeyId: 'alice-key-id-b64' }),
    )
    await store.putConversation(conversationRecord(1))
    await store.putDevice({
      ownerId: 'contact-1',
      deviceId: PEER_ID,
      certificate: new Uint8Array([1, 2]),
      addedAt: 1,
      expiresAt: 2,
      lastSeenAt: null,
    })
    await store.putSession(
      {
        contactId: 'contact-1',
        deviceId: PEER_ID,
        state: SECRET.subarray(16, 48),
        version: 1,
        updatedAt: 1,
      },
      null,
    )
    await store.addMessage(
      messageRecord('conv-1', 0, { body: { kind: 'text', text: `hello ${MARKER}` } }),
    )
    await store.addMessage(
      messageRecord('conv-1', 1, { body: { kind: 'text', text: `second ${MARKER}` } }),
    )
    await store.enqueueOutbox({
      conversationId: 'conv-1',
      messageId: 'conv-1-m000001',
      kind: 'message',
      payload: new TextEncoder().encode(`payload ${MARKER}`),
      attempts: 0,
      nextAttemptAt: 0,
      createdAt: 0,
      lastError: null,
    })
    await store.putSettings({ theme: MARKER } as never)
  } finally {
    await store.close()
  }
}

test('sealed store: no marker text, contact name, identity secret or contact key id in any stored row', async () => {
  const indexedDB = await encryptedFactory()
  await populate(indexedDB)
  const rows = await rawRows(indexedDB)
  const all = Object.values(rows).flat()
  assert.ok(all.length >= 7, `rows written: ${all.length}`)
  const needles = [
    new TextEncoder().encode(MARKER),
    new TextEncoder().encode('Alice'),
    SECRET.subarray(0, 16),
    new TextEncoder().encode('alice-key-id-b64'),
    new TextEncoder().encode('mailbox-1'),
    new TextEncoder().encode(PEER_ID),
    SECRET.subarray(20, 40),
  ]
  for (const row of all)
    for (const leaf of leaves(row))
      for (const needle of needles)
        assert.equal(
          contains(leaf, needle),
          false,
          `found ${new TextDecoder().decode(needle)} in ${JSON.stringify(leaf)}`,
        )
  // And the sealed store still reads everything back (blind lookups included).
  const store = await openDexieStore({ indexedDB, IDBKeyRange, sealer: sealer(indexedDB) })
  try {
    assert.deepEqual((await store.getIdentity())?.secretKeys, SECRET)
    assert.equal(
      (await store.getContactByIdentityKey('alice-key-id-b64'))?.displayName,
      `Alice ${MARKER}`,
    )
    assert.equal((await store.getContactByInboundMailbox('mailbox-1'))?.contactId, 'contact-1')
    assert.equal((await store.getDevice('contact-1', PEER_ID))?.deviceId, PEER_ID)
    assert.deepEqual((await store.getSession('contact-1', PEER_ID))?.state, SECRET.subarray(16, 48))
    assert.deepEqual(
      (await store.listSessions('contact-1')).map((x) => x.deviceId),
      [PEER_ID],
    )
    await store.deleteSession('contact-1', PEER_ID)
    assert.equal(await store.getSession('contact-1', PEER_ID), undefined)
    const page = await store.pageMessages('conv-1', { before: null, limit: 10 })
    assert.deepEqual(
      page.map((m) => (m.body.kind === 'text' ? m.body.text : '')),
      [`second ${MARKER}`, `hello ${MARKER}`],
    )
  } finally {
    await store.close()
  }
})

async function expectTampered(
  indexedDB: IDBFactory,
  read: (store: Awaited<ReturnType<typeof openDexieStore>>) => Promise<unknown>,
) {
  const store = await openDexieStore({ indexedDB, IDBKeyRange, sealer: sealer(indexedDB) })
  try {
    await assert.rejects(read(store), (error) => {
      assert.ok(error instanceof AtRestError, String(error))
      assert.equal(error.code, 'tampered')
      return true
    })
  } finally {
    await store.close()
  }
}

async function editRaw(indexedDB: IDBFactory, edit: (db: Dexie) => Promise<void>): Promise<void> {
  const db = new Dexie(DATABASE_NAME, { indexedDB, IDBKeyRange, autoOpen: false })
  declareSchema(db)
  await db.open()
  try {
    await edit(db)
  } finally {
    db.close()
  }
}

test('sealed store: swapping two messages’ sealed parts is refused (the record id is bound)', async () => {
  const indexedDB = await encryptedFactory()
  await populate(indexedDB)
  await editRaw(indexedDB, async (db) => {
    const table = db.table(TABLES.messages)
    const [a, b] = (await table.toArray()) as { messageId: string; sealed: Uint8Array }[]
    assert.ok(a && b)
    await table.put({ ...a, sealed: b.sealed })
    await table.put({ ...b, sealed: a.sealed })
  })
  await expectTampered(indexedDB, (store) => store.getMessage('conv-1-m000000'))
  await expectTampered(indexedDB, (store) =>
    store.pageMessages('conv-1', { before: null, limit: 10 }),
  )
})

test('sealed store: an edited clear column (a message moved to another conversation) is refused', async () => {
  const indexedDB = await encryptedFactory()
  await populate(indexedDB)
  await editRaw(indexedDB, async (db) => {
    await db.table(TABLES.messages).update('conv-1-m000000', { conversationId: 'conv-9' })
  })
  await expectTampered(indexedDB, (store) =>
    store.pageMessages('conv-9', { before: null, limit: 10 }),
  )
  await expectTampered(indexedDB, (store) => store.getMessage('conv-1-m000000'))
})

test('sealed store: a plaintext row slipped into the encrypted store is refused, not shown', async () => {
  const indexedDB = await encryptedFactory()
  await populate(indexedDB)
  await editRaw(indexedDB, async (db) => {
    await db
      .table(TABLES.messages)
      .add({ ...messageRecord('conv-1', 5, { body: { kind: 'text', text: 'forged' } }), unread: 1 })
  })
  await expectTampered(indexedDB, (store) =>
    store.pageMessages('conv-1', { before: null, limit: 10 }),
  )
})

test('sealed store: another data key opens nothing', async () => {
  const indexedDB = await encryptedFactory()
  await populate(indexedDB)
  const store = await openDexieStore({
    indexedDB,
    IDBKeyRange,
    sealer: sealer(indexedDB, new Uint8Array(32).fill(1)),
  })
  try {
    await assert.rejects(
      store.getIdentity(),
      (error) => error instanceof AtRestError && error.code === 'tampered',
    )
    // Blind lookups under another key find nothing rather than someone else's row.
    assert.equal(await store.getContactByIdentityKey('alice-key-id-b64'), undefined)
  } finally {
    await store.close()
  }
})
