// The conversation list's rows and what content-visibility (ADR 0921) must not take from them, in
// Chromium against the fixture preview:
// - review 12 R1: a row that has keyboard focus shows the focus ring (Shell.svelte's
//   :focus-visible outline) in pixels, not only in the computed style. A paint-contained <li>
//   clips anything drawn outside it, and the ring was drawn 2 px outside the button that fills it;
// - review 12 R2: every row is in the browser's accessibility tree once the list is up, also the
//   rows never scrolled to (a row whose rendering is skipped is not).
//
//   node --test tests/browser/conversation-rows-a11y.test.ts

import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core'
import { chromiumFlags, chromiumPath } from '../../scripts/browsers.ts'
import { buildPreview } from '../../ui/preview/build.ts'
import { servePreview, type PreviewServer } from '../../ui/preview/serve.ts'

let browser: Browser
let server: PreviewServer
let outDir: string

before(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'hestia-row-focus-'))
  server = await servePreview(await buildPreview(outDir))
  browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumFlags] })
})

after(async () => {
  await browser?.close()
  await server?.close()
  await rm(outDir, { recursive: true, force: true })
})

/**
 * Pixels of `rgb` in a PNG, decoded by the page's own canvas, within `band` pixels of its edge
 * (the inside is left out: a badge of the ring's colour inside the row must not count).
 */
async function countColour(page: Page, png: Buffer, rgb: number[], band: number): Promise<number> {
  return page.evaluate(
    async ({ b64, rgb, band }) => {
      const img = new Image()
      img.src = `data:image/png;base64,${b64}`
      await img.decode()
      const canvas = document.createElement('canvas')
      canvas.width = img.width
      canvas.height = img.height
      const g = canvas.getContext('2d')!
      g.drawImage(img, 0, 0)
      const d = g.getImageData(0, 0, img.width, img.height).data
      let n = 0
      const { width, height } = img
      for (let i = 0; i < d.length; i += 4) {
        const x = (i / 4) % width
        const y = Math.floor(i / 4 / width)
        const inside = x >= band && x < width - band && y >= band && y < height - band
        if (!inside && rgb.every((c, k) => Math.abs(d[i + k]! - c) <= 24)) n++
      }
      return n
    },
    { b64: png.toString('base64'), rgb, band },
  )
}

for (const scheme of ['light', 'dark'] as const)
  test(`a focused conversation row shows its focus ring (${scheme})`, async () => {
    const context = await browser.newContext({
      viewport: { width: 800, height: 600 },
      colorScheme: scheme,
    })
    const page = await context.newPage()
    try {
      await page.goto(server.url)
      const rows = page.getByTestId('conversation-row')
      await rows.nth(1).waitFor()
      await page.getByRole('searchbox', { name: 'Search conversations' }).focus()
      for (let i = 0; i < 10; i++) {
        const onRow = await page.evaluate(
          () => document.activeElement?.getAttribute('data-testid') === 'conversation-row',
        )
        if (onRow) break
        await page.keyboard.press('Tab')
      }
      await page.keyboard.press('ArrowDown') // the second row: rows above and below it
      const ring = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement
        const style = getComputedStyle(el)
        const r = el.getBoundingClientRect()
        return {
          testid: el.getAttribute('data-testid'),
          colour: style.outlineColor,
          width: parseFloat(style.outlineWidth),
          offset: parseFloat(style.outlineOffset),
          box: { x: r.x, y: r.y, width: r.width, height: r.height },
        }
      })
      assert.equal(ring.testid, 'conversation-row')
      assert.ok(ring.width >= 2, `the row has a focus outline: ${JSON.stringify(ring)}`)
      const rgb = ring.colour.match(/\d+/g)!.slice(0, 3).map(Number)
      // The ring's band: the button's box grown by the outline's width and offset (or the inner
      // band when the ring is drawn inside the button).
      const grow = Math.max(ring.offset + ring.width, 0) + 1
      const clip = {
        x: ring.box.x - grow,
        y: ring.box.y - grow,
        width: ring.box.width + 2 * grow,
        height: ring.box.height + 2 * grow,
      }
      // The band: from the clip's edge to the ring's inner edge, wherever the ring is drawn.
      const band = grow + Math.max(-ring.offset, 0) + 1
      const focused = await countColour(page, await page.screenshot({ clip }), rgb, band)
      // A ring around the row is at least its perimeter once over.
      const perimeter = 2 * (ring.box.width + ring.box.height)
      assert.ok(
        focused >= perimeter,
        `focus ring pixels ${focused} < the row's perimeter ${perimeter.toFixed(0)} (${scheme})`,
      )
    } finally {
      await context.close()
    }
  })

/** The names of the buttons in Chromium's own accessibility tree that are not ignored. */
async function exposedButtons(cdp: CDPSession): Promise<string[]> {
  const { nodes } = await cdp.send('Accessibility.getFullAXTree')
  return nodes
    .filter((n) => n.role?.value === 'button' && n.ignored !== true)
    .map((n) => String(n.name?.value ?? ''))
}

test('every conversation row is in the accessibility tree, also those never scrolled to', async () => {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } })
  const page = await context.newPage()
  try {
    await page.goto(`${server.url}?extra=100`)
    const rows = page.getByTestId('conversation-row')
    await rows.nth(100).waitFor({ state: 'attached' })
    const names = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="conversation-row"] .contact-name')].map(
        (n) => n.textContent ?? '',
      ),
    )
    assert.ok(names.length > 100)
    const cdp = await context.newCDPSession(page)
    const missing = (exposed: string[]): string[] =>
      names.filter((name) => !exposed.some((button) => button.startsWith(name)))
    // Up once the page has produced a few frames: the list settles within them, no timing assumed.
    let left = names
    for (let frame = 0; frame < 20 && left.length > 0; frame++) {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r))))
      left = missing(await exposedButtons(cdp))
    }
    assert.deepEqual(left, [], `${left.length} of ${names.length} rows not in the AX tree`)
  } finally {
    await context.close()
  }
})
