// The benchmark runner without its CLI: picks suites, runs them one after another (never in
// parallel: they would measure each other), merges their metrics, attaches baselines and goals
// from goals.ts, computes `<name>.ratio`, evaluates goals and lists what was not produced.
// tests/bench/run.ts wraps it; tests/bench/harness.test.ts drives it on fake suites.

import { loadavg } from 'node:os'
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { GOALS, GoalStatus, evaluateGoal, goalsByMetric, type GoalEntry } from './goals.ts'
import { describeError, listSuiteFiles, loadSuite, type LoadedSuite } from './suite-loader.ts'
import { roundFigure } from './stats.ts'
import type { Machine } from './machine.ts'

/** The file written to tests/bench/results/latest.json; its shape is fixed by issue #9. */
export interface BenchResults {
  date: string
  machine: Machine
  metrics: Record<string, Metric>
}

/** Row status: a goal status, or `failed` when the suite that declares the metric failed. */
export type RowStatus = GoalStatus | 'failed'

export interface MetricRow {
  name: string
  value?: number
  unit?: string
  baseline?: string
  ratio?: number
  goal?: string
  status: RowStatus
  /** Why a row is pending or failed, or a warning about the figure. */
  note?: string
}

export interface SuiteOutcome {
  name: string
  file: string
  status: 'ok' | 'failed'
  error?: string
  /** Problems with single metrics (invalid figure, duplicate name); the suite still counts ok. */
  warnings: string[]
  seconds: number
}

export interface BenchReport {
  results: BenchResults
  rows: MetricRow[]
  suites: SuiteOutcome[]
  /** 1-minute load average before and after the suites ran: how busy the shared machine was. */
  load: { before: number; after: number }
}

export interface RunOptions {
  mode: BenchMode
  /** Directory holding the suite files (tests/bench/suites in real runs). */
  suitesDir: string
  /** Metric-name or suite-name prefix; undefined runs everything. */
  only?: string
  /** Goals table; defaults to GOALS from goals.ts. */
  goals?: readonly GoalEntry[]
  /** A suite still running after this long is reported failed and abandoned. */
  suiteTimeoutMs: number
  machine: () => Promise<Machine>
  /** Progress lines (stderr in the CLI). */
  log: (line: string) => void
  now?: () => Date
}

/** Default per-suite time limits: smoke runs in CI, quick must stay under 5 minutes in all. */
export const SUITE_TIMEOUT_MS: Record<BenchMode, number> = {
  smoke: 90_000,
  quick: 240_000,
  full: 1_800_000,
}

/** Suffix of the metric the runner adds for every metric that has a baseline. */
export const RATIO_SUFFIX = '.ratio'

class SuiteTimeoutError extends Error {
  override readonly name = 'SuiteTimeoutError'
  readonly code = 'bench_suite_timeout'
}

function startsWith(name: string, prefix: string | undefined): boolean {
  return prefix === undefined || name.startsWith(prefix)
}

/** The metrics the run is about: declared or goal metrics matching --only, plus their baselines. */
function wantedMetrics(
  loaded: readonly LoadedSuite[],
  goals: ReadonlyMap<string, GoalEntry>,
  only: string | undefined,
): Set<string> {
  const wanted = new Set<string>()
  for (const entry of loaded) {
    if (!('suite' in entry)) continue
    for (const metric of entry.suite.metrics) if (startsWith(metric, only)) wanted.add(metric)
  }
  for (const metric of goals.keys()) if (startsWith(metric, only)) wanted.add(metric)
  for (const metric of [...wanted]) {
    const baseline = goals.get(metric)?.baseline
    if (baseline !== undefined) wanted.add(baseline)
  }
  return wanted
}

/**
 * Figures of one suite that come along with the ones --only keeps although their names do not
 * match: the baseline the suite measured for a kept figure, and every other arm the suite
 * measured against a kept baseline in the same run (`--only file.direct` keeps the file floor's
 * `file.raw_sealed.MBps`, measured against `file.raw.MBps`).
 */
function comingAlong(
  figures: Record<string, unknown>,
  kept: (name: string) => boolean,
): Set<string> {
  const baselineOf = (metric: unknown): string | undefined => {
    const baseline = (metric as Partial<Metric> | null)?.baseline
    return typeof baseline === 'string' ? baseline : undefined
  }
  const along = new Set<string>()
  for (const [name, metric] of Object.entries(figures)) {
    const baseline = baselineOf(metric)
    if (baseline !== undefined && kept(name)) along.add(baseline)
  }
  for (const [name, metric] of Object.entries(figures)) {
    const baseline = baselineOf(metric)
    if (baseline !== undefined && (kept(baseline) || along.has(baseline))) along.add(name)
  }
  return along
}

/** A suite runs when its file name or prefix matches --only, or it declares a wanted metric. */
function selectedByName(entry: LoadedSuite, only: string | undefined): boolean {
  if (only === undefined || entry.name.startsWith(only)) return true
  return 'suite' in entry && entry.suite.prefix.startsWith(only)
}

async function runWithTimeout(
  suite: BenchSuite,
  mode: BenchMode,
  log: (line: string) => void,
  timeoutMs: number,
): Promise<unknown> {
  const abort = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SuiteTimeoutError(
        `still running after ${timeoutMs / 1000} s: make it faster in this mode or raise --timeout`,
      )
      abort.abort(error)
      reject(error)
    }, timeoutMs)
    timer.unref()
  })
  try {
    return await Promise.race([suite.run({ mode, log, signal: abort.signal }), timeout])
  } finally {
    clearTimeout(timer)
  }
}

function checkMetric(name: string, metric: unknown): string | undefined {
  const m = metric as Partial<Metric> | null
  if (typeof m !== 'object' || m === null) return `${name}: not a metric object`
  if (typeof m.value !== 'number' || !Number.isFinite(m.value)) {
    return `${name}: value ${String(m.value)} is not a finite number`
  }
  if (typeof m.unit !== 'string' || m.unit === '') return `${name}: unit missing`
  return undefined
}

/** Whether `name` is `<metric>.ratio` for a metric with a baseline, which the runner computes. */
function isComputedRatio(
  name: string,
  figures: Record<string, unknown>,
  goals: ReadonlyMap<string, GoalEntry>,
): boolean {
  if (!name.endsWith(RATIO_SUFFIX)) return false
  const metric = name.slice(0, -RATIO_SUFFIX.length)
  const own = figures[metric] as Partial<Metric> | null | undefined
  return (goals.get(metric)?.baseline ?? own?.baseline) !== undefined
}

/** Whether `figures` holds a metric whose baseline (goals.ts or its own field) is `baseline`. */
function measuresAgainst(
  figures: Record<string, unknown>,
  baseline: string,
  goals: ReadonlyMap<string, GoalEntry>,
): boolean {
  return Object.entries(figures).some(
    ([name, metric]) =>
      (goals.get(name)?.baseline ?? (metric as Partial<Metric> | null)?.baseline) === baseline,
  )
}

export async function runBench(options: RunOptions): Promise<BenchReport> {
  const goals = goalsByMetric(options.goals ?? GOALS)
  const loadBefore = loadavg()[0] ?? 0
  const { log, only } = options
  const loaded = await Promise.all(listSuiteFiles(options.suitesDir).map(loadSuite))
  const wanted = wantedMetrics(loaded, goals, only)

  const produced = new Map<string, Metric>()
  const producedBy = new Map<string, string>()
  const declaredBy = new Map<string, string>()
  const failedSuites = new Set<string>()
  const suites: SuiteOutcome[] = []

  for (const entry of loaded) {
    if (!('suite' in entry)) {
      suites.push({ ...entry, status: 'failed', warnings: [], seconds: 0 })
      log(`suite ${entry.name}: failed to load: ${entry.error}`)
      continue
    }
    const byName = selectedByName(entry, only)
    if (!byName && !entry.suite.metrics.some((metric) => wanted.has(metric))) continue
    for (const metric of entry.suite.metrics) {
      if (byName) wanted.add(metric)
      if (!declaredBy.has(metric)) declaredBy.set(metric, entry.name)
    }

    log(`suite ${entry.name}: running (${options.mode})`)
    const started = performance.now()
    const outcome: SuiteOutcome = {
      name: entry.name,
      file: entry.file,
      status: 'ok',
      warnings: [],
      seconds: 0,
    }
    try {
      const result = await runWithTimeout(entry.suite, options.mode, log, options.suiteTimeoutMs)
      if (typeof result !== 'object' || result === null) {
        throw new TypeError('run() must resolve to a Record<string, Metric>')
      }
      const figures = result as Record<string, unknown>
      const along = comingAlong(
        figures,
        (name) => byName || wanted.has(name) || startsWith(name, only),
      )
      for (const [name, metric] of Object.entries(figures)) {
        const problem = checkMetric(name, metric)
        if (problem !== undefined) {
          outcome.warnings.push(problem)
          continue
        }
        if (!byName && !wanted.has(name) && !startsWith(name, only) && !along.has(name)) continue
        if (isComputedRatio(name, figures, goals)) {
          outcome.warnings.push(`${name}: the runner computes this ratio itself; figure ignored`)
          continue
        }
        const earlier = producedBy.get(name)
        if (earlier !== undefined) {
          // Two suites measured the same figure. A baseline measured interleaved with the
          // metric judged against it is the honest one; otherwise the first figure stays.
          if (!measuresAgainst(figures, name, goals)) {
            outcome.warnings.push(`${name}: already produced by suite ${earlier}, ignored`)
            continue
          }
          outcome.warnings.push(`${name}: replaces the figure of suite ${earlier} (interleaved)`)
        }
        const { value, unit, baseline, goal } = metric as Metric
        const kept: Metric = { value, unit }
        if (typeof baseline === 'string') kept.baseline = baseline
        if (typeof goal === 'string') kept.goal = goal
        produced.set(name, kept)
        producedBy.set(name, entry.name)
        if (!byName) wanted.add(name)
      }
    } catch (error) {
      outcome.status = 'failed'
      outcome.error = describeError(error)
      failedSuites.add(entry.name)
    }
    outcome.seconds = Math.round((performance.now() - started) / 100) / 10
    for (const warning of outcome.warnings) log(`suite ${entry.name}: ${warning}`)
    log(
      `suite ${entry.name}: ${outcome.status} in ${outcome.seconds} s` +
        (outcome.error === undefined ? '' : `: ${outcome.error}`),
    )
    suites.push(outcome)
  }

  const { metrics, rows } = tabulate(goals, wanted, produced, declaredBy, failedSuites)
  if (options.mode === 'smoke') markSmokeMisses(rows)
  const date = (options.now?.() ?? new Date()).toISOString()
  const load = { before: loadBefore, after: loadavg()[0] ?? 0 }
  return { results: { date, machine: await options.machine(), metrics }, rows, suites, load }
}

/**
 * A smoke run (CI) proves every suite still runs; its windows are seconds long and its machine is
 * busy with the test run, so a missed goal there is not a verdict. The row says so: judge goals on
 * a quick or full run (`npm run bench`).
 */
function markSmokeMisses(rows: MetricRow[]): void {
  for (const row of rows) {
    if (row.status !== GoalStatus.missed || row.note !== undefined) continue
    row.note = 'smoke: too short to judge, see a full run'
  }
}

/** Builds latest.json's metrics (with ratios) and the table rows (with goal status). */
function tabulate(
  goals: ReadonlyMap<string, GoalEntry>,
  wanted: ReadonlySet<string>,
  produced: ReadonlyMap<string, Metric>,
  declaredBy: ReadonlyMap<string, string>,
  failedSuites: ReadonlySet<string>,
): { metrics: Record<string, Metric>; rows: MetricRow[] } {
  const metrics: Record<string, Metric> = {}
  const rows: MetricRow[] = []

  for (const [name, measured] of produced) {
    const entry = goals.get(name)
    // goals.ts is the single source of goals and baselines; a suite's own fields fill the gaps.
    const baseline = entry?.baseline ?? measured.baseline
    const goal = entry?.goal ?? measured.goal
    const metric: Metric = { value: roundFigure(measured.value), unit: measured.unit }
    if (baseline !== undefined) metric.baseline = baseline
    if (goal !== undefined) metric.goal = goal
    metrics[name] = metric

    const row: MetricRow = { name, value: metric.value, unit: metric.unit, status: GoalStatus.none }
    if (baseline !== undefined) row.baseline = baseline
    if (goal !== undefined) row.goal = goal
    const base = baseline === undefined ? undefined : produced.get(baseline)
    if (base !== undefined && base.value !== 0) {
      const ratio = roundFigure(measured.value / base.value)
      metrics[name + RATIO_SUFFIX] = { value: ratio, unit: 'ratio' }
      row.ratio = ratio
    } else if (baseline !== undefined) {
      row.note = base === undefined ? `baseline ${baseline} not measured` : 'baseline is 0'
    }
    if (goal !== undefined) {
      try {
        const figure = { value: measured.value, unit: measured.unit, ratio: row.ratio }
        row.status = evaluateGoal(goal, figure)
      } catch (error) {
        row.status = 'failed'
        row.note = describeError(error)
      }
    }
    rows.push(row)
  }

  for (const name of wanted) {
    if (produced.has(name)) continue
    // A declared `<metric>.ratio` the runner computes is shown in its metric's ratio column.
    const ratioOf = name.endsWith(RATIO_SUFFIX) ? name.slice(0, -RATIO_SUFFIX.length) : undefined
    if (ratioOf !== undefined && (name in metrics || goals.get(ratioOf)?.baseline !== undefined)) {
      continue
    }
    const entry = goals.get(name)
    const suite = declaredBy.get(name)
    const failed = suite !== undefined && failedSuites.has(suite)
    const row: MetricRow = {
      name,
      status: failed ? 'failed' : GoalStatus.pending,
      note: failed
        ? `suite ${suite} failed`
        : suite === undefined
          ? 'no suite yet'
          : `not produced by suite ${suite}`,
    }
    if (entry?.baseline !== undefined) row.baseline = entry.baseline
    if (entry?.goal !== undefined) row.goal = entry.goal
    rows.push(row)
  }
  rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return { metrics, rows }
}
