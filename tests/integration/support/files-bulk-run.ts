/**
 * One bulk transfer between two devices in a fresh process, as the 1 GiB test and benchmarks run it
 * (node:test's async hooks slow promise-heavy code about 2.5x, so the figure is measured outside
 * the test runner). Usage: node files-bulk-run.ts <bytes>. Prints one JSON line (BulkRunResult).
 */
import { rm } from 'node:fs/promises'
import { offerFile, startDevicePair, waitForState } from './files-net.ts'
import { sha256OfFile } from './files-storage.ts'

export interface BulkRunResult {
  size: number
  prepareMs: number
  transferMs: number
  MBps: number
  peakRssBytes: number
  sourceSha256: string
  outputSha256: string
  chunkFrames: number
  state: string
}

const size = Number(process.argv[2] ?? 64 * 1024 * 1024)
let peakRss = process.memoryUsage().rss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 100)
const pair = await startDevicePair()
try {
  const t0 = performance.now()
  const f = await offerFile(pair, size, 'bulk')
  const prepareMs = performance.now() - t0
  const t1 = performance.now()
  await pair.b.engine.accept(f.transferId)
  const done = await waitForState(pair.b, f.transferId, ['completed', 'failed', 'paused'], 900_000)
  const transferMs = performance.now() - t1
  const out = pair.b.storage.sinks.get(f.transferId)!.finalPath
  const outputSha256 = done.state === 'completed' ? await sha256OfFile(out) : ''
  const result: BulkRunResult = {
    size,
    prepareMs: Math.round(prepareMs),
    transferMs: Math.round(transferMs),
    MBps: Number((size / 1e6 / (transferMs / 1000)).toFixed(1)),
    peakRssBytes: Math.max(peakRss, process.resourceUsage().maxRSS * 1024),
    sourceSha256: f.sourceSha256,
    outputSha256,
    chunkFrames: pair.a.engine.stats.reduce((n, s) => n + s.chunksSent, 0),
    state: done.state,
  }
  await rm(out, { force: true })
  await rm(f.sourcePath, { force: true })
  console.log(JSON.stringify(result))
} finally {
  clearInterval(sampler)
  await pair.stop()
}
