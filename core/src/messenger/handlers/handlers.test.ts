// The one handler table: every request type of the client API has a handler (checked by the
// compiler, lines marked @ts-expect-error below, and at run time), and before an identity exists
// every request but identity.* answers `no_identity` through the one dispatcher.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  isVaultRequestType,
  ok,
  type ClientRequest,
  type ClientRequestType,
} from '../../client/api.ts'
import { createDispatcher, type ClientHandlers } from '../../client/dispatch.ts'
import { CLIENT_REQUEST_TYPES } from '../../client/validate.ts'
import { systemPlatform } from '../../crypto/platform.ts'
import { createMemoryBacking, openMemoryStore } from '../../store/memory-store.ts'
import { createMessengerService } from '../service.ts'
import { clientHandlers } from './index.ts'

/** Never called: the compiler checks these lines (tsc -p tsconfig.json runs over test files). */
export function handlerTableTypeChecks(all: ClientHandlers): void {
  const withoutRenew: Omit<ClientHandlers, 'invite.renew'> = all
  // @ts-expect-error a table without a handler for 'invite.renew' is not a dispatcher's table
  createDispatcher(withoutRenew)
  // @ts-expect-error a handler must answer with its own request type's result
  createDispatcher({ ...all, 'settings.get': () => Promise.resolve(ok({ transfers: [] })) })
  // @ts-expect-error a handler gets its own request type, not another's
  createDispatcher({ ...all, 'contact.info': all['contact.delete'] })
}

function serviceWithoutIdentity(defaultRelays?: string[]) {
  let nodesBuilt = 0
  const store = openMemoryStore(createMemoryBacking())
  const service = createMessengerService({
    store,
    ...(defaultRelays !== undefined ? { defaultRelays } : {}),
    createNode: () => {
      nodesBuilt++
      return Promise.reject(new Error('no node without an identity'))
    },
  })
  return { service, store, nodesBuilt: () => nodesBuilt }
}

describe('client-API handlers', () => {
  test('the composed table has exactly one handler per request type of the API', () => {
    const running = () => Promise.reject(new Error('not called'))
    const table = clientHandlers(
      {
        store: () => Promise.reject(new Error('not called')),
        platform: systemPlatform,
        startNode: () => Promise.resolve(),
        emit: () => undefined,
      },
      running,
    )
    assert.deepEqual(Object.keys(table).sort(), [...CLIENT_REQUEST_TYPES].sort())
    for (const type of CLIENT_REQUEST_TYPES) assert.equal(typeof table[type], 'function', type)
  })

  test("before an identity exists, every request but identity.* and the vault's answers no_identity", async () => {
    const { service, nodesBuilt } = serviceWithoutIdentity()
    const codes = new Map<ClientRequestType, string>()
    for (const type of CLIENT_REQUEST_TYPES) {
      // The vault's requests (issue 17) are answered with or without an identity (vault.test.ts).
      // backup.import is the other way to get an identity (handlers/backup.ts; its own tests),
      // and so is linking this install to an existing identity (devices.linkStart, issue 19).
      if (
        type.startsWith('identity.') ||
        type === 'backup.import' ||
        type === 'devices.linkStart' ||
        // The relay that link is shown through may be added first (settings-before-identity.ts).
        type === 'settings.addRelay' ||
        isVaultRequestType(type)
      )
        continue
      // The gate answers before any parameter is read, so the bare type is enough here.
      const response = await service.dispatch({ type } as ClientRequest)
      codes.set(type, response.ok ? 'ok' : response.error.code)
    }
    assert.deepEqual(new Set(codes.values()), new Set(['no_identity']))
    const status = await service.dispatch({ type: 'identity.status' })
    assert.deepEqual(status, { ok: true, value: { state: 'none' } })
    assert.equal(nodesBuilt(), 0)
  })

  test('before an identity, a relay can be added (for a device link); a bad one changes nothing', async () => {
    const embedded =
      '/dns4/relay.example.org/tcp/443/wss/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
    const { service, store, nodesBuilt } = serviceWithoutIdentity([embedded])
    const events: string[] = []
    service.hub.subscribe((e) => events.push(e.type))
    const bad = await service.dispatch({ type: 'settings.addRelay', address: '/ip4/1.2.3.4/udp/1' })
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'relay_address_invalid')
    assert.equal(await store.getSettings(), undefined, 'a refused address stores nothing')
    assert.deepEqual(events, [])

    const mine =
      '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
    const added = await service.dispatch({ type: 'settings.addRelay', address: mine })
    assert.ok(added.ok, 'answered without an identity')
    assert.deepEqual(added.value.relays, [embedded, mine], 'the embedded relay is kept')
    assert.deepEqual((await store.getSettings())?.relays, [embedded, mine])
    assert.deepEqual(events, ['settings.changed'])
    const again = await service.dispatch({ type: 'settings.addRelay', address: mine })
    assert.ok(again.ok)
    assert.deepEqual(again.value.relays, [embedded, mine], 'adding it twice keeps one')
    // Still no identity and no node: only the relay was chosen.
    const status = await service.dispatch({ type: 'identity.status' })
    assert.deepEqual(status, { ok: true, value: { state: 'none' } })
    assert.equal(nodesBuilt(), 0)
    const other = await service.dispatch({ type: 'settings.get' })
    assert.equal(other.ok ? 'ok' : other.error.code, 'no_identity')
  })

  test('a malformed request sent in process is refused once, at the entry, with nothing created', async () => {
    const { service } = serviceWithoutIdentity()
    const events: string[] = []
    service.hub.subscribe((e) => events.push(e.type))
    const bad = await service.client.request({
      type: 'identity.create',
      displayName: 'x'.repeat(10_000),
    })
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'invalid_request')
    const status = await service.client.request({ type: 'identity.status' })
    assert.deepEqual(status, { ok: true, value: { state: 'none' } })
    assert.deepEqual(events, [])
  })

  test('a handler that throws is answered as internal and logged once by the dispatcher', async () => {
    const logged: string[] = []
    const table = clientHandlers(
      {
        store: () => Promise.reject(new TypeError('store is broken')),
        platform: systemPlatform,
        startNode: () => Promise.resolve(),
        emit: () => undefined,
      },
      () => Promise.reject(new Error('not called')),
    )
    const dispatch = createDispatcher(table, { log: (message) => logged.push(message) })
    const response = await dispatch({ type: 'identity.status' })
    assert.deepEqual(response, {
      ok: false,
      error: { code: 'internal', message: 'TypeError: store is broken' },
    })
    assert.deepEqual(logged, ['request identity.status failed'])
  })
})
