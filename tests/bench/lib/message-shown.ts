// msg.direct.shown_p50_ms (issue #21): what the person on the other side waits for. A types a
// text in the real chat view and presses Enter; the time runs from that keydown in A's page to the
// frame that shows the message in B's chat view.
//
// "Shown" is read in B's page: a MutationObserver sees the bubble with the text, then a
// requestAnimationFrame callback (the frame that will paint it) and a message-channel task after
// it (which runs once that frame is produced) — the usual "after next paint" mark. Both times are
// performance.timeOrigin + now() in their page, comparable on one machine.
//
//   const chats = await openChats(pair, conversationA)   // both chat views open
//   const ms = await chats.shownOnce('some text')

import type { Page } from 'playwright-core'
import type { ExtensionPair } from './extension-pair.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

const OPEN_WAIT_MS = 15_000

export interface OpenChats {
  /** A sends `text` with Enter; ms from the keydown to B's frame showing it. */
  shownOnce(text: string, waitMs: number): Promise<number>
}

interface ShownScope {
  __hestiaEnterAt?: number
  __hestiaShown?: Record<string, number>
}

/** In A's page: remember when Enter went down in the composer (before the app's own handler). */
function recordEnter(): void {
  document.addEventListener(
    'keydown',
    (event) => {
      if (event.key !== 'Enter' || !(event.target instanceof HTMLTextAreaElement)) return
      ;(globalThis as ShownScope).__hestiaEnterAt = performance.timeOrigin + performance.now()
    },
    { capture: true },
  )
}

/** In a page: when an element matching `selector` holding `text` has been painted. */
function watchFor({ selector, text }: { selector: string; text: string }): void {
  const scope = globalThis as ShownScope
  scope.__hestiaShown ??= {}
  const shown = scope.__hestiaShown
  const present = (): boolean =>
    [...document.querySelectorAll(selector)].some((el) => (el.textContent ?? '').includes(text))
  const observer = new MutationObserver(() => {
    if (!present()) return
    observer.disconnect()
    requestAnimationFrame(() => {
      const after = new MessageChannel()
      after.port1.onmessage = () => {
        shown[text] = performance.timeOrigin + performance.now()
      }
      after.port2.postMessage(null)
    })
  })
  observer.observe(document.body, { childList: true, subtree: true, characterData: true })
}

function shownAt(text: string): number | null {
  return (globalThis as ShownScope).__hestiaShown?.[text] ?? null
}

/**
 * Starts watching `page` for an element matching `selector` that holds `text` (it must not be
 * there yet); `paintedAt` then gives the time of the frame that showed it.
 */
export async function watchPainted(page: Page, selector: string, text: string): Promise<void> {
  await page.evaluate(watchFor, { selector, text })
}

/** When the frame showing `text` (watched with watchPainted) was produced in `page`, or null. */
export function paintedAt(page: Page, text: string): Promise<number | null> {
  return page.evaluate(shownAt, text)
}

async function openChat(page: Page, conversationId: string): Promise<void> {
  await page.click(`[data-testid="conversation-row"][data-conversation="${conversationId}"]`, {
    timeout: OPEN_WAIT_MS,
  })
  await page.waitForSelector('textarea[aria-label="Message"]:not([disabled])', {
    timeout: OPEN_WAIT_MS,
  })
}

/** Opens A's chat with B and B's chat with A in the two pages of `pair`. */
export async function openChats(pair: ExtensionPair, conversationA: string): Promise<OpenChats> {
  const a = pair.a.page
  const b = pair.b.page
  await Promise.all([openChat(a, conversationA), openChat(b, pair.conversationB)])
  await a.evaluate(recordEnter)
  const composer = a.locator('textarea[aria-label="Message"]')
  return {
    shownOnce: async (text, waitMs) => {
      await watchPainted(b, '[data-testid="message"]', text)
      await a.evaluate(() => void delete (globalThis as ShownScope).__hestiaEnterAt)
      await composer.fill(text)
      await composer.press('Enter')
      let at: number | null = null
      await waitUntil(
        `"${text}" shown in B's chat`,
        async () => (at = await paintedAt(b, text)) !== null,
        waitMs,
        5,
      )
      const enterAt = await a.evaluate(() => (globalThis as ShownScope).__hestiaEnterAt ?? null)
      if (enterAt === null) throw new Error('no Enter seen in A’s composer')
      // The composer clears once the send went through: the next Enter starts a new message.
      await waitUntil(
        'A’s composer cleared',
        async () => (await composer.inputValue()) === '',
        waitMs,
        5,
      )
      return at! - enterAt
    },
  }
}
