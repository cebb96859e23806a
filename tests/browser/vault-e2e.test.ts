// The passphrase lock in the built Chromium extension (issue 17, ADR 0523), through the popup:
// first run with a passphrase (set before the identity is stored) (the database is encrypted in place, Argon2id in the
// offscreen document's worker) → Settings → Lock now → only the unlock screen shows, and the node
// answers every other request `locked` → a wrong passphrase is refused with its sentence →
// reloading the popup still shows the unlock screen → the right passphrase → the messenger is back.
// Then the offscreen document is closed and recreated: it reopens unlocked from the key the
// service worker keeps in chrome.storage.session, without asking. Last, "Erase this device" leads
// back to the first run, where a new identity is created on the emptied databases.
//
//   node --test tests/browser/vault-e2e.test.ts        (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { CLIENT_ERROR_TEXT } from '../../core/src/client/api.ts'
import { oneChromiumProfile } from './support/one-profile.ts'
import { HestiaPage, clientRequest, waitUntil } from './support/messenger-browser.ts'

const STEP_MS = 20_000
const PASS = 'correct horse battery'

const robin = oneChromiumProfile('Robin')

async function openPopup(): Promise<HestiaPage> {
  const page = await robin.profile.context!.newPage()
  await page.setViewportSize({ width: 800, height: 600 })
  await page.goto(robin.profile.url('popup.html'), { timeout: STEP_MS })
  page.setDefaultTimeout(STEP_MS)
  return new HestiaPage('Robin', page)
}

test('set a passphrase, lock, wrong passphrase refused, unlock', { timeout: 240_000 }, async () => {
  const popup = await openPopup()
  const p = popup.page
  await p.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor()
  await p.getByLabel('Your name, as your contacts will see it').fill('Robin')
  // The first run's passphrase: the database is encrypted while still empty.
  await p.getByLabel('Passphrase (recommended)').fill(PASS)
  await p.getByLabel('Repeat the passphrase').fill(PASS)
  await p.getByRole('button', { name: 'Create my identity' }).click()
  await p.getByText('Hello, Robin.').waitFor({ timeout: 60_000 })
  const status = await clientRequest(p, { type: 'vault.status' })
  assert.deepEqual(status, { ok: true, value: { state: 'unlocked', autoLockMinutes: 15 } })

  await p.getByRole('button', { name: 'Settings' }).first().click()
  await p.getByRole('button', { name: 'Lock now' }).click()
  await p.getByRole('heading', { name: 'Hestia is locked' }).waitFor()
  assert.equal(await p.getByText('Hello, Robin.').count(), 0, 'nothing of the messenger shows')
  const refused = await clientRequest(p, { type: 'identity.status' })
  assert.equal(refused.ok ? 'ok' : refused.error.code, 'locked')

  await p.getByLabel('Passphrase').fill('not the passphrase')
  await p.getByRole('button', { name: 'Unlock' }).click()
  await p.getByRole('alert').filter({ hasText: CLIENT_ERROR_TEXT.wrong_passphrase }).waitFor()
  await p.reload()
  await p.getByRole('heading', { name: 'Hestia is locked' }).waitFor()

  await p.getByLabel('Passphrase').fill(PASS)
  await p.getByRole('button', { name: 'Unlock' }).click()
  await p.getByText('Hello, Robin.').waitFor({ timeout: 60_000 })
  const identity = await clientRequest(p, { type: 'identity.status' })
  assert.equal(identity.ok && identity.value.state, 'ready')
  await p.close()
})

test('a restarted offscreen document reopens unlocked (storage.session)', async () => {
  const worker = robin.profile.context!.serviceWorkers()[0]
  assert.ok(worker, 'the service worker runs')
  await worker.evaluate(async () => {
    const api = (
      globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }
    ).chrome
    await api.offscreen.closeDocument()
  })
  const popup = await openPopup()
  await waitUntil(
    'the recreated host answers',
    async () => {
      const status = await clientRequest(popup.page, { type: 'vault.status' })
      return status.ok && status.value.state === 'unlocked'
    },
    30_000,
    250,
  )
  await popup.page.getByText('Hello, Robin.').waitFor()
})

test('Erase this device: back to the first run, and a new identity works', async () => {
  const popup = await openPopup()
  const p = popup.page
  await p.getByText('Hello, Robin.').waitFor()
  await p.getByRole('button', { name: 'Settings' }).first().click()
  await p.getByText('A forgotten passphrase means erasing this device').waitFor()
  await p.getByRole('button', { name: 'Erase this device…' }).click()
  await p.getByRole('button', { name: 'Erase everything on this device' }).click()
  await p.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor({ timeout: 30_000 })
  const status = await clientRequest(p, { type: 'vault.status' })
  assert.deepEqual(status, { ok: true, value: { state: 'none', autoLockMinutes: 15 } })
  await p.getByLabel('Your name, as your contacts will see it').fill('Sam')
  await p.getByRole('button', { name: 'Create my identity' }).click()
  await p.getByText('Hello, Sam.').waitFor({ timeout: 30_000 })
  const unprotected = await clientRequest(p, { type: 'vault.status' })
  assert.equal(unprotected.ok && unprotected.value.state, 'none', 'skipped: no passphrase')
})
