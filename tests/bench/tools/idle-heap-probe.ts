// Heap snapshots of the offscreen document around the idle bench's heap-growth activity (issue
// #24), to find what 5 popup opens and a 200-message chat leave behind. Same set-up as the idle
// suite (extension profile in its own network namespace, a Node contact with a direct
// connection), without its traffic windows:
//
//   node tests/bench/tools/idle-heap-probe.ts [--rounds N] [--out DIR] [--build DIR]
//     [--opens 5] [--messages 200] [--linger SECONDS] [--no-snapshots]
//
// Round 0 is the suite's unmeasured warm-up (1 open, 10 messages); rounds 1..N are the measured
// round (5 opens, 200 messages) repeated. After each round: heap after GC (printed) and a heap
// snapshot DIR/round-<i>.heapsnapshot. Compare them with tests/bench/tools/heap-snapshot-diff.ts.
// --linger reads the heap a second time that many seconds after each round (and snapshots then):
// what pending timers held is gone by then (ADR 0911 used 45 s).
// Needs root (network namespace) and the chrome-mv3 test build.

import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { BrowserNetns } from '../lib/browser-netns.ts'
import { openProfile } from '../lib/extension-pair.ts'
import { popupsAndChat, sendUntilDirect, type IdleContact } from '../lib/idle-activity.ts'
import { OffscreenCdp } from '../lib/offscreen-cdp.ts'
import { freshTestBuild } from '../../browser/support/fresh-build.ts'
import type { ChromiumProfile } from '../../browser/support/messenger-browser.ts'
import { TestRelay, waitUntil } from '../../browser/support/messenger-browser.ts'
import { TestPeer, releaseWebRTC } from '../../integration/support/messenger-harness.ts'
import { MESSENGER_TIMING } from '../../../core/src/messenger/limits.ts'

const { values } = parseArgs({
  allowNegative: true,
  options: {
    rounds: { type: 'string', default: '2' },
    out: { type: 'string', default: '/tmp/hestia-idle-heap' },
    build: { type: 'string' },
    opens: { type: 'string', default: '5' },
    messages: { type: 'string', default: '200' },
    snapshots: { type: 'boolean', default: true },
    /** Seconds to wait after each round before a second reading (pending timers run out). */
    linger: { type: 'string', default: '0' },
  },
})
const rounds = Number(values.rounds)
const opens = Number(values.opens)
const messages = Number(values.messages)
await mkdir(values.out, { recursive: true })
const log = (line: string): void => console.log(`${new Date().toISOString().slice(11, 19)} ${line}`)

const extensionDir = values.build ?? (await freshTestBuild('chrome-mv3'))
const relay = await TestRelay.start()
const relayPort = Number(/\/tcp\/(\d+)\//.exec(relay.address)![1])
const ns = await BrowserNetns.create(relayPort)
const opened: ChromiumProfile[] = []
let contact: IdleContact | undefined
try {
  const page = await openProfile('Probe', extensionDir, opened, ns.launcher)
  const profile = opened[0]!
  await page.must({ type: 'identity.create', displayName: 'Probe' })
  await page.must({ type: 'settings.addRelay', address: relay.address })
  await page.must({ type: 'settings.update', patch: { delayReceipts: false } })
  await waitUntil('the relay ready in the browser', () => page.relayReady(), 30_000, 100)

  const peer = new TestPeer('contact1', [relay.address])
  peer.nodeOptions = { bindAddress: ns.contactAddress, directIdleMs: MESSENGER_TIMING.directIdleMs }
  await peer.start()
  await peer.must({ type: 'identity.create', displayName: peer.name })
  await peer.must({ type: 'settings.update', patch: { delayReceipts: false } })
  const invite = await page.must({ type: 'invite.mine' })
  const accepted = await peer.must({ type: 'invite.accept', invite: invite.link })
  contact = { peer, conversationId: accepted.contact.conversationId }
  await waitUntil(
    'the browser listing the conversation',
    async () =>
      (await page.must({ type: 'conversations.list', query: null })).conversations.length >= 1,
    20_000,
  )
  await sendUntilDirect(peer, contact.conversationId, 'hello')

  const blank = await profile.context!.newPage()
  await page.page.close()
  const offscreen = await OffscreenCdp.attach(profile.context!, blank)
  log(`start: heap after GC ${(await offscreen.heapAfterGcMiB()).toFixed(2)} MiB`)
  let previous: number | undefined
  for (let round = 0; round <= rounds; round++) {
    const started = performance.now()
    if (round === 0) await popupsAndChat(profile, contact, 1, 10, 'warm-up chat')
    else await popupsAndChat(profile, contact, opens, messages, `chat ${round}`)
    const heap = await offscreen.heapAfterGcMiB()
    const grew = previous === undefined ? '' : ` (+${(heap - previous).toFixed(2)} MiB)`
    log(
      `round ${round} (${((performance.now() - started) / 1000).toFixed(0)} s): heap after GC ` +
        `${heap.toFixed(2)} MiB${grew}`,
    )
    previous = heap
    if (Number(values.linger) > 0) {
      await new Promise((r) => setTimeout(r, Number(values.linger) * 1000))
      const later = await offscreen.heapAfterGcMiB()
      log(`  after ${values.linger} s more: heap after GC ${later.toFixed(2)} MiB`)
      previous = later
    }
    if (values.snapshots) {
      const path = join(values.out, `round-${round}.heapsnapshot`)
      await offscreen.heapSnapshot(path)
      log(`  snapshot ${path}`)
    }
  }
  await offscreen.detach()
} finally {
  await contact?.peer.stop().catch(() => undefined)
  releaseWebRTC()
  for (const p of opened) await p.destroy().catch(() => undefined)
  await ns.destroy().catch(() => undefined)
  await relay.destroy().catch(() => undefined)
}
