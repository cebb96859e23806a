// The passphrase lock across Chrome's restarts, and auto-lock, in the built extension (issue 17,
// ADR 0523): the service worker is stopped (chrome://serviceworker-internals → Stop) and the
// offscreen document closed, together — unlocked stays unlocked without asking (the worker keeps
// the data key in chrome.storage.session), locked stays locked (nothing kept). Auto-lock: with
// the shortest choice (1 minute) and no page open, the host locks by itself and the worker's
// session copy of the key is gone. The auto-lock test starts from an unlocked vault whatever the
// first test left (a failure there must not fail this one too).
//
//   node --test tests/browser/vault-restarts-e2e.test.ts   (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Page, Worker } from 'playwright-core'
import { oneChromiumProfile } from './support/one-profile.ts'
import { clientRequest, vaultStateWhenUp, waitUntil } from './support/messenger-browser.ts'
import { stopServiceWorkers } from './support/stop-service-worker.ts'

const PASS = 'restart passphrase 17'
const STEP_MS = 30_000

const robin = oneChromiumProfile('Robin')

async function openPage(): Promise<Page> {
  const page = await robin.profile.context!.newPage()
  await page.goto(robin.profile.url('popup.html?layout=tab'), { timeout: STEP_MS })
  return page
}

/** The running service worker (after a stop, Playwright may still list the stopped one). */
async function liveWorker(): Promise<Worker> {
  let live: Worker | undefined
  await waitUntil(
    'a running service worker',
    async () => {
      for (const worker of robin.profile.context!.serviceWorkers().reverse()) {
        if (await worker.evaluate(() => true).catch(() => false)) {
          live = worker
          return true
        }
      }
      return false
    },
    STEP_MS,
    250,
  )
  return live!
}

/**
 * Closes the offscreen document (the host) and stops the service worker at the same time, as
 * Chrome may when it restarts the extension's processes. `page` is the open extension page; it
 * carries the DevTools session that stops the worker, and its next request starts a new one.
 */
async function restartWorkerAndHost(page: Page): Promise<void> {
  const worker = await liveWorker()
  await worker.evaluate(async () => {
    const api = (
      globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }
    ).chrome
    await api.offscreen.closeDocument()
  })
  await stopServiceWorkers(robin.profile.context!, page)
}

/** Whether the worker's chrome.storage.session holds the data key. */
async function sessionKeyKept(): Promise<boolean> {
  return (await liveWorker()).evaluate(async () => {
    type Area = { get(key: string): Promise<Record<string, unknown>> }
    const api = globalThis as unknown as { chrome: { storage: { session: Area } } }
    return (await api.chrome.storage.session.get('hestia.dataKey'))['hestia.dataKey'] !== undefined
  })
}

test(
  'unlocked survives a service-worker stop with the host restarted; locked stays locked',
  { timeout: 240_000 },
  async () => {
    const page = await openPage()
    assert.equal(await vaultStateWhenUp(page), 'none')
    const set = await clientRequest(page, { type: 'vault.setPassphrase', passphrase: PASS })
    assert.equal(set.ok && set.value.state, 'unlocked')
    const created = await clientRequest(page, { type: 'identity.create', displayName: 'Robin' })
    assert.ok(created.ok)

    await restartWorkerAndHost(page)
    assert.equal(await vaultStateWhenUp(page), 'unlocked', 'reopened without asking')
    const identity = await clientRequest(page, { type: 'identity.status' })
    assert.equal(
      identity.ok && identity.value.state,
      'ready',
      'the messenger is back with its data',
    )

    const locked = await clientRequest(page, { type: 'vault.lock' })
    assert.equal(locked.ok && locked.value.state, 'locked')
    assert.equal(await sessionKeyKept(), false, 'lock removed the session copy of the key')
    await restartWorkerAndHost(page)
    assert.equal(await vaultStateWhenUp(page), 'locked', 'a restart does not unlock')
    const refused = await clientRequest(page, { type: 'identity.status' })
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'locked')

    const unlocked = await clientRequest(page, { type: 'vault.unlock', passphrase: PASS })
    assert.equal(unlocked.ok && unlocked.value.state, 'unlocked')
    await page.close()
  },
)

test(
  'auto-lock fires after the chosen idle time with no page open',
  { timeout: 240_000 },
  async () => {
    const page = await openPage()
    if ((await vaultStateWhenUp(page)) === 'locked') {
      const unlocked = await clientRequest(page, { type: 'vault.unlock', passphrase: PASS })
      assert.equal(unlocked.ok && unlocked.value.state, 'unlocked')
    }
    const set = await clientRequest(page, { type: 'vault.setAutoLock', minutes: 1 })
    assert.deepEqual(set.ok && set.value, { state: 'unlocked', autoLockMinutes: 1 })
    assert.equal(await sessionKeyKept(), true)
    const idleFrom = Date.now()
    await page.close() // no page asks anything now: the idle clock runs
    await waitUntil(
      'the session key to be removed by auto-lock',
      async () => !(await sessionKeyKept()),
      150_000,
      1_000,
    )
    const lockedAfterMs = Date.now() - idleFrom
    assert.ok(lockedAfterMs >= 55_000, `not before the idle minute (${lockedAfterMs} ms)`)
    const again = await openPage()
    assert.equal(await vaultStateWhenUp(again), 'locked')
    const refused = await clientRequest(again, { type: 'identity.status' })
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'locked')
  },
)
