// Frames for a linked device that has not announced its mailbox (own-routes.ts, review 11 F6): a
// silent or hostile companion costs the primary a bounded amount of memory (count and bytes, the
// oldest dropped, `limit_exceeded`), and nothing is held once it is removed or forgotten.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform } from '../../crypto/platform.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { changeSecrets, type MessengerContext } from '../context.ts'
import { createLocalIdentity } from '../identity.ts'
import { encodeOutbound } from '../records.ts'
import { decodeSecrets, encodeSecrets, type OwnLink } from '../secrets.ts'
import { MAX_UNROUTED, MAX_UNROUTED_BYTES, OwnRoutes } from './own-routes.ts'

const p = systemPlatform
const KiB = 1024

async function world(links: OwnLink[]) {
  const made = await createLocalIdentity(p, 'Ada')
  const store = openMemoryStore()
  const secrets = { ...decodeSecrets(made.record.secretKeys), ownLinks: links }
  await store.putIdentity({ ...made.record, secretKeys: encodeSecrets(secrets) })
  const logged: unknown[] = []
  const ctx = {
    store,
    secrets,
    log: (_message: string, err?: unknown) => logged.push(err),
  } as unknown as MessengerContext
  const routes = new OwnRoutes({
    ctx: () => ctx,
    relays: () => [],
    mailboxes: () => {
      throw new Error('not used')
    },
  })
  return { ctx, routes, logged }
}

const link = (deviceId: string, removed = false): OwnLink => ({
  deviceId,
  key: p.random(32),
  ...(removed ? { removed: true as const } : {}),
})

const route = () =>
  encodeOutbound({
    displayName: '',
    relays: [
      '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN',
    ],
    mailboxId: p.random(32),
    mailboxCapability: p.random(32),
    mailboxSealKey: p.random(32),
    reply: false,
  })

/** A history chunk's worth of body, its first byte numbering it. */
const chunk = (i: number) => new Uint8Array(48 * KiB).fill(i & 0xff)

test('a silent companion: history and lists for it are kept within the bytes cap, oldest dropped', async () => {
  const laptop = link('laptop')
  const { routes, logged } = await world([laptop, link('tablet')])
  for (let i = 0; i < MAX_UNROUTED; i++) {
    assert.equal(routes.routeOrKeep(laptop, 13, chunk(i)), null)
    assert.equal(routes.routeOrKeep(laptop, 3, Uint8Array.of(i & 0xff)), null)
    assert.ok(routes.held('laptop').bytes <= MAX_UNROUTED_BYTES)
  }
  const held = routes.held('laptop')
  assert.ok(held.bytes > MAX_UNROUTED_BYTES - 48 * KiB, `nearly full: ${held.bytes}`)
  assert.ok(held.frames < MAX_UNROUTED)
  assert.ok(logged.length > 0 && logged.every((e) => isProtocolError(e, 'limit_exceeded')))
  assert.deepEqual(routes.held('tablet'), { frames: 0, bytes: 0 }, 'another device: nothing')
  // The frames kept are the newest, in order.
  const announced = await routes.take('laptop', laptop, route())
  assert.equal(announced.removed, false)
  const waiting = announced.removed ? [] : announced.waiting
  assert.equal(waiting.length, held.frames)
  assert.deepEqual(waiting.at(-1), { kind: 3, body: Uint8Array.of((MAX_UNROUTED - 1) & 0xff) })
  assert.equal(waiting.at(-2)!.body[0], (MAX_UNROUTED - 1) & 0xff)
  assert.deepEqual(routes.held(), { frames: 0, bytes: 0 }, 'handed over once')
})

test('small frames: at most MAX_UNROUTED per device, the oldest dropped', async () => {
  const laptop = link('laptop')
  const { routes } = await world([laptop])
  for (let i = 0; i < MAX_UNROUTED + 50; i++) routes.routeOrKeep(laptop, 2, Uint8Array.of(i & 0xff))
  assert.equal(routes.held('laptop').frames, MAX_UNROUTED)
  const announced = await routes.take('laptop', laptop, route())
  assert.equal(announced.removed ? -1 : announced.waiting[0]!.body[0], 50)
})

test('forgotten (removed, or its link dropped): nothing is held for it', async () => {
  const laptop = link('laptop')
  const { routes } = await world([laptop, link('tablet')])
  routes.routeOrKeep(laptop, 13, chunk(1))
  routes.routeOrKeep(link('tablet'), 3, Uint8Array.of(1))
  routes.forget('laptop')
  assert.deepEqual(routes.held('laptop'), { frames: 0, bytes: 0 })
  assert.equal(routes.held().frames, 1, 'the other device keeps its frame')
})

test('removed, or no link at all: a frame for it is not kept', async () => {
  const gone = link('gone', true)
  const { routes } = await world([gone])
  assert.equal(routes.routeOrKeep(gone, 13, chunk(1)), null)
  assert.equal(routes.routeOrKeep(link('stranger'), 13, chunk(2)), null)
  assert.deepEqual(routes.held(), { frames: 0, bytes: 0 })
})

test('a removed device that announces: its kept frames are dropped, not handed over', async () => {
  const laptop = link('laptop')
  const { ctx, routes } = await world([laptop])
  routes.routeOrKeep(laptop, 13, chunk(1))
  // Removed meanwhile (the primary's list left it out), as stored.
  const removed = { ...laptop, removed: true as const }
  await changeSecrets(ctx, (s) => void (s.ownLinks = [removed]))
  assert.deepEqual(await routes.take('laptop', removed, route()), { removed: true })
  assert.deepEqual(routes.held(), { frames: 0, bytes: 0 })
})
