/**
 * The slow case of issue 7: a 1 GiB file between two Node devices over libp2p WebRTC
 * (node-datachannel on 127.0.0.1, signalled through an in-process relay), byte-identical, with
 * throughput and peak RSS in the output. The transfer runs in a child process (support/
 * files-bulk-run.ts) so neither node:test's async hooks nor this process skew the figures. Both
 * devices share that process, so the RSS bound covers both sides: a file held in memory anywhere
 * would put it far above the bound.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { test } from 'node:test'
import { promisify } from 'node:util'
import type { BulkRunResult } from './support/files-bulk-run.ts'

const MiB = 1024 * 1024
const SIZE = Number(process.env.HESTIA_FILES_BIG_BYTES ?? 1024 * MiB)
/** Both devices plus libp2p and the relay; a file held in memory would add SIZE on top. */
const RSS_BOUND = 512 * MiB

test(
  `a ${SIZE / MiB} MiB file arrives byte-identical in bounded memory`,
  { timeout: 900_000 },
  async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(import.meta.dirname, 'support', 'files-bulk-run.ts'), String(SIZE)],
      { timeout: 840_000, maxBuffer: 1024 * 1024 },
    )
    const line = stdout.trim().split('\n').pop() ?? ''
    const r = JSON.parse(line) as BulkRunResult
    console.log(
      `# ${SIZE / MiB} MiB: offer prepared (encrypt + SHA-256 pass) in ${(r.prepareMs / 1000).toFixed(1)} s; ` +
        `transfer ${(r.transferMs / 1000).toFixed(1)} s = ${r.MBps} MB/s; ${r.chunkFrames} chunk frames; ` +
        `peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB (both devices, one process)`,
    )
    assert.equal(r.state, 'completed')
    assert.equal(r.size, SIZE)
    assert.equal(r.outputSha256, r.sourceSha256, 'the received file is byte-identical')
    assert.equal(r.chunkFrames, Math.floor(SIZE / 16384) + 1, 'every chunk sent once')
    assert.ok(
      r.peakRssBytes < RSS_BOUND,
      `peak RSS ${(r.peakRssBytes / MiB).toFixed(0)} MiB < ${RSS_BOUND / MiB} MiB`,
    )
  },
)
