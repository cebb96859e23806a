// Relay soak (issue #15): the relay's CLI process under every hostile-load attack in rotation from
// four loopback addresses while six good clients deposit, fetch, ack and stay subscribed
// (tests/relay/soak.ts, the same run as tests/relay/soak.test.ts, longer). Reports the good
// clients' fetch p99 during the attacks (and before them, as this run's baseline), the relay's RSS
// peak, and how many hostile streams the relay reset.

import type { BenchMode, BenchSuite } from '../types.ts'
import { runSoak } from '../../relay/soak.ts'

const SIZES: Record<BenchMode, { seconds: number; baselineSeconds: number }> = {
  smoke: { seconds: 10, baselineSeconds: 4 },
  quick: { seconds: 90, baselineSeconds: 15 },
  full: { seconds: 600, baselineSeconds: 30 },
}

const suite: BenchSuite = {
  prefix: 'relay.soak',
  metrics: [
    'relay.soak.good_fetch_p99_ms',
    'relay.soak.baseline_fetch_p99_ms',
    'relay.soak.rss_peak_MiB',
    'relay.soak.hostile_streams_reset',
    'relay.soak.handshakes_dropped',
    'relay.soak.deposits_lost',
  ],
  async run({ mode, log }) {
    const size = SIZES[mode]
    const r = await runSoak({
      durationMs: size.seconds * 1000,
      baselineMs: size.baselineSeconds * 1000,
      goodClients: 6,
      hostileSources: ['127.0.0.21', '127.0.0.22', '127.0.0.23', '127.0.0.24'],
      goodPauseMs: 100,
      log,
    })
    log(
      `  soak: ${r.goodFetches} good fetches, ${r.depositsAcknowledged} deposits acknowledged, hostile runs ${JSON.stringify(r.hostileRuns)}, good errors ${JSON.stringify(r.goodErrors)}, relay alive ${String(!r.relayExitedDuringRun)}`,
    )
    if (r.relayExitedDuringRun) throw new Error('the relay process died during the soak')
    const rssGoal = Math.floor(r.memoryLimitMiB * 0.75)
    return {
      'relay.soak.good_fetch_p99_ms': { value: r.goodFetchP99Ms, unit: 'ms', goal: '<= 50 ms' },
      'relay.soak.baseline_fetch_p99_ms': { value: r.baselineFetchP99Ms, unit: 'ms' },
      'relay.soak.rss_peak_MiB': {
        value: r.rssPeakMiB,
        unit: 'MiB',
        goal: `<= ${rssGoal} MiB`,
      },
      'relay.soak.hostile_streams_reset': { value: r.hostileStreamsReset, unit: 'streams' },
      'relay.soak.handshakes_dropped': { value: r.handshakesDropped, unit: 'sockets' },
      'relay.soak.deposits_lost': {
        value: r.depositsLost,
        unit: 'deposits',
        goal: '<= 0 deposits',
      },
    }
  },
}

export default suite
