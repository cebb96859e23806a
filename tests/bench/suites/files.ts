// Node↔Node file transfer (issue 7) next to a raw libp2p stream of the same bytes, interleaved
// A B A B on one direct WebRTC connection (node-datachannel on 127.0.0.1, signalled through an
// in-process relay). The browser figures (file.direct.MBps, file.receiver_heap_peak_MiB) are in
// file.ts; these say how much the protocol itself costs.
//
// Both devices run in this one process, so on a loaded machine the MB/s of either arm follows the
// CPU it gets. *.cpu_ms_per_MiB is the process CPU time (all threads) each arm spent per MiB: the
// figure that does not move with other people's load, and what a change to the protocol's hot
// path should lower (ADR 0427). The engines use node:crypto AES-GCM as a Node peer would: Node's
// WebCrypto adds ~3 ms of CPU per MiB and pass that browsers' WebCrypto does not.

import { lpStream } from '@libp2p/utils'
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { interleave } from '../lib/interleave.ts'
import { median } from '../lib/stats.ts'
import { FILE_LIMITS } from '../../../core/src/files/index.ts'
import { nodeAesGcm } from '../../integration/support/files-storage.ts'
import {
  directConnectionTo,
  offerFile,
  startDevicePair,
  waitForState,
} from '../../integration/support/files-net.ts'

const MiB = 1024 * 1024
const SIZES: Record<BenchMode, { bytes: number; repetitions: number; warmup: number }> = {
  smoke: { bytes: 4 * MiB, repetitions: 1, warmup: 0 },
  quick: { bytes: 64 * MiB, repetitions: 3, warmup: 1 },
  full: { bytes: 256 * MiB, repetitions: 5, warmup: 1 },
}
const RAW_PROTOCOL = '/hestia/bench/raw-bytes/1.0.0'

const suite: BenchSuite = {
  prefix: 'file.node',
  metrics: [
    'file.node_direct.MBps',
    'file.node_raw.MBps',
    'file.node_direct.peak_rss_MiB',
    'file.node_direct.cpu_ms_per_MiB',
    'file.node_raw.cpu_ms_per_MiB',
  ],
  async run({ mode, log, signal }) {
    const { bytes, repetitions, warmup } = SIZES[mode]
    const pair = await startDevicePair({ aes: nodeAesGcm })
    const cpu: Record<'raw' | 'direct', number[]> = { raw: [], direct: [] }
    /** Notes the CPU time spent since `before` per MiB moved (the same span as the MB/s). */
    const noteCpu = (arm: 'raw' | 'direct', before: NodeJS.CpuUsage): void => {
      const used = process.cpuUsage(before)
      cpu[arm].push((used.user + used.system) / 1000 / (bytes / MiB))
    }
    let peakRss = 0
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss)
    }, 100)
    try {
      // Raw arm: the same bytes in 16 KiB + 66 B frames (a chunk frame's size), no crypto, no acks.
      const frame = new Uint8Array(FILE_LIMITS.senderFrameBytes - 48)
      await pair.b.node.handle(RAW_PROTOCOL, async (stream) => {
        const lp = lpStream(stream, { maxDataLength: 1 << 20, maxBufferSize: 64 * MiB })
        for (let got = 0; got < bytes;) got += (await lp.read()).byteLength
        await lp.write(Uint8Array.of(1))
        await stream.close()
      })
      const raw = async () => {
        const conn = await directConnectionTo(pair.a.node, pair.relayAddr, pair.b.node.peerId)
        const stream = await conn.newStream(RAW_PROTOCOL)
        const lp = lpStream(stream, { maxDataLength: 16 })
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        for (let sent = 0; sent < bytes; sent += frame.length) await lp.write(frame)
        await lp.read()
        const ms = performance.now() - t0
        noteCpu('raw', cpu0)
        await stream.close()
        return bytes / 1e6 / (ms / 1000)
      }
      let n = 0
      const direct = async () => {
        signal?.throwIfAborted()
        // Writing the source file and the sender's encryption pass (offer) are not timed.
        const f = await offerFile(pair, bytes, `bench-${++n}`)
        const cpu0 = process.cpuUsage()
        const t0 = performance.now()
        await pair.b.engine.accept(f.transferId)
        const done = await waitForState(pair.b, f.transferId, ['completed', 'failed'], 600_000)
        const ms = performance.now() - t0
        noteCpu('direct', cpu0)
        if (done.state !== 'completed') throw new Error(`transfer ${done.state}`)
        return bytes / 1e6 / (ms / 1000)
      }
      const r = await interleave(
        { raw, direct },
        {
          repetitions,
          warmup,
          onSample: (arm, i, v) => log(`  file.node ${arm} #${i}: ${v.toFixed(1)} MB/s`),
        },
      )
      // The warm-up rounds are recorded first: keep the measured ones only.
      const cpuMedian = (arm: 'raw' | 'direct') => median(cpu[arm].slice(warmup))
      log(
        `  file.node cpu per MiB: raw ${cpuMedian('raw').toFixed(1)} ms, ` +
          `direct ${cpuMedian('direct').toFixed(1)} ms`,
      )
      const metrics: Record<string, Metric> = {
        'file.node_raw.cpu_ms_per_MiB': { value: cpuMedian('raw'), unit: 'ms' },
        'file.node_direct.cpu_ms_per_MiB': {
          value: cpuMedian('direct'),
          unit: 'ms',
          baseline: 'file.node_raw.cpu_ms_per_MiB',
        },
        'file.node_raw.MBps': { value: r.median.raw, unit: 'MB/s' },
        'file.node_direct.MBps': {
          value: r.median.direct,
          unit: 'MB/s',
          baseline: 'file.node_raw.MBps',
          goal: 'ratio >= 0.7',
        },
        'file.node_direct.peak_rss_MiB': {
          value: Math.round(peakRss / MiB),
          unit: 'MiB',
          goal: '<= 512 MiB',
        },
      }
      return metrics
    } finally {
      clearInterval(sampler)
      await pair.stop()
    }
  },
}

export default suite
