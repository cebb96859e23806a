// Message latency of our own stack, extension↔extension (lib/extension-pair.ts: the chrome-mv3 test
// build in two Chromium profiles, a relay in this process, B a contact of A).
//
// msg.mailbox.delivery_p50_ms: B's first message to A, sent once A lists the conversation (A's
// node took in B's hello from the invite mailbox). B accepted A's invite, so B's session is
// unconfirmed (awaiting A's reply) and the messenger seals the message into A's mailbox on the
// relay whatever connections exist (core/src/messenger/outbox.ts); A is online and the relay
// pushes it. Figure: `messages.send` posted in B's page → `message.added` in A's page (both on
// performance.timeOrigin + now(), one machine). The route is forced only for the initiator's
// first message, so each extra sample needs another initiator: in quick/full further profiles
// (C1, C2, ...) accept A's next invite and send their first message the same way.
//
// msg.direct.rtt_p50_ms: once both nodes report a direct WebRTC connection, A sends a 32-character
// text to B and waits in A's page for the `message.updated` event that shows it `delivered`:
// A's page → A's node (Double Ratchet encrypt, store, direct libp2p stream) → B's node (decrypt,
// store, transport ack, E2EE delivery receipt back over the direct connection) → A's node → A's
// page. Interleaved (A B A B, lib/interleave.ts) with the physical baseline msg.raw.rtt_p50_ms:
// 32-byte echoes over a bare RTCDataChannel between two pages of a plain Chromium
// (lib/raw-datachannel.ts), and with the hop baseline msg.hops.rtt_p50_ms: the same path as a
// message (A's page → A's host → a bare RTCDataChannel between the two hosts → B's host → B's page,
// which echoes, and back) with no libp2p, crypto or store (lib/host-hops.ts). Each arm's figure per repetition is the p50 of its round trips; the
// metric is the median over repetitions.
//
// msg.direct.shown_p50_ms: after those, both chat views are opened and A types a text and presses
// Enter; keydown in A's page → the frame showing it in B's chat view (lib/message-shown.ts).

import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { launchBenchChromium } from '../lib/chromium.ts'
import {
  oneWay,
  openExtraSender,
  openExtensionPair,
  roundTrip,
  type ExtensionPair,
} from '../lib/extension-pair.ts'
import { interleave } from '../lib/interleave.ts'
import { openHostHops } from '../lib/host-hops.ts'
import { openChats } from '../lib/message-shown.ts'
import { ECHO_MESSAGE_BYTES, openRawChannelPair } from '../lib/raw-datachannel.ts'
import { startStaticServer } from '../lib/static-server.ts'
import { percentile, summarize } from '../lib/stats.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

interface Sizes {
  /** Round trips per repetition of each arm. */
  roundTrips: number
  repetitions: number
  warmup: number
  /** Initiators besides B whose first message measures the mailbox route. */
  extraSenders: number
  /** Messages typed in A's chat view for msg.direct.shown_p50_ms (after 2 unrecorded). */
  shown: number
}

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { roundTrips: 5, repetitions: 1, warmup: 1, extraSenders: 0, shown: 5 },
  quick: { roundTrips: 30, repetitions: 3, warmup: 1, extraSenders: 2, shown: 30 },
  full: { roundTrips: 100, repetitions: 5, warmup: 1, extraSenders: 6, shown: 100 },
}

/** A message crossing the network (mailbox push or direct with its receipt). */
const DELIVERY_WAIT_MS = 20_000
/** Until both nodes report a direct connection (warm-up messages meanwhile). */
const DIRECT_WAIT_MS = 60_000

/** Round trips slower than this are counted in the log (a direct send that fell back, a stall). */
const SLOW_ROUND_TRIP_MS = 1_000

const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>hestia bench</title>'

/** A text of ECHO_MESSAGE_BYTES characters (ASCII), like the baseline's 32-byte echo. */
function textOf(label: string): string {
  return label.padEnd(ECHO_MESSAGE_BYTES, '.').slice(0, ECHO_MESSAGE_BYTES)
}

/** Until A lists `count` conversations: A's node has processed the initiators' hellos. */
async function waitForConversations(pair: ExtensionPair, count: number): Promise<void> {
  await waitUntil(
    `A listing ${count} conversation(s)`,
    async () =>
      (await pair.a.must({ type: 'conversations.list', query: null })).conversations.length >=
      count,
    DELIVERY_WAIT_MS,
    20,
  )
}

async function waitForDirect(pair: ExtensionPair, conversationA: string): Promise<void> {
  let round = 0
  await waitUntil(
    'a direct WebRTC connection between A and B',
    async () => {
      if ((await pair.a.directPeers()) >= 1 && (await pair.b.directPeers()) >= 1) return true
      round++
      await roundTrip(pair.a, conversationA, textOf(`warm-up ${round}`), DELIVERY_WAIT_MS)
      return false
    },
    DIRECT_WAIT_MS,
    200,
  )
}

/** `count` texts typed and sent in A's chat view (2 unrecorded first); each shown time in ms. */
async function measureShown(
  pair: ExtensionPair,
  conversationA: string,
  count: number,
  log: (line: string) => void,
): Promise<number[]> {
  const chats = await openChats(pair, conversationA)
  const shown: number[] = []
  for (let i = -2; i < count; i++) {
    const ms = await chats.shownOnce(textOf(`shown ${i}`), DELIVERY_WAIT_MS)
    if (i >= 0) shown.push(ms)
  }
  const s = summarize(shown)
  log(
    `  msg shown (Enter in A → painted in B): ${s.n} messages, p50 ${s.p50.toFixed(1)} ms, ` +
      `min ${s.min.toFixed(1)}, p90 ${s.p90.toFixed(1)}, max ${s.max.toFixed(1)}`,
  )
  return shown
}

const suite: BenchSuite = {
  prefix: 'msg',
  metrics: [
    'msg.direct.rtt_p50_ms',
    'msg.raw.rtt_p50_ms',
    'msg.hops.rtt_p50_ms',
    'msg.direct.shown_p50_ms',
    'msg.direct.rtt_p99_ms',
    'msg.mailbox.delivery_p50_ms',
  ],
  async run({ mode, log, signal }) {
    const sizes = SIZES[mode]
    const pair = await openExtensionPair({ log, signal })
    const server = await startStaticServer({ routes: { '/blank.html': BLANK_PAGE } })
    const chromium = await launchBenchChromium()
    const release = (): void => void chromium.close().catch(() => undefined)
    signal?.addEventListener('abort', release, { once: true })
    try {
      // Mailbox: B's first message (B is the initiator, its session is unconfirmed). Sent once A
      // has taken in B's hello (the conversation is listed), so only the message is timed.
      const mailbox: number[] = []
      await waitForConversations(pair, 1)
      mailbox.push(
        await oneWay(pair.b, pair.a, pair.conversationB, textOf('mailbox B'), DELIVERY_WAIT_MS),
      )
      log(`  msg mailbox B→A: ${mailbox[0]!.toFixed(1)} ms`)
      const conversationA = (await pair.a.must({ type: 'conversations.list', query: null }))
        .conversations[0]!.conversationId

      for (let i = 1; i <= sizes.extraSenders; i++) {
        if (signal?.aborted === true) throw new Error('msg suite aborted')
        const sender = await openExtraSender(pair, `C${i}`)
        try {
          await waitForConversations(pair, 1 + i)
          const ms = await oneWay(
            sender.page,
            pair.a,
            sender.conversationId,
            textOf(`mailbox C${i}`),
            DELIVERY_WAIT_MS,
          )
          mailbox.push(ms)
          log(`  msg mailbox C${i}→A: ${ms.toFixed(1)} ms`)
        } finally {
          await sender.close()
        }
      }

      await waitForDirect(pair, conversationA)
      await Promise.all([pair.a.clearEvents(), pair.b.clearEvents()])
      const rawPair = await openRawChannelPair(chromium.browser, server.url('/blank.html'))
      const hops = await openHostHops(pair)
      const allDirect: number[] = []
      let sent = 0
      let directRounds = 0
      const result = await interleave(
        {
          raw: async () => percentile(await rawPair.echoRtts(sizes.roundTrips), 50),
          hops: async () => percentile(await hops.echoRtts(sizes.roundTrips), 50),
          direct: async () => {
            const rtts: number[] = []
            for (let i = 0; i < sizes.roundTrips; i++) {
              if (signal?.aborted === true) throw new Error('msg suite aborted')
              sent++
              rtts.push(
                await roundTrip(pair.a, conversationA, textOf(`rtt ${sent}`), DELIVERY_WAIT_MS),
              )
            }
            await pair.a.clearEvents()
            // The warm-up round is not recorded, here as in interleave().
            if (directRounds++ >= sizes.warmup) allDirect.push(...rtts)
            return percentile(rtts, 50)
          },
        },
        {
          repetitions: sizes.repetitions,
          warmup: sizes.warmup,
          onSample: (arm, repetition, value) =>
            log(`  msg ${arm} #${repetition + 1}: p50 ${value.toFixed(3)} ms`),
        },
      )
      await rawPair.close()
      await hops.close()
      const shown = await measureShown(pair, conversationA, sizes.shown, log)
      const directAfter = Math.min(await pair.a.directPeers(), await pair.b.directPeers())
      if (directAfter < 1) log('  msg: the direct connection was gone after the run')
      const d = summarize(allDirect)
      const m = summarize(mailbox)
      log(
        `  msg direct: ${d.n} round trips, p50 ${d.p50.toFixed(1)} ms, min ${d.min.toFixed(1)}, ` +
          `p90 ${d.p90.toFixed(1)}, max ${d.max.toFixed(1)} ` +
          `(${allDirect.filter((ms) => ms > SLOW_ROUND_TRIP_MS).length} above ${SLOW_ROUND_TRIP_MS} ms); mailbox: ${m.n} first messages, ` +
          `min ${m.min.toFixed(1)}, max ${m.max.toFixed(1)} ms`,
      )
      const metrics: Record<string, Metric> = {
        'msg.direct.rtt_p50_ms': { value: result.median.direct, unit: 'ms' },
        'msg.raw.rtt_p50_ms': { value: result.median.raw, unit: 'ms' },
        'msg.hops.rtt_p50_ms': { value: result.median.hops, unit: 'ms' },
        'msg.direct.shown_p50_ms': { value: percentile(shown, 50), unit: 'ms' },
        'msg.direct.rtt_p99_ms': { value: percentile(allDirect, 99), unit: 'ms' },
        'msg.mailbox.delivery_p50_ms': { value: percentile(mailbox, 50), unit: 'ms' },
      }
      return metrics
    } finally {
      signal?.removeEventListener('abort', release)
      await chromium.close().catch(() => undefined)
      await server.close()
      await pair.close()
    }
  },
}

export default suite
