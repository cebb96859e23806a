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
// HESTIA_BENCH_EXTENSION_DIR the pair runs a build made beforehand.

import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { openExtensionPair, roundTrip } from '../lib/extension-pair.ts'
import { OffscreenCdp } from '../lib/offscreen-cdp.ts'
import { percentile } from '../lib/stats.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '60' },
    out: { type: 'string', default: '/tmp/hestia-direct-profile' },
  },
})
const n = Number(values.messages)
const out = values.out
const WAIT_MS = 20_000

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string } }[]
  samples: number[]
  timeDeltas: number[]
}

/** Sampled time that was not (idle), in ms. */
function busyMs(profile: CpuProfile): number {
  const idle = new Set(
    profile.nodes.filter((x) => x.callFrame.functionName === '(idle)').map((x) => x.id),
  )
  let us = 0
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) us += profile.timeDeltas[i] ?? 0
  })
  return us / 1000
}

await mkdir(out, { recursive: true })
const pair = await openExtensionPair({ log: (line) => console.log(line) })
try {
  let conversationA = ''
  await waitUntil(
    'A lists the conversation',
    async () => {
      const list = await pair.a.must({ type: 'conversations.list', query: null })
      conversationA = list.conversations[0]?.conversationId ?? ''
      return conversationA !== ''
    },
    WAIT_MS,
    20,
  )
  let warm = 0
  await waitUntil(
    'a direct connection both ways',
    async () => {
      if ((await pair.a.directPeers()) >= 1 && (await pair.b.directPeers()) >= 1) return true
      await roundTrip(pair.a, conversationA, `warm-up ${warm++}`, WAIT_MS)
      return false
    },
    60_000,
    200,
  )
  for (let i = 0; i < 10; i++) await roundTrip(pair.a, conversationA, `warm ${i}`, WAIT_MS)
  const docs = {
    a: await OffscreenCdp.attach(pair.a.profile.context!, pair.a.page),
    b: await OffscreenCdp.attach(pair.b.profile.context!, pair.b.page),
  }
  for (const doc of Object.values(docs)) {
    await doc.send('Profiler.enable')
    await doc.send('Profiler.setSamplingInterval', { interval: 200 })
    await doc.send('Profiler.start')
  }
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
    const { profile } = (await doc.send('Profiler.stop', {}, 60_000)) as { profile: CpuProfile }
    const file = join(out, `${name}.cpuprofile`)
    await writeFile(file, JSON.stringify(profile))
    console.log(
      `offscreen ${name.toUpperCase()}: ${(busyMs(profile) / n).toFixed(1)} ms busy per round trip → ${file}`,
    )
    await doc.detach()
  }
} finally {
  await pair.close()
}
