/**
 * Where a browser file transfer's time goes (issue 21, file.direct.MBps): the file bench's setup
 * (two extension profiles, B a contact of A, a bare RTCDataChannel between a blank page in each
 * browser), then the raw arm and the real transfer in turn, and for each the CPU time every
 * thread of both browsers spent per MiB, read from /proc/<pid>/task/<tid>/stat outside the
 * browsers; the same for the file floor's two arms between the raw pages (sealed, stored:
 * tests/bench/lib/raw-file-floor.ts). Threads are grouped by process kind (browser, extension
 * renderer = the offscreen document that runs the node, page renderer = the raw arm's blank
 * page, network service, GPU) and thread name (CrRendererMain = the page's JavaScript,
 * WebRTC_Network = SCTP/DTLS, ThreadPool* = WebCrypto and blob work, IndexedDB, ...). Linux only.
 *
 *   node_modules/.bin/node scripts/profile-file-path.ts [MIB=64] [REPS=2]
 *
 * HESTIA_BENCH_EXTENSION_DIR=<unpacked build> profiles that build instead of the working tree's
 * (a `--no-minify` build keeps function names readable). HESTIA_PROFILE_DIR=<dir> also records a
 * V8 CPU profile of both offscreen documents during the last transfer (recv.cpuprofile,
 * send.cpuprofile; read them with scripts/cpu-profile-summary.ts).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { openExtensionPair, type BenchExtensionPage } from '../tests/bench/lib/extension-pair.ts'
import {
  acceptIncoming,
  downloadsOf,
  offerThroughUi,
  waitForCompleted,
} from '../tests/bench/lib/extension-files.ts'
import { OffscreenCdp } from '../tests/bench/lib/offscreen-cdp.ts'
import { connectRawChannel } from '../tests/bench/lib/raw-datachannel.ts'
import { prepareRawFileFloor } from '../tests/bench/lib/raw-file-floor.ts'
import { startStaticServer } from '../tests/bench/lib/static-server.ts'
import { tempDir, writeDeterministicFile } from '../tests/integration/support/files-storage.ts'

const MiB = 1024 * 1024
const TICKS_PER_S = 100
const mib = Number(process.argv[2] ?? 64)
const reps = Number(process.argv[3] ?? 2)

/** CPU ticks per "side kind/thread" of every process of the browser using `profileDir`. */
function threadTicks(profileDir: string, side: string): Map<string, number> {
  const procs = new Map<number, { ppid: number; cmd: string }>()
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry)
    if (!Number.isInteger(pid)) continue
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      procs.set(pid, { ppid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8') })
    } catch {
      // gone meanwhile
    }
  }
  const members = new Set(
    [...procs]
      .filter(([, p]) => p.cmd.includes(`--user-data-dir=${profileDir}`))
      .map(([pid]) => pid),
  )
  for (let grew = true; grew;) {
    grew = false
    for (const [pid, p] of procs)
      if (!members.has(pid) && members.has(p.ppid)) {
        members.add(pid)
        grew = true
      }
  }
  const out = new Map<string, number>()
  for (const pid of members) {
    const cmd = procs.get(pid)!.cmd
    const kind = !cmd.includes('--type=')
      ? 'browser'
      : cmd.includes('--extension-process')
        ? 'ext-renderer'
        : cmd.includes('--type=renderer')
          ? 'page-renderer'
          : cmd.includes('NetworkService')
            ? 'network'
            : cmd.includes('--type=gpu')
              ? 'gpu'
              : 'other'
    let tasks: string[]
    try {
      tasks = readdirSync(`/proc/${pid}/task`)
    } catch {
      continue
    }
    for (const tid of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
        const name = stat
          .slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
          .replace(/[0-9]+$/, '')
          .replace(/ThreadPool.*/, 'ThreadPool')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        const ticks = Number(f[11]) + Number(f[12])
        const key = `${side} ${kind}/${name}`
        out.set(key, (out.get(key) ?? 0) + ticks)
      } catch {
        // thread gone
      }
    }
  }
  return out
}

function snapshot(a: BenchExtensionPage, b: BenchExtensionPage): Map<string, number> {
  return new Map([
    ...threadTicks(a.profile.profileDir, 'A(recv)'),
    ...threadTicks(b.profile.profileDir, 'B(send)'),
  ])
}

/** ms of CPU per MiB moved, per thread group, top entries first. */
function report(label: string, before: Map<string, number>, after: Map<string, number>): void {
  const rows: [string, number][] = []
  let total = 0
  for (const [key, t] of after) {
    const ms = ((t - (before.get(key) ?? 0)) / TICKS_PER_S) * 1000
    if (ms <= 0) continue
    rows.push([key, ms / mib])
    total += ms / mib
  }
  rows.sort((x, y) => y[1] - x[1])
  console.log(`  ${label}: ${total.toFixed(1)} ms CPU per MiB in both browsers`)
  for (const [key, v] of rows.slice(0, 14)) console.log(`    ${v.toFixed(2).padStart(7)}  ${key}`)
}

/** With HESTIA_PROFILE_DIR: CPU profiles of both offscreen documents; returns the stop. */
async function startProfiles(
  a: BenchExtensionPage,
  b: BenchExtensionPage,
): Promise<(() => Promise<void>) | undefined> {
  const out = process.env.HESTIA_PROFILE_DIR
  if (out === undefined) return undefined
  const sides = await Promise.all(
    [a, b].map((side) => OffscreenCdp.attach(side.profile.context!, side.page)),
  )
  for (const cdp of sides) {
    await cdp.send('Profiler.enable')
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
    await cdp.send('Profiler.start')
  }
  return async () => {
    for (const [i, cdp] of sides.entries()) {
      const { profile } = (await cdp.send('Profiler.stop', {}, 60_000)) as { profile: unknown }
      writeFileSync(
        join(out, i === 0 ? 'recv.cpuprofile' : 'send.cpuprofile'),
        JSON.stringify(profile),
      )
      await cdp.detach()
    }
  }
}

const dir = tempDir('hestia-profile-file-')
const pair = await openExtensionPair({ log: (l) => console.log(l) })
const server = await startStaticServer({
  routes: { '/blank.html': '<!doctype html><meta charset="utf-8"><title>raw</title>' },
})
try {
  const path = join(dir, 'profile.bin')
  await writeDeterministicFile(path, mib * MiB, 'profile-file')
  const rawPages = await Promise.all(
    [pair.b, pair.a].map(async (side) => {
      const page = await side.profile.context!.newPage()
      await page.goto(server.url('/blank.html'))
      return page
    }),
  )
  const raw = await connectRawChannel([rawPages[0]!, rawPages[1]!])
  const floor = await prepareRawFileFloor(raw)
  const known = new Set<string>()
  for (let r = 0; r < reps; r++) {
    let before = snapshot(pair.a, pair.b)
    const { milliseconds } = await raw.bulk(mib * MiB)
    report(
      `raw #${r + 1} ${((mib * MiB) / 1e6 / (milliseconds / 1000)).toFixed(2)} MB/s`,
      before,
      snapshot(pair.a, pair.b),
    )
    for (const arm of ['sealed', 'stored'] as const) {
      before = snapshot(pair.a, pair.b)
      const run = await floor.run(arm, mib * MiB)
      report(
        `raw_${arm} #${r + 1} ${((mib * MiB) / 1e6 / (run.milliseconds / 1000)).toFixed(2)} MB/s`,
        before,
        snapshot(pair.a, pair.b),
      )
    }
    await offerThroughUi(pair.b, 'Alice', path)
    const { transfer, acceptedAt } = await acceptIncoming(pair.a, known)
    known.add(transfer.transferId)
    const profiling = r === reps - 1 ? await startProfiles(pair.a, pair.b) : undefined
    before = snapshot(pair.a, pair.b)
    await waitForCompleted(pair.a, transfer.transferId, 600_000)
    await profiling?.()
    const ms = Date.now() - acceptedAt
    report(
      `direct #${r + 1} ${((mib * MiB) / 1e6 / (ms / 1000)).toFixed(2)} MB/s`,
      before,
      snapshot(pair.a, pair.b),
    )
    for (const d of await downloadsOf(pair.a))
      if (d.state === 'complete') await rm(d.filename, { force: true })
  }
  await raw.close()
  await Promise.all(rawPages.map((p) => p.close()))
} finally {
  await server.close()
  await pair.close()
  await rm(dir, { recursive: true, force: true })
}
