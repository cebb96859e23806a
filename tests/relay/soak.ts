/**
 * The relay soak (issue 15): the relay's own CLI process; well-behaved clients on 127.0.0.1 that
 * create mailboxes, subscribe, deposit to each other and fetch; hostile worker processes on other
 * loopback addresses running every attack in rotation (soak-hostile-worker.ts). Measures the good
 * clients' fetch latency, the relay's RSS, what the relay reset, and checks that every deposit the
 * relay acknowledged reaches its owner and that the relay process never died.
 *
 * Used by tests/relay/soak.test.ts (2 minutes in CI) and the bench suite tests/bench/suites/relay-soak.ts.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Libp2p } from '@libp2p/interface'
import {
  depositAddressOf,
  newMailboxCredentials,
  type MailboxClient,
  type MailboxCredentials,
  type Subscription,
} from '@hestia/core/mailbox/index.ts'
import {
  mailboxClientFor,
  spawnRelay,
  startClientNode,
  tempDir,
} from '../integration/relay-helpers.ts'
import type { GcProbeReport } from './gc-probe.ts'
import { counter, rssMiB } from './soak-support.ts'

const WORKER = join(import.meta.dirname, 'soak-hostile-worker.ts')
const GC_PROBE = pathToFileURL(join(import.meta.dirname, 'gc-probe.ts')).href
const MiB = 1024 * 1024
const COMPOSE = join(import.meta.dirname, '..', '..', 'relay-node', 'compose.yaml')

export interface SoakOptions {
  /** Length of the attack phase (measured). */
  durationMs: number
  /** Good clients alone before the attacks, measured apart as the same run's baseline. */
  baselineMs: number
  goodClients: number
  /** Hostile source addresses, one worker process each. */
  hostileSources: string[]
  /** Pause between one good client's rounds (deposit, fetch, ack). */
  goodPauseMs: number
  log?: (line: string) => void
}

/** The relay runs with the Node options of its container (relay-node/compose.yaml). */
export function composeNodeOptions(): string {
  const compose = readFileSync(COMPOSE, 'utf8')
  const relay = compose.slice(compose.indexOf('\n  relay:\n'))
  return /NODE_OPTIONS:\s*(\S+)/.exec(relay)?.[1] ?? ''
}

export interface SoakResult {
  /** Fetch latency of the same good clients before any attack (this machine, this run). */
  baselineFetchP99Ms: number
  goodFetches: number
  goodFetchP50Ms: number
  goodFetchP99Ms: number
  /** Good requests that failed (any error), by message. */
  goodErrors: Record<string, number>
  depositsAcknowledged: number
  depositsLost: number
  pushesReceived: number
  rssStartMiB: number
  rssPeakMiB: number
  /**
   * The relay's memory right after a forced full GC (tests/relay/gc-probe.ts), once the good
   * clients are set up and again once the attackers are gone: what it retains, not what V8 and
   * malloc have yet to give back.
   */
  afterGcStart: GcProbeReport
  afterGcEnd: GcProbeReport
  memoryLimitMiB: number
  hostileStreamsReset: number
  handshakesDropped: number
  hostileRuns: Record<string, number>
  relayExitedDuringRun: boolean
  relayHealthyAtEnd: boolean
}

/** The relay's memory limit in relay-node/compose.yaml (the relay service's mem_limit). */
export function composeMemoryLimitMiB(): number {
  const compose = readFileSync(COMPOSE, 'utf8')
  const relay = compose.slice(compose.indexOf('\n  relay:\n'))
  const m = /mem_limit:\s*(\d+)([mg])/.exec(relay)
  if (m === null) throw new Error('no mem_limit for the relay in compose.yaml')
  return Number(m[1]) * (m[2] === 'g' ? 1024 : 1)
}

function describe(r: GcProbeReport): string {
  const f = (n: number) => (n / MiB).toFixed(1)
  return `heap used ${f(r.heapUsed)} of ${f(r.heapTotal)} MiB, external ${f(r.external)} (array buffers ${f(r.arrayBuffers)}), RSS ${f(r.rss)} MiB`
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

interface GoodClient {
  node: Libp2p
  client: MailboxClient
  box: MailboxCredentials
  sub?: Subscription
  /** Deposit ids the relay acknowledged into this client's mailbox. */
  expected: Set<bigint>
  received: Set<bigint>
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => undefined)
  const dir = tempDir('hestia-soak-')
  const config = join(dir, 'config.json')
  // Every good client shares 127.0.0.1, which on the internet would be many addresses: the
  // per-address request and new-connection budgets are raised for them; per-peer budgets and every
  // stream, budget and handshake limit stay at their defaults.
  writeFileSync(
    config,
    JSON.stringify({
      mailbox: {
        rate: {
          depositPerIp: { perSecond: 1000, burst: 2000 },
          readPerIp: { perSecond: 2000, burst: 4000 },
        },
      },
      relay: { inboundConnectionsPerSecondPerIp: 100 },
    }),
  )
  const relay = await spawnRelay(
    [
      '--data',
      join(dir, 'data'),
      '--config',
      config,
      '--listen',
      '/ip4/127.0.0.1/tcp/0/ws',
      '--stun-port',
      '-1',
      '--admin-port',
      '0',
      '--log-level',
      'error',
    ],
    {
      NODE_OPTIONS: `${composeNodeOptions()} --expose-gc --import ${GC_PROBE}`,
      HESTIA_GC_PROBE_FILE: join(dir, 'gc-probe.json'),
    },
  )
  const pid = relay.child.pid!
  /** Has the relay collect garbage and report its memory (tests/relay/gc-probe.ts). */
  const probe = async (): Promise<GcProbeReport> => {
    const file = join(dir, 'gc-probe.json')
    rmSync(file, { force: true })
    relay.child.kill('SIGUSR2')
    for (let i = 0; i < 100 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 50))
    return JSON.parse(readFileSync(file, 'utf8')) as GcProbeReport
  }
  let relayExited = false
  void relay.exited.then(() => (relayExited = true))
  const addr = relay.multiaddrs[0]!
  const adminUrl = (
    JSON.parse(readFileSync(join(dir, 'data', 'relay.json'), 'utf8')) as { admin: { url: string } }
  ).admin.url

  const workers: ChildProcess[] = []
  const goods: GoodClient[] = []
  const latencies: number[] = []
  const baseline: number[] = []
  /** Where fetch latencies go: the baseline, nowhere (hostile workers starting), the attack phase. */
  let phase: 'baseline' | 'warmup' | 'attack' = 'baseline'
  const goodErrors: Record<string, number> = {}
  const hostileRuns: Record<string, number> = {}
  let pushes = 0
  let acknowledged = 0
  try {
    for (let i = 0; i < o.goodClients; i++) {
      const node = await startClientNode()
      const client = mailboxClientFor(node, addr)
      const box = newMailboxCredentials()
      await client.create(box)
      goods.push({ node, client, box, expected: new Set(), received: new Set() })
    }
    for (const g of goods) {
      g.sub = await g.client.subscribe(g.box, () => pushes++)
    }
    await new Promise((r) => setTimeout(r, 1000))
    const afterGcStart = await probe()
    log(`  soak: after GC at start ${describe(afterGcStart)}`)
    const rssStart = rssMiB(pid)
    let rssPeak = rssStart
    const sampler = setInterval(() => {
      if (!relayExited) rssPeak = Math.max(rssPeak, rssMiB(pid))
    }, 200)
    log(`  soak: relay up (RSS ${rssStart.toFixed(0)} MiB), ${goods.length} good clients`)

    // Phases: baseline (good clients alone), warmup (hostile workers starting, not measured),
    // attack (from the moment every worker is attacking, for durationMs).
    let stop = false
    let ready = 0
    let stopTimer: NodeJS.Timeout | undefined
    const startAttackPhase = () => {
      if (phase === 'attack') return
      phase = 'attack'
      stopTimer = setTimeout(() => (stop = true), o.durationMs)
    }
    const startHostile = () => {
      phase = 'warmup'
      for (const ip of o.hostileSources) spawnWorker(ip)
      // Workers that never report ready must not stall the run.
      setTimeout(startAttackPhase, 60_000).unref()
    }
    const spawnWorker = (ip: string) => {
      // The attackers' own CPU would be on their own machines; here it is the relay's two cores,
      // so they run at the lowest priority and take what the relay and good clients leave.
      const w = spawn(
        'nice',
        ['-n', '19', process.execPath, WORKER, addr, ip, 'rotation', String(o.durationMs + 90_000)],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      )
      let buf = ''
      w.stdout.on('data', (d: Buffer) => {
        buf += d.toString()
        let nl
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl)
          buf = buf.slice(nl + 1)
          try {
            const report = JSON.parse(line) as { attack?: string; ready?: boolean }
            if (report.ready === true && ++ready === o.hostileSources.length) startAttackPhase()
            if (report.attack !== undefined) {
              hostileRuns[report.attack] = (hostileRuns[report.attack] ?? 0) + 1
            }
          } catch {
            // not a report line
          }
        }
      })
      workers.push(w)
    }

    const hostileTimer = setTimeout(startHostile, o.baselineMs)
    let lastLog = Date.now()
    const noteError = (err: unknown) => {
      const key = err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 80) : String(err)
      goodErrors[key] = (goodErrors[key] ?? 0) + 1
    }
    await Promise.all(
      goods.map(async (g, i) => {
        const to = goods[(i + 1) % goods.length]!
        let n = 0
        while (!stop && !relayExited) {
          try {
            const sealed = new Uint8Array(1024).fill(n++ & 0xff)
            const id = await g.client.deposit(depositAddressOf(to.box), sealed, { expiryS: 3600 })
            to.expected.add(id)
            acknowledged++
          } catch (err) {
            noteError(err)
          }
          try {
            const t = performance.now()
            const { messages } = await g.client.fetch(g.box)
            const ms = performance.now() - t
            if (phase === 'attack') latencies.push(ms)
            else if (phase === 'baseline') baseline.push(ms)
            for (const m of messages) g.received.add(m.id)
            if (messages.length > 0)
              await g.client.ack(
                g.box,
                messages.map((m) => m.id),
              )
          } catch (err) {
            noteError(err)
          }
          if (i === 0 && Date.now() - lastLog > 10_000) {
            lastLog = Date.now()
            const sorted = [...latencies].sort((a, b) => a - b)
            const line = `  soak: ${phase}, fetch p99 ${percentile(sorted, 99).toFixed(1)} ms, RSS ${rssMiB(pid).toFixed(0)} MiB (peak ${rssPeak.toFixed(0)}), hostile runs ${Object.values(hostileRuns).reduce((a, b) => a + b, 0)}`
            // The heap as the relay's own metrics see it (no forced GC): heap in use, external.
            void Promise.all([
              counter(adminUrl, 'hestia_relay_nodejs_heap_size_used_bytes'),
              counter(adminUrl, 'hestia_relay_nodejs_heap_size_total_bytes'),
              counter(adminUrl, 'hestia_relay_nodejs_external_memory_bytes'),
            ]).then(
              ([used, total, external]) =>
                log(
                  `${line}, heap ${(used / MiB).toFixed(0)}/${(total / MiB).toFixed(0)} MiB, external ${(external / MiB).toFixed(0)} MiB`,
                ),
              () => log(line),
            )
          }
          await new Promise((r) => setTimeout(r, o.goodPauseMs))
        }
      }),
    )
    clearInterval(sampler)
    clearTimeout(hostileTimer)
    clearTimeout(stopTimer)
    // The attack phase is over: workers stop where they are.
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.exitCode !== null) return resolve()
            w.once('exit', () => resolve())
            w.kill('SIGKILL')
          }),
      ),
    )

    // The attackers' connections close on the relay's side once their sockets are gone.
    await new Promise((r) => setTimeout(r, 3000))
    const afterGcEnd = relayExited ? afterGcStart : await probe()
    log(`  soak: after GC at end ${describe(afterGcEnd)}`)

    // Every acknowledged deposit must reach its owner: drain what is still stored.
    let lost = 0
    for (const g of goods) {
      await g.client.drain(g.box, (batch) => {
        for (const m of batch) g.received.add(m.id)
      })
      for (const id of g.expected) if (!g.received.has(id)) lost++
    }
    const healthy = !relayExited && (await fetch(`${adminUrl}/health`)).status === 200
    const sorted = [...latencies].sort((a, b) => a - b)
    return {
      baselineFetchP99Ms: percentile(
        [...baseline].sort((a, b) => a - b),
        99,
      ),
      goodFetches: latencies.length,
      goodFetchP50Ms: percentile(sorted, 50),
      goodFetchP99Ms: percentile(sorted, 99),
      goodErrors,
      depositsAcknowledged: acknowledged,
      depositsLost: lost,
      pushesReceived: pushes,
      rssStartMiB: rssStart,
      rssPeakMiB: rssPeak,
      afterGcStart,
      afterGcEnd,
      memoryLimitMiB: composeMemoryLimitMiB(),
      hostileStreamsReset: relayExited
        ? NaN
        : await counter(adminUrl, 'hestia_relay_streams_reset_total'),
      handshakesDropped: relayExited
        ? NaN
        : await counter(adminUrl, 'hestia_relay_handshakes_dropped_total'),
      hostileRuns,
      relayExitedDuringRun: relayExited,
      relayHealthyAtEnd: healthy,
    }
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL')
    for (const g of goods) {
      await g.sub?.close().catch(() => undefined)
      try {
        await g.node.stop()
      } catch {
        // already stopped
      }
    }
    relay.child.kill('SIGTERM')
    await relay.exited
    rmSync(dir, { recursive: true, force: true })
  }
}
