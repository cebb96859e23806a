/** Transfer rate over a sliding window and the time left, for the UI's progress bars. */
import type { TransferProgress } from '../client/api.ts'

export class RateMeter {
  #samples: { at: number; bytes: number }[] = []
  #windowMs: number

  constructor(windowMs: number) {
    this.#windowMs = windowMs
  }

  /** Record the running byte count at time `at` (ms). */
  add(at: number, bytes: number): void {
    this.#samples.push({ at, bytes })
    while (this.#samples.length > 2 && at - this.#samples[1]!.at > this.#windowMs)
      this.#samples.shift()
  }

  reset(): void {
    this.#samples = []
  }

  /** Bytes per second over the window; 0 until two samples at different times exist. */
  rate(): number {
    const first = this.#samples[0]
    const last = this.#samples[this.#samples.length - 1]
    if (first === undefined || last === undefined || last.at <= first.at) return 0
    return ((last.bytes - first.bytes) * 1000) / (last.at - first.at)
  }
}

export function progressOf(
  bytes: number,
  total: number,
  rate: number,
  moving: boolean,
): TransferProgress {
  const r = moving ? Math.max(0, rate) : 0
  return {
    bytes,
    total,
    rateBytesPerSec: Math.round(r),
    etaSeconds: r > 0 ? Math.ceil((total - bytes) / r) : null,
  }
}
