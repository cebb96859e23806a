/**
 * Where the popup's start-up time goes (issue 21, ui.popup_interactive_ms): the ui bench's setup
 * (one profile, 100 conversations seeded), then N popup opens, each with a V8 CPU profile of the
 * popup page (CDP Profiler, 100 µs sampling) and the page's own timings: navigation (HTML
 * fetched, popup script fetched, DOM interactive), the 100 rows in the DOM, painted. Profiles go
 * to DIR (read them with scripts/cpu-profile-summary.ts, or DevTools → Performance → Load).
 *
 *   node_modules/.bin/node scripts/profile-popup.ts [DIR=/tmp/popup-profiles] [OPENS=6]
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openSingleExtension } from '../tests/bench/lib/extension-pair.ts'
import { seedConversations, watchConversationRows } from '../tests/bench/suites/ui.ts'

const dir = process.argv[2] ?? '/tmp/popup-profiles'
const opens = Number(process.argv[3] ?? 6)
mkdirSync(dir, { recursive: true })
const extension = await openSingleExtension('Alice', { log: (l) => console.log(l) })
try {
  const { page, profile } = extension.page
  await page.evaluate(seedConversations, { count: 100, now: Date.now() })
  const listStarted = performance.now()
  await extension.page.must({ type: 'conversations.list', query: null })
  console.log(
    `conversations.list from a warm page: ${(performance.now() - listStarted).toFixed(1)} ms`,
  )
  const context = profile.context!
  await context.addInitScript(watchConversationRows, 100)
  for (let i = 0; i < opens; i++) {
    const popup = await context.newPage()
    await popup.setViewportSize({ width: 800, height: 600 })
    const cdp = await context.newCDPSession(popup)
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 })
    await cdp.send('Profiler.start')
    await popup.goto(profile.url('popup.html'))
    await popup.waitForFunction(
      () =>
        (globalThis as { __hestiaListTiming?: { paintedAt: number | null } }).__hestiaListTiming
          ?.paintedAt != null,
      null,
      { timeout: 15_000 },
    )
    const { profile: cpu } = (await cdp.send('Profiler.stop')) as { profile: unknown }
    const timing = await popup.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
      const script = performance
        .getEntriesByType('resource')
        .find((r) => /popup\.[0-9a-f]+\.js/.test(r.name)) as PerformanceResourceTiming | undefined
      const t = (
        globalThis as unknown as { __hestiaListTiming: { rowsAt: number; paintedAt: number } }
      ).__hestiaListTiming
      return {
        htmlResponseEnd: nav.responseEnd,
        scriptFetchedAt: script?.responseEnd ?? null,
        domInteractive: nav.domInteractive,
        domContentLoaded: nav.domContentLoadedEventEnd,
        rowsAt: t.rowsAt,
        paintedAt: t.paintedAt,
      }
    })
    writeFileSync(join(dir, `popup-${i}.cpuprofile`), JSON.stringify(cpu))
    const f = (v: number | null) => (v === null ? '-' : v.toFixed(1))
    console.log(
      `open ${i}: html ${f(timing.htmlResponseEnd)} script ${f(timing.scriptFetchedAt)} ` +
        `interactive ${f(timing.domInteractive)} dcl ${f(timing.domContentLoaded)} ` +
        `rows ${f(timing.rowsAt)} painted ${f(timing.paintedAt)} ms`,
    )
    await cdp.detach()
    await popup.close()
  }
} finally {
  await extension.close()
}
