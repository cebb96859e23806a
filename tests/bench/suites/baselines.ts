// Physical baselines for the message and file metrics: a bare RTCDataChannel between two pages
// of one Chromium on loopback (lib/raw-datachannel.ts). msg.direct.* and file.direct.* are
// judged as ratios against these. When a suite for our own stack lands it should measure these
// same figures interleaved with its own (A B A B) and produce them itself: the runner then keeps
// that suite's figure over this one (lib/runner.ts, measuresAgainst).

import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { launchBenchChromium } from '../lib/chromium.ts'
import { interleave } from '../lib/interleave.ts'
import { ECHO_MESSAGE_BYTES, openRawChannelPair } from '../lib/raw-datachannel.ts'
import { startStaticServer } from '../lib/static-server.ts'
import { megabytesPerSecond, percentile } from '../lib/stats.ts'

interface Sizes {
  /** Echo messages per repetition. */
  echoes: number
  /** Bytes sent per bulk repetition. */
  bulkBytes: number
  repetitions: number
  warmup: number
}

const MiB = 1024 * 1024

const SIZES: Record<BenchMode, Sizes> = {
  smoke: { echoes: 50, bulkBytes: 4 * MiB, repetitions: 1, warmup: 1 },
  quick: { echoes: 300, bulkBytes: 32 * MiB, repetitions: 3, warmup: 1 },
  full: { echoes: 2000, bulkBytes: 128 * MiB, repetitions: 7, warmup: 1 },
}

const BLANK_PAGE = '<!doctype html><meta charset="utf-8"><title>hestia bench</title>'

const suite: BenchSuite = {
  prefix: 'baselines',
  metrics: ['msg.raw.rtt_p50_ms', 'msg.raw.rtt_p99_ms', 'file.raw.MBps'],
  async run({ mode, log, signal }) {
    const sizes = SIZES[mode]
    const server = await startStaticServer({ routes: { '/blank.html': BLANK_PAGE } })
    const chromium = await launchBenchChromium()
    const release = (): void => void chromium.close().catch(() => undefined)
    signal?.addEventListener('abort', release, { once: true })
    try {
      const pair = await openRawChannelPair(chromium.browser, server.url('/blank.html'))
      if (!pair.preciseTimers) log('  baselines: page not cross-origin isolated, timers at 100 µs')
      const allRtts: number[] = []
      const result = await interleave(
        {
          rtt: async () => {
            const rtts = await pair.echoRtts(sizes.echoes)
            allRtts.push(...rtts)
            return percentile(rtts, 50)
          },
          bulk: async () => {
            const { bytes, milliseconds } = await pair.bulk(sizes.bulkBytes)
            return megabytesPerSecond(bytes, milliseconds)
          },
        },
        {
          repetitions: sizes.repetitions,
          warmup: sizes.warmup,
          onSample: (arm, repetition, value) =>
            log(`  baselines ${arm} #${repetition + 1}: ${value.toFixed(3)}`),
        },
      )
      await pair.close()
      const metrics: Record<string, Metric> = {
        'msg.raw.rtt_p50_ms': { value: result.median.rtt, unit: 'ms' },
        'msg.raw.rtt_p99_ms': { value: percentile(allRtts, 99), unit: 'ms' },
        'file.raw.MBps': { value: result.median.bulk, unit: 'MB/s' },
      }
      log(
        `  baselines: ${ECHO_MESSAGE_BYTES}-byte echoes x${sizes.echoes}, ` +
          `${sizes.bulkBytes / MiB} MiB bulk, ${sizes.repetitions} repetitions`,
      )
      return metrics
    } finally {
      signal?.removeEventListener('abort', release)
      await chromium.close().catch(() => undefined)
      await server.close()
    }
  },
}

export default suite
