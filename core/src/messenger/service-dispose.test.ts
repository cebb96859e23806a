// A service the host replaced (lock, erase: a new service over the same hub) lets go of the hub.
// Found in the devices bench (issue 19): after each removal the extension's host made a new
// service, and every earlier one still took `device.removed` and tried to erase its closed store
// again ('The store was closed', once more per earlier round).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ClientEventHub } from '../client/dispatch.ts'
import { createMemoryBacking, openMemoryStore } from '../store/index.ts'
import { createMessengerService, type MessengerService } from './service.ts'

/** A service over a store the host already closed (as after its lock or erase). */
async function serviceOn(hub: ClientEventHub, logged: string[]): Promise<MessengerService> {
  const store = openMemoryStore(createMemoryBacking())
  await store.close()
  return createMessengerService({
    store,
    hub,
    createNode: () => Promise.reject(new Error('no node in this test')),
    log: (message) => logged.push(message),
  })
}

test('a disposed service takes no more hub events; one in use still does', async () => {
  const hub = new ClientEventHub()
  const before = hub.subscriberCount
  const replacedLog: string[] = []
  const inUseLog: string[] = []
  const replaced = await serviceOn(hub, replacedLog)
  await replaced.stop()
  replaced.dispose()
  assert.equal(hub.subscriberCount, before, 'its listeners are gone')
  // The one in use still reacts (the control: within the same wait the path runs).
  const inUse = await serviceOn(hub, inUseLog)
  hub.emit({ type: 'device.removed', at: 1 })
  // Polled up to 10 s: a loaded machine, not a speed limit.
  const end = Date.now() + 10_000
  while (inUseLog.length === 0 && Date.now() < end)
    await new Promise((resolve) => setTimeout(resolve, 10))
  assert.ok(inUseLog.some((m) => m.includes('erasing this removed device failed')))
  assert.deepEqual(replacedLog, [], 'the replaced service did nothing')
  await inUse.stop()
  inUse.dispose()
  assert.equal(hub.subscriberCount, before)
})
