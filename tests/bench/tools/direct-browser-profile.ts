// Where a direct message's time goes in the browser (issue #21): the msg suite's extension pair
// (two Chromium profiles, the chrome-mv3 test build, a relay in this process), a direct WebRTC
// connection, then N round trips (A's page → delivered shown in A's page) while DevTools samples
// the CPU of both offscreen documents (the hosts that run node, messenger and store).
//
//   node tests/bench/tools/direct-browser-profile.ts [--messages 60] [--out DIR]
//
// Prints the round-trip p50 and, per offscreen document, the CPU time per round trip it spent
// busy (not idle): the rest of the round trip is waiting (IndexedDB, IPC, the other side).
// Writes DIR/a.cpuprofile and DIR/b.cpuprofile (open in DevTools, or summarise with
// scripts/cpu-profile-summary.ts; the test build is minified, so names are short). With
// HESTIA_BENCH_EXTENSION_DIR the pair runs a build made beforehand. The pair is set up by
// lib/direct-pair.ts, as for scripts/profile-msg-browser.ts (latency marks per stage; its
// HESTIA_PROFILE_CPU=1 summarises the same CPU profiles per round trip instead of writing them).

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { roundTrip } from '../lib/extension-pair.ts'
import { busyMs, openDirectPair, startCpuProfile, stopCpuProfile } from '../lib/direct-pair.ts'
import { percentile } from '../lib/stats.ts'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '60' },
    out: { type: 'string', default: '/tmp/hestia-direct-profile' },
  },
})
const n = Number(values.messages)
const out = values.out
const WAIT_MS = 20_000

await mkdir(out, { recursive: true })
// The pair, its direct connection and DevTools on both hosts, as scripts/profile-msg-browser.ts.
const { pair, conversationA, docs } = await openDirectPair(WAIT_MS)
try {
  for (const doc of Object.values(docs)) await startCpuProfile(doc, 200)
  const rtts: number[] = []
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setTimeout(r, 20))
    rtts.push(await roundTrip(pair.a, conversationA, `profiled ${i}`.padEnd(32, '.'), WAIT_MS))
  }
  console.log(
    `${n} round trips: p50 ${percentile(rtts, 50).toFixed(1)} ms, ` +
      `min ${Math.min(...rtts).toFixed(1)}, p90 ${percentile(rtts, 90).toFixed(1)}`,
  )
  for (const [name, doc] of Object.entries(docs)) {
    const profile = await stopCpuProfile(doc)
    const file = join(out, `${name.toLowerCase()}.cpuprofile`)
    await writeFile(file, JSON.stringify(profile))
    console.log(
      `offscreen ${name}: ${(busyMs(profile) / n).toFixed(1)} ms busy per round trip → ${file}`,
    )
    await doc.detach()
  }
} finally {
  await pair.close()
}
