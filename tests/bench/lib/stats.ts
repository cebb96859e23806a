// Order statistics for benchmark samples. Medians and percentiles, never means: on shared,
// noisy machines a single descheduled run drags a mean but barely moves a median.

/** A benchmark was handed nothing to summarize, or a percentile outside 0..100. */
export class BenchStatsError extends Error {
  override readonly name = 'BenchStatsError'
  readonly code = 'bench_stats_invalid'
}

/**
 * The p-th percentile (0..100) of `samples`, linearly interpolated between the two closest ranks
 * (the usual "type 7" definition, what spreadsheets and numpy compute by default).
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) {
    throw new BenchStatsError('percentile of no samples: measure at least one repetition')
  }
  if (!(p >= 0 && p <= 100)) {
    throw new BenchStatsError(`percentile ${p} is outside 0..100`)
  }
  const sorted = [...samples].sort((a, b) => a - b)
  const rank = (p / 100) * (sorted.length - 1)
  const below = Math.floor(rank)
  const above = Math.ceil(rank)
  const low = sorted[below] as number
  const high = sorted[above] as number
  return low + (high - low) * (rank - below)
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50)
}

export interface Summary {
  n: number
  min: number
  p50: number
  p90: number
  p99: number
  max: number
}

export function summarize(samples: readonly number[]): Summary {
  return {
    n: samples.length,
    min: percentile(samples, 0),
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    max: percentile(samples, 100),
  }
}

/** Bytes per decimal megabyte. Every `*.MBps` metric of the suite uses MB = 10^6 bytes. */
export const BYTES_PER_MB = 1_000_000
/** Bytes per binary mebibyte, for memory metrics (`*_MiB`). */
export const BYTES_PER_MIB = 1024 * 1024

/** Throughput in MB/s (MB = 10^6 bytes) of `bytes` moved in `milliseconds`. */
export function megabytesPerSecond(bytes: number, milliseconds: number): number {
  if (!(milliseconds > 0)) {
    throw new BenchStatsError(`cannot compute throughput over ${milliseconds} ms`)
  }
  return bytes / BYTES_PER_MB / (milliseconds / 1000)
}

/**
 * Rounds a figure for latest.json and the table: at least 4 significant digits, no decimals that
 * only carry noise (whole numbers stay whole; at most 6 decimals).
 */
export function roundFigure(value: number): number {
  if (!Number.isFinite(value) || value === 0) return value
  const magnitude = Math.floor(Math.log10(Math.abs(value)))
  const decimals = Math.min(6, Math.max(0, 3 - magnitude))
  return Number(value.toFixed(decimals))
}
