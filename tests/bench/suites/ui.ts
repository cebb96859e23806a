// Popup start-up with 100 conversations stored.
//
// One Chromium profile with the chrome-mv3 test build (lib/extension-pair.ts) and an identity
// created through the client API. 100 contacts, their conversations and one last message each are
// written straight into the extension's IndexedDB (`hestia-messenger`, the Dexie store the host
// owns; same origin as the extension page doing the writes, in the row shapes of
// core/src/store/records.ts and extension/src/store/schema.ts), then checked through the client
// API (`conversations.list` returns them). There is no test hook for seeding, and creating 100
// real contacts would take 100 invites.
//
// Each repetition opens popup.html in a fresh 800×600 tab while the host is running (the usual
// case: the offscreen document outlives popups). An init script in the page watches the DOM from
// the first byte; the figure is performance.now() — ms since the navigation started — at the
// first animation frame (plus a task, so the frame was produced) after the 100th
// `[data-testid="conversation-row"]` was inserted.
//
// Interleaved (A B A B, lib/interleave.ts) with the baseline ui.static_list_ms: the popup's own
// DOM, saved once it had painted the list (its <style> elements and rows, scripts removed), as a
// static page of the same extension, opened the same way and timed by the same script. It has
// no JavaScript and asks no host: what it takes is the browser's floor for this page on this
// machine at this moment (navigation into the extension's renderer, parsing, style, layout and
// paint of the same 100 rows); the popup's figure minus it is what our script, the host's
// answer and Svelte's rendering add (ADR 0921).

import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext } from 'playwright-core'
import type { BenchMode, BenchSuite } from '../types.ts'
import { freshTestBuild } from '../../browser/support/fresh-build.ts'
import { openSingleExtension } from '../lib/extension-pair.ts'
import { interleave } from '../lib/interleave.ts'
import { percentile, summarize } from '../lib/stats.ts'

interface Sizes {
  /** Measured popup opens. */
  opens: number
  /** Unrecorded opens first (caches, JIT of the host's store code). */
  warmup: number
}

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { opens: 2, warmup: 1 },
  quick: { opens: 10, warmup: 2 },
  full: { opens: 30, warmup: 3 },
}

/** Issue #9: the popup with 100 conversations stored. */
const CONVERSATIONS = 100
/** One popup open until all rows show. */
const OPEN_WAIT_MS = 15_000
/** The popup's size in Chromium (its maximum is 800×600). */
const POPUP_VIEWPORT = { width: 800, height: 600 } as const
/** The baseline page, written into the suite's own copy of the build. */
const STATIC_LIST_PAGE = 'bench-static-list.html'

interface ListTiming {
  rowsAt: number | null
  paintedAt: number | null
  /**
   * The frame after the list marked itself settled (ConversationList lays out the rows below the
   * fold a frame after its first, ADR 0921); null on the static page, which never settles.
   */
  settledAt: number | null
}

/** In the page: writes `count` contacts, conversations and last messages into the store. */
export async function seedConversations({
  count,
  now,
}: {
  count: number
  now: number
}): Promise<void> {
  const base64url = (bytes: Uint8Array): string =>
    btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '')
  // No version: open the database the host already created, at its current version.
  const db = await new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open('hestia-messenger')
    request.onsuccess = () => resolve(request.result)
    request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'))
  })
  try {
    const tx = db.transaction(['contacts', 'conversations', 'messages'], 'readwrite')
    const contacts = tx.objectStore('contacts')
    const conversations = tx.objectStore('conversations')
    const messages = tx.objectStore('messages')
    for (let i = 0; i < count; i++) {
      const key = crypto.getRandomValues(new Uint8Array(32))
      const at = now - i * 60_000
      const contactId = `bench-contact-${i}`
      const conversationId = `bench-conversation-${i}`
      const messageId = base64url(crypto.getRandomValues(new Uint8Array(16)))
      const incoming = i % 2 === 1
      contacts.put({
        contactId,
        displayName: `Contact ${i + 1}`,
        identityPublicKey: key,
        identityKeyId: base64url(key),
        verified: false,
        blocked: false,
        keyChange: null,
        relays: [],
        inboundMailboxId: null,
        outboundMailbox: null,
        addedAt: at,
        updatedAt: at,
      })
      messages.put({
        messageId,
        conversationId,
        direction: incoming ? 'in' : 'out',
        senderDeviceId: incoming ? 'bench-device' : null,
        body: { kind: 'text', text: `Message number ${i + 1}, a line of ordinary length.` },
        sentAt: at,
        receivedAt: at,
        delivery: incoming ? null : 'delivered',
        failure: null,
        readAt: incoming ? at : null,
        unread: 0,
      })
      conversations.put({
        conversationId,
        contactId,
        lastMessageId: messageId,
        lastActivityAt: at,
        unreadCount: 0,
      })
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve()
      tx.onerror = () => reject(tx.error ?? new Error('seeding transaction failed'))
      tx.onabort = () => reject(tx.error ?? new Error('seeding transaction aborted'))
    })
  } finally {
    db.close()
  }
}

/** Runs in every page of the context before its scripts: times the list's rows. */
export function watchConversationRows(count: number): void {
  const timing: ListTiming = { rowsAt: null, paintedAt: null, settledAt: null }
  ;(globalThis as unknown as { __hestiaListTiming: ListTiming }).__hestiaListTiming = timing
  const nextFrame = (record: (at: number) => void): void => {
    requestAnimationFrame(() => setTimeout(() => record(performance.now()), 0))
  }
  let settling = false
  const observer = new MutationObserver(() => {
    if (timing.rowsAt === null) {
      if (document.querySelectorAll('[data-testid="conversation-row"]').length < count) return
      timing.rowsAt = performance.now()
      nextFrame((at) => {
        timing.paintedAt = at
      })
    }
    if (settling || document.querySelector('ul.settled') === null) return
    settling = true
    observer.disconnect()
    nextFrame((at) => {
      timing.settledAt = at
    })
  })
  observer.observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['class'],
  })
}

/**
 * Opens `url` in a fresh 800×600 tab, waits for the list's painted frame, and returns the page's
 * timing and, when asked, the page as static HTML (its DOM then, without scripts).
 */
async function openTimed(
  context: BrowserContext,
  url: string,
  { snapshot = false, settled = false }: { snapshot?: boolean; settled?: boolean } = {},
): Promise<ListTiming & { html: string | null }> {
  const page = await context.newPage()
  try {
    await page.setViewportSize(POPUP_VIEWPORT)
    await page.goto(url, { timeout: OPEN_WAIT_MS })
    await page.waitForFunction(
      (field: 'paintedAt' | 'settledAt') =>
        (globalThis as unknown as { __hestiaListTiming?: ListTiming }).__hestiaListTiming?.[
          field
        ] != null,
      settled ? ('settledAt' as const) : ('paintedAt' as const),
      { timeout: OPEN_WAIT_MS },
    )
    const timing = await page.evaluate(
      () => (globalThis as unknown as { __hestiaListTiming: ListTiming }).__hestiaListTiming,
    )
    const html = snapshot
      ? await page.evaluate(() => {
          const root = document.documentElement.cloneNode(true) as HTMLElement
          for (const script of root.querySelectorAll('script')) script.remove()
          // The list as in its first frame: rows below the fold not laid out (ConversationList
          // marks it `settled` a frame later, and then lays out every row).
          for (const list of root.querySelectorAll('ul.settled')) list.classList.remove('settled')
          return `<!DOCTYPE html>${root.outerHTML}`
        })
      : null
    return { ...timing, html }
  } finally {
    await page.close()
  }
}

/** The figure of one open: ms since navigation to the frame after the 100th row. */
async function paintedMs(context: BrowserContext, url: string): Promise<number> {
  const timing = await openTimed(context, url)
  if (timing.paintedAt === null) throw new Error(`${url}: the list never painted`)
  return timing.paintedAt
}

interface PopupFigures {
  /** Per measured open: the frame after the 100th row, the rows in the DOM, the settled frame. */
  painted: number[]
  rows: number[]
  settled: number[]
  /** Medians, the static page's interleaved with the popup's. */
  median: { popup: number; static: number }
}

/** Opens the popup and the static page alternately; the popup's opens wait for its settled frame. */
async function measureOpens(
  context: BrowserContext,
  urls: { popup: string; static: string },
  sizes: Sizes,
  signal: AbortSignal | undefined,
): Promise<PopupFigures> {
  const rows: number[] = []
  const settled: number[] = []
  const result = await interleave(
    {
      popup: async () => {
        if (signal?.aborted === true) throw new Error('ui suite aborted')
        const timing = await openTimed(context, urls.popup, { settled: true })
        rows.push(timing.rowsAt!)
        settled.push(timing.settledAt!)
        return timing.paintedAt!
      },
      static: () => paintedMs(context, urls.static),
    },
    { repetitions: sizes.opens, warmup: sizes.warmup },
  )
  return {
    painted: result.samples.popup,
    rows: rows.slice(sizes.warmup),
    settled: settled.slice(sizes.warmup),
    median: result.median,
  }
}

const suite: BenchSuite = {
  prefix: 'ui',
  metrics: ['ui.popup_interactive_ms', 'ui.static_list_ms', 'ui.popup_settled_ms'],
  async run({ mode, log, signal }) {
    const sizes = SIZES[mode]
    // A copy of the build: the baseline page is written into it, never into build/.
    const built = process.env.HESTIA_BENCH_EXTENSION_DIR ?? (await freshTestBuild('chrome-mv3'))
    const extensionDir = await mkdtemp(join(tmpdir(), 'hestia-ui-bench-'))
    try {
      await cp(built, extensionDir, { recursive: true })
      const extension = await openSingleExtension('Alice', { log, signal, extensionDir })
      try {
        const { page, profile } = extension.page
        await page.evaluate(seedConversations, { count: CONVERSATIONS, now: Date.now() })
        const listed = await extension.page.must({ type: 'conversations.list', query: null })
        if (listed.conversations.length !== CONVERSATIONS) {
          throw new Error(
            `seeded ${CONVERSATIONS} conversations, the client API lists ${listed.conversations.length}`,
          )
        }
        const context = profile.context!
        await context.addInitScript(watchConversationRows, CONVERSATIONS)
        const popupUrl = profile.url('popup.html')
        const { html } = await openTimed(context, popupUrl, { snapshot: true })
        await writeFile(join(extensionDir, STATIC_LIST_PAGE), html!)
        const figures = await measureOpens(
          context,
          { popup: popupUrl, static: profile.url(STATIC_LIST_PAGE) },
          sizes,
          signal,
        )
        const s = summarize(figures.painted)
        log(
          `  ui: ${s.n} popup opens with ${CONVERSATIONS} conversations: painted p50 ` +
            `${s.p50.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}); ` +
            `rows in the DOM p50 ${percentile(figures.rows, 50).toFixed(1)} ms; every row laid ` +
            `out p50 ${percentile(figures.settled, 50).toFixed(1)} ms; the same DOM as a static ` +
            `page: p50 ${figures.median.static.toFixed(1)} ms`,
        )
        return {
          'ui.popup_interactive_ms': { value: figures.median.popup, unit: 'ms' },
          'ui.static_list_ms': { value: figures.median.static, unit: 'ms' },
          'ui.popup_settled_ms': { value: percentile(figures.settled, 50), unit: 'ms' },
        }
      } finally {
        await extension.close()
      }
    } finally {
      await rm(extensionDir, { recursive: true, force: true })
    }
  },
}

export default suite
