// The popup UI of the built extension against the real messenger: two Chromium profiles (A, B)
// with the chrome-mv3 test build, a relay in this process on 127.0.0.1, and the popup page
// (chrome-extension://<id>/popup.html, 800×600) driven through its screens: first run → list →
// Settings (relay, diagnostics) → add contact → chat (text and a file) → contact info → verify (A:
// safety numbers compared between A and B; B: a picture of A's verification QR) → verified badges →
// key changed (held count, both choices, keep the old key; the real key change with held messages
// is tests/browser/key-change-e2e.test.ts). Every screen is saved to
// tests/artifacts/messenger-e2e/popup-*.png (git-ignored) and checked with axe-core: no serious or
// critical findings. The test output lists the screenshots and the axe summary.
//
//   node --test tests/browser/popup-e2e.test.ts        (builds build/chrome-mv3-test if stale)

import assert from 'node:assert/strict'
import { mkdir, readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createServer, type AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import QRCode from 'qrcode'
import { repoRoot } from '../../scripts/build-extension.ts'
import { snapshotTestBuild } from './support/fresh-build.ts'
import { ChromiumProfile, HestiaPage, TestRelay, waitUntil } from './support/messenger-browser.ts'
import { overlappingControls, qrFromScreenshot, sidewaysOverflow } from './ui-layout.ts'

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return address.port
}

const artifacts = join(repoRoot, 'tests', 'artifacts', 'messenger-e2e')
/** One UI step (a screen appearing, a click taking effect). */
const STEP_MS = 15_000
/** A message crossing the network (mailbox or direct). */
const DELIVERY_MS = 45_000
/** The browser's popup: at most 800×600. */
const POPUP = { width: 800, height: 600 } as const

interface AxeFinding {
  id: string
  impact: string | null
  help: string
  targets: string[]
}

let relay: TestRelay
let build: { dir: string; remove: () => Promise<void> } | undefined
let profileA: ChromiumProfile
let profileB: ChromiumProfile
let a: HestiaPage
let b: HestiaPage
let axeSource = ''
const screenshots: string[] = []
const axeReport = new Map<string, AxeFinding[]>()
const opened: HestiaPage[] = []

/** Opens popup.html at the popup's size (not the "open in a tab" layout). */
async function openPopup(profile: ChromiumProfile): Promise<HestiaPage> {
  const page = await profile.context!.newPage()
  await page.setViewportSize(POPUP)
  const hestia = new HestiaPage(profile.name, page)
  await page.goto(profile.url('popup.html'), { timeout: STEP_MS })
  page.setDefaultTimeout(STEP_MS)
  opened.push(hestia)
  return hestia
}

/** Saves the screen, runs axe-core in the extension page and asserts no serious/critical finding. */
async function checkScreen(page: HestiaPage, name: string): Promise<void> {
  const p = page.page
  await p.waitForTimeout(150) // transitions settle before the screenshot
  const file = `popup-${name}.png`
  await p.screenshot({ path: join(artifacts, file) })
  screenshots.push(file)
  // Evaluated through the DevTools protocol: the extension's CSP (script-src 'self') refuses an
  // injected <script>, not this.
  if (await p.evaluate(() => (window as { axe?: unknown }).axe === undefined))
    await p.evaluate(axeSource)
  const findings = await p.evaluate(async () => {
    type Violation = {
      id: string
      impact?: string | null
      help: string
      nodes: { target: unknown[] }[]
    }
    const axe = (
      window as unknown as { axe: { run(d: Document): Promise<{ violations: Violation[] }> } }
    ).axe
    const result = await axe.run(document)
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }))
  })
  axeReport.set(`${page.name}: ${name}`, findings)
  const serious = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical')
  assert.deepEqual(serious, [], `${name}: serious/critical axe findings`)
}

async function relayConnected(page: HestiaPage): Promise<boolean> {
  const status = await page.must({ type: 'connectivity.status' })
  const r = status.relays[0]
  return r !== undefined && r.state === 'connected' && r.reserved && r.mailboxReady
}

/** The safety number on the open contact-info screen, group by group. */
async function safetyGroups(page: HestiaPage): Promise<string[]> {
  const list = page.page.getByTestId('safety-number')
  await list.waitFor()
  return (await list.locator('li').allInnerTexts()).map((g) => g.trim())
}

before(
  async () => {
    await mkdir(artifacts, { recursive: true })
    axeSource = await readFile(
      createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      'utf8',
    )
    build = await snapshotTestBuild('chrome-mv3')
    relay = await TestRelay.start()
    profileA = await ChromiumProfile.create('Alice', build.dir)
    profileB = await ChromiumProfile.create('Bob', build.dir)
    await Promise.all([profileA.launch(), profileB.launch()])
    ;[a, b] = await Promise.all([openPopup(profileA), openPopup(profileB)])
  },
  { timeout: 720_000 },
)

after(async () => {
  await Promise.allSettled([profileA?.destroy(), profileB?.destroy()])
  await relay?.destroy()
  await build?.remove()
  console.log(`screenshots (tests/artifacts/messenger-e2e/):\n  ${screenshots.join('\n  ')}`)
  const lines = [...axeReport].map(
    ([screen, findings]) =>
      `${screen}: ${
        findings.length === 0
          ? 'no findings'
          : findings.map((f) => `${f.id} (${f.impact}) ${f.targets.join(' ')}`).join(', ')
      }`,
  )
  const serious = [...axeReport.values()]
    .flat()
    .filter((f) => f.impact === 'serious' || f.impact === 'critical').length
  console.log(
    `axe-core in the extension popup: ${axeReport.size} screens, ${serious} serious/critical findings\n  ${lines.join('\n  ')}`,
  )
})

describe('the popup of the built extension, screen by screen', { concurrency: 1 }, () => {
  test(
    'first run, the empty list, Settings with the relay and diagnostics',
    { timeout: 120_000 },
    async () => {
      for (const page of [a, b]) {
        await page.page.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor()
      }
      await checkScreen(a, '01-first-run')
      await a.page.getByRole('button', { name: 'How Hestia protects you, and its limits' }).click()
      await a.page.getByRole('heading', { name: 'What the relay can see' }).waitFor()
      await checkScreen(a, '02-about-security')
      await a.page.getByRole('button', { name: 'Back', exact: true }).click()
      for (const [page, name] of [
        [a, 'Alice'],
        [b, 'Bob'],
      ] as const) {
        await page.page.getByLabel('Your name, as your contacts will see it').fill(name)
        await page.page.getByRole('button', { name: 'Create my identity' }).click()
        await page.page.getByText(`Hello, ${name}.`).waitFor()
      }
      await checkScreen(a, '03-list-empty')

      for (const page of [a, b]) {
        const p = page.page
        await p.getByRole('button', { name: 'Settings' }).first().click()
        await p.getByLabel('Relay address to add').fill(relay.address)
        await p.getByRole('button', { name: 'Add relay' }).click()
      }
      for (const page of [a, b]) {
        await waitUntil(`${page.name} on the relay`, () => relayConnected(page), 45_000, 200)
        await page.page
          .locator('[data-testid="relay-row"][data-state="connected"]')
          .waitFor({ timeout: STEP_MS })
      }
      // Diagnostics: collapsed in Settings, the node's PeerId once opened.
      await a.page.getByTestId('node-status').locator('summary').click()
      await waitUntil(
        'A’s PeerId under Settings → Diagnostics',
        async () =>
          /^12D3/.test(
            await a.page
              .getByTestId('peer-id')
              .innerText()
              .catch(() => ''),
          ),
        STEP_MS,
      )
      await a.page.getByTestId('peer-id').scrollIntoViewIfNeeded()
      await checkScreen(a, '04-settings')
    },
  )

  test(
    'an unreachable relay reads "unreachable" with a reason; removing it never shows Offline',
    { timeout: 120_000 },
    async () => {
      const p = a.page
      const deadId = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const dead = `/ip4/127.0.0.1/tcp/${await closedPort()}/ws/p2p/${deadId}`
      await p.getByLabel('Relay address to add').fill(dead)
      const added = Date.now()
      await p.getByRole('button', { name: 'Add relay' }).click()
      const row = p.locator('[data-testid="relay-row"][data-state="error"]')
      await row.waitFor({ timeout: 15_000 })
      const reason = await row.getByTestId('relay-state').innerText()
      console.log(`unreachable relay reported after ${Date.now() - added} ms: "${reason}"`)
      assert.match(reason, /^Unreachable: .+/)
      assert.match(await row.innerText(), /127\.0\.0\.1:\d+/, 'named by host and port')
      await row.getByRole('button', { name: /^Retry relay/ }).waitFor()
      await checkScreen(a, '04b-relay-unreachable')
      // The pill stays in plain words while the node restarts for the new relay list.
      const pills = new Set<string>()
      const watch = setInterval(() => {
        void p
          .getByTestId('connectivity')
          .innerText()
          .then((t) => pills.add(t))
          .catch(() => undefined)
      }, 100)
      try {
        await row.getByRole('button', { name: /^Remove relay/ }).click()
        await p.locator('[data-testid="relay-row"][data-state="error"]').waitFor({
          state: 'detached',
        })
        await waitUntil('A back on the remaining relay', () => relayConnected(a), 45_000, 200)
        await sleep(1_000)
      } finally {
        clearInterval(watch)
      }
      console.log(`status pill while removing a relay: ${[...pills].join(' | ')}`)
      assert.ok(![...pills].some((t) => t.startsWith('Offline')), [...pills].join(' | '))
      await p.getByTestId('connectivity').getByText('Connected').waitFor({ timeout: STEP_MS })
    },
  )

  test('add contact: A’s invite (QR and link), B pastes it', { timeout: 120_000 }, async () => {
    await a.page.getByRole('button', { name: 'Add a contact' }).first().click()
    await a.page.getByRole('img', { name: 'QR code of your invite' }).waitFor()
    const link = await a.page.getByLabel('Your invite link').inputValue()
    // Issue 23 (ADR 0734): the real invite is a short link; its QR code carries it in uppercase
    // (QR alphanumeric mode), which the invitee accepts as the same invite.
    assert.match(link, /^hestia:i\/[a-z2-7]+$/)
    assert.ok(link.length <= 300, `the invite is ${link.length} characters`)
    const qr = link.toUpperCase()
    await checkScreen(a, '05-add-contact')

    // At every popup size: no overlapping controls, no sideways scrolling, and both the inline
    // code and the large view's code decode from a screenshot.
    const modules = await a.page.getByTestId('qr-code').getAttribute('data-modules')
    console.log(`A's invite: ${link.length} characters, QR ${modules} modules with quiet zone`)
    for (const size of [{ width: 360, height: 480 }, { width: 400, height: 600 }, POPUP]) {
      const tag = `${size.width}x${size.height}`
      await a.page.setViewportSize(size)
      if (size.width < POPUP.width)
        await a.page.locator('[data-testid="hestia-app"][data-fit="window"]').waitFor()
      await a.page.getByRole('img', { name: 'QR code of your invite' }).waitFor()
      assert.deepEqual(await overlappingControls(a.page, '[data-testid="add-contact"]'), [], tag)
      assert.equal(await sidewaysOverflow(a.page), 0, `${tag}: nothing scrolls sideways`)
      await checkScreen(a, `05-add-contact-${tag}`)
      const inline = await a.page.getByRole('img', { name: 'QR code of your invite' }).boundingBox()
      assert.ok(inline !== null)
      assert.equal(await qrFromScreenshot(a.page, inline), qr, `${tag}: the inline code decodes`)
      await a.page.getByRole('button', { name: 'Show larger' }).click()
      await a.page.getByRole('img', { name: 'Large QR code of your invite' }).waitFor()
      assert.equal(await qrFromScreenshot(a.page), qr, `${tag}: the code decodes to the invite`)
      await checkScreen(a, `05-add-contact-large-${tag}`)
      await a.page.getByRole('button', { name: 'Close' }).click()
    }

    await b.page.getByRole('button', { name: 'Add a contact' }).first().click()
    await b.page.getByLabel('Paste an invite link').fill(link)
    await b.page.getByRole('button', { name: 'Add', exact: true }).click()
    await b.page.getByText('Alice was added.').waitFor()
    await checkScreen(b, '06-contact-added')
    await b.page.getByRole('button', { name: 'Open chat' }).click()
    await b.page.getByRole('heading', { name: 'Alice' }).waitFor()
  })

  test(
    'chat: messages both ways, the list with the conversation',
    { timeout: 180_000 },
    async () => {
      const first = 'Hi Alice, this is Bob.'
      const composerB = b.page.getByRole('textbox', { name: 'Message' })
      await composerB.fill(first)
      await composerB.press('Enter')
      const row = a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' })
      await row.waitFor({ timeout: DELIVERY_MS })
      await checkScreen(a, '07-list')
      await row.click()
      await a.page.getByTestId('message-list').getByText(first).waitFor({ timeout: DELIVERY_MS })
      const reply = 'Hello Bob! Let us verify each other.'
      const composerA = a.page.getByRole('textbox', { name: 'Message' })
      await composerA.fill(reply)
      await composerA.press('Enter')
      await b.page.getByTestId('message-list').getByText(reply).waitFor({ timeout: DELIVERY_MS })
      await a.page
        .locator('[data-testid="message"][data-delivery="delivered"]')
        .filter({ hasText: reply })
        .waitFor({ timeout: DELIVERY_MS })
      // A file from the composer: staging (its own chunk, loaded on first use) and the card.
      await a.page
        .getByTestId('composer')
        .locator('input[type="file"]')
        .setInputFiles({
          name: 'notes.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from('hello\n'),
        })
      await a.page
        .getByTestId('message-list')
        .getByTestId('file-card')
        .filter({ hasText: 'notes.txt' })
        .waitFor()
      await checkScreen(a, '08-chat')
    },
  )

  test(
    'verify: equal safety numbers on both sides (12 groups of 5 digits), mark verified, badges',
    { timeout: 120_000 },
    async () => {
      for (const page of [a, b]) {
        await page.page.getByRole('button', { name: 'Contact info and verification' }).click()
        await page.page.getByTestId('contact-info').waitFor()
      }
      const [groupsA, groupsB] = await Promise.all([safetyGroups(a), safetyGroups(b)])
      assert.equal(groupsA.length, 12, `A shows ${groupsA.length} groups`)
      for (const group of groupsA) assert.match(group, /^\d{5}$/)
      assert.deepEqual(groupsB, groupsA, 'A and B show the same safety number')
      await checkScreen(a, '09-contact-info')

      const trust = a.page.getByTestId('trust-state')
      assert.equal(await trust.locator('[data-trust="verified"]').count(), 0)
      const mark = a.page.getByRole('button', { name: 'Mark as verified' })
      assert.equal(await mark.isDisabled(), true, 'nothing is verified before comparing')
      await a.page.getByRole('checkbox', { name: /I compared all 60 digits/ }).check()
      await mark.click()
      await a.page.getByText('Marked as verified.').waitFor()
      await trust.locator('[data-trust="verified"]').waitFor()
      await checkScreen(a, '10-verified')

      // The badge in the list, and next to the name in the chat.
      const row = a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' })
      await row.locator('[data-trust="verified"]').waitFor()
      await row.click()
      await a.page
        .getByTestId('chat-view')
        .locator('#chat-trust')
        .filter({ hasText: 'Verified' })
        .waitFor()
      await checkScreen(a, '11-chat-verified')
      const info = await a.must({ type: 'contact.info', contactId: await contactIdOf(a, 'Bob') })
      assert.equal(info.contact.trust, 'verified')

      // B verifies A the other way: a picture of the QR code A's screen shows for B (decoded in
      // the popup by jsqr, a chunk loaded only when a scan starts).
      const infoB = await b.must({ type: 'contact.info', contactId: await contactIdOf(b, 'Alice') })
      assert.equal(infoB.contact.trust, 'unverified')
      await b.page.getByTestId('qr-image-input').setInputFiles({
        name: 'alices-code.png',
        mimeType: 'image/png',
        buffer: await QRCode.toBuffer(info.myVerificationQr, { type: 'png', margin: 4, scale: 6 }),
      })
      await b.page.getByText('The codes match. This contact is now verified.').waitFor()
      await b.page.getByTestId('trust-state').locator('[data-trust="verified"]').waitFor()
      await checkScreen(b, '12-verified-by-qr')
    },
  )

  test(
    'key changed: the chat blocks the composer, says what is held, and keeping the old key ends it',
    { timeout: 120_000 },
    async () => {
      // A real key change needs B on a new device. The store holds what the messenger would have
      // recorded (ContactRecord.keyChange, core/src/store/records.ts): write that into A's store,
      // restart A's host (it keeps the conversation list until it writes, ADR 0922, and this write
      // went around it), and reload the popup.
      const contactId = await contactIdOf(a, 'Bob')
      await a.page.evaluate(markKeyChanged, contactId)
      const worker = profileA.context!.serviceWorkers()[0]
      assert.ok(worker, 'A’s service worker runs')
      await worker.evaluate(() =>
        (
          globalThis as unknown as { chrome: { offscreen: { closeDocument(): Promise<void> } } }
        ).chrome.offscreen.closeDocument(),
      )
      await a.page.reload()
      const row = a.page.getByTestId('conversation-row').filter({ hasText: 'Bob' })
      await row.click()
      await a.page.getByTestId('key-change-notice').waitFor()
      // Sending is paused: the composer is disabled and says why.
      await a.page.getByTestId('composer-disabled').waitFor()
      assert.equal(await a.page.getByRole('textbox', { name: 'Message' }).isDisabled(), true)
      // A record written before ADR 0720 holds nothing: the notice says so.
      await a.page.getByTestId('held-count').filter({ hasText: 'No messages are held.' }).waitFor()
      await checkScreen(a, '13-key-changed-chat')
      await a.page.getByRole('button', { name: 'Contact info and verification' }).click()
      await a.page.getByTestId('key-change-steps').waitFor()
      // Verifying by digits offers both choices; nothing is adopted in one click.
      await a.page.getByRole('button', { name: 'They match: trust the new key' }).waitFor()
      await a.page.getByRole('button', { name: 'They do not match: keep the old key' }).waitFor()
      await checkScreen(a, '14-key-changed-info')
      await a.page.getByTestId('keep-old-key').click()
      await a.page.getByTestId('refused-keys').waitFor()
      await a.page.getByTestId('trust-state').locator('[data-trust="verified"]').waitFor()
      const kept = await a.must({ type: 'contact.info', contactId })
      assert.equal(kept.contact.trust, 'verified', 'the old key stays the verified one')
      assert.equal(kept.refusedKeys, 1)
      await checkScreen(a, '15-kept-old-key')
    },
  )

  test('no page problems', () => {
    assert.deepEqual(
      opened.flatMap((page) => page.problems.map((p) => `${page.name}: ${p}`)),
      [],
    )
  })
})

async function contactIdOf(page: HestiaPage, name: string): Promise<string> {
  const { conversations } = await page.must({ type: 'conversations.list', query: null })
  const found = conversations.find((c) => c.contact.displayName === name)
  assert.ok(found !== undefined, `${page.name} has no conversation with ${name}`)
  return found.contact.contactId
}

/** In the page: records a pending key change for the contact in the extension's store. */
async function markKeyChanged(contactId: string): Promise<void> {
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('hestia-messenger')
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'))
  })
  try {
    const tx = db.transaction('contacts', 'readwrite')
    const contacts = tx.objectStore('contacts')
    const row = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const get = contacts.get(contactId)
      get.onsuccess = () => resolve(get.result as Record<string, unknown>)
      get.onerror = () => reject(get.error ?? new Error('contact not found'))
    })
    const now = Date.now()
    contacts.put({
      ...row,
      keyChange: { identityPublicKey: crypto.getRandomValues(new Uint8Array(32)), seenAt: now },
      updatedAt: now,
    })
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error ?? new Error('transaction failed'))
    })
  } finally {
    db.close()
  }
}
