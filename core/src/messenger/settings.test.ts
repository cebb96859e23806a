// What the settings requests change: a relay address that does not check out is refused with
// nothing stored, announced or pushed; a real change is stored, announced to contacts (relays
// only) and pushed to every page once.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ClientEvent } from '../client/api.ts'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import type { MessengerContext } from './context.ts'
import { MessengerSettings } from './settings.ts'
import { settingsBeforeIdentity } from './settings-before-identity.ts'

const HOME = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWGzh8V7AWE4Ld2pR6RLTPz8eUGbTD2Yx8KjYtKAgYWHhQ'
const SECOND =
  '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWGzh8V7AWE4Ld2pR6RLTPz8eUGbTD2Yx8KjYtKAgYWHhQ'

async function settingsUnderTest() {
  const store = openMemoryStore(createMemoryBacking())
  const events: ClientEvent[] = []
  let announced = 0
  // The settings only use the store and the event fan-out of the context.
  const ctx = { store, emit: (e: ClientEvent) => events.push(e) } as unknown as MessengerContext
  const settings = new MessengerSettings(ctx, [HOME], () => {
    announced++
    return Promise.resolve()
  })
  await settings.load()
  return { settings, store, events, announced: () => announced }
}

describe('messenger settings', () => {
  test('an address that is not a relay address is refused: nothing stored, announced or pushed', async () => {
    const { settings, store, events, announced } = await settingsUnderTest()
    for (const bad of [
      'wss://relay.example.org',
      '/ip4/127.0.0.1/tcp/4001/ws',
      'x'.repeat(2_000),
    ]) {
      const answer = await settings.addRelay(bad)
      assert.equal(answer.ok ? 'ok' : answer.error.code, 'relay_address_invalid', bad.slice(0, 40))
    }
    assert.deepEqual(settings.relays, [HOME])
    assert.equal(await store.getSettings(), undefined)
    assert.deepEqual(events, [])
    assert.equal(announced(), 0)
  })

  test('adding a relay stores it, tells contacts once and pushes settings.changed', async () => {
    const { settings, store, events, announced } = await settingsUnderTest()
    const answer = await settings.addRelay(SECOND)
    assert.ok(answer.ok)
    assert.deepEqual(answer.value.relays, [HOME, SECOND])
    assert.deepEqual((await store.getSettings())?.relays, [HOME, SECOND])
    assert.equal(announced(), 1)
    assert.deepEqual(
      events.map((e) => e.type),
      ['settings.changed'],
    )
    // The same address again changes nothing.
    const again = await settings.addRelay(SECOND)
    assert.ok(again.ok)
    assert.deepEqual(again.value.relays, [HOME, SECOND])
    assert.equal(announced(), 1)
    assert.equal(events.length, 1)
  })

  test('a patch keeps what it does not name; it is no relay change, so nothing is announced', async () => {
    const { settings, store, announced } = await settingsUnderTest()
    const answer = await settings.update({ notifications: { showNames: true } })
    assert.ok(answer.ok)
    assert.deepEqual(answer.value.notifications, { enabled: true, showNames: true })
    assert.equal(answer.value.readReceipts, false)
    assert.deepEqual(answer.value.relays, [HOME])
    assert.deepEqual(await store.getSettings(), answer.value)
    assert.equal(announced(), 0)
  })

  test('removing our only relay is stored and announced; the saved settings load next time', async () => {
    const { settings, store, announced } = await settingsUnderTest()
    const answer = await settings.removeRelay(HOME)
    assert.ok(answer.ok)
    assert.deepEqual(answer.value.relays, [])
    assert.equal(announced(), 1)
    const reloaded = new MessengerSettings({ store } as unknown as MessengerContext, [HOME], () =>
      Promise.resolve(),
    )
    await reloaded.load()
    assert.deepEqual(reloaded.relays, [])
  })

  test('a fresh install: read receipts off, delivery receipts delayed, direct connections allowed', async () => {
    const { settings } = await settingsUnderTest()
    assert.equal(settings.current.readReceipts, false)
    assert.equal(settings.current.delayReceipts, true)
    assert.equal(settings.current.relayOnly, false)
  })

  test('settings saved before issue 18 keep every choice; the new fields take their defaults', async () => {
    const store = openMemoryStore(createMemoryBacking())
    // As an earlier version stored them: the user had turned read receipts on.
    await store.putSettings({
      relays: [SECOND],
      notifications: { enabled: false, showNames: true },
      readReceipts: true,
    })
    const ctx = { store, emit: () => undefined } as unknown as MessengerContext
    const settings = new MessengerSettings(ctx, [HOME], () => Promise.resolve())
    await settings.load()
    assert.deepEqual(settings.current, {
      relays: [SECOND],
      notifications: { enabled: false, showNames: true },
      readReceipts: true,
      delayReceipts: true,
      relayOnly: false,
    })
  })

  test('relay-only and receipt delay are changed by a patch, stored and pushed', async () => {
    const { settings, store, events } = await settingsUnderTest()
    const answer = await settings.update({ relayOnly: true, delayReceipts: false })
    assert.ok(answer.ok)
    assert.equal((await store.getSettings())?.relayOnly, true)
    assert.equal((await store.getSettings())?.delayReceipts, false)
    assert.equal((await store.getSettings())?.readReceipts, false, 'the rest unchanged')
    assert.deepEqual(
      events.map((e) => e.type === 'settings.changed' && e.settings.relayOnly),
      [true],
    )
  })

  test('before an identity: a relay added to old saved settings keeps their choices, and the messenger loads exactly that', async () => {
    const store = openMemoryStore(createMemoryBacking())
    await store.putSettings({
      relays: [HOME],
      notifications: { enabled: false, showNames: true },
      readReceipts: true,
    })
    const events: ClientEvent[] = []
    const early = settingsBeforeIdentity(() => Promise.resolve(store), [HOME], {
      emit: (e) => events.push(e),
    })
    const bad = await early.addRelay('wss://relay.example.org')
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'relay_address_invalid')
    const added = await early.addRelay(SECOND)
    assert.ok(added.ok)
    const again = await early.addRelay(SECOND)
    assert.deepEqual(again.ok && again.value.relays, [HOME, SECOND], 'added once')
    assert.equal(events.length, 1, 'one settings.changed, for the one change')
    const ctx = { store, emit: () => undefined } as unknown as MessengerContext
    const settings = new MessengerSettings(ctx, [HOME], () => Promise.resolve())
    await settings.load()
    assert.deepEqual(settings.current, {
      relays: [HOME, SECOND],
      notifications: { enabled: false, showNames: true },
      readReceipts: true,
      delayReceipts: true,
      relayOnly: false,
    })
    assert.deepEqual(added.value, settings.current)
  })
})
