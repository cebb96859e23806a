/**
 * The relay soak of issue 15, bounded and on loopback: the relay's CLI process; six well-behaved
 * clients on 127.0.0.1 depositing, fetching, acking and subscribed; four hostile processes on
 * 127.0.0.21–24 running every attack in rotation (endless prefixes on mailbox and circuit relay
 * streams, half frames, idle sockets, floods, oversize and garbage frames, replayed signatures).
 * Two minutes by default (HESTIA_SOAK_SECONDS to change); `npm run bench` runs it for ten.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runSoak } from './soak.ts'

const SECONDS = Number(process.env.HESTIA_SOAK_SECONDS ?? 120)
const P99_GOAL_MS = 50
/** Headroom kept under the container's memory limit (relay-node/compose.yaml). */
const RSS_SHARE_OF_LIMIT = 0.75
/**
 * What the relay may still hold after the attacks, over what it held before them, measured after a
 * forced full GC (JS heap in use plus ArrayBuffer memory): caches that fill once, not something
 * per attack. Every attack runs on a fresh identity; when the relay kept each one's peer record,
 * each pinned a 64 KiB Buffer slab: +10.9 MiB in 120 s (ADR 0212); without them, -0.9 MiB.
 */
const RETAINED_GROWTH_MiB = 6
const MiB = 1024 * 1024
const ATTACKS = [
  'endless-prefix-mailbox',
  'endless-prefix-hop',
  'half-frames',
  'idle-sockets',
  'flood',
  'oversize',
  'garbage',
  'replay',
]

void test(`relay soak: ${SECONDS} s of every attack in rotation from four addresses while good clients work`, async () => {
  const r = await runSoak({
    durationMs: SECONDS * 1000,
    baselineMs: Math.min(15_000, (SECONDS * 1000) / 4),
    goodClients: 6,
    hostileSources: ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'],
    goodPauseMs: 100,
    log: (line) => console.log(line),
  })
  console.log(JSON.stringify(r))

  assert.equal(r.relayExitedDuringRun, false, 'the relay process never died')
  assert.equal(r.relayHealthyAtEnd, true)
  for (const attack of ATTACKS) assert.ok((r.hostileRuns[attack] ?? 0) > 0, `${attack} ran`)
  assert.ok(r.hostileStreamsReset > 0, 'hostile streams were reset')

  assert.ok(r.depositsAcknowledged > 100, `${r.depositsAcknowledged} deposits acknowledged`)
  assert.equal(r.depositsLost, 0, 'every acknowledged deposit reached its owner')
  assert.ok(r.pushesReceived > 0, 'subscriptions kept pushing')
  assert.deepEqual(r.goodErrors, {}, 'no request of a good client failed')

  const limit = r.memoryLimitMiB * RSS_SHARE_OF_LIMIT
  assert.ok(
    r.rssPeakMiB < limit,
    `relay RSS peak ${r.rssPeakMiB.toFixed(0)} MiB, limit ${limit} MiB`,
  )

  const retained = (p: typeof r.afterGcEnd) => (p.heapUsed + p.arrayBuffers) / MiB
  const growth = retained(r.afterGcEnd) - retained(r.afterGcStart)
  assert.ok(
    growth < RETAINED_GROWTH_MiB,
    `the relay retains ${growth.toFixed(1)} MiB more after the attacks than before (heap + array buffers after a full GC)`,
  )

  // The goal is absolute; a machine that cannot meet it without any attack (the same clients'
  // baseline of this run above half the goal: shared or throttled CPU) is held to the relative
  // form instead: the attacks may not cost the good clients more than the baseline again.
  const loaded = r.baselineFetchP99Ms > P99_GOAL_MS / 2
  const bound = loaded ? Math.max(P99_GOAL_MS, 2 * r.baselineFetchP99Ms) : P99_GOAL_MS
  if (loaded) console.log(`busy machine: baseline p99 ${r.baselineFetchP99Ms.toFixed(1)} ms`)
  assert.ok(
    r.goodFetchP99Ms <= bound,
    `good fetch p99 ${r.goodFetchP99Ms.toFixed(1)} ms during attacks (baseline ${r.baselineFetchP99Ms.toFixed(1)} ms, bound ${bound.toFixed(1)} ms)`,
  )
})
