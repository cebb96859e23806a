// The msg suite's extension pair made ready for profiling a direct message (issue #21): A lists
// the conversation, both nodes hold a direct WebRTC connection, ten warm round trips ran, and
// DevTools is attached to both offscreen documents (the hosts: node, messenger, store). Shared by
// scripts/profile-msg-browser.ts (latency marks, optional CPU summary) and
// tests/bench/tools/direct-browser-profile.ts (CPU profiles written to files).

import { openExtensionPair, roundTrip, type ExtensionPair } from './extension-pair.ts'
import { OffscreenCdp } from './offscreen-cdp.ts'
import { waitUntil } from '../../browser/support/messenger-browser.ts'

export interface DirectPair {
  pair: ExtensionPair
  conversationA: string
  /** DevTools sessions of A's and B's offscreen documents. */
  docs: { A: OffscreenCdp; B: OffscreenCdp }
}

/** A V8 CPU profile as DevTools returns it (the fields read here). */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[]
  samples: number[]
  timeDeltas: number[]
}

/** Opens the pair and waits as described above; the caller closes `pair`. */
export async function openDirectPair(waitMs: number): Promise<DirectPair> {
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
      waitMs,
      20,
    )
    let warm = 0
    await waitUntil(
      'a direct connection both ways',
      async () => {
        if ((await pair.a.directPeers()) >= 1 && (await pair.b.directPeers()) >= 1) return true
        await roundTrip(pair.a, conversationA, `warm-up ${warm++}`, waitMs)
        return false
      },
      60_000,
      200,
    )
    for (let i = 0; i < 10; i++) await roundTrip(pair.a, conversationA, `warm ${i}`, waitMs)
    const docs = {
      A: await OffscreenCdp.attach(pair.a.profile.context!, pair.a.page),
      B: await OffscreenCdp.attach(pair.b.profile.context!, pair.b.page),
    }
    return { pair, conversationA, docs }
  } catch (err) {
    await pair.close()
    throw err
  }
}

/** Starts DevTools' sampling CPU profiler in one document (`intervalUs` between samples). */
export async function startCpuProfile(doc: OffscreenCdp, intervalUs: number): Promise<void> {
  await doc.send('Profiler.enable')
  await doc.send('Profiler.setSamplingInterval', { interval: intervalUs })
  await doc.send('Profiler.start')
}

export async function stopCpuProfile(doc: OffscreenCdp): Promise<CpuProfile> {
  const { profile } = (await doc.send('Profiler.stop', {}, 60_000)) as { profile: CpuProfile }
  return profile
}

/** Sampled time that was not (idle), in ms. */
export function busyMs(profile: CpuProfile): number {
  const idle = new Set(
    profile.nodes.filter((x) => x.callFrame.functionName === '(idle)').map((x) => x.id),
  )
  let us = 0
  profile.samples.forEach((id, i) => {
    if (!idle.has(id)) us += profile.timeDeltas[i] ?? 0
  })
  return us / 1000
}
