// The contract between the benchmark runner (tests/bench/run.ts) and each suite in tests/bench/suites/.
// A suite file default-exports a BenchSuite; the runner picks suites by --only PREFIX, runs them in
// the chosen mode, merges their metrics into tests/bench/results/latest.json and prints a table.

/** One measured figure. Names are fixed by issue #9 (e.g. `crypto.ratchet.msgs_per_s`). */
export interface Metric {
  value: number
  unit: string
  /** Name of the baseline metric measured in the same run, interleaved (A B A B ...). */
  baseline?: string
  /** Human-readable goal, e.g. "ratio >= 0.8" or "<= 50 ms". */
  goal?: string
}

/** full: real sizes; quick: whole suite < 5 min; smoke: tiny sizes, CI only checks it runs. */
export type BenchMode = 'full' | 'quick' | 'smoke'

export interface BenchContext {
  mode: BenchMode
  /** Write progress lines here, never to stdout (stdout carries the table). */
  log: (line: string) => void
  /**
   * Aborted when the runner gives up on the suite (per-suite time limit): stop measuring and
   * release browsers, servers and temp files. Optional so suites written before it still fit.
   */
  signal?: AbortSignal
}

export interface BenchSuite {
  /** Metric-name prefix this suite produces, e.g. "crypto" or "relay"; used by --only. */
  prefix: string
  /** Metric names this suite will produce once its capability has landed; listed as pending otherwise. */
  metrics: readonly string[]
  run(ctx: BenchContext): Promise<Record<string, Metric>>
}
