// Backup import in the built Firefox extension (issue 17, ADR 0524): the background page is the
// host; Argon2id (256 MiB) runs in its worker. A and B are Node messengers on a loopback relay
// (the harness of tests/integration); A exports a backup; a fresh Firefox profile restores it from
// its first run (Restore from a backup: the file picker, a wrong passphrase first, then the right
// one). Firefox's A′ and B then talk both ways with the same safety number on B and no key change,
// and the old A is told it was replaced.
//
//   node --test tests/browser/backup-firefox.test.ts   (builds build/firefox-mv2-test if stale)

import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'puppeteer-core'
import { CLIENT_ERROR_TEXT } from '../../core/src/client/api.ts'
import { fromBase64Url } from '../../core/src/crypto/bytes.ts'
import { firefoxAddonId } from '../../plasmo.config.ts'
import { launchFirefox, type LaunchedFirefox } from '../../scripts/browsers.ts'
import { TestPeer, connectPeers, releaseWebRTC } from '../integration/support/messenger-harness.ts'
import { snapshotTestBuild } from './support/fresh-build.ts'
import { TestRelay, pageApi, waitUntil, type Evaluator } from './support/messenger-browser.ts'

const PASSPHRASE = 'firefox backup passphrase'
const DELIVERY_MS = 60_000

let build: { dir: string; remove: () => Promise<void> } | undefined
let relay: TestRelay | undefined
let firefox: LaunchedFirefox | undefined
let page: Page
let a: TestPeer | undefined
let b: TestPeer | undefined
let dir = ''

const { must } = pageApi('Firefox', () => page as unknown as Evaluator)

async function clickButton(text: string): Promise<void> {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll('button')].some((b) => b.textContent?.trim() === t),
    { timeout: 30_000 },
    text,
  )
  await page.evaluate(
    (t) =>
      [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === t)?.click(),
    text,
  )
}

async function waitForText(text: string, timeout = 60_000): Promise<void> {
  await page.waitForFunction((t) => document.body.innerText.includes(t), { timeout }, text)
}

async function setPassphrase(value: string): Promise<void> {
  await page.$eval('#restore-passphrase', (el) => {
    ;(el as HTMLInputElement).value = ''
  })
  await page.type('#restore-passphrase', value)
}

before(
  async () => {
    dir = await mkdtemp(join(tmpdir(), 'hestia-backup-ff-'))
    build = await snapshotTestBuild('firefox-mv2')
    relay = await TestRelay.start()
    a = new TestPeer('Alice', [relay.address])
    b = new TestPeer('Bob', [relay.address])
    a.direct = false
    b.direct = false
    await Promise.all([a.start(), b.start()])
    firefox = await launchFirefox({ extensionDir: build.dir, addonId: firefoxAddonId })
    page = await firefox.findPage(firefox.extensionUrl('popup.html'), 30_000)
  },
  { timeout: 720_000 },
)

after(async () => {
  await a?.stop().catch(() => undefined)
  await b?.stop().catch(() => undefined)
  await firefox?.close()
  await relay?.destroy()
  await build?.remove()
  await rm(dir, { recursive: true, force: true })
  releaseWebRTC()
})

test(
  'Firefox restores a backup from its first run and resumes the conversation; the old device is told',
  { timeout: 400_000 },
  async () => {
    const { convA, convB } = await connectPeers(a!, b!)
    await a!.must({ type: 'messages.send', conversationId: convA, text: 'before the backup' })
    await waitUntil(
      'B has A’s message',
      async () => (await b!.texts(convB)).includes('before the backup'),
      DELIVERY_MS,
    )
    const aliceAtB = (await b!.must({ type: 'conversations.list', query: null })).conversations[0]!
      .contact.contactId
    const before = await b!.must({ type: 'contact.info', contactId: aliceAtB })
    // A's settings as saved by a user (relays included): untouched defaults travel as none and the
    // new install's own defaults apply, which in this build are not this test's relay.
    await a!.must({ type: 'settings.update', patch: { readReceipts: false } })
    const exported = await a!.must({ type: 'backup.export', passphrase: PASSPHRASE })
    const path = join(dir, exported.fileName)
    await writeFile(path, fromBase64Url(exported.file))

    await waitForText('Welcome to Hestia', 30_000)
    await clickButton('Restore from a backup')
    const input = await page.waitForSelector('#restore-file', { timeout: 15_000 })
    await (input as unknown as { uploadFile(path: string): Promise<void> }).uploadFile(path)
    await waitForText(`${exported.fileName}, `)
    await setPassphrase('not the passphrase at all')
    await clickButton('Restore')
    await waitForText(CLIENT_ERROR_TEXT.backup_wrong_passphrase)
    assert.deepEqual(await must({ type: 'identity.status' }), { state: 'none' }, 'nothing changed')
    await setPassphrase(PASSPHRASE)
    await clickButton('Restore')
    await waitForText('Hello, Alice.')

    const conversations = (await must({ type: 'conversations.list', query: null })).conversations
    assert.equal(conversations[0]?.conversationId, convA, 'the conversation is back')
    await must({ type: 'messages.send', conversationId: convA, text: 'from Firefox, restored' })
    await waitUntil(
      'B has the restored device’s message',
      async () => (await b!.texts(convB)).includes('from Firefox, restored'),
      DELIVERY_MS,
    )
    await b!.must({ type: 'messages.send', conversationId: convB, text: 'hello Firefox' })
    await waitUntil(
      'Firefox has B’s reply',
      async () => {
        const { messages } = await must({
          type: 'messages.page',
          conversationId: convA,
          before: null,
          limit: 200,
        })
        return messages.some((m) => m.body.kind === 'text' && m.body.text === 'hello Firefox')
      },
      DELIVERY_MS,
      250,
    )
    const after = await b!.must({ type: 'contact.info', contactId: aliceAtB })
    assert.deepEqual(after.safetyNumber, before.safetyNumber, 'same safety number on B')
    assert.equal(after.contact.trust, before.contact.trust)
    assert.equal(after.contact.heldCount, 0)
    await waitUntil(
      'the old A is told',
      async () => {
        const s = await a!.must({ type: 'identity.status' })
        return s.state === 'ready' && s.replaced !== undefined
      },
      DELIVERY_MS,
    )
  },
)
