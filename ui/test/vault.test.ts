// The passphrase lock in the popup (issue 17): the unlock screen, the Settings section and the
// first-run passphrase field as a person reads them, and the popup's vault state over the fixture client
// (locked → every other request refused, wrong passphrase refused with nothing changed).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { MessengerClient, VaultStatus } from '@hestia/core/client/api.ts'
import { createFixtureClient, createManualClock } from '@hestia/core/test-support/fixture-client.ts'
import { renderFile } from './support/render.ts'
import { VaultState } from '../src/lib/vault-state.ts'

const PASS = 'correct horse battery'
const resolved = () => Promise.resolve(null)

function fixtureVault() {
  const client = createFixtureClient({ clock: createManualClock(Date.UTC(2026, 11, 6, 9)) })
  const vault = new VaultState(client)
  const changes: string[] = []
  vault.start((from, to) => changes.push(`${from ?? 'loading'}→${to}`))
  return { client, vault, changes }
}

/** A state that does not follow the client (render tests set what it shows). */
function withStatus(value: VaultStatus): VaultState {
  const vault = new VaultState(
    createFixtureClient({ clock: createManualClock(Date.UTC(2026, 11, 6, 9)) }),
  )
  vault.status = { status: 'ready', value }
  return vault
}

describe('the unlock screen', () => {
  test('one labelled passphrase field; the forgotten-passphrase way out is offered', async () => {
    const view = await renderFile('components/UnlockScreen.svelte', {
      onunlock: resolved,
      onerase: resolved,
    })
    assert.ok(view.text.includes('Hestia is locked'))
    const input = view.find('input', { id: 'unlock-passphrase', type: 'password' })
    assert.ok(input, 'a password field')
    assert.ok(view.find('label', { for: 'unlock-passphrase' }), 'labelled')
    assert.ok(view.find('button', { type: 'submit' })?.has('disabled'), 'empty: nothing to send')
    assert.ok(view.text.includes('Forgot your passphrase?'))
    assert.ok(!view.text.includes('Messages'), 'nothing of the messenger shows')
  })
})

describe('Settings → Passphrase', () => {
  test('without a passphrase: set one, with what forgetting it means', async () => {
    const view = await renderFile('components/PassphraseSettings.svelte', {
      vault: withStatus({ state: 'none', autoLockMinutes: 15 }),
    })
    assert.ok(view.find('input', { id: 'passphrase-new', type: 'password' }))
    assert.ok(view.find('input', { id: 'passphrase-repeat', type: 'password' }))
    assert.ok(!view.find('input', { id: 'passphrase-current' }), 'no current passphrase yet')
    assert.ok(view.text.includes('Set passphrase'))
    assert.ok(view.text.includes('A forgotten passphrase cannot be recovered'))
    assert.ok(
      view.text.includes(
        'A forgotten passphrase means erasing this device and restoring from a backup.',
      ),
    )
    assert.ok(view.text.includes('Erase this device…'))
    assert.ok(!view.text.includes('Lock now'), 'nothing to lock yet')
  })

  test('unlocked: change it, lock now, auto-lock choices', async () => {
    const view = await renderFile('components/PassphraseSettings.svelte', {
      vault: withStatus({ state: 'unlocked', autoLockMinutes: 15 }),
    })
    assert.ok(view.find('input', { id: 'passphrase-current', type: 'password' }))
    assert.ok(view.text.includes('Change passphrase'))
    assert.ok(view.text.includes('Lock now'))
    assert.ok(view.find('select', { id: 'auto-lock' }))
    assert.ok(view.find('label', { for: 'auto-lock' }))
    for (const label of ['After 1 minute', 'After 15 minutes', 'After 4 hours', 'Never'])
      assert.ok(view.text.includes(label), label)
  })

  test('the first run offers a passphrase, optional, and says what skipping means', async () => {
    const view = await renderFile('components/FirstRun.svelte', {
      oncreate: () => undefined,
      onabout: () => undefined,
    })
    assert.ok(view.find('input', { id: 'first-run-passphrase', type: 'password' }))
    assert.ok(view.find('label', { for: 'first-run-passphrase' }))
    assert.ok(
      view.text.includes(
        'Leave it empty to skip: without a passphrase, anyone who copies this browser profile can read your messages.',
      ),
    )
  })
})

describe('the popup vault state', () => {
  test('set → lock → everything else refused → wrong passphrase → unlock', async () => {
    const { client, vault, changes } = fixtureVault()
    await vault.load()
    assert.equal(vault.state, 'none')
    assert.equal(await vault.setPassphrase(PASS), null)
    assert.equal(vault.state, 'unlocked')
    assert.equal(await vault.lock(), null)
    assert.equal(vault.state, 'locked')

    const list = await client.request({ type: 'conversations.list', query: null })
    assert.equal(list.ok ? 'ok' : list.error.code, 'locked')
    assert.equal(CLIENT_ERROR_TEXT.locked, 'Hestia is locked. Enter your passphrase to unlock it.')

    const wrong = await vault.unlock('not it at all')
    assert.equal(wrong?.code, 'wrong_passphrase')
    assert.equal(vault.state, 'locked')
    assert.equal(await vault.unlock(PASS), null)
    assert.equal(vault.state, 'unlocked')
    const after = await client.request({ type: 'conversations.list', query: null })
    assert.ok(after.ok && after.value.conversations.length > 0, 'history is back')
    assert.deepEqual(changes, [
      'loading→none',
      'none→unlocked',
      'unlocked→locked',
      'locked→unlocked',
    ])
  })

  test('erase while locked: back to a first run', async () => {
    const { client, vault } = fixtureVault()
    await vault.setPassphrase(PASS)
    await vault.lock()
    assert.equal(await vault.erase(), null)
    assert.equal(vault.state, 'none')
    const identity = await client.request({ type: 'identity.status' })
    assert.deepEqual(identity, { ok: true, value: { state: 'none' } })
  })

  test('a host still starting (unavailable) is asked again, so a locked popup shows the unlock screen', async () => {
    const { client } = fixtureVault()
    await client.request({ type: 'vault.setPassphrase', passphrase: PASS })
    await client.request({ type: 'vault.lock' })
    let refusals = 2
    const starting: MessengerClient = {
      request: (request) =>
        refusals-- > 0
          ? Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'starting' } })
          : client.request(request),
      subscribe: (listener) => client.subscribe(listener),
    }
    const vault = new VaultState(starting)
    await vault.load(8, 1)
    assert.equal(vault.state, 'locked')
    assert.equal(refusals, -1, 'asked three times')
  })
})
