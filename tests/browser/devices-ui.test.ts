// Settings → Devices and the link screens (issue 19) in Chromium against the fixture client (the
// fixture plays the other device): clicked and typed through as a person does, every screen
// checked with axe-core (no serious or critical findings), screenshots in tests/artifacts/devices-ui/.
//
//   node --test tests/browser/devices-ui.test.ts
//
// The same screens against real nodes (Chromium + Firefox, one relay) are tests/browser/devices.test.ts.

import assert from 'node:assert/strict'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { chromium, type Browser, type Page } from 'playwright-core'
import { chromiumFlags, chromiumPath } from '../../scripts/browsers.ts'
import { buildPreview } from '../../ui/preview/build.ts'
import { servePreview, type PreviewServer } from '../../ui/preview/serve.ts'
import { overlappingControls, qrFromScreenshot, sidewaysOverflow } from './ui-layout.ts'

const artifacts = join(import.meta.dirname, '..', 'artifacts', 'devices-ui')
const STEP_MS = 10_000

interface AxeViolation {
  id: string
  impact?: string | null
  help: string
  nodes: { target: unknown[] }[]
}
declare global {
  interface Window {
    axe?: { run(context: Document): Promise<{ violations: AxeViolation[] }> }
  }
}

let browser: Browser
let server: PreviewServer
const report: string[] = []

async function openPage(query: string): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } })
  const page = await context.newPage()
  page.setDefaultTimeout(STEP_MS)
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning')
      problems.push(`console: ${message.text()}`)
  })
  await page.goto(`${server.url}${query}`)
  return { page, problems }
}

/** Screenshot, then axe-core: asserts no serious or critical finding. */
async function accessible(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(artifacts, `${name}.png`) })
  if (await page.evaluate(() => window.axe === undefined))
    await page.addScriptTag({ url: '/axe.min.js' })
  const violations = await page.evaluate(async () =>
    (await window.axe!.run(document)).violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      targets: v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)),
    })),
  )
  report.push(`${name}: ${violations.map((v) => `${v.id} (${v.impact})`).join(', ') || 'clean'}`)
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  assert.deepEqual(bad, [], `${name}: serious/critical axe findings`)
  assert.deepEqual(await overlappingControls(page, '[data-testid="hestia-app"]'), [], name)
  assert.equal(await sidewaysOverflow(page), 0, `${name}: nothing scrolls sideways`)
}

async function openDevices(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Settings' }).first().click()
  await page.getByRole('heading', { name: 'Devices' }).waitFor()
}

before(async () => {
  await rm(artifacts, { recursive: true, force: true })
  await mkdir(artifacts, { recursive: true })
  server = await servePreview(await buildPreview(undefined, { dev: true }))
  browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumFlags] })
})

after(async () => {
  await browser?.close()
  await server?.close()
  console.log(`axe-core report:\n  ${report.join('\n  ')}`)
})

describe('devices UI against the fixture client', { timeout: 120_000 }, () => {
  test('first run → Link to an existing identity → QR → code → linked → the chat list', async () => {
    const { page, problems } = await openPage('?firstRun=1')
    await page.getByRole('button', { name: 'Link to an existing identity' }).click()
    await page.getByRole('heading', { name: 'Link to an existing identity' }).waitFor()
    await accessible(page, '01-link-name')
    const name = page.getByLabel('A name for this browser, as your other devices list it')
    assert.match(await name.inputValue(), /^Chrome on Linux$/, 'a suggested name')
    await name.fill('Work laptop')
    await page.getByRole('button', { name: 'Show the link' }).click()
    // The fixture's primary scans the offer 1.5 s after it is shown: read the code from pixels now.
    await page.getByRole('img', { name: 'QR code of the device link' }).waitFor()
    const link = await page.getByTestId('device-link').inputValue()
    const scanned = await qrFromScreenshot(page)
    assert.match(link, /^hestia:link\//)
    assert.equal(scanned, link.toUpperCase(), 'the QR code carries the link')

    await page.getByTestId('link-code').waitFor()
    const code = await page.getByTestId('link-code').getAttribute('data-code')
    assert.match(code ?? '', /^\d{6}$/)
    assert.match(await page.getByTestId('link-identity').innerText(), /Robin/)
    await accessible(page, '02-link-compare-new')
    await page.getByRole('button', { name: 'Codes match' }).click()
    // Linked: the identity is the primary's; the chat list shows.
    await page.getByText('Hello, Robin.').waitFor()
    await openDevices(page)
    const rows = page.getByTestId('device-row')
    assert.equal(await rows.count(), 2)
    assert.match(await page.locator('[data-this="true"]').innerText(), /Work laptop/)
    await page.getByTestId('devices-companion').getByText("Robin's first browser").waitFor()
    const section = page.getByTestId('devices-settings')
    assert.equal(await section.getByRole('button', { name: /^(Remove|Rename) / }).count(), 0)
    assert.equal(await section.getByRole('button', { name: 'Link a new device' }).count(), 0)
    await accessible(page, '03-devices-companion')
    assert.deepEqual(problems, [])
  })

  test('first run: Cancel at the code says so; Back returns to Create', async () => {
    const { page, problems } = await openPage('?firstRun=1')
    await page.getByRole('button', { name: 'Link to an existing identity' }).click()
    await page.getByRole('button', { name: 'Show the link' }).click()
    await page.getByTestId('link-code').waitFor()
    await page.getByRole('button', { name: 'Cancel' }).click()
    await page.getByTestId('link-result').getByText('You cancelled linking.').waitFor()
    await accessible(page, '04-link-cancelled')
    await page.getByRole('button', { name: 'Back' }).click()
    await page.getByRole('button', { name: 'Create my identity' }).waitFor()
    assert.deepEqual(problems, [])
  })

  test('Settings → Devices on the primary: rename, link by paste, remove, cap, log out others', async () => {
    const { page, problems } = await openPage('')
    await openDevices(page)
    assert.equal(await page.getByTestId('device-row').count(), 2)
    await page.locator('[data-this="true"]').getByText('This device').waitFor()
    await page.locator('[data-primary="true"]').getByText('Primary').waitFor()
    await accessible(page, '05-devices-primary')

    // Rename, by keyboard.
    await page.getByRole('button', { name: 'Rename Firefox at work' }).click()
    const field = page.getByLabel('New name for Firefox at work')
    await field.fill('Firefox at the office')
    await field.press('Enter')
    await page.getByTestId('devices-done').getByText('Renamed to Firefox at the office.').waitFor()

    // Link: an invite pasted by mistake is named as one; a device link shows the code.
    await page.getByRole('button', { name: 'Link a new device' }).click()
    const paste = page.getByLabel('Paste the device link')
    await paste.fill('hestia:i/AAAAAAAA')
    await page.getByText('This is a contact invite, not a device link.').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Link', exact: true }).isDisabled(), true)
    await accessible(page, '06-link-paste-invite')
    await paste.fill(`hestia:link/${'A'.repeat(40)}`)
    await page.getByRole('button', { name: 'Link', exact: true }).click()
    await page.getByTestId('link-code').waitFor()
    await page.getByText('show this code?').waitFor()
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'link-code',
      'the code takes the focus (read out), not the Codes match button',
    )
    await accessible(page, '07-link-compare-primary')
    await page.getByRole('button', { name: 'Codes match' }).click()
    await page.getByTestId('link-result').getByText('is linked').waitFor()
    await page.getByRole('button', { name: 'Done' }).click()
    assert.equal(await page.getByTestId('device-row').count(), 3)

    // Remove one: the confirm says what happens and takes the focus; Enter confirms.
    await page.getByRole('button', { name: 'Remove New browser' }).click()
    const confirm = page.getByTestId('device-confirm')
    assert.match(await confirm.innerText(), /stops receiving your messages at once/)
    assert.match(await confirm.innerText(), /erases its messages, contacts and keys/)
    assert.equal(
      await page.evaluate(() => document.activeElement?.textContent?.trim()),
      'Remove this device',
    )
    await accessible(page, '08-remove-confirm')
    await page.keyboard.press('Enter')
    await page.getByTestId('devices-done').getByText('New browser was removed.').waitFor()
    assert.equal(await page.getByTestId('device-row').count(), 2)

    // The cap: at five, linking is off and a sentence says why.
    await page.evaluate(() => {
      const devices = window.hestiaFixture!.devices
      for (const n of ['Edge', 'Phone', 'Tablet']) devices.addDevice(n)
    })
    await page.getByTestId('devices-cap').waitFor()
    assert.equal(await page.getByRole('button', { name: 'Link a new device' }).isDisabled(), true)
    await accessible(page, '09-devices-cap')

    // Log out all others: four go, this one stays.
    await page.getByRole('button', { name: 'Log out all other devices…' }).click()
    assert.match(await page.getByTestId('device-confirm').innerText(), /The other 4 devices/)
    await page.getByRole('button', { name: 'Log out 4 other devices' }).click()
    await page.getByText('All other devices were logged out.').waitFor()
    assert.equal(await page.getByTestId('device-row').count(), 1)
    assert.deepEqual(problems, [])
  })

  test('this device removed by the primary: the screen says so, then the first run', async () => {
    const { page, problems } = await openPage('')
    await page.getByRole('button', { name: 'Settings' }).first().waitFor()
    await page.evaluate(() => window.hestiaFixture!.devices.removeThisDevice())
    await page
      .getByTestId('device-removed')
      .getByText(
        'This device was removed from your identity by another device; its data was erased.',
      )
      .waitFor()
    await accessible(page, '10-device-removed')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('button', { name: 'Link to an existing identity' }).waitFor()
    assert.deepEqual(problems, [])
  })
})
