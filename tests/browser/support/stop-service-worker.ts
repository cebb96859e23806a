// Stops the extension's service worker the way Chrome does after 30 s idle, through the DevTools
// protocol of one of the profile's pages (ServiceWorker.stopAllWorkers). Playwright stays attached
// to the worker, which would otherwise keep it running.
//
// Why not chrome://serviceworker-internals → Stop: at load the internals page did not paint
// STOPPED within 30 s, and the open extension page restarts the worker at once (CI, twice in
// 2026-12-06). The protocol reports the stop as an event, whatever the page shows.
import type { BrowserContext, Page } from 'playwright-core'

const STOP_MS = 20_000

/** Resolves once Chrome reports a stopped worker version; throws after 20 s with what it saw. */
export async function stopServiceWorkers(context: BrowserContext, page: Page): Promise<void> {
  const cdp = await context.newCDPSession(page)
  const seen: string[] = []
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    const stopped = new Promise<void>((resolve, reject) => {
      cdp.on('ServiceWorker.workerVersionUpdated', (event) => {
        for (const version of event.versions) seen.push(version.runningStatus)
        if (event.versions.some((version) => version.runningStatus === 'stopped')) resolve()
      })
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `the service worker did not stop within ${STOP_MS / 1000} s (statuses seen: ${seen.join(', ') || 'none'})`,
            ),
          ),
        STOP_MS,
      )
    })
    await cdp.send('ServiceWorker.enable')
    await cdp.send('ServiceWorker.stopAllWorkers')
    await stopped
  } finally {
    clearTimeout(timer)
    await cdp.detach().catch(() => undefined)
  }
}
