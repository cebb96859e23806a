// The popup UI in Chromium against the fixture client (ui/preview): first run → add contact →
// chat → verify, plus the key-change, settings and 10,000-message screens. Each screen is saved
// to tests/artifacts/ui/ (git-ignored) and checked with axe-core: no serious or critical findings.
//
//   node --test tests/browser/ui-fixture.test.ts

import assert from 'node:assert/strict'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import QRCode from 'qrcode'
import { chromiumFlags, chromiumPath } from '../../scripts/browsers.ts'
import { buildPreview } from '../../ui/preview/build.ts'
import { buildPreviewWithParcel } from '../../ui/preview/build-parcel.ts'
import { servePreview, type PreviewServer } from '../../ui/preview/serve.ts'
import { overlappingControls, qrFromScreenshot, sidewaysOverflow } from './ui-layout.ts'

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
    await page.getByRole('button', { name: 'Back', exact: true }).click()
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
    await page.getByRole('button', { name: 'Back', exact: true }).click()
    await page.getByTestId('system-message').getByText('You verified Nadia Haddad').waitFor()
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Nadia Haddad' })
    // The list says what happened (issue 23), not "Security update".
    await row.getByText('You verified Nadia Haddad').waitFor()
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
    // During a key change both choices are shown (ADR 0720): trusting the new key releases the
    // messages held under it.
    await page.getByRole('button', { name: 'They do not match: keep the old key' }).waitFor()
    await page.getByRole('button', { name: 'They match: trust the new key' }).click()
    await page.getByText('Marked as verified.').waitFor()
    await page.getByRole('button', { name: 'Back', exact: true }).click()
    await page.getByTestId('system-message').getByText('You accepted Carol Mendes').waitFor()
    await page.getByTestId('message-list').getByText('Can you check the new key?').waitFor()
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
    await page.getByText('A relay address starts with "/"').waitFor()
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

  test('backup (#17): export with a recovery code in Settings, restore it in a fresh popup', async () => {
    const { page, problems } = await openPage('')
    page.setDefaultTimeout(STEP_MS)
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByRole('heading', { name: 'Backup' }).waitFor()
    await page.getByRole('radio', { name: /A recovery code Hestia generates/ }).check()
    await page.getByRole('button', { name: 'Create backup' }).click()
    const code = (await page.getByTestId('recovery-code').innerText()).trim()
    assert.match(code, /^(\d{5} ){5}\d{5}$/)
    const download = page.getByTestId('backup-download')
    assert.match((await download.getAttribute('download')) ?? '', /^hestia-backup-.*\.hestia$/)
    assertAccessible(await checkScreen(page, '40-backup-made'), 'backup made')
    // What the <a download> saves.
    const [saved] = await Promise.all([page.waitForEvent('download'), download.click()])
    const bytes = await readFile(await saved.path())

    const fresh = await openPage('?firstRun=1')
    fresh.page.setDefaultTimeout(STEP_MS)
    await fresh.page.getByRole('button', { name: 'Restore from a backup' }).click()
    await fresh.page.getByRole('heading', { name: 'Restore from a backup' }).waitFor()
    await fresh.page.getByLabel('Backup file').setInputFiles({
      name: 'hestia-backup.hestia',
      mimeType: 'application/octet-stream',
      buffer: bytes,
    })
    await fresh.page.getByText(`hestia-backup.hestia, ${bytes.length} bytes`).waitFor()
    await fresh.page
      .getByLabel('Backup passphrase or recovery code')
      .fill('11111 11111 11111 11111 11111 11111')
    await fresh.page.getByRole('button', { name: 'Restore' }).click()
    await fresh.page.getByText(CLIENT_ERROR_TEXT.backup_wrong_passphrase).waitFor()
    assertAccessible(await checkScreen(fresh.page, '41-restore-wrong-code'), 'restore refused')
    await fresh.page.getByLabel('Backup passphrase or recovery code').fill(code.replaceAll(' ', ''))
    await fresh.page.getByRole('button', { name: 'Restore' }).click()
    await fresh.page.getByText(/^Hello, /).waitFor()
    assert.deepEqual(problems, [])
    assert.deepEqual(fresh.problems, [])
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

// Issue 23: a popup that feels finished at every size it can have.
const SIZES = [
  { width: 360, height: 480 },
  { width: 400, height: 600 },
  { width: 800, height: 600 },
] as const

/** Opens the preview at a size; below 800×600 waits for the layout that fits the window. */
async function openSized(
  size: { width: number; height: number },
  colorScheme: 'light' | 'dark' = 'light',
  query = '',
): Promise<{ page: Page; problems: string[] }> {
  const opened = await openPage(query, colorScheme, size)
  opened.page.setDefaultTimeout(STEP_MS)
  if (size.width < 800 || size.height < 600)
    await opened.page.locator('[data-testid="hestia-app"][data-fit="window"]').waitFor()
  if (!query.includes('firstRun')) await opened.page.getByTestId('connectivity').waitFor()
  return opened
}

describe('popup sizes, links, limits and plain words (issue 23)', { timeout: 240_000 }, () => {
  for (const size of SIZES)
    for (const scheme of ['light', 'dark'] as const)
      test(`Add contact at ${size.width}×${size.height} (${scheme}): no overlap, the QR code reads`, async () => {
        const { page, problems } = await openSized(size, scheme)
        const tag = `${size.width}x${size.height}-${scheme}`
        await page.getByRole('button', { name: 'Add a contact' }).first().click()
        const qr = page.getByRole('img', { name: 'QR code of your invite' })
        await qr.waitFor()
        const invite = await page.getByLabel('Your invite link').inputValue()
        assert.ok(invite.length >= 2_790, `a real-size invite (${invite.length} characters)`)
        assert.deepEqual(await overlappingControls(page, '[data-testid="add-contact"]'), [])
        assert.equal(await sidewaysOverflow(page), 0, 'nothing scrolls sideways')
        const box = await qr.boundingBox()
        assert.ok(
          box !== null && box.width <= 200,
          `the inline code keeps its size (${box?.width})`,
        )
        // One clear primary action per side.
        for (const side of ['my-invite', 'their-invite'])
          assert.equal(await page.getByTestId(side).locator('button.primary').count(), 1, side)
        assertAccessible(await checkScreen(page, `20-add-contact-${tag}`), `add contact ${tag}`)

        // "Show larger": a code a phone reads from the screen, decoded here from a screenshot.
        await page.getByRole('button', { name: 'Show larger' }).click()
        const large = page.getByRole('img', { name: 'Large QR code of your invite' })
        await large.waitFor()
        const largeBox = await large.boundingBox()
        const modules = Number(await large.getAttribute('data-modules'))
        assert.ok(largeBox !== null && largeBox.width / modules >= 2, 'two pixels or more a module')
        assert.equal(await qrFromScreenshot(page), invite, 'the large code decodes to the invite')
        assertAccessible(await checkScreen(page, `21-add-contact-large-${tag}`), `large QR ${tag}`)
        await page.keyboard.press('Escape')
        await large.waitFor({ state: 'detached' })
        await page.getByRole('heading', { name: 'Add a contact' }).waitFor()
        assert.deepEqual(problems, [])
      })

  test('every main screen fits each size, light and dark, and stays accessible', async () => {
    for (const size of SIZES)
      for (const scheme of ['light', 'dark'] as const) {
        const { page, problems } = await openSized(size, scheme)
        const tag = `${size.width}x${size.height}-${scheme}`
        const narrow = size.width < 640
        assertAccessible(await checkScreen(page, `30-list-${tag}`), `list ${tag}`)
        assert.equal(await sidewaysOverflow(page), 0, `list ${tag}: no sideways scrolling`)
        await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
        await page.getByTestId('message-list').waitFor()
        assert.equal(await sidewaysOverflow(page), 0, `chat ${tag}`)
        assert.equal(
          await page.getByTestId('conversation-row').first().isVisible(),
          !narrow,
          'narrow: one pane at a time',
        )
        assertAccessible(await checkScreen(page, `31-chat-${tag}`), `chat ${tag}`)
        if (narrow) {
          await page
            .getByTestId('chat-view')
            .getByRole('button', { name: 'Back', exact: true })
            .click()
          await page.getByTestId('conversation-row').first().waitFor()
        }
        await page.getByRole('button', { name: 'Settings', exact: true }).click()
        await page.getByRole('heading', { name: 'Relays' }).waitFor()
        assert.equal(await sidewaysOverflow(page), 0, `settings ${tag}`)
        assert.deepEqual(await overlappingControls(page, '[data-testid="settings"]'), [], tag)
        assertAccessible(await checkScreen(page, `32-settings-${tag}`), `settings ${tag}`)
        await page.getByRole('button', { name: 'Back', exact: true }).click()
        await page.getByTestId('conversation-row').filter({ hasText: 'Bob Lindqvist' }).click()
        await page.getByRole('button', { name: 'Contact info and verification' }).click()
        await page.getByTestId('safety-number').waitFor()
        assert.equal(await sidewaysOverflow(page), 0, `contact info ${tag}`)
        assertAccessible(await checkScreen(page, `33-contact-info-${tag}`), `contact info ${tag}`)
        await page.context().close()
        assert.deepEqual(problems, [])

        // First run: the card fits (at 400 px it used to hide behind a sideways scrollbar).
        const first = await openSized(size, scheme, '?firstRun=1')
        await first.page.getByRole('heading', { name: 'Welcome to Hestia' }).waitFor()
        assert.equal(await sidewaysOverflow(first.page), 0, `first run ${tag}`)
        const card = await first.page
          .getByRole('button', { name: 'Create my identity' })
          .boundingBox()
        assert.ok(
          card !== null && card.x >= 0 && card.x + card.width <= size.width,
          `first run ${tag}`,
        )
        assertAccessible(await checkScreen(first.page, `34-first-run-${tag}`), `first run ${tag}`)
        await first.page.context().close()
        assert.deepEqual(first.problems, [])
      }
  })

  test('a link opens after a confirmation showing the full address, in a new tab, with nothing sent ahead', async () => {
    const hits: { url: string; referer: string | undefined }[] = []
    const site = createServer((request, response) => {
      if (request.url !== '/favicon.ico')
        hits.push({ url: request.url ?? '', referer: request.headers.referer })
      response.writeHead(200, { 'content-type': 'text/html' })
      response.end('<title>landing</title>')
    })
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve))
    const port = (site.address() as AddressInfo).port
    const url = `http://127.0.0.1:${port}/landing/page?q=1&lang=en#section-2`
    try {
      const { page, problems } = await openSized({ width: 800, height: 600 })
      await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
      await page.getByTestId('message-list').waitFor()
      await page.evaluate(
        (text) => void window.hestiaFixture!.receiveText('ct-bob', text),
        `Look at ${url}. Not a link: javascript:alert(1) www.example.org`,
      )
      const link = page.getByTestId('message-link').filter({ hasText: url })
      await link.waitFor()
      assert.equal(
        await page
          .getByTestId('message')
          .filter({ hasText: 'javascript:alert(1)' })
          .getByTestId('message-link')
          .count(),
        1,
        'only the http address is a link; other schemes stay text',
      )
      await link.click()
      const confirm = page.getByTestId('link-confirm')
      await confirm.waitFor()
      assert.match(
        await confirm.innerText(),
        new RegExp(`Open ${url.replace(/[?.]/g, '\\$&')} in a new tab\\?`),
      )
      assert.equal(hits.length, 0, 'nothing fetched or previewed before the user confirms')
      assertAccessible(await checkScreen(page, '40-link-confirm'), 'link confirmation')
      const opened = page.context().waitForEvent('page')
      await confirm.getByRole('button', { name: 'Open' }).click()
      const tab = await opened
      await tab.waitForLoadState()
      assert.equal(tab.url(), url, 'the exact address')
      assert.equal(await tab.evaluate(() => window.opener === null), true, 'noopener')
      assert.equal(hits.length, 1)
      assert.equal(hits[0]?.url, '/landing/page?q=1&lang=en')
      assert.equal(
        hits[0]?.referer,
        undefined,
        'noreferrer: the site is not told where it came from',
      )
      assert.deepEqual(problems, [])
    } finally {
      await new Promise((resolve) => site.close(resolve))
    }
  })

  test('a 20,000-character paste is refused whole and offered as a file; the countdown', async () => {
    const { page, problems } = await openSized({ width: 800, height: 600 })
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'])
    await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
    const field = page.getByRole('textbox', { name: 'Message' })
    await field.waitFor()
    const big = 'x'.repeat(19_992) + ' the end'
    assert.equal(big.length, 20_000)
    await page.evaluate((text) => navigator.clipboard.writeText(text), big)
    await field.focus()
    await page.keyboard.press('ControlOrMeta+V')
    const refused = page.getByTestId('paste-refused')
    await refused.waitFor()
    assert.match(await refused.innerText(), /20,000 characters; a message holds at most 16,000/)
    assert.equal(await field.inputValue(), '', 'nothing pasted, nothing cut')
    assertAccessible(await checkScreen(page, '41-paste-refused'), 'paste refused')
    await refused.getByRole('button', { name: 'Send it as a text file' }).click()
    await page.getByTestId('file-card').filter({ hasText: 'pasted-text.txt' }).waitFor()

    // Near the limit the hint counts down, with its spaces.
    await field.fill('y'.repeat(15_700))
    assert.match(
      await page.getByTestId('composer-hint').innerText(),
      /Shift\+Enter for a new line · 300 characters left$/,
    )
    // A paste that fits goes in as usual.
    await field.fill('')
    await page.evaluate(() => navigator.clipboard.writeText('short and sweet'))
    await field.focus()
    await page.keyboard.press('ControlOrMeta+V')
    assert.equal(await field.inputValue(), 'short and sweet')
    assert.equal(await refused.count(), 0)
    assert.deepEqual(problems, [])
  })

  test('a 5,000-character invite paste is kept whole and refused with the reason', async () => {
    const { page, problems } = await openSized({ width: 800, height: 600 })
    await page.getByRole('button', { name: 'Add a contact' }).first().click()
    const field = page.getByLabel('Paste an invite link')
    const long = `hestia:invite/${'A'.repeat(4_986)}`
    await field.fill(long)
    assert.equal((await field.inputValue()).length, 5_000, 'nothing cut')
    const reason = page.locator('#invite-too-long')
    await reason.waitFor()
    assert.match(await reason.innerText(), /at most 4,096 characters; this one has 5,000/)
    assert.equal(await page.getByRole('button', { name: 'Add', exact: true }).isDisabled(), true)
    assertAccessible(await checkScreen(page, '45-invite-too-long'), 'invite too long')
    assert.deepEqual(problems, [])
  })

  test('a message that arrives in the open chat is never counted unread', async () => {
    const { page, problems } = await openSized({ width: 800, height: 600 })
    await page.getByRole('button', { name: /^Bob Lindqvist/ }).click()
    await page.getByTestId('message-list').waitFor()
    const row = page.getByTestId('conversation-row').filter({ hasText: 'Bob Lindqvist' })
    let sawBadge = false
    const watching = setInterval(() => {
      void row
        .locator('.unread')
        .count()
        .then((n) => (sawBadge ||= n > 0))
    }, 50)
    try {
      for (const text of ['one', 'two', 'three']) {
        // As over the extension's port: the list update arrives in a later task than the message.
        await page.evaluate(
          (t) => void window.hestiaFixture!.receiveText('ct-bob', t, { listUpdateDelayMs: 30 }),
          text,
        )
        await page.getByTestId('message-list').getByText(text, { exact: true }).waitFor()
      }
      await page.waitForTimeout(500)
    } finally {
      clearInterval(watching)
    }
    assert.equal(await row.locator('.unread').count(), 0)
    assert.equal(sawBadge, false, 'no unread badge while the message is on screen')
    assert.deepEqual(problems, [])
  })

  test('relays say why they fail; a typed address gets a hint; theme switch; plain previews', async () => {
    const { page, problems } = await openSized({ width: 800, height: 600 })
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    const failing = page
      .getByTestId('relay-row')
      .filter({ hasText: 'community-relay.example.net:443' })
    assert.match(
      await failing.getByTestId('relay-state').innerText(),
      /^Unreachable: connection refused$/,
    )
    await failing.getByRole('button', { name: /^Retry relay/ }).click()
    await failing.getByText('Connecting…').waitFor()
    const input = page.getByLabel('Relay address to add')
    await input.fill('/dns4/relay.example.org/tcp/99999/wss/p2p/12D3KooWabc')
    await page.getByRole('button', { name: 'Add relay' }).click()
    const hint = page.getByTestId('relay-hint')
    await hint.waitFor()
    assert.match(await hint.innerText(), /"99999" is not a port number .* Example: \/dns4\//)
    assert.equal(await page.getByTestId('relay-row').count(), 2, 'nothing added')
    assertAccessible(await checkScreen(page, '42-relay-hint'), 'relay hint')

    // A name of the user's own for a relay, kept across reloads; host and port stay beside it.
    await page.getByRole('button', { name: 'Name relay relay.hestia.example:443' }).click()
    await page.getByLabel('Name for relay relay.hestia.example:443').fill('Home server')
    await page.getByRole('button', { name: 'Save' }).click()
    const named = page.getByTestId('relay-row').filter({ hasText: 'Home server' })
    await named.getByText('relay.hestia.example:443').waitFor()
    await page.reload()
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByTestId('relay-row').filter({ hasText: 'Home server' }).waitFor()
    assert.deepEqual(await overlappingControls(page, '[data-testid="settings"]'), [])

    assert.equal(await page.getByTestId('connectivity').innerText(), 'Connected')
    // No relay reachable: the pill's longest words still leave the sidebar's tools in place.
    const addresses = await page
      .getByTestId('relay-row')
      .locator('[title^="/"]')
      .evaluateAll((els) => els.map((el) => el.getAttribute('title') ?? ''))
    await page.evaluate((all) => {
      window.hestiaFixture!.setDirectPeers(0)
      for (const address of all)
        window.hestiaFixture!.setRelayState(address, 'error', 'unreachable: connection refused')
    }, addresses)
    await page.getByTestId('connectivity').getByText('Offline — messages will wait').waitFor()
    for (const size of SIZES) {
      await page.setViewportSize(size)
      await page.waitForTimeout(400)
      assert.deepEqual(
        await overlappingControls(page, '[data-testid="hestia-app"]'),
        [],
        `${size.width}`,
      )
      assert.equal(await sidewaysOverflow(page), 0)
    }
    await page.setViewportSize({ width: 800, height: 600 })
    await page.waitForTimeout(400)
    assertAccessible(await checkScreen(page, '44-offline-pill'), 'offline pill')
    await page.getByRole('radio', { name: 'Dark' }).check()
    assert.equal(await page.evaluate(() => document.documentElement.dataset['theme']), 'dark')
    await page.reload()
    await page.getByTestId('connectivity').waitFor()
    assert.equal(
      await page.evaluate(() => document.documentElement.dataset['theme']),
      'dark',
      'the choice is kept',
    )
    assertAccessible(await checkScreen(page, '43-dark-by-choice'), 'dark by choice')

    // List previews say what happened, not "Security update".
    const rows = await page.getByTestId('conversation-row').allInnerTexts()
    assert.ok(!rows.some((row) => row.includes('Security update')), rows.join(' | '))
    assert.deepEqual(problems, [])
  })
})
