// A history transfer's place in the store: one per device, written in the order asked, read back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform } from '../../crypto/platform.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import type { MessengerContext } from '../context.ts'
import { createLocalIdentity } from '../identity.ts'
import { decodeSecrets, type HistoryResume } from '../secrets.ts'
import { HistoryPlaces, keptHistoryPlace } from './history-place.ts'

async function context(): Promise<{ ctx: MessengerContext; logged: string[] }> {
  const made = await createLocalIdentity(systemPlatform, 'Ada')
  const store = openMemoryStore()
  await store.putIdentity(made.record)
  const logged: string[] = []
  const ctx = {
    store,
    secrets: decodeSecrets(made.record.secretKeys),
    log: (message: string) => logged.push(message),
  } as unknown as MessengerContext
  return { ctx, logged }
}

const place = (deviceId: string, base: number): HistoryResume => ({
  deviceId,
  until: 100,
  base,
  messages: base * 10,
  cursor: null,
  chunks: 12,
})

test('places are kept per device, the last asked for wins, null forgets one', async () => {
  const { ctx } = await context()
  const places = new HistoryPlaces()
  places.keep(ctx, 'tablet', place('tablet', 1))
  places.keep(ctx, 'laptop', place('laptop', 2))
  places.keep(ctx, 'tablet', place('tablet', 3))
  await places.settled()
  assert.deepEqual(keptHistoryPlace(ctx, 'tablet'), place('tablet', 3))
  assert.deepEqual(keptHistoryPlace(ctx, 'laptop'), place('laptop', 2))
  places.keep(ctx, 'tablet', null)
  await places.settled()
  assert.equal(keptHistoryPlace(ctx, 'tablet'), undefined)
  const stored = decodeSecrets((await ctx.store.getIdentity())!.secretKeys).historyOut
  assert.deepEqual(stored, [place('laptop', 2)], 'as stored, not only in memory')
})

test('a failed write is logged and the next one still runs', async () => {
  const { ctx, logged } = await context()
  const places = new HistoryPlaces()
  const store = ctx.store
  ctx.store = {
    ...store,
    transaction: () => Promise.reject(new Error('disk full')),
  } as typeof store
  places.keep(ctx, 'tablet', place('tablet', 1))
  await places.settled()
  assert.deepEqual(logged, ['history: place not kept'])
  ctx.store = store
  places.keep(ctx, 'tablet', place('tablet', 2))
  await places.settled()
  assert.deepEqual(keptHistoryPlace(ctx, 'tablet'), place('tablet', 2))
})
