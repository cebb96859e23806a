// The passphrase lock in the built Firefox extension (issue 17, ADR 0523/0527): the persistent
// background page is the host and keeps the unlocked key in memory. A passphrase set before the
// identity; a contact (a Node peer on the same loopback relay) writes; a file is staged; Lock → every request but
// the vault's answers `locked`, a wrong passphrase is refused, a reloaded page is still locked;
// while locked the contact's messages wait on the relay and nothing readable is in the profile's
// IndexedDB records or files; unlock shows them in order; a reloaded page stays unlocked (the
// background page kept the key).
//
//   node --test tests/browser/vault-firefox.test.ts   (builds build/firefox-mv2-test if stale)

import assert from 'node:assert/strict'
import { dirname } from 'node:path'
import { after, before, test } from 'node:test'
import type { Page } from 'puppeteer-core'
import { firefoxAddonId } from '../../plasmo.config.ts'
import { launchFirefox, type LaunchedFirefox } from '../../scripts/browsers.ts'
import { TestPeer, releaseWebRTC } from '../integration/support/messenger-harness.ts'
import { snapshotTestBuild } from './support/fresh-build.ts'
import { TestRelay, pageApi, waitUntil, type Evaluator } from './support/messenger-browser.ts'
import { dumpDatabases, searchDump, searchFiles, textNeedle } from './vault-forensic-scan.ts'

const PASS = 'firefox lock passphrase'
const NAME = 'Numbat-Firefox-Owner'
const BOB = 'Zanzibar-Node-Contact'
const BEFORE = 'FIREFOX-BEFORE-LOCK-MARKER'
const LOCKED = (i: number) => `FIREFOX-WHILE-LOCKED-MARKER-${i}`
const DELIVERY_MS = 45_000
const STAGED = 'FIREFOX-STAGED-FILE-MARKER'
const needles = [NAME, BOB, BEFORE, 'FIREFOX-WHILE-LOCKED-MARKER', STAGED].map(textNeedle)

/** In the page: hands a File to the host over the staging channel (as the composer does). */
function stageInPage(content: string): Promise<string> {
  return new Promise((resolve) => {
    const channel = new BroadcastChannel('hestia/v1/staging')
    const id = crypto.randomUUID()
    channel.onmessage = (event: MessageEvent<{ id: string; type: string }>) => {
      if (event.data.id !== id || event.data.type === 'accepted') return
      channel.close()
      resolve(event.data.type)
    }
    channel.postMessage({ type: 'stage', id, file: new File([content.repeat(3000)], 'p.txt') })
  })
}

let build: { dir: string; remove: () => Promise<void> } | undefined
let relay: TestRelay | undefined
let firefox: LaunchedFirefox | undefined
let page: Page
let bob: TestPeer | undefined
let conversation = ''
let bobConversation = ''

const { ask, must } = pageApi('Firefox', () => page as unknown as Evaluator)

async function texts(): Promise<string[]> {
  const { messages } = await must({
    type: 'messages.page',
    conversationId: conversation,
    before: null,
    limit: 200,
  })
  return messages.flatMap((m) => (m.body.kind === 'text' ? [m.body.text] : []))
}

/** Reloads the extension page from inside (BiDi refuses to navigate moz-extension pages). */
async function reload(): Promise<void> {
  // A mark on the old document: the new one does not have it.
  await page.evaluate(() => {
    ;(globalThis as unknown as { __loadedAs?: string }).__loadedAs = 'before the reload'
    setTimeout(() => location.reload(), 0)
  })
  await waitUntil(
    'the reloaded page to reach the host',
    async () => {
      try {
        const fresh = await page.evaluate(
          () => (globalThis as unknown as { __loadedAs?: string }).__loadedAs === undefined,
        )
        return fresh && (await ask({ type: 'vault.status' })).ok
      } catch {
        return false // the document is being replaced
      }
    },
    30_000,
    250,
  )
}

before(
  async () => {
    build = await snapshotTestBuild('firefox-mv2')
    relay = await TestRelay.start()
    firefox = await launchFirefox({ extensionDir: build.dir, addonId: firefoxAddonId })
    page = await firefox.findPage(firefox.extensionUrl('popup.html'), 30_000)
    bob = await new TestPeer(BOB, [relay.address]).start()
  },
  { timeout: 720_000 },
)

after(async () => {
  await bob?.stop().catch(() => undefined)
  await firefox?.close()
  await relay?.destroy()
  await build?.remove()
  releaseWebRTC()
})

test(
  'Firefox: lock, wrong passphrase, locked scan, mail while locked in order, key kept in the background page',
  { timeout: 300_000 },
  async () => {
    await waitUntil(
      'the host to answer',
      async () => (await ask({ type: 'vault.status' })).ok,
      30_000,
      250,
    )
    assert.equal((await must({ type: 'vault.setPassphrase', passphrase: PASS })).state, 'unlocked')
    await must({ type: 'identity.create', displayName: NAME })
    await must({ type: 'settings.addRelay', address: relay!.address })
    await waitUntil(
      'the relay mailbox to be ready',
      async () => {
        const r = (await must({ type: 'connectivity.status' })).relays[0]
        return r !== undefined && r.reserved && r.mailboxReady
      },
      DELIVERY_MS,
      250,
    )
    await bob!.must({ type: 'identity.create', displayName: BOB })
    const invite = await must({ type: 'invite.mine' })
    bobConversation = (await bob!.must({ type: 'invite.accept', invite: invite.link })).contact
      .conversationId
    await bob!.must({ type: 'messages.send', conversationId: bobConversation, text: BEFORE })
    await waitUntil(
      'Firefox to show the first message',
      async () => {
        const list = (await must({ type: 'conversations.list', query: null })).conversations
        conversation = list[0]?.conversationId ?? ''
        return conversation !== '' && (await texts()).includes(BEFORE)
      },
      DELIVERY_MS,
      250,
    )

    // A picked file, staged (sealed) by the background page and kept for sending.
    assert.equal(await page.evaluate(stageInPage, STAGED), 'staged')
    assert.equal((await must({ type: 'vault.lock' })).state, 'locked')
    const refused = await ask({ type: 'identity.status' })
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'locked')
    const wrong = await ask({ type: 'vault.unlock', passphrase: 'not it' })
    assert.equal(wrong.ok ? 'ok' : wrong.error.code, 'wrong_passphrase')
    await reload()
    assert.equal((await must({ type: 'vault.status' })).state, 'locked', 'a reload does not unlock')

    const ids: string[] = []
    for (let i = 1; i <= 5; i++)
      ids.push(
        (
          await bob!.must({
            type: 'messages.send',
            conversationId: bobConversation,
            text: LOCKED(i),
          })
        ).message.messageId,
      )
    await waitUntil(
      "Bob's messages in Firefox's mailbox",
      async () => {
        const history = await bob!.history(bobConversation)
        return ids.every((id) => history.find((m) => m.messageId === id)?.delivery === 'sent')
      },
      DELIVERY_MS,
      250,
    )
    const dump = await dumpDatabases(page as unknown as Evaluator, [
      'hestia-messenger',
      'hestia-files',
    ])
    assert.ok(
      dump.some((s) => s.store === 'messages' && s.rows.length > 0),
      'the dump read messages',
    )
    assert.deepEqual(searchDump(dump, needles), [], 'locked: IndexedDB records')
    const profileDir = dirname(firefox!.downloadDir)
    assert.deepEqual(await searchFiles(profileDir, needles), [], "locked: the profile's files")

    assert.equal((await must({ type: 'vault.unlock', passphrase: PASS })).state, 'unlocked')
    const expected = ids.map((_, i) => LOCKED(i + 1))
    await waitUntil(
      'every message sent while locked',
      async () => (await texts()).filter((t) => t.startsWith('FIREFOX-WHILE-LOCKED')).length >= 5,
      DELIVERY_MS,
      250,
    )
    assert.deepEqual(
      (await texts()).filter((t) => t.startsWith('FIREFOX-WHILE-LOCKED')),
      expected,
    )

    await reload()
    assert.equal(
      (await must({ type: 'vault.status' })).state,
      'unlocked',
      'the background page kept the key',
    )
    assert.equal((await must({ type: 'identity.status' })).state, 'ready')
  },
)
