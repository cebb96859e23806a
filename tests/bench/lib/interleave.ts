// Interleaved A/B measurement: run the baseline and the measured code alternately (A B A B ...)
// so that both see the same machine state. On shared machines absolute figures drift by tens of
// percent within a minute; measured back to back in one loop, the ratio between them holds.
//
//   const r = await interleave({ raw: () => rawEchoP50(), direct: () => directEchoP50() },
//                              { repetitions: 5, warmup: 1 })
//   r.median.raw, r.median.direct   // medians of the 5 repetitions of each arm

import { median, BenchStatsError } from './stats.ts'

/** One repetition of one arm: returns the figure measured in that repetition (ms, MB/s, ...). */
export type Arm = () => Promise<number> | number

export interface InterleaveOptions {
  /** Measured repetitions of each arm (>= 1). */
  repetitions: number
  /** Unrecorded rounds run first (JIT, caches, connection setup). Default 0. */
  warmup?: number
  /** Called after each recorded figure, e.g. to log progress. */
  onSample?: (arm: string, repetition: number, value: number) => void
  /**
   * Start each round one arm later (A B C, B C A, C A B, ...) instead of always with the first,
   * so that no arm always runs right after the same other one. Use it when an arm leaves work
   * behind that the next one pays for (the file suite: the direct transfer's clean-up ran into
   * the raw arm that always followed it). Default false.
   */
  rotate?: boolean
}

export interface InterleaveResult<K extends string> {
  /** Every recorded figure per arm, in measurement order. */
  samples: Record<K, number[]>
  /** Median per arm. */
  median: Record<K, number>
}

/**
 * Runs the arms round-robin in the order given (A B A B ... for two arms, A B C A B C ... for
 * more; with `rotate`, A B C B C A C A B ...), `repetitions` recorded rounds after `warmup`
 * unrecorded ones, and returns each arm's samples and median. Arms run strictly one after
 * another, never concurrently.
 */
export async function interleave<K extends string>(
  arms: Record<K, Arm>,
  options: InterleaveOptions,
): Promise<InterleaveResult<K>> {
  const names = Object.keys(arms) as K[]
  if (names.length === 0) throw new BenchStatsError('interleave needs at least one arm')
  if (!Number.isInteger(options.repetitions) || options.repetitions < 1) {
    throw new BenchStatsError(`interleave needs repetitions >= 1, got ${options.repetitions}`)
  }
  const warmup = options.warmup ?? 0
  const samples = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<
    K,
    number[]
  >
  for (let round = 0; round < warmup + options.repetitions; round++) {
    const shift = options.rotate === true ? round % names.length : 0
    for (const name of [...names.slice(shift), ...names.slice(0, shift)]) {
      const value = await arms[name]()
      if (round < warmup) continue
      if (!Number.isFinite(value)) {
        throw new BenchStatsError(`arm "${name}" returned ${value}, expected a finite number`)
      }
      samples[name].push(value)
      options.onSample?.(name, round - warmup, value)
    }
  }
  const medians = Object.fromEntries(names.map((name) => [name, median(samples[name])])) as Record<
    K,
    number
  >
  return { samples, median: medians }
}
