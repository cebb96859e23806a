// The passphrase lock at the request path (issue 17, ADR 0523): while the vault is locked every
// request but the vault's answers the typed failure `locked` and reaches no handler (no store is
// opened, no node built, no event); a wrong passphrase is `wrong_passphrase` and changes nothing;
// unlocking lets requests through again.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  ClientApiError,
  isVaultRequestType,
  type ClientRequest,
  type ClientRequestType,
  type VaultStatus,
} from '../../client/api.ts'
import { CLIENT_REQUEST_TYPES } from '../../client/validate.ts'
import { createMemoryBacking, openMemoryStore } from '../../store/memory-store.ts'
import { createMessengerService } from '../service.ts'
import type { Vault } from './vault.ts'

/** A vault with the extension's answers, and a record of what reached it. */
class TestVault implements Vault {
  state: VaultStatus['state'] = 'locked'
  autoLockMinutes: number | null = 5
  readonly calls: string[] = []
  readonly #passphrase = 'correct horse battery'

  status = () => Promise.resolve({ state: this.state, autoLockMinutes: this.autoLockMinutes })
  setPassphrase(): Promise<VaultStatus> {
    return Promise.reject(new ClientApiError('invalid_state', 'a passphrase is already set'))
  }
  async changePassphrase(old: string): Promise<VaultStatus> {
    this.calls.push('change')
    this.#check(old)
    return this.status()
  }
  async unlock(passphrase: string): Promise<VaultStatus> {
    this.calls.push('unlock')
    this.#check(passphrase)
    this.state = 'unlocked'
    return this.status()
  }
  async lock(): Promise<VaultStatus> {
    this.state = 'locked'
    return this.status()
  }
  async setAutoLock(minutes: number | null): Promise<VaultStatus> {
    this.autoLockMinutes = minutes
    return this.status()
  }
  async erase(): Promise<VaultStatus> {
    this.state = 'none'
    return this.status()
  }
  #check(passphrase: string): void {
    if (passphrase !== this.#passphrase)
      throw new ClientApiError('wrong_passphrase', 'the passphrase does not unwrap the data key')
  }
}

function lockedService() {
  const vault = new TestVault()
  let storeOpened = 0
  let nodesBuilt = 0
  const service = createMessengerService({
    store: () => {
      storeOpened++
      return Promise.resolve(openMemoryStore(createMemoryBacking()))
    },
    createNode: () => {
      nodesBuilt++
      return Promise.reject(new Error('no node in this test'))
    },
    vault,
  })
  const events: string[] = []
  service.hub.subscribe((e) => events.push(e.type))
  return { service, vault, events, opened: () => storeOpened, built: () => nodesBuilt }
}

const notVault = CLIENT_REQUEST_TYPES.filter((type) => !isVaultRequestType(type))

describe('the passphrase lock at the request path', () => {
  test('while locked, every request but the vault\'s answers "locked" and opens nothing', async () => {
    const { service, events, opened, built } = lockedService()
    assert.ok(notVault.length > 30, 'the API has its requests')
    const codes = new Map<ClientRequestType, string>()
    for (const type of notVault) {
      // The gate answers before any parameter is read, so the bare type is enough here.
      const response = await service.dispatch({ type } as ClientRequest)
      codes.set(type, response.ok ? 'ok' : response.error.code)
    }
    assert.deepEqual(new Set(codes.values()), new Set(['locked']))
    assert.equal(opened(), 0, 'no request opened the store')
    assert.equal(built(), 0)
    assert.deepEqual(events, [])
    const status = await service.dispatch({ type: 'vault.status' })
    assert.deepEqual(status, { ok: true, value: { state: 'locked', autoLockMinutes: 5 } })
  })

  test('a wrong passphrase is refused typed and changes nothing; the right one unlocks', async () => {
    const { service, vault, opened } = lockedService()
    const wrong = await service.client.request({ type: 'vault.unlock', passphrase: 'guess' })
    assert.equal(wrong.ok ? 'ok' : wrong.error.code, 'wrong_passphrase')
    assert.equal(vault.state, 'locked')
    const stillLocked = await service.dispatch({ type: 'identity.status' })
    assert.equal(stillLocked.ok ? 'ok' : stillLocked.error.code, 'locked')
    const change = await service.client.request({
      type: 'vault.changePassphrase',
      oldPassphrase: 'guess',
      newPassphrase: 'a new passphrase',
    })
    assert.equal(change.ok ? 'ok' : change.error.code, 'wrong_passphrase')
    assert.equal(opened(), 0)

    const right = await service.client.request({
      type: 'vault.unlock',
      passphrase: 'correct horse battery',
    })
    assert.deepEqual(right, { ok: true, value: { state: 'unlocked', autoLockMinutes: 5 } })
    const identity = await service.dispatch({ type: 'identity.status' })
    assert.deepEqual(identity, { ok: true, value: { state: 'none' } })
    assert.equal(opened(), 1, 'the store opens once unlocked')
    assert.deepEqual(vault.calls, ['unlock', 'change', 'unlock'])
  })

  test('"device.erase" is answered while locked (a forgotten passphrase ends there)', async () => {
    const { service } = lockedService()
    const erased = await service.dispatch({ type: 'device.erase' })
    assert.deepEqual(erased, { ok: true, value: { state: 'none', autoLockMinutes: 5 } })
  })

  test('the port refuses a short new passphrase and an auto-lock outside its range', async () => {
    const { service, vault } = lockedService()
    vault.state = 'unlocked'
    const short = await service.client.request({
      type: 'vault.changePassphrase',
      oldPassphrase: 'correct horse battery',
      newPassphrase: 'short',
    })
    assert.equal(short.ok ? 'ok' : short.error.code, 'invalid_request')
    const never = await service.client.request({ type: 'vault.setAutoLock', minutes: 0 })
    assert.equal(never.ok ? 'ok' : never.error.code, 'invalid_request')
    assert.deepEqual(vault.calls, [], 'nothing reached the vault')
    assert.equal(vault.autoLockMinutes, 5)
  })

  test('without a vault (Node hosts), vault.status is "none" and the lock is unsupported', async () => {
    const service = createMessengerService({
      store: openMemoryStore(createMemoryBacking()),
      createNode: () => Promise.reject(new Error('no node')),
    })
    const status = await service.dispatch({ type: 'vault.status' })
    assert.deepEqual(status, { ok: true, value: { state: 'none', autoLockMinutes: null } })
    const lock = await service.dispatch({ type: 'vault.lock' })
    assert.equal(lock.ok ? 'ok' : lock.error.code, 'unsupported')
  })
})
