/**
 * The slow case of issue 7: a 1 GiB file between two Node devices over libp2p WebRTC
 * (node-datachannel on 127.0.0.1, signalled through an in-process relay), byte-identical, with
 * throughput and peak RSS in the output. Both devices share this process, so the RSS bound covers
 * both sides: holding the file in memory anywhere would put it far above the bound.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { after, before, test } from 'node:test'
import { offerFile, startDevicePair, waitForState, type DevicePair } from './support/files-net.ts'
import { sha256OfFile } from './support/files-storage.ts'

const MiB = 1024 * 1024
const SIZE = Number(process.env.HESTIA_FILES_BIG_BYTES ?? 1024 * MiB)
/** Both devices plus libp2p and the relay; a file held in memory would add SIZE on top. */
const RSS_BOUND = 512 * MiB

let pair: DevicePair
before(async () => {
  pair = await startDevicePair({ tuning: { retryFirstMs: 500 } })
})
after(async () => {
  await pair.stop()
})

test(
  `a ${SIZE / MiB} MiB file arrives byte-identical in bounded memory`,
  { timeout: 600_000 },
  async () => {
    let peakRss = process.memoryUsage().rss
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 100)
    try {
      const tPrep = performance.now()
      const f = await offerFile(pair, SIZE, 'one-gib')
      const prepMs = performance.now() - tPrep
      const t0 = performance.now()
      await pair.b.engine.accept(f.transferId)
      const done = await waitForState(
        pair.b,
        f.transferId,
        ['completed', 'failed', 'paused'],
        540_000,
      )
      const ms = performance.now() - t0
      assert.equal(done.state, 'completed', JSON.stringify(done.error))
      await waitForState(pair.a, f.transferId, ['completed'], 10_000)
      const out = pair.b.storage.sinks.get(f.transferId)!.finalPath
      assert.equal(await sha256OfFile(out), f.sourceSha256, 'the received file is byte-identical')
      const resent = pair.a.engine.stats
        .filter((s) => s.transferId === f.transferId)
        .reduce((n, s) => n + s.chunksSent, 0)
      const maxRss = process.resourceUsage().maxRSS * 1024
      peakRss = Math.max(peakRss, maxRss)
      console.log(
        `# ${SIZE / MiB} MiB: offer prepared (encrypt + SHA-256 pass) in ${(prepMs / 1000).toFixed(1)} s; ` +
          `transfer ${(ms / 1000).toFixed(1)} s = ${(SIZE / 1e6 / (ms / 1000)).toFixed(1)} MB/s; ` +
          `${resent} chunk frames sent; peak RSS ${(peakRss / MiB).toFixed(0)} MiB (both devices, one process)`,
      )
      assert.ok(
        peakRss < RSS_BOUND,
        `peak RSS ${(peakRss / MiB).toFixed(0)} MiB stays under ${RSS_BOUND / MiB} MiB`,
      )
      await rm(out, { force: true })
      await rm(f.sourcePath, { force: true })
    } finally {
      clearInterval(sampler)
    }
  },
)
