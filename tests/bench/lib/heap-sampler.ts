// Peak JS heap of a Chromium page while something runs in it (file.receiver_heap_peak_MiB):
// polls the DevTools protocol's Runtime.getHeapUsage, which reads the live heap without forcing
// a garbage collection, so the peak includes garbage not yet collected, as a user's tab would.
//
//   const sampler = await startHeapSampler(receiverPage)
//   await receiveOneGiB()
//   const peakMiB = await sampler.stop()

import type { Page } from 'playwright-core'
import { BYTES_PER_MIB } from './stats.ts'

/** Poll interval: short enough to catch a peak that lasts one chunk, cheap enough not to skew. */
export const HEAP_POLL_INTERVAL_MS = 50

export interface HeapSampler {
  /** Highest used heap seen so far, in MiB. */
  peakMiB(): number
  /** Stops polling (after one last sample) and returns the peak in MiB. */
  stop(): Promise<number>
}

export async function startHeapSampler(
  page: Page,
  intervalMs: number = HEAP_POLL_INTERVAL_MS,
): Promise<HeapSampler> {
  const session = await page.context().newCDPSession(page)
  let peakBytes = 0
  const sample = async (): Promise<void> => {
    const { usedSize } = (await session.send('Runtime.getHeapUsage')) as { usedSize: number }
    peakBytes = Math.max(peakBytes, usedSize)
  }
  await sample()
  let pending: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    // One request at a time; a sample that fails (page closing) just ends the series.
    pending = pending.then(sample).catch(() => undefined)
  }, intervalMs)
  return {
    peakMiB: () => peakBytes / BYTES_PER_MIB,
    stop: async () => {
      clearInterval(timer)
      await pending
      await sample().catch(() => undefined)
      await session.detach().catch(() => undefined)
      return peakBytes / BYTES_PER_MIB
    },
  }
}
