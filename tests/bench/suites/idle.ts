// What an open extension costs while nobody uses it (issue #24, ADR 0910), measured outside the
// browser. One Chromium profile with the chrome-mv3 test build runs in its own network namespace
// (lib/browser-netns.ts), connected to a relay in this process; its contacts are Node peers
// running core's messenger (tests/integration/support), whose WebRTC is bound to the namespace's
// veth. No extension page is open during the windows (one about:blank tab, as in the baseline).
//
// Phases (window W: smoke 3 s, quick 60 s, full 300 s; quick and full together 2 and 10 min):
//   1. one contact online with a direct connection, W;
//   2. three contacts online with direct connections, W;
//   3. each contact sends one message after its idle window (msg.after_idle_p50_ms: send → the
//      browser's delivery receipt back at the contact, a round trip, so one-way is less). A window
//      shorter than the idle time (smoke, quick) leaves the connections open: the contacts close
//      them first, as their idle timers would, so the send always meets a closed connection;
//   4. heap growth: the offscreen heap after a forced GC, before and after 5 popup opens and a
//      200-message chat (100 each way with the first contact), after one unmeasured small round;
//      then the same round again (idle.heap_growth_repeat_MiB: opens 6–10, the next 200
//      messages), which shows whether a round keeps adding or the first one only warmed up.
//
// Figures:
//   idle.direct_KB_per_min_per_contact / _packets_: the veth's counters (kernel, both directions,
//     IP+UDP headers included, 1 KB = 1,000 bytes) per minute and per online contact; the higher
//     of phases 1 and 2.
//   idle.relay_KB_per_min: the namespace's loopback, which carries only the browser's connection
//     to the relay (forwarded out of the namespace), wire bytes per minute; the higher phase.
//   idle.cpu_pct_of_core: /proc/<pid>/stat of the extension browser's process tree minus that of
//     a bare Chromium (same flags, one about:blank tab) over the same windows.
//   idle.offscreen_heap_MiB: median of Runtime.getHeapUsage on the offscreen document every 10 s.
//
// HESTIA_BENCH_IDLE_BEFORE=<unpacked build dir> measures an older build and runs the contacts
// without ADR 0910's policy (libp2p's connection monitor, no idle close): the "before" column.
// HESTIA_BENCH_EXTENSION_DIR=<unpacked build dir> measures that build with today's contacts, and
// HESTIA_CHAT_STREAM_IDLE_MS sets the contacts' kept chat stream (0: off), for A/B runs.

import { chromium } from 'playwright-core'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { BrowserNetns, countersSince, type NetnsCounters } from '../lib/browser-netns.ts'
import type { BenchExtensionPage } from '../lib/extension-pair.ts'
import { openClientPage, openProfile } from '../lib/extension-pair.ts'
import { hasDirect, popupsAndChat, sendUntilDirect } from '../lib/idle-activity.ts'
import { OffscreenCdp } from '../lib/offscreen-cdp.ts'
import { browserCpuTicks, cpuPercent } from '../lib/proc-cpu.ts'
import { percentile } from '../lib/stats.ts'
import { snapshotTestBuild } from '../../browser/support/fresh-build.ts'
import type { ChromiumProfile } from '../../browser/support/messenger-browser.ts'
import { TestRelay, waitUntil } from '../../browser/support/messenger-browser.ts'
import { TestPeer, releaseWebRTC } from '../../integration/support/messenger-harness.ts'
import { MESSENGER_TIMING } from '../../../core/src/messenger/limits.ts'
import { chromiumFlags, chromiumPath } from '../../../scripts/browsers.ts'

interface Sizes {
  windowMs: number
  /** Before a window: the warm-up's receipts and acks settle. */
  settleMs: number
  /** After closing connections: the veth is quiet once no packet crossed it for this long. */
  quietMs: number
  popupOpens: number
  /** Messages of the heap-growth chat, both directions together. */
  chatMessages: number
}

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { windowMs: 3_000, settleMs: 1_000, quietMs: 1_000, popupOpens: 1, chatMessages: 6 },
  quick: { windowMs: 60_000, settleMs: 2_000, quietMs: 2_000, popupOpens: 5, chatMessages: 200 },
  full: { windowMs: 300_000, settleMs: 2_000, quietMs: 2_000, popupOpens: 5, chatMessages: 200 },
}

const CONTACTS = 3
const HEAP_SAMPLE_MS = 10_000
/** After closing connections, the browser has at most this long to drop them (ICE: ~15 s). */
const LINGER_MAX_MS = 25_000
/** The heap phase's first, unmeasured round: one popup open and this many messages. */
const WARMUP_CHAT_MESSAGES = 10
const DELIVERY_WAIT_MS = 20_000

const before = process.env.HESTIA_BENCH_IDLE_BEFORE
/** A build made beforehand (A/B of two builds with today's contacts), instead of a fresh one. */
const prebuilt = process.env.HESTIA_BENCH_EXTENSION_DIR
/** The contacts' kept chat stream idle time (ADR 0422; 0: one stream per frame), for A/B runs. */
const contactChatStreamIdleMs = process.env.HESTIA_CHAT_STREAM_IDLE_MS

/** Send → the contact sees its message delivered (the browser's receipt), in ms. */
async function deliveredRoundTrip(
  peer: TestPeer,
  conversationId: string,
  text: string,
): Promise<number> {
  const t0 = performance.now()
  const { message } = await peer.must({ type: 'messages.send', conversationId, text })
  let at = 0
  await waitUntil(
    `${peer.name}'s "${text}" delivered`,
    () => {
      const done = peer.events.some(
        (e) =>
          e.type === 'message.updated' &&
          e.message.messageId === message.messageId &&
          e.message.delivery === 'delivered',
      )
      if (done && at === 0) at = performance.now()
      return done
    },
    DELIVERY_WAIT_MS,
    2,
  )
  return at - t0
}

interface PhaseResult {
  contacts: number
  minutes: number
  net: NetnsCounters
  cpuExtPct: number
  cpuBarePct: number
  heapSamples: number[]
}

const suite: BenchSuite = {
  prefix: 'idle',
  metrics: [
    'idle.direct_KB_per_min_per_contact',
    'idle.direct_packets_per_min_per_contact',
    'idle.relay_KB_per_min',
    'idle.offscreen_heap_MiB',
    'idle.cpu_pct_of_core',
    'idle.bare_cpu_pct_of_core',
    'idle.heap_growth_MiB',
    'idle.heap_growth_repeat_MiB',
    'msg.after_idle_p50_ms',
  ],
  async run({ mode, log, signal }): Promise<Record<string, Metric>> {
    // HESTIA_BENCH_IDLE_SETTLE_MS: a longer settle, e.g. past the kept chat stream's 20 s close
    // (ADR 0422), so a quick window holds no stream close (A/B runs, ADR 0424).
    const settle = process.env.HESTIA_BENCH_IDLE_SETTLE_MS
    const sizes = {
      ...SIZES[mode],
      ...(settle !== undefined ? { settleMs: Number(settle) } : {}),
    }
    // A private copy: another job rebuilding build/ meanwhile cannot pull files from under it.
    const given = before ?? prebuilt
    const snapshot = given === undefined ? await snapshotTestBuild('chrome-mv3') : undefined
    const extensionDir = given ?? snapshot!.dir
    if (prebuilt !== undefined) log(`  build ${prebuilt}`)
    if (before !== undefined) log(`  BEFORE run: build ${before}, contacts without ADR 0910`)
    const relay = await TestRelay.start()
    const relayPort = Number(/\/tcp\/(\d+)\//.exec(relay.address)![1])
    const cleanups: (() => Promise<unknown>)[] = [
      async () => snapshot?.remove(),
      () => relay.destroy(),
    ]
    const cleanup = async (): Promise<void> => {
      for (const step of cleanups.reverse()) await step().catch(() => undefined)
      cleanups.length = 0
    }
    signal?.addEventListener('abort', () => void cleanup(), { once: true })
    try {
      const ns = await BrowserNetns.create(relayPort)
      cleanups.push(() => ns.destroy())

      // The baseline: a bare Chromium with the same flags and one blank tab.
      const bareProfile = await mkdtemp(join(tmpdir(), 'hestia-idle-bare-'))
      const bare = await chromium.launchPersistentContext(bareProfile, {
        executablePath: chromiumPath,
        headless: false, // --headless=new is in the flags
        args: [...chromiumFlags],
      })
      cleanups.push(async () => {
        await bare.close()
        await rm(bareProfile, { recursive: true, force: true })
      })
      await (bare.pages()[0] ?? (await bare.newPage())).goto('about:blank')

      const opened: ChromiumProfile[] = []
      cleanups.push(() => Promise.allSettled(opened.map((p) => p.destroy())))
      let page: BenchExtensionPage = await openProfile('Idle', extensionDir, opened, ns.launcher)
      const profile = opened[0]!
      const context = profile.context!
      await page.must({ type: 'identity.create', displayName: 'Idle' })
      await page.must({ type: 'settings.addRelay', address: relay.address })
      // "delivered" times the stack, without the deliberate 1–30 s receipt delay (ADR 0751), as
      // in the msg suite.
      await page.must({ type: 'settings.update', patch: { delayReceipts: false } })
      await waitUntil('the relay ready in the browser', () => page.relayReady(), 30_000, 100)

      // Contacts: Node peers that accept the browser's invites, WebRTC bound to the veth. They
      // join once, for the phase they are first online in (a contact that leaves would add its
      // teardown to the window).
      const contacts: { peer: TestPeer; conversationId: string }[] = []
      cleanups.push(async () => {
        for (const c of contacts) await c.peer.stop().catch(() => undefined)
        releaseWebRTC()
      })
      const addContact = async (): Promise<void> => {
        const peer = new TestPeer(`contact${contacts.length + 1}`, [relay.address])
        peer.nodeOptions = {
          bindAddress: ns.contactAddress,
          ...(before === undefined ? { directIdleMs: MESSENGER_TIMING.directIdleMs } : {}),
        }
        if (contactChatStreamIdleMs !== undefined)
          peer.chatStreamIdleMs = Number(contactChatStreamIdleMs)
        await peer.start()
        await peer.must({ type: 'identity.create', displayName: peer.name })
        await peer.must({ type: 'settings.update', patch: { delayReceipts: false } })
        const invite = await page.must({ type: 'invite.mine' })
        const accepted = await peer.must({ type: 'invite.accept', invite: invite.link })
        contacts.push({ peer, conversationId: accepted.contact.conversationId })
        await waitUntil(
          `the browser listing ${contacts.length} conversation(s)`,
          async () =>
            (await page.must({ type: 'conversations.list', query: null })).conversations.length >=
            contacts.length,
          DELIVERY_WAIT_MS,
        )
        await sendUntilDirect(peer, accepted.contact.conversationId, 'hello')
      }
      await addContact()

      // No extension page during the windows: a blank tab, as in the baseline.
      const blank = await context.newPage()
      await page.page.close()
      const offscreen = await OffscreenCdp.attach(context, blank)
      cleanups.push(() => offscreen.detach())

      const measure = async (online: number): Promise<PhaseResult> => {
        for (const c of contacts.slice(0, online))
          await sendUntilDirect(c.peer, c.conversationId, 'warm')
        await new Promise((r) => setTimeout(r, sizes.settleMs))
        const heapSamples: number[] = []
        const net0 = await ns.counters()
        const ext0 = browserCpuTicks(profile.profileDir).ticks
        const bare0 = browserCpuTicks(bareProfile).ticks
        const t0 = performance.now()
        const end = t0 + sizes.windowMs
        for (let now = t0; now < end; now = performance.now()) {
          heapSamples.push(await offscreen.heapMiB())
          const wait = Math.min(HEAP_SAMPLE_MS, end - performance.now())
          if (wait > 0) await new Promise((r) => setTimeout(r, wait))
        }
        const elapsed = performance.now() - t0
        const net = countersSince(net0, await ns.counters())
        const result = {
          contacts: online,
          minutes: elapsed / 60_000,
          net,
          cpuExtPct: cpuPercent(ext0, browserCpuTicks(profile.profileDir).ticks, elapsed),
          cpuBarePct: cpuPercent(bare0, browserCpuTicks(bareProfile).ticks, elapsed),
          heapSamples,
        }
        const d = net.direct
        log(
          `  ${online} contact(s), ${(elapsed / 1000).toFixed(0)} s: direct ` +
            `${((d.rxBytes + d.txBytes) / 1000 / result.minutes / online).toFixed(2)} KB/min and ` +
            `${((d.rxPackets + d.txPackets) / result.minutes / online).toFixed(1)} packets/min per contact; ` +
            `relay ${(net.relay.txBytes / 1000 / result.minutes).toFixed(2)} KB/min ` +
            `(${(net.relay.txPackets / result.minutes).toFixed(1)} packets/min); CPU ` +
            `${result.cpuExtPct.toFixed(2)} % vs bare ${result.cpuBarePct.toFixed(2)} %; ` +
            `heap median ${percentile(heapSamples, 50).toFixed(1)} MiB; ` +
            `direct now: ${contacts.filter((c) => hasDirect(c.peer)).length}`,
        )
        return result
      }

      // Phase 1: one contact online.
      const one = await measure(1)
      // Phase 2: three online (the page is open only while they join).
      page = await openClientPage(profile)
      while (contacts.length < CONTACTS) await addContact()
      await page.page.close()
      log(`  ${CONTACTS} contacts with direct connections`)
      const three = await measure(CONTACTS)

      // Connections still open (windows shorter than the idle time): close them from the contacts'
      // side, as their idle timers would, so phase 3 always measures a send after an idle close.
      const stillOpen = contacts.filter((c) => hasDirect(c.peer))
      if (stillOpen.length > 0) {
        const beforeClose = await ns.counters()
        for (const c of stillOpen) {
          for (const conn of c.peer.service.node!.getConnections())
            if (conn.remoteAddr.toString().includes('/webrtc')) await conn.close()
        }
        // Until the browser stops sending to them (it drops a connection whose peer went away
        // silently once ICE has had no answer for ~5 s): the send below then meets a connection
        // closed a while ago on both ends, as after a real idle close.
        const closedAt = performance.now()
        let last = (await ns.counters()).direct
        let quietSince = performance.now()
        while (
          performance.now() - quietSince < sizes.quietMs &&
          performance.now() - closedAt < LINGER_MAX_MS
        ) {
          await new Promise((r) => setTimeout(r, 250))
          const now = (await ns.counters()).direct
          if (now.rxPackets + now.txPackets !== last.rxPackets + last.txPackets)
            quietSince = performance.now()
          last = now
        }
        const linger = countersSince(beforeClose, await ns.counters()).direct
        log(
          `  closed ${stillOpen.length} open connection(s) from the contacts' side; the browser sent ` +
            `${linger.rxPackets + linger.txPackets} more packets, quiet ` +
            `${((quietSince - closedAt) / 1000).toFixed(1)} s after the close`,
        )
      }

      // Phase 3: a message after the idle window, from every contact.
      const afterIdle: number[] = []
      const beforeSends = await ns.counters()
      for (const c of contacts) {
        const open = hasDirect(c.peer)
        const ms = await deliveredRoundTrip(c.peer, c.conversationId, `after idle ${c.peer.name}`)
        afterIdle.push(ms)
        log(
          `  after idle: ${c.peer.name} ${ms.toFixed(0)} ms (${open ? 'connection still open' : 'none open: mailbox, dial in background'})`,
        )
      }

      {
        // What those sends cost on the wire (a re-dial each, if the connections were closed):
        // the price an idle close trades against (ADR 0910).
        const cost = countersSince(beforeSends, await ns.counters())
        const d = cost.direct
        log(
          `  after-idle sends, per contact: direct ${((d.rxBytes + d.txBytes) / 1000 / CONTACTS).toFixed(2)} KB ` +
            `${((d.rxPackets + d.txPackets) / CONTACTS).toFixed(0)} packets; relay ` +
            `${(cost.relay.txBytes / 1000 / CONTACTS).toFixed(2)} KB ${(cost.relay.txPackets / CONTACTS).toFixed(0)} packets`,
        )
      }

      // Phase 4: heap growth over popup opens and a chat. One small round first, so code compiled
      // and caches filled on first use are in both readings; what the measured round leaves on
      // top of that is what repeated use retains.
      const first = contacts[0]!
      await popupsAndChat(
        profile,
        first,
        1,
        Math.min(WARMUP_CHAT_MESSAGES, sizes.chatMessages),
        'warm-up chat',
      )
      const heapStart = await offscreen.heapAfterGcMiB()
      await popupsAndChat(profile, first, sizes.popupOpens, sizes.chatMessages, 'chat')
      const heapEnd = await offscreen.heapAfterGcMiB()
      // The same again (popup opens 6–10, the next 200 messages): what a long-running session
      // keeps per round once the first busy round has compiled its hot code (ADR 0911).
      await popupsAndChat(profile, first, sizes.popupOpens, sizes.chatMessages, 'chat again')
      const heapAgain = await offscreen.heapAfterGcMiB()
      log(
        `  heap after GC: ${heapStart.toFixed(2)} → ${heapEnd.toFixed(2)} → ${heapAgain.toFixed(2)} MiB`,
      )

      const phases = [one, three]
      const perContact = (p: PhaseResult, v: number) => v / p.minutes / p.contacts
      const cpuExt =
        phases.reduce((n, p) => n + p.cpuExtPct * p.minutes, 0) / (one.minutes + three.minutes)
      const cpuBare =
        phases.reduce((n, p) => n + p.cpuBarePct * p.minutes, 0) / (one.minutes + three.minutes)
      return {
        'idle.direct_KB_per_min_per_contact': {
          value: Math.max(
            ...phases.map((p) =>
              perContact(p, (p.net.direct.rxBytes + p.net.direct.txBytes) / 1000),
            ),
          ),
          unit: 'KB/min',
        },
        'idle.direct_packets_per_min_per_contact': {
          value: Math.max(
            ...phases.map((p) => perContact(p, p.net.direct.rxPackets + p.net.direct.txPackets)),
          ),
          unit: 'packets/min',
        },
        'idle.relay_KB_per_min': {
          value: Math.max(...phases.map((p) => p.net.relay.txBytes / 1000 / p.minutes)),
          unit: 'KB/min',
        },
        'idle.offscreen_heap_MiB': {
          value: percentile(
            phases.flatMap((p) => p.heapSamples),
            50,
          ),
          unit: 'MiB',
        },
        'idle.cpu_pct_of_core': { value: cpuExt - cpuBare, unit: '%' },
        'idle.bare_cpu_pct_of_core': { value: cpuBare, unit: '%' },
        'idle.heap_growth_MiB': { value: heapEnd - heapStart, unit: 'MiB' },
        'idle.heap_growth_repeat_MiB': { value: heapAgain - heapEnd, unit: 'MiB' },
        'msg.after_idle_p50_ms': { value: percentile(afterIdle, 50), unit: 'ms' },
      }
    } finally {
      await cleanup()
    }
  },
}

export default suite
