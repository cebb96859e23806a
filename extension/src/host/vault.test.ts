// The host's passphrase lock (issue 17, ADR 0523) over a real (fake-indexeddb) database: setting a
// passphrase encrypts the history in place and keeps the session unlocked; lock forgets the key
// and closes the messenger; a wrong passphrase changes nothing; a restarted host document adopts
// the session key without asking; auto-lock fires; erase leaves nothing.
import { afterEach, beforeEach, describe, mock, test } from 'node:test'
import assert from 'node:assert/strict'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { Dexie } from 'dexie'
import { ClientApiError } from '@hestia/core/client/api.ts'
import type { VaultStatus } from '@hestia/core/client/api.ts'
import { hashWasmArgon2id } from '@hestia/core/store/at-rest/argon2id.ts'
import type { Argon2idParams } from '@hestia/core/store/at-rest/argon2id.ts'
import { messageRecord } from '@hestia/core/test-support/store-compliance.ts'
import { openDexieStore } from '../store/dexie-store.ts'
import { readKeyring } from '../store/at-rest.ts'
import { DATABASE_NAME } from '../store/schema.ts'
import { HostVault } from './vault.ts'
import { memorySessionKeys, type SessionKeys } from './session-keys.ts'

const FAST: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const PASS = 'correct horse battery'
const MARKER = 'wombat-marker-17'

let indexedDB: IDBFactory
beforeEach(() => {
  indexedDB = new IDBFactory()
})

function host(sessionKeys: SessionKeys = memorySessionKeys()) {
  const log: string[] = []
  const changes: VaultStatus['state'][] = []
  let minutes: number | null | undefined
  const vault = new HostVault({
    kdf: hashWasmArgon2id,
    calibrate: () => Promise.resolve(FAST),
    floor: FAST,
    sessionKeys,
    autoLock: {
      read: () => minutes,
      write: (m) => void (minutes = m),
      clear: () => void (minutes = undefined),
    },
    closeMessenger: () => Promise.resolve(void log.push('close')),
    startMessenger: () => void log.push('start'),
    changed: (status) => void changes.push(status.state),
    database: { indexedDB, IDBKeyRange },
  })
  return { vault, log, changes, sessionKeys }
}

async function openWith(vault: HostVault) {
  const sealer = await vault.sealer()
  return openDexieStore({ indexedDB, IDBKeyRange, ...(sealer ? { sealer } : {}) })
}

async function code(work: Promise<unknown>): Promise<string> {
  try {
    await work
    return 'ok'
  } catch (error) {
    return error instanceof ClientApiError ? error.code : String(error)
  }
}

async function rawRowsContain(text: string): Promise<boolean> {
  const db = new Dexie(DATABASE_NAME, { indexedDB, IDBKeyRange })
  await db.open()
  try {
    for (const table of db.tables)
      for (const row of await table.toArray())
        if (
          JSON.stringify(row, (_k, v: unknown) => (v instanceof Uint8Array ? [...v] : v)).includes(
            text,
          )
        )
          return true
    return false
  } finally {
    db.close()
  }
}

describe('the host vault', () => {
  test('a first passphrase encrypts the existing history and leaves Hestia unlocked', async () => {
    const plain = await openDexieStore({ indexedDB, IDBKeyRange })
    await plain.addMessage(messageRecord('conv-1', 1, { body: { kind: 'text', text: MARKER } }))
    await plain.close()
    const { vault, log, changes } = host()
    assert.equal((await vault.status()).state, 'none')
    assert.equal(await vault.sealer(), undefined)

    const status = await vault.setPassphrase(PASS)
    assert.deepEqual(status, { state: 'unlocked', autoLockMinutes: 15 })
    assert.deepEqual(log, ['close', 'start'], 'the store was closed while encrypting')
    assert.deepEqual(changes, ['unlocked'])
    assert.equal(await rawRowsContain(MARKER), false, 'no row holds the text in clear')
    const store = await openWith(vault)
    const [message] = await store.pageMessages('conv-1', { before: null, limit: 10 })
    assert.equal(message?.body.kind === 'text' && message.body.text, MARKER)
    await store.close()
    assert.equal(await code(vault.setPassphrase('another passphrase')), 'invalid_state')
  })

  test('lock forgets the key; a wrong passphrase changes nothing; the right one unlocks', async () => {
    const { vault, log, sessionKeys } = host()
    await vault.setPassphrase(PASS)
    const before = await readKeyring({ indexedDB, IDBKeyRange })
    const sealer = await vault.sealer()
    assert.ok(sealer)

    assert.equal((await vault.lock()).state, 'locked')
    assert.equal(await sessionKeys.read(), null, 'no session copy while locked')
    assert.equal(log.at(-1), 'close')
    assert.throws(() => sealer.seal({ sealed: [], blind: [] } as never, { id: 'x' }))
    assert.equal(
      await code(vault.sealer()),
      'StoreLockedError: Hestia is locked: enter your passphrase to unlock it.',
    )
    await assert.rejects(openDexieStore({ indexedDB, IDBKeyRange }), { name: 'StoreLockedError' })

    assert.equal(await code(vault.unlock('not the passphrase')), 'wrong_passphrase')
    assert.equal((await vault.status()).state, 'locked')
    assert.deepEqual(await readKeyring({ indexedDB, IDBKeyRange }), before)
    assert.equal(await code(vault.changePassphrase('x', 'new passphrase 1')), 'invalid_state')

    assert.equal((await vault.unlock(PASS)).state, 'unlocked')
    const store = await openWith(vault)
    await store.close()
  })

  test('changing the passphrase needs the old one; afterwards only the new one unlocks', async () => {
    const { vault } = host()
    await vault.setPassphrase(PASS)
    assert.equal(
      await code(vault.changePassphrase('wrong old', 'new passphrase 1')),
      'wrong_passphrase',
    )
    await vault.changePassphrase(PASS, 'new passphrase 1')
    await vault.lock()
    assert.equal(await code(vault.unlock(PASS)), 'wrong_passphrase')
    assert.equal((await vault.unlock('new passphrase 1')).state, 'unlocked')
  })

  test('a restarted host document adopts the session key; after lock it asks again', async () => {
    const sessionKeys = memorySessionKeys()
    const first = host(sessionKeys)
    await first.vault.setPassphrase(PASS)
    const restarted = host(sessionKeys)
    assert.equal((await restarted.vault.status()).state, 'unlocked')
    const store = await openWith(restarted.vault)
    await store.close()
    await restarted.vault.lock()
    assert.equal((await host(sessionKeys).vault.status()).state, 'locked')
  })

  test('erase deletes the databases and the session key: a fresh, unprotected start', async () => {
    const { vault, sessionKeys } = host()
    await vault.setPassphrase(PASS)
    await vault.setAutoLock(5)
    await vault.lock()
    const status = await vault.erase()
    assert.deepEqual(status, { state: 'none', autoLockMinutes: 15 })
    assert.equal(await sessionKeys.read(), null)
    assert.deepEqual(await indexedDB.databases(), [])
  })
})

describe('auto-lock', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }))
  afterEach(() => mock.timers.reset())

  test('locks after the chosen idle minutes; a page request starts the clock again', async () => {
    const { vault, changes } = host()
    await vault.setPassphrase(PASS)
    await vault.setAutoLock(5)
    mock.timers.tick(4 * 60_000)
    vault.touch()
    mock.timers.tick(4 * 60_000)
    assert.equal((await vault.status()).state, 'unlocked')
    mock.timers.tick(60_000)
    await new Promise((resolve) => setImmediate(resolve))
    for (let i = 0; i < 20 && changes.at(-1) !== 'locked'; i++)
      await new Promise((resolve) => setImmediate(resolve))
    assert.equal((await vault.status()).state, 'locked')
    assert.deepEqual(changes, ['unlocked', 'unlocked', 'locked'])
  })

  test('"never" does not lock', async () => {
    const { vault } = host()
    await vault.setPassphrase(PASS)
    await vault.setAutoLock(null)
    mock.timers.tick(24 * 60 * 60_000)
    assert.equal((await vault.status()).state, 'unlocked')
  })
})

test('lock right after unlock, while the messenger is opening its store, does not hang', async () => {
  let opening: Promise<unknown> = Promise.resolve()
  const sessionKeys = memorySessionKeys()
  const vault: HostVault = new HostVault({
    kdf: hashWasmArgon2id,
    calibrate: () => Promise.resolve(FAST),
    floor: FAST,
    sessionKeys,
    autoLock: { read: () => undefined, write: () => undefined, clear: () => undefined },
    // As the NodeService does: closing waits for a start in progress, which needs the sealer.
    closeMessenger: () => opening.then(() => undefined),
    startMessenger: () => {
      opening = vault.sealer().catch(() => undefined)
    },
    changed: () => undefined,
    database: { indexedDB, IDBKeyRange },
  })
  await vault.setPassphrase(PASS)
  await vault.lock()
  const unlocked = vault.unlock(PASS)
  const locked = vault.lock()
  const states = await Promise.all([unlocked, locked])
  assert.deepEqual(
    states.map((s) => s.state),
    ['unlocked', 'locked'],
  )
})
