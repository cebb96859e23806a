// The popup UI in Chromium against the fixture client (ui/preview): first run → add contact →
// chat → verify, plus the key-change, settings and 10,000-message screens. Each screen is saved
// to tests/artifacts/ui/ (git-ignored) and checked with axe-core: no serious or critical findings.
//
//   node --test tests/browser/ui-fixture.test.ts

import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import QRCode from 'qrcode'
import { chromiumFlags, chromiumPath } from '../../scripts/browsers.ts'
import { buildPreview } from '../../ui/preview/build.ts'
import { buildPreviewWithParcel } from '../../ui/preview/build-parcel.ts'
import { servePreview, type PreviewServer } from '../../ui/preview/serve.ts'

const artifacts = join(import.meta.dirname, '..', 'artifacts', 'ui')
const STEP_MS = 10_000

interface AxeFinding {
  id: string
  impact: string | null
  help: string
  targets: string[]
}

declare global {
  interface Window {
    axe?: { run(context: Document): Promise<{ violations: AxeViolation[] }> }
  }
}
interface AxeViolation {
  id: string
  impact?: string | null
  help: string
  nodes: { target: unknown[] }[]
}

let browser: Browser
let server: PreviewServer
const axeReport = new Map<string, AxeFinding[]>()

async function openPage(
  query: string,
  colorScheme: 'light' | 'dark' = 'light',
  viewport = { width: 800, height: 600 },
): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport, colorScheme })
  const page = await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`)
  })
  await page.goto(`${server.url}${query}`)
  return { page, problems }
}

/** Saves the screen and runs axe-core on it; returns serious/critical findings. */
async function checkScreen(page: Page, name: string): Promise<AxeFinding[]> {
  await page.waitForTimeout(150) // let transitions settle for the screenshot
  await page.screenshot({ path: join(artifacts, `${name}.png`) })
  if ((await page.evaluate(() => window.axe === undefined)) === true)
    await page.addScriptTag({ url: '/axe.min.js' })
  const findings = await page.evaluate(async () => {
    const result = await window.axe!.run(document)
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    }))
  })
  axeReport.set(name, findings)
  return findings.filter((f) => f.impact === 'serious' || f.impact === 'critical')
}

function assertAccessible(findings: AxeFinding[], screen: string): void {
  assert.deepEqual(findings, [], `${screen}: serious/critical axe findings`)
}

before(async () => {
  await rm(artifacts, { recursive: true, force: true })
  await mkdir(artifacts, { recursive: true })
  // Dev mode: Svelte's runtime checks (unsafe mutations, ownership) surface as console errors.
  server = await servePreview(await buildPreview(undefined, { dev: true }))
  browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumFlags] })
})

after(async () => {
  await browser?.close()
  await server?.close()
  const lines = [...axeReport].map(
    ([screen, findings]) =>
      `${screen}: ${findings.length === 0 ? 'no findings' : findings.map((f) => `${f.id} (${f.impact})`).join(', ')}`,
  )
  console.log(`axe-core report:\n  ${lines.join('\n  ')}`)
})

describe('popup UI against the fixture client', { timeout: 180_000 }, () => {
  test('first run → add contact → chat → verify', async () => {
    const { page, problems } = await openPage('?firstRun=1')
    page.setDefaultTimeout(STEP_MS)

    // First run: two sentences, a link to the security page, create an identity.
    await page.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor()
    const summary = await page.getByTestId('protection-summary').innerText()
    assert.match(summary, /relay never sees what you say/)
    assert.match(summary, /relay still sees metadata/)
    assertAccessible(await checkScreen(page, '01-first-run'), 'first run')
    await page.getByRole('button', { name: 'How Hestia protects you, and its limits' }).click()
    await page.getByRole('heading', { name: 'What the relay can see' }).waitFor()
    assertAccessible(await checkScreen(page, '02-about-security'), 'about')
    await page.getByRole('button', { name: 'Back' }).click()
    const create = page.getByRole('button', { name: 'Create my identity' })
    assert.equal(await create.isDisabled(), true, 'no identity without a name')
    await page.getByLabel('Your name, as your contacts will see it').fill('Robin')
    await create.click()
    await page.getByText('Hello, Robin.').waitFor()
    assertAccessible(await checkScreen(page, '03-empty-list'), 'empty list')

    // Add contact: my QR and link, then paste the contact's invite.
    await page.getByRole('button', { name: 'Add a contact' }).first().click()
    await page.getByRole('img', { name: 'QR code of your invite' }).waitFor()
    const myLink = await page.getByLabel('Your invite link').inputValue()
    assert.match(myLink, /^hestia:/)
    assertAccessible(await checkScreen(page, '04-add-contact'), 'add contact')
    await page.getByLabel('Paste an invite link').fill(myLink)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByText('This is your own invite').waitFor()
    const invite = await page.evaluate(() => window.hestiaFixture!.inviteFrom('Nadia Haddad'))
    await page.getByLabel('Paste an invite link').fill(invite)
    await page.getByRole('button', { name: 'Add', exact: true }).click()
    await page.getByText('Nadia Haddad was added.').waitFor()
    assertAccessible(await checkScreen(page, '05-contact-added'), 'contact added')
    await page.getByRole('button', { name: 'Open chat' }).click()

    // Chat: Shift+Enter is a newline, Enter sends; the message shows queued, then delivered.
    await page.getByRole('heading', { name: 'Nadia Haddad' }).waitFor()
    const field = page.getByRole('textbox', { name: 'Message' })
    await field.fill('Hi Nadia, this is Robin.')
    await field.press('Shift+Enter')
    await field.pressSequentially('New line, same message.')
    await field.press('Enter')
    const mine = page.getByTestId('message').last()
    await mine.getByText('New line, same message.').waitFor()
    assert.equal(await field.inputValue(), '', 'the composer clears after sending')
    assert.match(await mine.innerText(), /Hi Nadia, this is Robin\.\nNew line, same message\./)
    await page.waitForSelector('[data-testid="message"][data-delivery="delivered"]')
    assert.ok(await mine.getByRole('img', { name: 'Delivered' }).isVisible())
    assertAccessible(await checkScreen(page, '06-chat'), 'chat')

    // A reply arrives while the chat is open.
    await page.evaluate(() => {
      const fixture = window.hestiaFixture!
      fixture.receiveText('ct-invite-1', 'Hello Robin! Got your message.')
    })
    await page.getByTestId('message-list').getByText('Hello Robin! Got your message.').waitFor()
    assert.equal(
      await page.getByTestId('announcer').innerText(),
      'Nadia Haddad: Hello Robin! Got your message.',
      'screen readers hear the arrival',
    )

    // Verify: wrong code refused, then the contact's real code scanned from a picture.
    await page.getByRole('button', { name: 'Contact info and verification' }).click()
    await page.getByTestId('safety-number').waitFor()
    const groups = await page.getByTestId('safety-number').locator('li').allInnerTexts()
    assert.equal(groups.length, 12)
    for (const group of groups) assert.match(group, /^\d{5}$/)
    assertAccessible(await checkScreen(page, '07-contact-info'), 'contact info')
    const picture = (payload: string) =>
      QRCode.toBuffer(payload, { type: 'png', margin: 4, scale: 6 })
    await page.getByTestId('qr-image-input').setInputFiles({
      name: 'wrong.png',
      mimeType: 'image/png',
      buffer: await picture('hestia:verify/not-this-contact'),
    })
    await page.getByText('The codes do not match').waitFor()
    const payload = await page.evaluate(() =>
      window.hestiaFixture!.verificationPayloadOf('ct-invite-1'),
    )
    await page.getByTestId('qr-image-input').setInputFiles({
      name: 'their-code.png',
      mimeType: 'image/png',
      buffer: await picture(payload),
    })
    await page.getByText('The codes match. This contact is now verified.').waitFor()
    await page.getByTestId('trust-state').getByText('Verified').waitFor()
    assertAccessible(await checkScreen(page, '08-verified'), 'verified')
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByText('You verified Nadia Haddad').waitFor()
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Nadia Haddad' })
    await row.getByRole('img', { name: 'Verified' }).waitFor()
    assert.deepEqual(problems, [])
  })

  test('key change blocks the composer until re-verified; history stays readable', async () => {
    const { page, problems } = await openPage('')
    page.setDefaultTimeout(STEP_MS)
    await page.getByRole('button', { name: /^Carol Mendes .*Security key changed/ }).click()
    await page.getByTestId('key-change-notice').waitFor()
    const field = page.getByRole('textbox', { name: 'Message' })
    assert.equal(await field.isDisabled(), true)
    assert.ok((await page.getByTestId('message').count()) > 0, 'history is readable')
    assertAccessible(await checkScreen(page, '09-key-changed'), 'key changed')
    await page.getByRole('button', { name: 'Accept new key…' }).click()
    await page.getByText('Accept the new key without verifying?').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('button', { name: 'Verify the new key' }).click()
    await page.getByTestId('key-change-steps').waitFor()
    await page.getByRole('checkbox', { name: /I compared all 60 digits/ }).check()
    await page.getByRole('button', { name: 'Mark as verified' }).click()
    await page.getByText('Marked as verified.').waitFor()
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByText('You accepted Carol Mendes').waitFor()
    assert.equal(await field.isDisabled(), false, 'sending works again')
    assert.deepEqual(problems, [])
  })

  test('10,000-message history: lazy pages, a bounded DOM, smooth scrolling', async () => {
    const { page, problems } = await openPage('')
    page.setDefaultTimeout(STEP_MS)
    await page.getByRole('button', { name: /^Alice Okafor Verified/ }).click()
    const list = page.getByTestId('message-list')
    await list.waitFor()
    await page.waitForTimeout(300)
    const atBottom = await list.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)
    assert.ok(atBottom < 5, `opens at the newest message (${atBottom}px from the bottom)`)
    assertAccessible(await checkScreen(page, '10-long-chat'), 'long chat')
    const firstRowId = async () =>
      (await list.locator('[data-message-id]').first().getAttribute('data-message-id')) ?? ''
    let firstId = await firstRowId()
    const frameTimes: number[] = []
    for (let i = 0; i < 12; i++) {
      const started = Date.now()
      await list.evaluate((el) => (el.scrollTop = 0))
      await page.waitForFunction((previous) => {
        const first = document.querySelector('[data-testid="message-list"] [data-message-id]')
        return first !== null && first.getAttribute('data-message-id') !== previous
      }, firstId)
      frameTimes.push(Date.now() - started)
      // The message the reader was looking at stays on screen (older rows went in above it).
      const offset = await list.evaluate((el, id) => {
        const row = el.querySelector(`[data-message-id="${CSS.escape(id)}"]`)
        if (row === null) return null
        return row.getBoundingClientRect().top - el.getBoundingClientRect().top
      }, firstId)
      assert.ok(offset !== null && offset >= -5 && offset < 200, `anchor kept (offset ${offset})`)
      firstId = await firstRowId()
      const rows = await list.locator('[data-message-id]').count()
      assert.ok(rows <= 240, `at most 240 rendered rows (${rows})`)
    }
    const slowest = Math.max(...frameTimes)
    assert.ok(slowest < 1_500, `each older page shows within 1.5 s (slowest ${slowest} ms)`)
    await page.getByRole('button', { name: 'Jump to the newest message' }).click()
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="message-list"]')
      return el !== null && el.scrollHeight - el.scrollTop - el.clientHeight < 5
    })
    assert.deepEqual(problems, [])
  })

  test('settings, file transfer and dark theme screens', async () => {
    const { page, problems } = await openPage('', 'dark')
    page.setDefaultTimeout(STEP_MS)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByRole('heading', { name: 'Relays' }).waitFor()
    assert.equal(await page.getByTestId('relay-row').count(), 2)
    assert.equal(await page.getByRole('checkbox', { name: /Read receipts/ }).isChecked(), false)
    await page.getByLabel('Relay address to add').fill('not a multiaddr')
    await page.getByRole('button', { name: 'Add relay' }).click()
    await page.getByText('This relay address is not valid.').waitFor()
    assertAccessible(await checkScreen(page, '11-settings-dark'), 'settings')
    await page.getByRole('button', { name: /^Erin Walsh/ }).click()
    const card = page.getByTestId('file-card').filter({ hasText: 'holiday-video.mp4' })
    await card.getByRole('progressbar').waitFor()
    await card.getByRole('button', { name: 'Pause holiday-video.mp4' }).click()
    await card.getByRole('button', { name: 'Resume holiday-video.mp4' }).waitFor()
    assertAccessible(await checkScreen(page, '12-chat-files-dark'), 'files')
    await card.getByRole('button', { name: 'Resume holiday-video.mp4' }).click()
    await card.getByRole('button', { name: 'Pause holiday-video.mp4' }).waitFor()
    assert.deepEqual(problems, [])
  })

  test('tab layout fills a larger window', async () => {
    const { page, problems } = await openPage('?layout=tab', 'light', { width: 1280, height: 800 })
    page.setDefaultTimeout(STEP_MS)
    await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
    await page.getByTestId('message-list').waitFor()
    const box = await page.getByTestId('hestia-app').boundingBox()
    assert.equal(box?.width, 1280)
    assert.equal(box?.height, 800)
    assert.equal(await page.getByRole('button', { name: 'Open in a tab' }).count(), 0)
    assertAccessible(await checkScreen(page, '13-tab-layout'), 'tab layout')
    assert.deepEqual(problems, [])
  })

  test('keyboard only: create identity, pick a conversation, send, leave settings', async () => {
    const first = await openPage('?firstRun=1')
    const keys = first.page.keyboard
    first.page.setDefaultTimeout(STEP_MS)
    await first.page.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor()
    await keys.press('Tab') // the security page link
    await keys.press('Tab') // the name field
    await keys.type('Kim')
    await keys.press('Enter')
    await first.page.getByText('Hello, Kim.').waitFor()
    assert.deepEqual(first.problems, [])

    const { page, problems } = await openPage('')
    page.setDefaultTimeout(STEP_MS)
    await page.getByTestId('conversation-row').first().waitFor()
    const focusedTestId = () =>
      page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '')
    for (let i = 0; i < 12 && (await focusedTestId()) !== 'conversation-row'; i++)
      await page.keyboard.press('Tab')
    assert.equal(await focusedTestId(), 'conversation-row', 'Tab reaches the conversation list')
    await page.keyboard.press('ArrowDown')
    const target = await page.evaluate(
      () => document.activeElement?.getAttribute('data-conversation') ?? '',
    )
    const second = await page
      .getByTestId('conversation-row')
      .nth(1)
      .getAttribute('data-conversation')
    assert.equal(target, second, 'ArrowDown moves to the next conversation')
    await page.keyboard.press('Enter')
    await page.getByTestId('chat-view').waitFor()
    const field = page.getByRole('textbox', { name: 'Message' })
    await page.waitForFunction(() => document.activeElement?.tagName === 'TEXTAREA')
    await page.keyboard.type('Typed without a mouse')
    await page.keyboard.press('Enter')
    await page.getByTestId('message-list').getByText('Typed without a mouse').waitFor()
    assert.equal(await field.inputValue(), '')
    const title = await page.locator('#chat-title').innerText()
    await page.getByRole('button', { name: 'Settings', exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'Settings' }).waitFor()
    await page.keyboard.press('Escape')
    await page.getByRole('heading', { name: title }).waitFor()
    assert.deepEqual(problems, [])
  })

  test("bundled by Parcel with Plasmo's Svelte transformer (the extension's pipeline)", async () => {
    const parcelServer = await servePreview(await buildPreviewWithParcel())
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } })
    const page = await context.newPage()
    page.setDefaultTimeout(STEP_MS)
    const problems: string[] = []
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console: ${message.text()}`)
    })
    try {
      await page.goto(parcelServer.url)
      await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
      await page.getByRole('textbox', { name: 'Message' }).fill('Bundled by Parcel')
      await page.keyboard.press('Enter')
      const mine = page.getByTestId('message').filter({ hasText: 'Bundled by Parcel' })
      await mine.getByRole('img', { name: 'Delivered' }).waitFor()
      const row = page.getByTestId('conversation-row').filter({ hasText: 'Bob Lindqvist' })
      await row.getByRole('img', { name: 'Delivered' }).waitFor()
      await page.getByRole('button', { name: /^Carol Mendes/ }).click()
      assert.equal(await page.getByRole('textbox', { name: 'Message' }).isDisabled(), true)
      assert.deepEqual(problems, [])
    } finally {
      await context.close()
      await parcelServer.close()
    }
  })
})
