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

import type { BrowserContext } from 'playwright-core'
import type { BenchMode, BenchSuite } from '../types.ts'
import { openSingleExtension } from '../lib/extension-pair.ts'
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

interface ListTiming {
  rowsAt: number | null
  paintedAt: number | null
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
  const timing: ListTiming = { rowsAt: null, paintedAt: null }
  ;(globalThis as unknown as { __hestiaListTiming: ListTiming }).__hestiaListTiming = timing
  const observer = new MutationObserver(() => {
    if (timing.rowsAt !== null) return
    if (document.querySelectorAll('[data-testid="conversation-row"]').length < count) return
    timing.rowsAt = performance.now()
    observer.disconnect()
    requestAnimationFrame(() =>
      setTimeout(() => {
        timing.paintedAt = performance.now()
      }, 0),
    )
  })
  observer.observe(document, { childList: true, subtree: true })
}

async function timePopupOpen(context: BrowserContext, url: string): Promise<ListTiming> {
  const page = await context.newPage()
  try {
    await page.setViewportSize(POPUP_VIEWPORT)
    await page.goto(url, { timeout: OPEN_WAIT_MS })
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { __hestiaListTiming?: ListTiming }).__hestiaListTiming
          ?.paintedAt != null,
      null,
      { timeout: OPEN_WAIT_MS },
    )
    return await page.evaluate(
      () => (globalThis as unknown as { __hestiaListTiming: ListTiming }).__hestiaListTiming,
    )
  } finally {
    await page.close()
  }
}

const suite: BenchSuite = {
  prefix: 'ui',
  metrics: ['ui.popup_interactive_ms'],
  async run({ mode, log, signal }) {
    const sizes = SIZES[mode]
    const extension = await openSingleExtension('Alice', { log, signal })
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
      const url = profile.url('popup.html')
      const painted: number[] = []
      const rows: number[] = []
      for (let i = 0; i < sizes.warmup + sizes.opens; i++) {
        if (signal?.aborted === true) throw new Error('ui suite aborted')
        const timing = await timePopupOpen(context, url)
        if (i < sizes.warmup) continue
        painted.push(timing.paintedAt!)
        rows.push(timing.rowsAt!)
      }
      const s = summarize(painted)
      log(
        `  ui: ${s.n} popup opens with ${CONVERSATIONS} conversations: painted p50 ` +
          `${s.p50.toFixed(1)} ms (min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}); ` +
          `rows in the DOM p50 ${percentile(rows, 50).toFixed(1)} ms`,
      )
      return { 'ui.popup_interactive_ms': { value: percentile(painted, 50), unit: 'ms' } }
    } finally {
      await extension.close()
    }
  },
}

export default suite
