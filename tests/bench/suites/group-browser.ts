// group.delivery_browser_p50_ms (issue 20, "3 browsers, direct"): a group text from A's send to its
// arrival in B's and C's pages, three real extensions. lib/extension-pair.ts gives A (Alice) and B
// (Bob, a contact of A) — the chrome-mv3 test build in Chromium profiles, a relay in this process
// on 127.0.0.1 — and a third profile C (Cleo) accepts A's invite. A sends 1:1 texts to B and C
// until its node holds a direct WebRTC connection to both, creates a group through the client API
// (`groups.create`, `groups.addMembers` with both), and the suite waits until all three list it
// with three members and the direct connections are still up.
//
// Figure: `groups.send` posted in A's page → the `group.message` event carrying the text in B's
// page, and in C's (two samples per send; page times are performance.timeOrigin + now(), one
// machine). That event is what the open group chat renders from; B and C keep the group open in
// their messenger view, and group.delivery_browser_shown_p50_ms runs on to the frame that shows the
// text there (lib/message-shown.ts: observed, then painted). Each arrival says how it came
// (`via`); group.delivery_browser_direct_pct is the share that came over the direct connections,
// so a figure taken while the mailbox carried the texts is visible as such.
//
// Baseline in the same run, same browsers and connections, interleaved round by round:
// group.delivery_browser_baseline_1to1_p50_ms, a 1:1 text from `messages.send` in A's page to
// `message.added` in B's page, and one to C's (lib/extension-pair.ts oneWay). The Node figure of
// the same pair of paths is group.delivery_p50_ms (suites/group-delivery.ts, ADR 0776).
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { percentile, summarize } from '../lib/stats.ts'
import {
  oneWay,
  openExtensionPair,
  openExtraSender,
  roundTrip,
  timedRequest,
  type BenchExtensionPage,
  type ExtensionPair,
  type ExtraSender,
} from '../lib/extension-pair.ts'
import { paintedAt, watchPainted } from '../lib/message-shown.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

/** Group sends (each gives a sample at B and at C), and as many 1:1 texts to each of B and C. */
const ROUNDS: Record<BenchMode, number> = { smoke: 4, quick: 20, full: 100 }
/** Unrecorded group sends and 1:1 texts first (streams, ratchets, the group's first epoch). */
const WARM_UP = 2
/** A text reaching its reader (direct, or a mailbox read if the direct send failed). */
const DELIVERY_MS = 20_000
/** Until A's node holds direct connections to B and C (1:1 warm-up texts meanwhile). */
const DIRECT_MS = 60_000
/** Creating the group (its mailbox on the relay) and both joining (KeyPackages, commit, welcome). */
const JOIN_MS = 90_000
/** Between sends: each one lands alone. */
const GAP_MS = 50

interface Trio {
  pair: ExtensionPair
  c: ExtraSender
  /** A's conversations and contact ids for B and C. */
  toB: { conversationId: string; contactId: string }
  toC: { conversationId: string; contactId: string }
  /** Closes C's browser, then the pair's browsers and the relay. */
  close(): Promise<void>
}

/** A's conversation with the contact named `name`, once A's node took in its hello. */
async function conversationOf(
  a: BenchExtensionPage,
  name: string,
): Promise<{ conversationId: string; contactId: string }> {
  let found: { conversationId: string; contactId: string } | undefined
  await waitUntil(
    `A listing a conversation with ${name}`,
    async () => {
      const { conversations } = await a.must({ type: 'conversations.list', query: null })
      const c = conversations.find((x) => x.contact.displayName === name)
      if (c !== undefined)
        found = { conversationId: c.conversationId, contactId: c.contact.contactId }
      return found !== undefined
    },
    DELIVERY_MS,
    50,
  )
  return found!
}

/** 1:1 round trips from A to B and C until A's node has a direct connection to each. */
async function waitForDirect(trio: Trio, label: string): Promise<void> {
  const { a, b } = trio.pair
  const c = trio.c.page
  let round = 0
  await waitUntil(
    `direct WebRTC connections A–B and A–C (${label})`,
    async () => {
      const [na, nb, nc] = await Promise.all([a.directPeers(), b.directPeers(), c.directPeers()])
      if (na >= 2 && nb >= 1 && nc >= 1) return true
      round++
      await roundTrip(a, trio.toB.conversationId, `warm-up B ${round}`, DELIVERY_MS)
      await roundTrip(a, trio.toC.conversationId, `warm-up C ${round}`, DELIVERY_MS)
      return false
    },
    DIRECT_MS,
    200,
  )
}

async function setUp(log: (line: string) => void, signal?: AbortSignal): Promise<Trio> {
  const started = Date.now()
  const pair = await openExtensionPair({ log, signal })
  let c: ExtraSender | undefined
  const release = (): void => void c?.close()
  signal?.addEventListener('abort', release, { once: true })
  try {
    c = await openExtraSender(pair, 'Cleo')
    const extra = c
    const trio: Trio = {
      pair,
      c,
      toB: await conversationOf(pair.a, 'Bob'),
      toC: await conversationOf(pair.a, 'Cleo'),
      close: async () => {
        signal?.removeEventListener('abort', release)
        await extra.close()
        await pair.close()
      },
    }
    // Each initiator's first message seals into A's mailbox; A's replies confirm the sessions.
    await oneWay(pair.b, pair.a, pair.conversationB, 'hello from Bob', DELIVERY_MS)
    await oneWay(c.page, pair.a, c.conversationId, 'hello from Cleo', DELIVERY_MS)
    await waitForDirect(trio, 'before the group')
    log(`  three extensions, contacts and direct connections in ${secondsSince(started)} s`)
    return trio
  } catch (error) {
    signal?.removeEventListener('abort', release)
    await c?.close()
    await pair.close()
    throw error
  }
}

function secondsSince(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1)
}

/** A creates the group with B and C; resolves once all three list it with three members. */
async function makeGroup(trio: Trio, log: (line: string) => void): Promise<string> {
  const started = Date.now()
  const { a, b } = trio.pair
  const { groupId } = await a.must({ type: 'groups.create', name: 'bench' })
  await a.must({
    type: 'groups.addMembers',
    groupId,
    contactIds: [trio.toB.contactId, trio.toC.contactId],
  })
  for (const page of [a, b, trio.c.page]) {
    await waitUntil(
      `${page.name} listing the group with three members`,
      async () =>
        (await page.must({ type: 'groups.list' })).groups.some(
          (g) => g.groupId === groupId && g.memberCount === 3 && g.status === 'member',
        ),
      JOIN_MS,
      100,
    )
  }
  log(`  group of three made and joined in ${secondsSince(started)} s`)
  await waitForDirect(trio, 'after the group')
  return groupId
}

interface Arrival {
  at: number
  via: string
}

/** When `text` arrived in `page` as a group message from someone else, and how; or null. */
async function groupArrival(page: BenchExtensionPage, text: string): Promise<Arrival | null> {
  for (const { at, event } of await page.events()) {
    if (event.type === 'group.message' && !event.message.outgoing && event.message.text === text)
      return { at, via: event.message.via }
  }
  return null
}

interface GroupSample {
  /** A's `groups.send` request alone: posted → answered in A's page. */
  requestMs: number
  /** To B's page and to C's, how each came, and until the frame showing it in the open chat. */
  arrivals: { ms: number; via: string; shownMs: number }[]
}

const GROUP_TEXT = '[data-testid="group-text"]'

/** Opens the group in `page`'s own messenger view (the sidebar's group row, then its chat). */
async function openGroupChat(page: BenchExtensionPage): Promise<void> {
  await page.page.click('[data-testid="group-row"]', { timeout: DELIVERY_MS })
  await page.page.waitForSelector('[data-testid="group-chat"]', { timeout: DELIVERY_MS })
}

/** One group send from A. */
async function groupSample(trio: Trio, groupId: string, text: string): Promise<GroupSample> {
  const readers = [trio.pair.b, trio.c.page]
  for (const reader of readers) await watchPainted(reader.page, GROUP_TEXT, text)
  const sent = await timedRequest(trio.pair.a, { type: 'groups.send', groupId, text })
  if (!sent.response.ok)
    throw new Error(`A groups.send: ${sent.response.error.code} ${sent.response.error.message}`)
  const out: GroupSample['arrivals'] = []
  for (const reader of readers) {
    let arrival: Arrival | null = null
    let shown: number | null = null
    await waitUntil(
      `"${text}" to reach ${reader.name}`,
      async () => (arrival = await groupArrival(reader, text)) !== null,
      DELIVERY_MS,
      5,
    )
    await waitUntil(
      `"${text}" shown in ${reader.name}'s group chat`,
      async () => (shown = await paintedAt(reader.page, text)) !== null,
      DELIVERY_MS,
      5,
    )
    out.push({ ms: arrival!.at - sent.sentAt, via: arrival!.via, shownMs: shown! - sent.sentAt })
  }
  await Promise.all([trio.pair.a, ...readers].map((p) => p.clearEvents()))
  return { requestMs: sent.answeredAt - sent.sentAt, arrivals: out }
}

/** One 1:1 text from A to B and one to C; the ms of each. */
async function oneToOneSample(trio: Trio, text: string): Promise<number[]> {
  const { a, b } = trio.pair
  const toB = await oneWay(a, b, trio.toB.conversationId, `${text} B`, DELIVERY_MS)
  await pause()
  const toC = await oneWay(a, trio.c.page, trio.toC.conversationId, `${text} C`, DELIVERY_MS)
  await Promise.all([a, b, trio.c.page].map((p) => p.clearEvents()))
  return [toB, toC]
}

function pause(): Promise<void> {
  return new Promise((r) => setTimeout(r, GAP_MS))
}

function line(name: string, samples: number[]): string {
  const s = summarize(samples)
  return `${name}: ${s.n} arrivals, p50 ${s.p50.toFixed(1)} ms, min ${s.min.toFixed(1)}, p90 ${s.p90.toFixed(1)}, p99 ${s.p99.toFixed(1)}, max ${s.max.toFixed(1)}`
}

const suite: BenchSuite = {
  prefix: 'group',
  metrics: [
    'group.delivery_browser_p50_ms',
    'group.delivery_browser_p99_ms',
    'group.delivery_browser_baseline_1to1_p50_ms',
    'group.delivery_browser_shown_p50_ms',
    'group.delivery_browser_direct_pct',
  ],
  async run({ mode, log, signal }) {
    const trio = await setUp(log, signal)
    try {
      const groupId = await makeGroup(trio, log)
      await Promise.all([openGroupChat(trio.pair.b), openGroupChat(trio.c.page)])
      const group: GroupSample['arrivals'] = []
      const requests: number[] = []
      const one: number[] = []
      const rounds = ROUNDS[mode]
      for (let i = -WARM_UP; i < rounds; i++) {
        if (signal?.aborted === true) throw new Error('group-browser suite aborted')
        // Interleaved, so the machine's load falls on both paths alike.
        const g = await groupSample(trio, groupId, `group ${i} ${Math.random().toString(36)}`)
        await pause()
        const o = await oneToOneSample(trio, `one ${i} ${Math.random().toString(36)}`)
        await pause()
        if (i < 0) continue
        group.push(...g.arrivals)
        requests.push(g.requestMs)
        one.push(...o)
      }
      const direct = group.filter((s) => s.via === 'direct').length
      const groupMs = group.map((s) => s.ms)
      const shownMs = group.map((s) => s.shownMs)
      log(`  ${line('group (A → B, C)', groupMs)}; ${direct} of ${group.length} direct`)
      log(`  ${line('group shown in B’s and C’s chat', shownMs)}`)
      log(`  ${line('1:1 (A → B, A → C)', one)}`)
      log(`  A's groups.send request alone: p50 ${percentile(requests, 50).toFixed(1)} ms`)
      const metrics: Record<string, Metric> = {
        'group.delivery_browser_p50_ms': { value: percentile(groupMs, 50), unit: 'ms' },
        'group.delivery_browser_p99_ms': { value: percentile(groupMs, 99), unit: 'ms' },
        'group.delivery_browser_baseline_1to1_p50_ms': { value: percentile(one, 50), unit: 'ms' },
        'group.delivery_browser_shown_p50_ms': { value: percentile(shownMs, 50), unit: 'ms' },
        'group.delivery_browser_direct_pct': { value: (100 * direct) / group.length, unit: '%' },
      }
      return metrics
    } finally {
      await trio.close()
    }
  },
}

export default suite
