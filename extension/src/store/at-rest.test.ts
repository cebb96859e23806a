// Turning encryption on for an existing database (ADR 0521): all or nothing at every kill point,
// unlock, wrong passphrase, passphrase change.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Dexie } from 'dexie'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import fc from 'fast-check'
import {
  contactRecord,
  conversationRecord,
  messageRecord,
} from '@hestia/core/test-support/store-compliance.ts'
import { seededRandom } from '@hestia/core/test-support/deterministic.ts'
import { hashWasmArgon2id, passphraseBytes } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '@hestia/core/store/at-rest/argon2id.ts'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import { openDexieStore } from './dexie-store.ts'
import {
  AtRestStateError,
  changePassphrase,
  encryptDatabase,
  readKeyring,
  sealerFor,
  StoreLockedError,
  unlockDataKey,
} from './at-rest.ts'
import { DATABASE_NAME, declareSchema } from './schema.ts'

const FAST: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const KDF = { kdf: hashWasmArgon2id, params: FAST, floor: FAST }
const PASSPHRASE = passphraseBytes('correct horse')
const MARKER = 'quokka-marker-91'

/** A plaintext database as today's users have it: contacts, history, outbox, session, settings. */
async function populatePlaintext(
  indexedDB: IDBFactory,
  contacts: number,
  messages: number,
): Promise<void> {
  const store = await openDexieStore({ indexedDB, IDBKeyRange })
  try {
    await store.putIdentity({
      displayName: `Me ${MARKER}`,
      identityPublicKey: new Uint8Array(32).fill(1),
      secretKeys: new Uint8Array(64).fill(0xab),
      deviceId: 'dev-self',
      deviceCertificate: new Uint8Array([1]),
      createdAt: 1,
    })
    for (let c = 1; c <= contacts; c++) {
      await store.putContact(contactRecord(c, { displayName: `Friend ${c} ${MARKER}` }))
      await store.putConversation(conversationRecord(c))
      await store.putSession(
        {
          contactId: `contact-${c}`,
          deviceId: 'd',
          state: new Uint8Array([c, 9, 9]),
          version: 1,
          updatedAt: 0,
        },
        null,
      )
      for (let m = 0; m < messages; m++)
        await store.addMessage(
          messageRecord(`conv-${c}`, m, { body: { kind: 'text', text: `${MARKER} ${c}/${m}` } }),
        )
      await store.enqueueOutbox({
        conversationId: `conv-${c}`,
        messageId: null,
        kind: 'receipt',
        payload: new TextEncoder().encode(`${MARKER} receipt`),
        attempts: 0,
        nextAttemptAt: 0,
        createdAt: 0,
        lastError: null,
      })
    }
  } finally {
    await store.close()
  }
}

/** Every row of every table, as stored. */
async function rawDump(indexedDB: IDBFactory): Promise<Record<string, unknown[]>> {
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

/** What the messenger reads: the same for the plaintext store and the unlocked sealed store. */
async function messengerView(store: MessengerStore, contacts: number): Promise<unknown> {
  const view: Record<string, unknown> = {
    identity: await store.getIdentity(),
    contacts: await store.listContacts(),
    conversations: await store.listConversations(100),
    heads: await store.outboxHeads(),
    settings: await store.getSettings(),
  }
  for (let c = 1; c <= contacts; c++) {
    view[`page-${c}`] = await store.pageMessages(`conv-${c}`, { before: null, limit: 500 })
    view[`unread-${c}`] = await store.countUnread(`conv-${c}`)
    view[`sessions-${c}`] = await store.listSessions(`contact-${c}`)
    view[`by-key-${c}`] = await store.getContactByIdentityKey(`key-${c}`)
  }
  return view
}

function hasMarker(dump: Record<string, unknown[]>): boolean {
  const text = JSON.stringify(dump, (_, v: unknown) =>
    v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v,
  )
  return text.includes(MARKER)
}

test('encrypt an existing database: the messenger reads exactly what it read before; no plaintext stays', async () => {
  const indexedDB = new IDBFactory()
  await populatePlaintext(indexedDB, 3, 20)
  const plain = await openDexieStore({ indexedDB, IDBKeyRange })
  const before = await messengerView(plain, 3)
  await plain.close()
  assert.ok(hasMarker(await rawDump(indexedDB)), 'the marker is readable before')

  const dataKey = await encryptDatabase(PASSPHRASE, {
    indexedDB,
    IDBKeyRange,
    ...KDF,
    random: seededRandom('m'),
  })
  assert.equal(hasMarker(await rawDump(indexedDB)), false, 'no marker after')

  await assert.rejects(openDexieStore({ indexedDB, IDBKeyRange }), StoreLockedError)
  const unlocked = await unlockDataKey(PASSPHRASE, {
    indexedDB,
    IDBKeyRange,
    kdf: hashWasmArgon2id,
  })
  assert.deepEqual(unlocked, dataKey)
  const sealed = await openDexieStore({ indexedDB, IDBKeyRange, sealer: sealerFor(unlocked) })
  try {
    assert.deepEqual(await messengerView(sealed, 3), before)
    // And it keeps working: a new message, an outbox item after the migrated ones.
    assert.equal(await sealed.addMessage(messageRecord('conv-1', 50)), true)
    assert.ok(
      (await sealed.enqueueOutbox({
        conversationId: 'conv-1',
        messageId: null,
        kind: 'control',
        payload: new Uint8Array([1]),
        attempts: 0,
        nextAttemptAt: 0,
        createdAt: 0,
        lastError: null,
      })) > 3,
    )
  } finally {
    await sealed.close()
  }
})

test('encrypt: a kill at any row leaves the old plaintext database exactly as it was (property over kill points)', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 0, max: 6 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (contacts, messages, where) => {
        const indexedDB = new IDBFactory()
        await populatePlaintext(indexedDB, contacts, messages)
        const before = await rawDump(indexedDB)
        const rows = Object.values(before).flat().length
        const killAt = 1 + Math.floor(where * (rows - 1))
        await assert.rejects(
          encryptDatabase(PASSPHRASE, {
            indexedDB,
            IDBKeyRange,
            ...KDF,
            onRowSealed: (count) => {
              if (count === killAt) throw new Error(`killed at row ${count}`)
            },
          }),
          /killed at row/,
        )
        assert.deepEqual(await rawDump(indexedDB), before, `kill at ${killAt} of ${rows}`)
        assert.equal(await readKeyring({ indexedDB, IDBKeyRange }), undefined)
        // The plaintext store still opens and the migration can be run again to the end.
        const plain = await openDexieStore({ indexedDB, IDBKeyRange })
        const view = await messengerView(plain, contacts)
        await plain.close()
        const dataKey = await encryptDatabase(PASSPHRASE, { indexedDB, IDBKeyRange, ...KDF })
        const sealed = await openDexieStore({ indexedDB, IDBKeyRange, sealer: sealerFor(dataKey) })
        try {
          assert.deepEqual(await messengerView(sealed, contacts), view)
        } finally {
          await sealed.close()
        }
      },
    ),
    { numRuns: 25, seed: 17 },
  )
})

test('encrypt twice is refused and changes nothing; a plaintext database refuses a data key', async () => {
  const indexedDB = new IDBFactory()
  await populatePlaintext(indexedDB, 1, 2)
  await assert.rejects(
    openDexieStore({ indexedDB, IDBKeyRange, sealer: sealerFor(new Uint8Array(32)) }),
    AtRestStateError,
  )
  await encryptDatabase(PASSPHRASE, { indexedDB, IDBKeyRange, ...KDF })
  const after = await rawDump(indexedDB)
  await assert.rejects(
    encryptDatabase(passphraseBytes('other'), { indexedDB, IDBKeyRange, ...KDF }),
    AtRestStateError,
  )
  assert.deepEqual(await rawDump(indexedDB), after)
})

test('unlock with a wrong passphrase: a typed error, nothing changed', async () => {
  const indexedDB = new IDBFactory()
  await populatePlaintext(indexedDB, 1, 2)
  await encryptDatabase(PASSPHRASE, { indexedDB, IDBKeyRange, ...KDF })
  const before = await rawDump(indexedDB)
  await assert.rejects(
    unlockDataKey(passphraseBytes('correct horsE'), {
      indexedDB,
      IDBKeyRange,
      kdf: hashWasmArgon2id,
    }),
    (error) => {
      assert.ok(error instanceof AtRestError)
      assert.equal(error.code, 'wrong_passphrase')
      return true
    },
  )
  assert.deepEqual(await rawDump(indexedDB), before)
})

test('change passphrase: only the keyring row changes; the old passphrase stops working', async () => {
  const indexedDB = new IDBFactory()
  await populatePlaintext(indexedDB, 2, 3)
  const dataKey = await encryptDatabase(PASSPHRASE, { indexedDB, IDBKeyRange, ...KDF })
  const before = await rawDump(indexedDB)
  const next = passphraseBytes('battery staple')
  await assert.rejects(
    changePassphrase(passphraseBytes('nope'), next, { indexedDB, IDBKeyRange, ...KDF }),
    (error) => error instanceof AtRestError && error.code === 'wrong_passphrase',
  )
  assert.deepEqual(await rawDump(indexedDB), before, 'a refused change writes nothing')
  await changePassphrase(PASSPHRASE, next, { indexedDB, IDBKeyRange, ...KDF })
  const after = await rawDump(indexedDB)
  assert.notDeepEqual(after.keyring, before.keyring)
  assert.deepEqual({ ...after, keyring: [] }, { ...before, keyring: [] }, 'no sealed row rewritten')
  assert.deepEqual(
    await unlockDataKey(next, { indexedDB, IDBKeyRange, kdf: hashWasmArgon2id }),
    dataKey,
  )
  await assert.rejects(
    unlockDataKey(PASSPHRASE, { indexedDB, IDBKeyRange, kdf: hashWasmArgon2id }),
    (error) => error instanceof AtRestError && error.code === 'wrong_passphrase',
  )
})
