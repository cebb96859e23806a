// Connection setup: browser↔browser libp2p WebRTC dials signalled through a Hestia relay.
//
// Two pages of one Chromium (separate browser contexts, so separate WebRTC stacks) each run the
// extension's own libp2p node (extension/src/node/create-node.ts `createBrowserNode`, bundled for
// a plain page with esbuild), connect to a relay started in this process (relay-node `startRelay`
// through tests/browser/support TestRelay) and B reserves a circuit slot. Each repetition A dials
// `<relay>/p2p-circuit/webrtc/p2p/<B>` — exactly the address the messenger dials — and the figure
// is the time from `node.dial()` to the returned open, unlimited (direct WebRTC) connection,
// measured with performance.now() in A's page. Then both hang up (`node.hangUp(peer)`) and wait
// until neither side holds a connection to the other before the next dial.
//
// Debugging: HESTIA_BENCH_DEBUG='libp2p:webrtc*' prints the pages' libp2p logs (the `debug`
// namespaces) to the progress log.
// HESTIA_BENCH_CONNECT_DIALS=N measures N dials instead of the mode's count.
// HESTIA_BENCH_CONNECT_GUARD=off bundles the node without the WebRTC `init` guard (ADR 0907), to
// measure the failure rate it removes against the same build in the same hour.

// esbuild comes with the workspace's toolchain (Plasmo's dependency tree); it bundles in ~1 s.
import { build, type Plugin } from 'esbuild'
import { TestRelay } from '../../browser/support/messenger-browser.ts'
import { repoRoot } from '../../../scripts/build-extension.ts'
import type { BenchMode, BenchSuite } from '../types.ts'
import { launchBenchChromium } from '../lib/chromium.ts'
import { ANSWERER_INIT_DEADLINE_MS } from '../../../extension/src/node/webrtc-init-guard.ts'
import { startStaticServer } from '../lib/static-server.ts'
import { percentile, summarize } from '../lib/stats.ts'
import type { Page } from 'playwright-core'

interface Sizes {
  /** Measured dials. */
  dials: number
  /** Unrecorded dials first (JIT, first ICE gathering). */
  warmup: number
}

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { dials: 3, warmup: 1 },
  quick: { dials: 20, warmup: 2 },
  full: { dials: 100, warmup: 3 },
}

function sizesFor(mode: BenchMode): Sizes {
  const wanted = process.env['HESTIA_BENCH_CONNECT_DIALS']
  if (wanted === undefined || wanted === '') return SIZES[mode]
  const dials = Number(wanted)
  if (!Number.isSafeInteger(dials) || dials < 1) {
    throw new Error(`HESTIA_BENCH_CONNECT_DIALS wants a whole number >= 1, got "${wanted}"`)
  }
  return { ...SIZES[mode], dials }
}

/** Whether the page's node runs without the `init` guard (HESTIA_BENCH_CONNECT_GUARD=off). */
function guardOff(): boolean {
  const value = process.env['HESTIA_BENCH_CONNECT_GUARD']
  if (value === undefined || value === '' || value === 'on') return false
  if (value === 'off') return true
  throw new Error(`HESTIA_BENCH_CONNECT_GUARD wants on or off, got "${value}"`)
}

/** Any single wait inside a page (relay, reservation, dial, hang-up) gives up after this. */
const PAGE_WAIT_MS = 20_000

/** Attempts per sample before the suite gives up. */
const DIAL_ATTEMPTS = 8
/** One dial attempt gives up after this (a good one takes 50-250 ms here). */
const DIAL_WAIT_MS = 8_000
/** How long the last connection is held open: past the answerer's `init` deadline (ADR 0907). */
const HOLD_MS = ANSWERER_INIT_DEADLINE_MS + 2_000
/** Pause before retrying a failed dial. */
const RETRY_PAUSE_MS = 500
/** Pause after a hang-up (and after a failed attempt) so the relay drops the old circuit. */
const SETTLE_MS = 500

/** The page's entry point: the extension's node factory and multiaddr parsing, on globalThis. */
const ENTRY = `
import { createBrowserNode } from './extension/src/node/create-node.ts'
import { multiaddr } from '@multiformats/multiaddr'
globalThis.hestiaBench = { createBrowserNode, multiaddr }
`

const PAGE =
  '<!doctype html><meta charset="utf-8"><title>hestia bench node</title>' +
  '<script type="module" src="/node.js"></script>'

/** esbuild plugin: the guard module becomes a no-op (for the "before" arm). */
const withoutInitGuard: Plugin = {
  name: 'hestia-bench-without-init-guard',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /webrtc-init-guard\.ts$/ }, () => ({
      contents: 'export function installWebRtcInitGuard() { return false }',
      loader: 'ts',
    }))
  },
}

async function bundleNode(withoutGuard: boolean): Promise<string> {
  const result = await build({
    plugins: withoutGuard ? [withoutInitGuard] : [],
    stdin: {
      contents: ENTRY,
      resolveDir: repoRoot,
      sourcefile: 'bench-node-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    tsconfigRaw: {},
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error('esbuild wrote no bundle for the bench node page')
  return output.text
}

interface BenchGlobal {
  hestiaBench: {
    createBrowserNode: (options: unknown) => Promise<BenchNode>
    multiaddr: (address: string) => unknown
  }
  hestiaNode?: BenchNode
}

/** The slice of a libp2p node the page code uses (typed loosely: it lives in the page). */
interface BenchNode {
  peerId: { toString(): string }
  start(): Promise<void>
  stop(): Promise<void>
  dial(address: unknown, options?: unknown): Promise<BenchConnection>
  hangUp(peer: unknown): Promise<void>
  getMultiaddrs(): { toString(): string }[]
  getConnections(peer?: unknown): BenchConnection[]
}

interface BenchConnection {
  remotePeer: { toString(): string }
  remoteAddr: { toString(): string }
  status: string
  limits?: unknown
}

/** In the page: starts the node, connects to the relay, waits for a reservation when asked. */
async function startPageNode({
  relay,
  reserve,
  waitMs,
}: {
  relay: string
  reserve: boolean
  waitMs: number
}): Promise<{ peerId: string; addresses: string[] }> {
  const scope = globalThis as unknown as BenchGlobal
  const deadline = performance.now() + waitMs
  while (scope.hestiaBench === undefined) {
    if (performance.now() > deadline) throw new Error('the bench node bundle did not load')
    await new Promise((r) => setTimeout(r, 20))
  }
  const node = await scope.hestiaBench.createBrowserNode({
    policy: { allowLoopbackRelays: true },
    relays: reserve ? [relay] : [],
  })
  scope.hestiaNode = node
  await node.start()
  await node.dial(scope.hestiaBench.multiaddr(relay), { signal: AbortSignal.timeout(waitMs) })
  const circuit = (): string[] =>
    node
      .getMultiaddrs()
      .map((a) => a.toString())
      .filter((a) => a.includes('/p2p-circuit/webrtc'))
  while (reserve && circuit().length === 0) {
    if (performance.now() > deadline)
      throw new Error('no relay reservation (no /webrtc circuit address)')
    await new Promise((r) => setTimeout(r, 20))
  }
  return { peerId: node.peerId.toString(), addresses: circuit() }
}

/** In A's page: one dial, timed; checks the connection is the direct WebRTC one. */
async function timedDial({ address, waitMs }: { address: string; waitMs: number }) {
  const scope = globalThis as unknown as BenchGlobal
  const node = scope.hestiaNode!
  const target = scope.hestiaBench.multiaddr(address)
  const started = performance.now()
  const connection = await node.dial(target, { signal: AbortSignal.timeout(waitMs) })
  const milliseconds = performance.now() - started
  return {
    milliseconds,
    remoteAddr: connection.remoteAddr.toString(),
    status: connection.status,
    limited: connection.limits !== undefined,
  }
}

/** In a page: connections to `peer` (after a hang-up: none should stay). */
function connectionsTo(peer: string): number {
  const node = (globalThis as unknown as BenchGlobal).hestiaNode!
  return node.getConnections().filter((c) => c.remotePeer.toString() === peer).length
}

/** In a page: open direct WebRTC connections to `peer`. */
function webrtcConnectionsTo(peer: string): number {
  const node = (globalThis as unknown as BenchGlobal).hestiaNode!
  return node
    .getConnections()
    .filter((c) => c.remotePeer.toString() === peer && c.status === 'open')
    .filter((c) => c.remoteAddr.toString().includes('/webrtc')).length
}

async function hangUp(page: Page, peer: string): Promise<void> {
  await page.evaluate(async (peer) => {
    const node = (globalThis as unknown as BenchGlobal).hestiaNode!
    for (const c of node.getConnections()) {
      if (c.remotePeer.toString() === peer) await node.hangUp(c.remotePeer)
    }
  }, peer)
}

/**
 * One timed dial; a dial that fails (the relay or the signalling stream reset under load) is
 * retried up to DIAL_ATTEMPTS times and counted. Only a successful dial is a sample.
 */
async function dialWithRetries(
  page: Page,
  address: string,
  onFailure: (error: unknown) => Promise<void>,
) {
  for (let attempt = 1; ; attempt++) {
    try {
      const dial = await page.evaluate(timedDial, { address, waitMs: DIAL_WAIT_MS })
      if (dial.status !== 'open' || dial.limited || !dial.remoteAddr.includes('/webrtc')) {
        throw new Error(`the dial gave no direct WebRTC connection: ${JSON.stringify(dial)}`)
      }
      return dial
    } catch (error) {
      if (attempt >= DIAL_ATTEMPTS) throw error
      await onFailure(error)
    }
  }
}

async function stopPageNode(page: Page): Promise<void> {
  await page
    .evaluate(() => (globalThis as unknown as BenchGlobal).hestiaNode?.stop())
    .catch(() => undefined)
}

async function waitNoConnection(page: Page, peer: string): Promise<void> {
  const deadline = Date.now() + PAGE_WAIT_MS
  while ((await page.evaluate(connectionsTo, peer)) > 0) {
    if (Date.now() > deadline) throw new Error(`a connection to ${peer} stayed open after hang-up`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

const suite: BenchSuite = {
  prefix: 'connect',
  metrics: ['connect.webrtc_dial_p50_ms', 'connect.webrtc_dial_failed_pct'],
  async run({ mode, log, signal }) {
    const sizes = sizesFor(mode)
    const withoutGuard = guardOff()
    const bundle = await bundleNode(withoutGuard)
    const server = await startStaticServer({ routes: { '/node.html': PAGE, '/node.js': bundle } })
    const relay = await TestRelay.start()
    const chromium = await launchBenchChromium()
    const release = (): void => void chromium.close().catch(() => undefined)
    signal?.addEventListener('abort', release, { once: true })
    try {
      const pages = await Promise.all(
        [0, 1].map(async () => {
          const context = await chromium.browser.newContext()
          const page = await context.newPage()
          if (process.env['HESTIA_BENCH_DEBUG'] !== undefined) {
            await context.addInitScript(
              (d) => localStorage.setItem('debug', d),
              process.env['HESTIA_BENCH_DEBUG'],
            )
            page.on('console', (m) => log(`  page: ${m.text().slice(0, 300)}`))
          }
          await page.goto(server.url('/node.html'))
          return page
        }),
      )
      const [a, b] = pages as [Page, Page]
      const waitMs = PAGE_WAIT_MS
      const [nodeA, nodeB] = await Promise.all([
        a.evaluate(startPageNode, { relay: relay.address, reserve: false, waitMs }),
        b.evaluate(startPageNode, { relay: relay.address, reserve: true, waitMs }),
      ])
      const address = `${relay.address}/p2p-circuit/webrtc/p2p/${nodeB.peerId}`
      log(`  connect: init guard ${withoutGuard ? 'OFF (before arm)' : 'on'}`)
      log(`  connect: nodes up, B reachable at ${nodeB.addresses.length} circuit address(es)`)
      // Both sides hang up: a closed RTCPeerConnection is not signalled to the remote side,
      // which would otherwise notice only when its keep-alive ping times out (~15 s).
      const hangUpBoth = async (): Promise<void> => {
        await Promise.all([hangUp(a, nodeB.peerId), hangUp(b, nodeA.peerId)])
        await Promise.all([waitNoConnection(a, nodeB.peerId), waitNoConnection(b, nodeA.peerId)])
      }
      const samples: number[] = []
      let failures = 0
      for (let i = 0; i < sizes.warmup + sizes.dials; i++) {
        if (signal?.aborted === true) throw new Error('connect suite aborted')
        const dial = await dialWithRetries(a, address, async (error) => {
          failures++
          log(`  connect: dial ${i + 1} failed, retrying: ${String(error).split('\n')[0]}`)
          await hangUpBoth()
          await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS))
        })
        log(`  connect: dial ${i + 1}: ${dial.milliseconds.toFixed(1)} ms`)
        if (i >= sizes.warmup) samples.push(dial.milliseconds)
        await hangUpBoth()
        await new Promise((r) => setTimeout(r, SETTLE_MS))
      }
      const s = summarize(samples)
      log(
        `  connect: ${samples.length} WebRTC dials via the relay: p50 ${s.p50.toFixed(1)} ms, ` +
          `min ${s.min.toFixed(1)}, p90 ${s.p90.toFixed(1)}, max ${s.max.toFixed(1)}; ` +
          `${failures} failed attempt(s) retried`,
      )
      // A healthy connection must outlive the guard's zombie deadline on both sides (ADR 0907):
      // the answerer closes a connection only when the dialer never closed its `init` channel.
      const held = await dialWithRetries(a, address, async (error) => {
        failures++
        log(`  connect: held dial failed, retrying: ${String(error).split('\n')[0]}`)
        await hangUpBoth()
        await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS))
      })
      await new Promise((r) => setTimeout(r, HOLD_MS))
      const kept = await Promise.all([
        a.evaluate(webrtcConnectionsTo, nodeB.peerId),
        b.evaluate(webrtcConnectionsTo, nodeA.peerId),
      ])
      if (kept[0] === 0 || kept[1] === 0) {
        throw new Error(
          `a working connection was dropped within ${HOLD_MS} ms (A, B): ${kept.join(', ')}`,
        )
      }
      log(
        `  connect: held dial (${held.milliseconds.toFixed(1)} ms) open on both sides after ${HOLD_MS} ms`,
      )
      await Promise.all(pages.map(stopPageNode))
      const attempts = samples.length + sizes.warmup + 1 + failures // + the held dial
      return {
        'connect.webrtc_dial_p50_ms': { value: percentile(samples, 50), unit: 'ms' },
        // Attempts that timed out or were reset and had to be retried (warm-up included).
        'connect.webrtc_dial_failed_pct': { value: (100 * failures) / attempts, unit: '%' },
      }
    } finally {
      signal?.removeEventListener('abort', release)
      await chromium.close().catch(() => undefined)
      await relay.destroy().catch(() => undefined)
      await server.close()
    }
  },
}

export default suite
