/**
 * Where one direct message's time goes between two real extensions (issue #21): the msg suite's
 * pair (two Chromium profiles, the chrome-mv3 test build, a relay in this process), a direct
 * WebRTC connection, then N round trips one after another. Both offscreen documents (the hosts:
 * node, messenger, store) record the latency marks of core/src/wire/latency-trace.ts, switched
 * on through DevTools for this run only; both pages record when they posted the send and when the
 * events arrived. All on one clock (performance.timeOrigin + now(), one machine).
 *
 * Prints one row per mark seen in at least 80 % of the round trips, in order: its median offset
 * from the send in A's page, the step from the row before, and p90. `A`/`B` say whose host; a
 * repeated mark within one round trip is numbered (#2, #3).
 *
 *   node_modules/.bin/node scripts/profile-msg-browser.ts [N=40]
 *   HESTIA_BENCH_EXTENSION_DIR=<build> node_modules/.bin/node scripts/profile-msg-browser.ts 40
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Page } from 'playwright-core'
import {
  openDirectPair,
  startCpuProfile,
  stopCpuProfile,
  type CpuProfile,
} from '../tests/bench/lib/direct-pair.ts'
import { addedIn, roundTripTimes } from '../tests/bench/lib/extension-pair.ts'
import { openChats } from '../tests/bench/lib/message-shown.ts'
import type { OffscreenCdp } from '../tests/bench/lib/offscreen-cdp.ts'
import { percentile } from '../tests/bench/lib/stats.ts'

const n = Number(process.argv[2] ?? 40)
/** Rows for marks seen in at least this share of the round trips (HESTIA_PROFILE_MIN_SHARE). */
const minShare = Number(process.env.HESTIA_PROFILE_MIN_SHARE ?? 0.8)
const WAIT_MS = 20_000
/** Between round trips, so a trip's tail (the receipt's ack, the outbox's clean-up) is its own. */
const GAP_MS = 60
const TEXT = (i: number): string => `profile ${i}`.padEnd(32, '.')

/** A mark `[label, t]` or a span `[label, start, end]` (epoch ms). */
type Entry = [string, number] | [string, number, number]

async function traceOn(doc: OffscreenCdp): Promise<void> {
  await doc.send('Runtime.evaluate', { expression: 'globalThis.__hestiaLatencyTrace = []' })
}

async function traceOf(doc: OffscreenCdp): Promise<Entry[]> {
  const r = (await doc.send('Runtime.evaluate', {
    expression: 'JSON.stringify(globalThis.__hestiaLatencyTrace ?? [])',
    returnByValue: true,
  })) as { result: { value: string } }
  return JSON.parse(r.result.value) as Entry[]
}

async function epochIn(doc: OffscreenCdp): Promise<number> {
  const r = (await doc.send('Runtime.evaluate', {
    expression: 'performance.timeOrigin + performance.now()',
    returnByValue: true,
  })) as { result: { value: number } }
  return r.result.value
}

/** What a sample ran: the page's script, the host's, or V8/native (program, GC, idle). */
function kindOf(node: CpuProfile['nodes'][number]): string {
  const { functionName: f, url } = node.callFrame
  if (f === '(idle)' || f === '(program)' || f === '(garbage collector)') return f
  const file = url.replace(/^.*\//, '').replace(/\.[0-9a-f]{6,}\./, '.')
  return file === '' ? '(native)' : file
}

/**
 * The renderer main thread of one profile (its extension pages share it): busy time per round
 * trip by what ran, and by 5 ms bins of the offset from A's send. Sample times are placed on the
 * epoch clock by the document's clock read right after the profiler started (±1 ms).
 */
function printBusy(
  side: string,
  profile: CpuProfile,
  startEpoch: number,
  trips: { sentAt: number }[],
): void {
  const kinds = new Map(profile.nodes.map((x) => [x.id, kindOf(x)]))
  const names = new Map(profile.nodes.map((x) => [x.id, x.callFrame.functionName || '(anon)']))
  const byName = new Map<string, number>()
  const byKind = new Map<string, number>()
  const bins = new Map<number, number>()
  let t = startEpoch
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000
    t += dt
    const kind = kinds.get(id) ?? '?'
    if (kind === '(idle)') return
    const trip = trips.findLast((x) => x.sentAt <= t)
    if (trip === undefined) return
    byKind.set(kind, (byKind.get(kind) ?? 0) + dt)
    const name = `${names.get(id)} (${kind})`
    byName.set(name, (byName.get(name) ?? 0) + dt)
    const bin = Math.floor((t - trip.sentAt) / 5) * 5
    bins.set(bin, (bins.get(bin) ?? 0) + dt)
  })
  const n = trips.length
  console.log(`\n${side}'s renderer main thread, busy ms per round trip by what ran:`)
  for (const [kind, ms] of [...byKind].sort((x, y) => y[1] - x[1]).slice(0, 8))
    console.log(`  ${(ms / n).toFixed(2).padStart(7)}  ${kind}`)
  console.log(`${side}: the functions with the most self time, ms per round trip:`)
  for (const [name, ms] of [...byName].sort((x, y) => y[1] - x[1]).slice(0, 12))
    console.log(`  ${(ms / n).toFixed(2).padStart(7)}  ${name}`)
  console.log(`${side}: busy ms per round trip in each 5 ms after A's send:`)
  console.log(
    [...bins]
      .sort((x, y) => x[0] - y[0])
      .filter(([bin]) => bin < 150)
      .map(([bin, ms]) => `${bin}:${(ms / n).toFixed(1)}`)
      .join(' '),
  )
}

/**
 * The grouped store transactions of each trip (`store.transaction` spans) with the requests made
 * inside them (`tx.<name>` spans, extension/src/store/dexie-store.ts): per transaction, in order of
 * its start within the trip, the p50 of its length, of its requests' count and summed time, of the
 * wait before the first request and of the time from the last request's answer to the commit.
 * A request is given to the earliest transaction of its side that holds it (started before it was
 * made, ended after its answer).
 */
function printTransactions(trips: { sentAt: number }[], marks: Record<'A' | 'B', Entry[]>): void {
  const rows = new Map<string, number[][]>()
  /** Per transaction, how often each order of request names was seen. */
  const sequences = new Map<string, Map<string, number>>()
  trips.forEach((trip, i) => {
    const end = trips[i + 1]?.sentAt ?? Infinity
    for (const side of ['A', 'B'] as const) {
      const spans = marks[side].filter(
        (e): e is [string, number, number] => e.length === 3 && e[1] >= trip.sentAt && e[1] < end,
      )
      const txs = spans.filter((e) => e[0] === 'store.transaction').sort((x, y) => x[1] - y[1])
      const inner = txs.map(() => [] as [string, number, number][])
      for (const r of spans.filter((e) => e[0].startsWith('tx.'))) {
        // Write transactions over every table run one at a time: a request answered inside two
        // of them belongs to the earlier (the later one's requests are answered after it ended).
        const k = txs.findIndex((t) => t[1] <= r[1] && r[2] <= t[2])
        if (k >= 0) inner[k]!.push(r)
      }
      txs.forEach((t, j) => {
        const reqs = inner[j]!
        const first = reqs.length === 0 ? t[2] : Math.min(...reqs.map((r) => r[1]))
        const last = reqs.length === 0 ? t[2] : Math.max(...reqs.map((r) => r[2]))
        const key = `${side} transaction ${j + 1}`
        const sum = reqs.reduce((acc, r) => acc + r[2] - r[1], 0)
        const row = [t[1] - trip.sentAt, t[2] - t[1], reqs.length, sum, first - t[1], t[2] - last]
        rows.set(key, [...(rows.get(key) ?? []), row])
        const order = reqs.map((r) => r[0].slice(3)).join(' ')
        const counts = sequences.get(key) ?? new Map<string, number>()
        counts.set(order, (counts.get(order) ?? 0) + 1)
        sequences.set(key, counts)
      })
    }
  })
  console.log(
    `\n${'grouped transaction (p50)'.padEnd(26)} ${'seen'.padStart(5)} ${'at'.padStart(7)} ${'took'.padStart(7)} ${'reqs'.padStart(5)} ${'req ms'.padStart(7)} ${'to 1st'.padStart(7)} ${'commit'.padStart(7)}`,
  )
  for (const [key, list] of [...rows].sort((x, y) => x[0].localeCompare(y[0]))) {
    if (list.length < minShare * trips.length) continue
    const p = (c: number): string =>
      percentile(
        list.map((r) => r[c]!),
        50,
      ).toFixed(2)
    console.log(
      `${key.padEnd(26)} ${String(list.length).padStart(5)} ${p(0).padStart(7)} ${p(1).padStart(7)} ${p(2).padStart(5)} ${p(3).padStart(7)} ${p(4).padStart(7)} ${p(5).padStart(7)}`,
    )
    const [order, times] = [...sequences.get(key)!].sort((x, y) => y[1] - x[1])[0]!
    console.log(`    requests (${times}/${list.length}): ${order}`)
  }
}

/** HESTIA_PROFILE_SHOWN=1: the shown path (typed in A's chat view, painted in B's) instead. */
const shownMode = process.env.HESTIA_PROFILE_SHOWN === '1'
/** HESTIA_PROFILE_FROM_B=1: B sends and A receipts (offsets from B's page posting the send). */
const fromB = process.env.HESTIA_PROFILE_FROM_B === '1'

/** The keydown in A's page and the paint in B's (the marks lib/message-shown.ts leaves). */
async function pageTimes(
  a: Page,
  b: Page,
  text: string,
): Promise<{ enterAt: number; shownAt: number }> {
  type Scope = { __hestiaEnterAt?: number; __hestiaShown?: Record<string, number> }
  const enterAt = await a.evaluate(() => (globalThis as Scope).__hestiaEnterAt ?? 0)
  const shownAt = await b.evaluate((t) => (globalThis as Scope).__hestiaShown?.[t] ?? 0, text)
  return { enterAt, shownAt }
}

// The pair, its direct connection and DevTools on both hosts (lib/direct-pair.ts, shared with
// tests/bench/tools/direct-browser-profile.ts).
const { pair, conversationA, docs } = await openDirectPair(WAIT_MS)
try {
  if (process.env.HESTIA_PROFILE_BLANK_UI === '1') {
    // The UI's DOM removed from both pages (its script still runs): how much of the path is the
    // pages' rendering on the renderer thread the host shares with them.
    for (const page of [pair.a.page, pair.b.page]) {
      await page.evaluate(() => document.body.replaceChildren())
    }
  }
  await Promise.all([traceOn(docs.A), traceOn(docs.B)])
  const cpu = process.env.HESTIA_PROFILE_CPU === '1'
  const cpuStart = { A: 0, B: 0 }
  if (cpu) {
    for (const side of ['A', 'B'] as const) {
      await startCpuProfile(docs[side], 100)
      cpuStart[side] = await epochIn(docs[side])
    }
  }

  const trips: { sentAt: number; deliveredAt: number; shownB: number | null }[] = []
  if (shownMode) {
    // As msg.direct.shown_p50_ms: both chat views open, A types and presses Enter; the trip
    // runs from the keydown to the frame showing it in B's chat view (lib/message-shown.ts).
    const chats = await openChats(pair, conversationA)
    for (let i = 0; i < n; i++) {
      await chats.shownOnce(TEXT(i), WAIT_MS)
      const times = await pageTimes(pair.a.page, pair.b.page, TEXT(i))
      trips.push({ sentAt: times.enterAt, deliveredAt: times.shownAt, shownB: null })
      await sleep(GAP_MS)
    }
  } else if (fromB) {
    // The other way round: B sends, A stores and receipts (the labels still say whose host). Tells
    // whether a slow direction follows the reply or the pair's B→A path.
    const list = await pair.b.must({ type: 'conversations.list', query: null })
    const conversationB = list.conversations[0]!.conversationId
    for (let i = 0; i < n; i++) {
      const t = await roundTripTimes(pair.b, conversationB, TEXT(i), WAIT_MS)
      trips.push({ ...t, shownB: await addedIn(pair.a, TEXT(i)) })
      await sleep(GAP_MS)
    }
  } else {
    for (let i = 0; i < n; i++) {
      const t = await roundTripTimes(pair.a, conversationA, TEXT(i), WAIT_MS)
      trips.push({ ...t, shownB: await addedIn(pair.b, TEXT(i)) })
      await sleep(GAP_MS)
    }
  }
  const marks = {
    A: await traceOf(docs.A),
    B: await traceOf(docs.B),
  }
  if (cpu) {
    for (const side of ['A', 'B'] as const) {
      printBusy(side, await stopCpuProfile(docs[side]), cpuStart[side], trips)
    }
  }

  const offsets = new Map<string, number[]>()
  const durations = new Map<string, number[]>()
  const add = (label: string, ms: number, took: number | undefined): void => {
    offsets.set(label, [...(offsets.get(label) ?? []), ms])
    if (took !== undefined) durations.set(label, [...(durations.get(label) ?? []), took])
  }
  trips.forEach((trip, i) => {
    const end = trips[i + 1]?.sentAt ?? Infinity
    const seen = new Map<string, number>()
    const inTrip: [string, number, number?][] = []
    for (const side of ['A', 'B'] as const) {
      for (const [label, t, ...rest] of marks[side]) {
        if (t >= trip.sentAt && t < end) inTrip.push([`${side} ${label}`, t, ...rest])
      }
    }
    const [sender, receiver] = fromB ? ['B', 'A'] : ['A', 'B']
    inTrip.push([
      shownMode ? 'B page: painted' : `${sender} page: delivered event`,
      trip.deliveredAt,
    ])
    if (trip.shownB !== null) inTrip.push([`${receiver} page: message.added event`, trip.shownB])
    inTrip.sort((x, y) => x[1] - y[1])
    for (const [label, t, end] of inTrip) {
      const k = (seen.get(label) ?? 0) + 1
      seen.set(label, k)
      add(k === 1 ? label : `${label} #${k}`, t - trip.sentAt, end === undefined ? end : end - t)
    }
  })
  const rows = [...offsets]
    .filter(([, list]) => list.length >= minShare * trips.length)
    .map(([label, list]) => ({
      label,
      seen: list.length,
      p50: percentile(list, 50),
      p90: percentile(list, 90),
      took: durations.has(label) ? percentile(durations.get(label)!, 50) : undefined,
    }))
    .sort((x, y) => x.p50 - y.p50)
  const rtts = trips.map((t) => t.deliveredAt - t.sentAt)
  console.log(
    `\n${trips.length} round trips: p50 ${percentile(rtts, 50).toFixed(1)} ms, ` +
      `min ${Math.min(...rtts).toFixed(1)}, p90 ${percentile(rtts, 90).toFixed(1)}`,
  )
  console.log(
    `${'mark'.padEnd(44)} ${'seen'.padStart(5)} ${'p50'.padStart(8)} ${'step'.padStart(8)} ${'p90'.padStart(8)} ${'took'.padStart(8)}`,
  )
  let before = 0
  for (const r of rows) {
    console.log(
      `${r.label.padEnd(44)} ${String(r.seen).padStart(5)} ${r.p50.toFixed(2).padStart(8)} ${(r.p50 - before).toFixed(2).padStart(8)} ${r.p90.toFixed(2).padStart(8)} ${r.took === undefined ? '' : r.took.toFixed(2).padStart(8)}`,
    )
    before = r.p50
  }
  printTransactions(trips, marks)
} finally {
  await pair.close()
}
