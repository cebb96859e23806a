/**
 * Two extension builds' popups compared open by open (issue 21, ui.popup_interactive_ms): one
 * profile per build, each with the ui bench's 100 seeded conversations, then popups opened
 * alternately in the two (A, B, A, B, …) so both see the same machine load, which on the shared
 * machine moves the single figure by ±50 % between runs. Prints the ui bench's figure (100 rows
 * painted, ms since navigation) per open and the medians.
 *
 *   node_modules/.bin/node scripts/profile-popup-ab.ts BUILD_A BUILD_B [OPENS=10] [WARMUP=2]
 *
 * BUILD_* are unpacked chrome-mv3 test builds (e.g. a copy of build/chrome-mv3-test before a change).
 */
import { openSingleExtension, type SingleExtension } from '../tests/bench/lib/extension-pair.ts'
import { percentile } from '../tests/bench/lib/stats.ts'
import { seedConversations, watchConversationRows } from '../tests/bench/suites/ui.ts'

const [dirA, dirB, opensArg, warmupArg] = process.argv.slice(2)
if (dirA === undefined || dirB === undefined) {
  console.error('usage: profile-popup-ab.ts BUILD_A BUILD_B [OPENS=10] [WARMUP=2]')
  process.exit(2)
}
const opens = Number(opensArg ?? 10)
const warmup = Number(warmupArg ?? 2)

async function open(dir: string, name: string): Promise<SingleExtension> {
  process.env.HESTIA_BENCH_EXTENSION_DIR = dir
  const extension = await openSingleExtension(name, { log: (l) => console.log(`${name}: ${l}`) })
  const { page, profile } = extension.page
  await page.evaluate(seedConversations, { count: 100, now: Date.now() })
  await profile.context!.addInitScript(watchConversationRows, 100)
  return extension
}

async function timeOpen(extension: SingleExtension): Promise<{ rows: number; painted: number }> {
  const { profile } = extension.page
  const popup = await profile.context!.newPage()
  try {
    await popup.setViewportSize({ width: 800, height: 600 })
    await popup.goto(profile.url('popup.html'))
    await popup.waitForFunction(
      () =>
        (globalThis as { __hestiaListTiming?: { paintedAt: number | null } }).__hestiaListTiming
          ?.paintedAt != null,
      null,
      { timeout: 15_000 },
    )
    return await popup.evaluate(() => {
      const t = (
        globalThis as unknown as { __hestiaListTiming: { rowsAt: number; paintedAt: number } }
      ).__hestiaListTiming
      return { rows: t.rowsAt, painted: t.paintedAt }
    })
  } finally {
    await popup.close()
  }
}

const sides = [
  { label: 'A', extension: await open(dirA, 'Alice'), painted: [] as number[] },
  { label: 'B', extension: await open(dirB, 'Bob'), painted: [] as number[] },
]
try {
  for (let i = 0; i < warmup + opens; i++) {
    // Alternate which build goes first, so neither always opens right after the other.
    for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
      const t = await timeOpen(side.extension)
      if (i >= warmup) side.painted.push(t.painted)
      console.log(
        `open ${i} ${side.label}: rows ${t.rows.toFixed(1)} painted ${t.painted.toFixed(1)} ms`,
      )
    }
  }
  for (const side of sides)
    console.log(
      `${side.label}: painted p50 ${percentile(side.painted, 50).toFixed(1)} ms over ${side.painted.length} opens`,
    )
} finally {
  await Promise.all(sides.map((s) => s.extension.close()))
}
