/**
 * What the host does while a popup opens (issue 21, ui.popup_interactive_ms): the ui bench's
 * setup (one profile, 100 conversations seeded), then N popup opens; for each, the offscreen
 * document's latency-trace marks (core/src/wire/latency-trace.ts, switched on through DevTools for
 * this run only: `host.request`/`host.response` per client request, `store.*` spans) on the
 * popup's clock (ms since its navigation started), beside the popup's "100 rows in the DOM" and
 * "painted". Shows which requests the first screen waits on, and which run beside it.
 *
 *   node_modules/.bin/node scripts/profile-popup-host.ts [OPENS=5]
 *   HESTIA_BENCH_EXTENSION_DIR=<build> node_modules/.bin/node scripts/profile-popup-host.ts
 */
import { openSingleExtension } from '../tests/bench/lib/extension-pair.ts'
import { OffscreenCdp } from '../tests/bench/lib/offscreen-cdp.ts'
import { seedConversations, watchConversationRows } from '../tests/bench/suites/ui.ts'

type Mark = [label: string, at: number, end?: number]
interface ListTiming {
  rowsAt: number
  paintedAt: number | null
}

const opens = Number(process.argv[2] ?? 5)

async function evaluate<T>(doc: OffscreenCdp, expression: string): Promise<T> {
  const reply = (await doc.send('Runtime.evaluate', { expression, returnByValue: true })) as {
    result: { value: T }
  }
  return reply.result.value
}

const extension = await openSingleExtension('Alice', { log: () => undefined })
try {
  const { page, profile } = extension.page
  await page.evaluate(seedConversations, { count: 100, now: Date.now() })
  const context = profile.context!
  const doc = await OffscreenCdp.attach(context, page)
  await context.addInitScript(watchConversationRows, 100)
  for (let i = 0; i < opens; i++) {
    await evaluate(doc, 'globalThis.__hestiaLatencyTrace = []')
    const popup = await context.newPage()
    await popup.setViewportSize({ width: 800, height: 600 })
    await popup.goto(profile.url('popup.html'))
    await popup.waitForFunction(
      () =>
        (globalThis as { __hestiaListTiming?: ListTiming }).__hestiaListTiming?.paintedAt != null,
      null,
      { timeout: 15_000 },
    )
    const timing = await popup.evaluate(() => ({
      origin: performance.timeOrigin,
      ...(globalThis as unknown as { __hestiaListTiming: ListTiming }).__hestiaListTiming,
    }))
    const marks = JSON.parse(
      await evaluate<string>(doc, 'JSON.stringify(globalThis.__hestiaLatencyTrace ?? [])'),
    ) as Mark[]
    const hostOrigin = await evaluate<number>(doc, 'performance.timeOrigin')
    // Marks are epoch ms or the host's performance.now(); both onto the popup's clock.
    const onPopup = (t: number) => (t > 1e12 ? t : t + hostOrigin) - timing.origin
    console.log(
      `open ${i}: rows ${timing.rowsAt.toFixed(0)} painted ${timing.paintedAt!.toFixed(0)} ms`,
    )
    for (const [label, at, end] of marks) {
      if (label.startsWith('tx.')) continue
      const span = end === undefined ? '' : ` (${(end - at).toFixed(1)} ms)`
      console.log(`  ${onPopup(at).toFixed(1).padStart(7)}  ${label}${span}`)
    }
    await popup.close()
  }
} finally {
  await extension.close()
}
process.exit(0)
