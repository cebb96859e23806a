// changeSecrets: one read–change–write of our stored secrets, then the in-memory copy follows.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform } from '../crypto/platform.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { MessengerStore } from '../store/store.ts'
import { changeSecrets, changeSecretsIn, WRITE_NOTHING, type MessengerContext } from './context.ts'
import { createLocalIdentity } from './identity.ts'
import { decodeSecrets } from './secrets.ts'

async function context(withIdentity = true): Promise<MessengerContext & { store: MessengerStore }> {
  const made = await createLocalIdentity(systemPlatform, 'Ada')
  const store = openMemoryStore()
  if (withIdentity) await store.putIdentity(made.record)
  return { store, secrets: decodeSecrets(made.record.secretKeys) } as MessengerContext & {
    store: MessengerStore
  }
}

const stored = async (store: MessengerStore) =>
  decodeSecrets((await store.getIdentity())!.secretKeys)

test('a change is written, the in-memory copy reloaded, and its result given back', async () => {
  const ctx = await context()
  const before = ctx.secrets
  const got = await changeSecrets(ctx, (s, row) => {
    s.replaced = { at: 7, byDeviceId: 'other' }
    row.deviceList = Uint8Array.of(9)
    return 'done'
  })
  assert.equal(got, 'done')
  assert.deepEqual((await stored(ctx.store)).replaced, { at: 7, byDeviceId: 'other' })
  assert.deepEqual((await ctx.store.getIdentity())!.deviceList, Uint8Array.of(9))
  assert.notEqual(ctx.secrets, before, 'reloaded')
  assert.deepEqual(ctx.secrets.replaced, { at: 7, byDeviceId: 'other' })
})

test('a change that answers WRITE_NOTHING writes nothing', async () => {
  const ctx = await context()
  const row = await ctx.store.getIdentity()
  const got = await changeSecrets(ctx, (s) => {
    s.replaced = { at: 7, byDeviceId: 'other' }
    return WRITE_NOTHING
  })
  assert.equal(got, WRITE_NOTHING)
  assert.deepEqual(await ctx.store.getIdentity(), row)
  assert.equal(ctx.secrets.replaced, undefined)
})

test('a change whose value is false is written (review 11 F8)', async () => {
  const ctx = await context()
  const restored = {
    deviceId: 'old',
    mailboxRoot: Uint8Array.of(1),
    mailboxIds: [],
    relay: null,
    restoredAt: 5,
    hellosQueued: true,
    noticeDelivered: true,
  }
  await changeSecrets(ctx, (s) => (s.restoredFrom = restored))
  // An arrow that assigns false gives false: an ordinary result, the change is still written.
  const got = await changeSecrets(ctx, (s) => (s.restoredFrom!.hellosQueued = false))
  assert.equal(got, false)
  assert.equal((await stored(ctx.store)).restoredFrom?.hellosQueued, false)
  assert.equal(ctx.secrets.restoredFrom?.hellosQueued, false)
  assert.equal(ctx.secrets.restoredFrom?.noticeDelivered, true)
})

test('no identity: throws, or with skip writes nothing and gives undefined', async () => {
  const ctx = await context(false)
  await assert.rejects(
    changeSecrets(ctx, () => true),
    /no identity/,
  )
  assert.equal(await changeSecrets(ctx, () => true, 'skip'), undefined)
  assert.equal(await ctx.store.getIdentity(), undefined)
})

test('inside a transaction that fails, the change is rolled back with the rest', async () => {
  const ctx = await context()
  await assert.rejects(
    ctx.store.transaction(async (tx) => {
      await changeSecretsIn(tx, (s) => {
        s.replaced = { at: 7, byDeviceId: 'other' }
      })
      throw new Error('later work failed')
    }),
    /later work failed/,
  )
  assert.equal((await stored(ctx.store)).replaced, undefined)
})
