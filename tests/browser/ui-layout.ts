// Layout checks shared by the browser tests of the popup (issue 23): no two interactive elements
// overlap, nothing scrolls sideways, and a QR code on screen decodes from a screenshot.
import type { Page } from 'playwright-core'
import { decodeQr } from '../../ui/src/lib/qr-decode.ts'

export interface Overlap {
  a: string
  b: string
}

/** What these checks need of a page: Playwright's and Puppeteer's both have it. */
export interface Evaluates {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>
  evaluate<R>(fn: () => R | Promise<R>): Promise<R>
}

/**
 * Pairs of visible interactive elements (and QR codes) inside `scope` whose boxes intersect by more
 * than half a pixel. Elements are named by role text for the failure message.
 */
export async function overlappingControls(page: Evaluates, scope: string): Promise<Overlap[]> {
  return page.evaluate(findOverlaps, scope)
}

/** Runs in the page (Playwright or Puppeteer): see overlappingControls. */
function findOverlaps(selector: string): Overlap[] {
  const root = document.querySelector(selector)
  if (root === null) throw new Error(`no ${selector} on the page`)
  const candidates = root.querySelectorAll<HTMLElement | SVGElement>(
    'button, input:not([type="hidden"]), textarea, select, summary, [data-testid="qr-code"], [tabindex]:not([tabindex="-1"])',
  )
  const boxes: { name: string; r: DOMRect }[] = []
  for (const el of candidates) {
    const r = el.getBoundingClientRect()
    const style = getComputedStyle(el)
    if (r.width < 1 || r.height < 1 || style.visibility === 'hidden' || style.display === 'none')
      continue
    const label = el.getAttribute('aria-label') ?? (el.textContent ?? '').trim().slice(0, 30)
    boxes.push({ name: `${el.tagName.toLowerCase()} "${label}"`, r })
  }
  const found: Overlap[] = []
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const p = boxes[i]!
      const q = boxes[j]!
      const w = Math.min(p.r.right, q.r.right) - Math.max(p.r.left, q.r.left)
      const h = Math.min(p.r.bottom, q.r.bottom) - Math.max(p.r.top, q.r.top)
      if (w > 0.5 && h > 0.5) found.push({ a: p.name, b: q.name })
    }
  return found
}

/** How many CSS pixels the page scrolls sideways (0 when everything fits the width). */
export async function sidewaysOverflow(page: Evaluates): Promise<number> {
  return page.evaluate(
    () => (document.scrollingElement?.scrollWidth ?? 0) - document.documentElement.clientWidth,
  )
}

/**
 * Takes a screenshot of the viewport (or `clip`) and decodes the first QR code in it, as a phone
 * pointed at the screen would: from pixels, not from the DOM. The PNG is decoded in a blank page
 * of the same browser (canvas; no image library needed here, and no page CSP in the way).
 */
export async function qrFromScreenshot(
  page: Page,
  clip?: { x: number; y: number; width: number; height: number },
): Promise<string | null> {
  const png = await page.screenshot(clip === undefined ? {} : { clip })
  const scratch = await page.context().newPage()
  const pixels = await scratch.evaluate(pngToGrey, png.toString('base64'))
  await scratch.close()
  return decodeGrey(pixels)
}

/**
 * The same from a PNG (base64) decoded by `page` itself: for Firefox driven by Puppeteer, where
 * the screenshot is taken by the caller.
 */
export async function qrFromPng(page: Evaluates, base64: string): Promise<string | null> {
  return decodeGrey(await page.evaluate(pngToGrey, base64))
}

interface Grey {
  grey: number[]
  width: number
  height: number
}

function decodeGrey(pixels: Grey): string | null {
  const rgba = new Uint8ClampedArray(pixels.grey.length * 4)
  pixels.grey.forEach((v, i) => rgba.set([v, v, v, 255], i * 4))
  return decodeQr(rgba, pixels.width, pixels.height, true)
}

/** Runs in a page: a PNG to grey levels through a canvas. */
async function pngToGrey(base64: string): Promise<Grey> {
  const image = new Image()
  image.src = `data:image/png;base64,${base64}`
  await image.decode()
  const canvas = document.createElement('canvas')
  canvas.width = image.naturalWidth
  canvas.height = image.naturalHeight
  const context = canvas.getContext('2d')
  if (context === null) throw new Error('no 2d canvas')
  context.drawImage(image, 0, 0)
  const data = context.getImageData(0, 0, canvas.width, canvas.height).data
  // Grey levels are enough for a QR decoder and a quarter of the size to send back.
  const grey: number[] = new Array<number>(data.length / 4)
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * 4]!
  return { grey, width: canvas.width, height: canvas.height }
}
