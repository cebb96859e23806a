// File transfer between the two extensions of lib/extension-pair.ts, as a user does it: B picks a
// file in the chat (the file input of the composer: staged copy, then offer), A accepts through
// the client API. Shared by tests/browser/files-e2e.test.ts and suites/file.ts.

import type { CDPSession, Worker } from 'playwright-core'
import type { FileTransfer } from '../../../core/src/client/api.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'
import type { BenchExtensionPage } from './extension-pair.ts'

const STEP_MS = 30_000

/** The newest transfer in `direction` on `page`'s device, or undefined. */
export async function transferOf(
  page: BenchExtensionPage,
  direction: 'in' | 'out',
  transferId?: string,
): Promise<FileTransfer | undefined> {
  const response = await page.request({ type: 'transfers.list', conversationId: null })
  if (!response.ok) return undefined // the host is (re)starting
  const mine = response.value.transfers.filter(
    (t) => t.direction === direction && (transferId === undefined || t.transferId === transferId),
  )
  return mine.sort((x, y) => y.updatedAt - x.updatedAt)[0]
}

/** B opens its chat with `contactName` and picks `path` in the composer; returns B's transfer. */
export async function offerThroughUi(
  sender: BenchExtensionPage,
  contactName: string,
  path: string,
): Promise<FileTransfer> {
  const listed = await sender.must({ type: 'transfers.list', conversationId: null })
  const before = new Set(listed.transfers.map((t) => t.transferId))
  // The list loads after the page opens, and opening the chat mounts its composer: wait for both,
  // or the pick can land on an input that is replaced a moment later.
  const row = sender.page.getByTestId('conversation-row').filter({ hasText: contactName })
  await row.waitFor({ state: 'visible', timeout: STEP_MS })
  await row.click()
  await sender.page.getByRole('textbox', { name: 'Message' }).waitFor({ timeout: STEP_MS })
  await sender.page.locator('input.file-input').setInputFiles(path)
  let offered: FileTransfer | undefined
  try {
    await waitUntil(
      `${sender.name}'s offer`,
      async () => {
        const { transfers } = await sender.must({ type: 'transfers.list', conversationId: null })
        offered = transfers.find((t) => t.direction === 'out' && !before.has(t.transferId))
        return offered !== undefined
      },
      STEP_MS,
      50,
    )
  } catch (error) {
    // What the user would see says why (an error line, another screen).
    const shown = await sender.page
      .locator('body')
      .innerText({ timeout: 2_000 })
      .catch(() => '(no page text)')
    throw new Error(`${String(error)}; ${sender.name}'s page shows: ${shown.slice(0, 600)}`, {
      cause: error,
    })
  }
  return offered!
}

/** Waits for the offer of `size` bytes at the receiver and accepts it; returns the accept time. */
export async function acceptIncoming(
  receiver: BenchExtensionPage,
  known: ReadonlySet<string> = new Set(),
): Promise<{ transfer: FileTransfer; acceptedAt: number }> {
  let incoming: FileTransfer | undefined
  await waitUntil(
    `the offer at ${receiver.name}`,
    async () => {
      const t = await transferOf(receiver, 'in')
      if (t !== undefined && !known.has(t.transferId) && t.state === 'offered') incoming = t
      return incoming !== undefined
    },
    STEP_MS,
    50,
  )
  await receiver.must({ type: 'transfer.accept', transferId: incoming!.transferId })
  return { transfer: incoming!, acceptedAt: Date.now() }
}

/**
 * Polls until the transfer is completed; throws with the error when it failed. Each poll is a
 * `transfers.list` answered by the receiving host, on the main thread the transfer runs on.
 */
export async function waitForCompleted(
  page: BenchExtensionPage,
  transferId: string,
  timeoutMs: number,
  onProgress?: (t: FileTransfer) => void,
  pollMs = 50,
): Promise<FileTransfer> {
  let last: FileTransfer | undefined
  await waitUntil(
    `transfer ${transferId.slice(0, 8)} completed at ${page.name}`,
    async () => {
      const t = await transferOf(page, 'in', transferId)
      if (t === undefined) return false
      last = t
      onProgress?.(t)
      if (t.state === 'failed') throw new Error(`the transfer failed: ${t.error?.message}`)
      return t.state === 'completed'
    },
    timeoutMs,
    pollMs,
  )
  return last!
}

export function serviceWorkerOf(page: BenchExtensionPage): Worker {
  const w = page.profile.context?.serviceWorkers()[0]
  if (w === undefined) throw new Error(`${page.name} has no service worker`)
  return w
}

export interface DownloadItem {
  filename: string
  state: string
  fileSize: number
}

/** What the browser's downloads list holds (chrome.downloads, read in the service worker). */
export async function downloadsOf(page: BenchExtensionPage): Promise<DownloadItem[]> {
  return serviceWorkerOf(page).evaluate(async () => {
    type Api = { downloads: { search(q: object): Promise<DownloadItem[]> } }
    const items = await (globalThis as unknown as { chrome: Api }).chrome.downloads.search({})
    return items.map((i) => ({ filename: i.filename, state: i.state, fileSize: i.fileSize }))
  })
}

/**
 * Peak JS heap of the document that hosts the node (Chrome's offscreen document, where a received
 * file's chunks pass through), polled over DevTools: Runtime.getHeapUsage on that target through
 * Target.sendMessageToTarget from a session of the page.
 */
export async function startHostHeapSampler(
  page: BenchExtensionPage,
  intervalMs = 50,
): Promise<{ stop(): Promise<number> }> {
  const cdp: CDPSession = await page.profile.context!.newCDPSession(page.page)
  const { targetInfos } = await cdp.send('Target.getTargets')
  const target = targetInfos.find((t) => t.url.endsWith('/offscreen.html'))
  if (target === undefined) throw new Error(`${page.name} has no offscreen document`)
  const { sessionId } = await cdp.send('Target.attachToTarget', {
    targetId: target.targetId,
    flatten: false,
  })
  let nextId = 1
  const waiting = new Map<number, (usedSize: number) => void>()
  cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
    if (event.sessionId !== sessionId) return
    const reply = JSON.parse(event.message) as { id?: number; result?: { usedSize?: number } }
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply.result?.usedSize ?? 0)
    if (reply.id !== undefined) waiting.delete(reply.id)
  })
  const sample = (): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      const id = nextId++
      const timer = setTimeout(() => {
        waiting.delete(id)
        reject(new Error('no heap sample within 5 s'))
      }, 5_000)
      waiting.set(id, (used) => {
        clearTimeout(timer)
        resolve(used)
      })
      cdp
        .send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method: 'Runtime.getHeapUsage' }),
        })
        .catch(reject)
    })
  let peak = await sample()
  let pending: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    pending = pending
      .then(sample)
      .then((used) => void (peak = Math.max(peak, used)))
      .catch(() => undefined)
  }, intervalMs)
  return {
    stop: async () => {
      clearInterval(timer)
      await pending
      peak = Math.max(peak, await sample().catch(() => 0))
      await cdp.detach().catch(() => undefined)
      return peak / (1024 * 1024)
    },
  }
}
