// Backup round trip in the built extension (issue 17, ADR 0524): three Chromium profiles with the
// chrome-mv3 test build and a relay on 127.0.0.1. A and B are contacts and talk. In A's popup
// (Settings → Backup) the user exports a backup under a passphrase and saves the file. A fresh
// profile A′ restores it from its first run (Restore from a backup: the file picker, the
// passphrase; a wrong passphrase first, which changes nothing). A′ and B then talk both ways; B
// shows the same safety number as before, no key change; the old A, still running, is told it was
// replaced and refuses to send.
//
//   node --test tests/browser/backup-e2e.test.ts   (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { CLIENT_ERROR_TEXT } from '../../core/src/client/api.ts'
import { repoRoot } from '../../scripts/build-extension.ts'
import { ChromiumTestbed, launchAndOpen } from './support/chromium-testbed.ts'
import { relayReady, textsIn, waitUntil } from './support/messenger-browser.ts'
import type { HestiaPage, ChromiumProfile, TestRelay } from './support/messenger-browser.ts'

const artifacts = join(repoRoot, 'tests', 'artifacts', 'backup-e2e')
const DELIVERY_MS = 60_000
const PASSPHRASE = 'tea at five, bring the map'

const bed = new ChromiumTestbed()
let relay: TestRelay
let profileA: ChromiumProfile
let profileB: ChromiumProfile
let profileA2: ChromiumProfile
let a: HestiaPage
let b: HestiaPage
let a2: HestiaPage
let convA = ''
let convB = ''
let backupPath = ''

async function aliceOnB() {
  const { conversations } = await b.must({ type: 'conversations.list', query: null })
  const contactId = conversations[0]!.contact.contactId
  return b.must({ type: 'contact.info', contactId })
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    ;[profileA, profileB, profileA2] = await bed.start(['Alice', 'Bob', 'Alice2'])
    relay = bed.relay
    ;[a, b] = await launchAndOpen([profileA, profileB])
  },
  { timeout: 720_000 },
)

after(() => bed.destroy())

describe('backup round trip between Chromium profiles', { concurrency: 1 }, () => {
  test('A and B become contacts and talk', { timeout: 180_000 }, async () => {
    for (const [page, name] of [
      [a, 'Alice'],
      [b, 'Bob'],
    ] as const) {
      await page.must({ type: 'identity.create', displayName: name })
      await page.must({ type: 'settings.addRelay', address: relay.address })
    }
    await Promise.all([relayReady(a), relayReady(b)])
    const invite = await a.must({ type: 'invite.mine' })
    convB = (await b.must({ type: 'invite.accept', invite: invite.link })).contact.conversationId
    await b.must({ type: 'messages.send', conversationId: convB, text: 'hi alice' })
    await waitUntil(
      'A has B’s message',
      async () => {
        const row = (await a.must({ type: 'conversations.list', query: null })).conversations[0]
        if (row === undefined) return false
        convA = row.conversationId
        return (await textsIn(a, convA)).includes('hi alice')
      },
      DELIVERY_MS,
    )
    await a.must({ type: 'messages.send', conversationId: convA, text: 'hi bob' })
    await waitUntil(
      'B has A’s reply',
      async () => (await textsIn(b, convB)).includes('hi bob'),
      DELIVERY_MS,
    )
  })

  test('A exports through Settings → Backup and saves the file', { timeout: 120_000 }, async () => {
    const page = a.page
    await page.reload()
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page
      .getByRole('heading', { name: 'Backup' })
      .waitFor()
      .catch(async (error: unknown) => {
        await a.screenshot(join(artifacts, '00-no-backup-section.png'))
        throw new Error(`no Settings → Backup; page problems: ${a.problems.join(' | ')}`, {
          cause: error,
        })
      })
    await page.getByLabel('Backup passphrase').fill(PASSPHRASE)
    await page.locator('#backup-repeat').fill(PASSPHRASE)
    await page.getByRole('button', { name: 'Create backup' }).click()
    const link = page.getByTestId('backup-download')
    await link.waitFor({ timeout: 60_000 })
    assert.equal(await page.getByTestId('recovery-code').count(), 0, 'no code with a passphrase')
    await a.screenshot(join(artifacts, '01-backup-made.png'))
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()])
    backupPath = join(artifacts, download.suggestedFilename())
    await download.saveAs(backupPath)
    assert.match(download.suggestedFilename(), /^hestia-backup-\d{4}-\d{2}-\d{2}\.hestia$/)
  })

  test(
    'a fresh profile A′ restores it from the first run; A′ and B talk both ways; same safety number on B; the old A is told',
    { timeout: 300_000 },
    async () => {
      const before = await aliceOnB()
      await profileA2.launch()
      a2 = await profileA2.open()
      const page = a2.page
      await page.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor({ timeout: 30_000 })
      await page.getByRole('button', { name: 'Restore from a backup' }).click()
      await page.getByLabel('Backup file').setInputFiles(backupPath)
      await page.getByTestId('restore-file-info').filter({ hasText: '.hestia,' }).waitFor()
      await page.getByLabel('Backup passphrase or recovery code').fill('not the passphrase')
      await page.getByRole('button', { name: 'Restore' }).click()
      await page.getByText(CLIENT_ERROR_TEXT.backup_wrong_passphrase).waitFor({ timeout: 60_000 })
      assert.deepEqual(await a2.must({ type: 'identity.status' }), { state: 'none' })
      await a2.screenshot(join(artifacts, '02-restore-refused.png'))
      await page.getByLabel('Backup passphrase or recovery code').fill(PASSPHRASE)
      await page.getByRole('button', { name: 'Restore' }).click()
      await page.getByText('Hello, Alice.').waitFor({ timeout: 60_000 })
      await a2.screenshot(join(artifacts, '03-restored.png'))
      await relayReady(a2)
      const conv = (await a2.must({ type: 'conversations.list', query: null })).conversations[0]!
      assert.equal(conv.conversationId, convA)
      assert.deepEqual(await textsIn(a2, convA), ['hi alice', 'hi bob'], 'history restored')

      await a2.must({
        type: 'messages.send',
        conversationId: convA,
        text: 'from the restored profile',
      })
      await waitUntil(
        'B has A′’s message',
        async () => (await textsIn(b, convB)).includes('from the restored profile'),
        DELIVERY_MS,
      )
      await b.must({ type: 'messages.send', conversationId: convB, text: 'welcome back' })
      await waitUntil(
        'A′ has B’s reply',
        async () => (await textsIn(a2, convA)).includes('welcome back'),
        DELIVERY_MS,
      )
      const after = await aliceOnB()
      assert.deepEqual(after.safetyNumber, before.safetyNumber, 'same safety number on B')
      assert.notEqual(after.contact.trust, 'key_changed')
      assert.equal(after.contact.heldCount, 0)

      await waitUntil(
        'the old A is told',
        async () => {
          const s = await a.must({ type: 'identity.status' })
          return s.state === 'ready' && s.replaced !== undefined
        },
        DELIVERY_MS,
      )
      const refused = await a.api({ type: 'messages.send', conversationId: convA, text: 'old A' })
      assert.ok(!refused.ok && refused.error.code === 'device_replaced')
      await a.page.reload()
      await a.page.getByTestId('device-replaced').waitFor()
      await a.screenshot(join(artifacts, '04-old-device-told.png'))
      assert.deepEqual(
        [...a2.problems, ...b.problems].filter((p) => !p.includes('Failed to load resource')),
        [],
      )
    },
  )
})
