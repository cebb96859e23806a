// The benchmark harness without Chromium: fake suites written to a temp directory, run through
// runBench() and through the CLI (tests/bench/run.ts --smoke --suites-dir ...), checking what a
// reader of latest.json and of the table relies on.

import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GOALS, BenchGoalError, evaluateGoal, parseGoal, type GoalEntry } from './lib/goals.ts'
import { interleave } from './lib/interleave.ts'
import { runBench, type BenchReport, type MetricRow } from './lib/runner.ts'
import { formatTable } from './lib/report.ts'
import { BenchStatsError, median, percentile, roundFigure } from './lib/stats.ts'

const RUN_TS = join(import.meta.dirname, 'run.ts')
const FAKE_MACHINE = { cpus: 1, node: process.version, chromium: 'unavailable' }

/** A random figure in [low, high), so no expected result can be written down in advance. */
function between(low: number, high: number): number {
  return low + Math.random() * (high - low)
}

// Figures the fake suites report; the assertions derive their expectations from these.
const figures = {
  base: between(2, 4),
  fastFactor: between(1.05, 1.45),
  slow: between(51, 90),
  ratchet: between(6_000, 9_000),
  fetchP99: between(21, 40),
  aesgcm: between(300, 500),
  cobblestoneFactor: between(0.5, 0.75),
}

const FAKE_SUITES: Record<string, string> = {
  'alpha.mjs': `
    export default {
      prefix: 'alpha',
      metrics: ['alpha.fast', 'alpha.fast.ratio', 'alpha.base', 'alpha.slow', 'alpha.later', 'alpha.mode'],
      async run(ctx) {
        ctx.log('alpha running')
        return {
          'alpha.base': { value: ${figures.base}, unit: 'ms' },
          'alpha.fast': { value: ${figures.base * figures.fastFactor}, unit: 'ms' },
          'alpha.slow': { value: ${figures.slow}, unit: 'ms' },
          'alpha.mode': { value: 1, unit: ctx.mode },
          'alpha.nan': { value: NaN, unit: 'ms' },
          'alpha.fast.ratio': { value: 1e6, unit: 'x' },
        }
      },
    }`,
  'broken-import.mjs': `throw new Error('cannot import me')`,
  'broken-run.mjs': `
    export default {
      prefix: 'gamma',
      metrics: ['gamma.x'],
      run() { return Promise.reject(new RangeError('gamma exploded')) },
    }`,
  'not-a-suite.mjs': `export default 42`,
  'ignored.test.ts': `throw new Error('test files are not suites')`,
}

const FAKE_GOALS: GoalEntry[] = [
  { metric: 'alpha.fast', baseline: 'alpha.base', goal: 'ratio <= 1.5', description: 'fast' },
  { metric: 'alpha.slow', goal: '<= 50 ms', description: 'slow' },
  { metric: 'alpha.later', goal: '>= 1,000', description: 'not produced yet' },
  { metric: 'beta.none', goal: '<= 1 ms', description: 'no suite declares it' },
]

// A suite producing figures under real goal names, for the CLI run with the real goals table.
const REAL_NAMES_SUITE = `
  export default {
    prefix: 'crypto',
    metrics: ['crypto.ratchet.msgs_per_s', 'crypto.file_encrypt.MBps', 'crypto.webcrypto_aesgcm.MBps'],
    async run() {
      return {
        'crypto.ratchet.msgs_per_s': { value: ${figures.ratchet}, unit: 'msgs/s' },
        'crypto.webcrypto_aesgcm.MBps': { value: ${figures.aesgcm}, unit: 'MB/s' },
        'crypto.file_encrypt.MBps': { value: ${figures.aesgcm * figures.cobblestoneFactor}, unit: 'MB/s' },
      }
    },
  }`
const RELAY_SUITE = `
  export default {
    prefix: 'relay',
    metrics: ['relay.fetch.p99_ms'],
    async run() { return { 'relay.fetch.p99_ms': { value: ${figures.fetchP99}, unit: 'ms' } } },
  }`
const HANG_SUITE = `
  export default {
    prefix: 'hang',
    metrics: ['hang.never'],
    run(ctx) {
      ctx.signal?.addEventListener('abort', () => { globalThis.hangSuiteAborted = true })
      return new Promise(() => {})
    },
  }`

/** A suite file producing the given figures (all in ms). */
function suiteSource(prefix: string, values: Record<string, number>): string {
  const metrics = Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, { value, unit: 'ms' }]),
  )
  return `export default { prefix: '${prefix}', metrics: ${JSON.stringify(Object.keys(values))},
    run: async () => (${JSON.stringify(metrics)}) }`
}

const duplicates = {
  standalone: between(1, 2),
  interleaved: between(3, 4),
  fast: between(5, 6),
  other: between(7, 8),
}

// A suite with arms measured against the baseline of its goal metric (as the file floor's), a
// CPU figure with a baseline of its own, and a figure measured against neither.
const ALONG_SUITE = `
  export default {
    prefix: 'delta',
    metrics: ['delta.main', 'delta.raw', 'delta.floor', 'delta.main.cpu', 'delta.raw_cpu', 'delta.other'],
    run: async () => ({
      'delta.raw': { value: 10, unit: 'ms' },
      'delta.floor': { value: 12, unit: 'ms', baseline: 'delta.raw' },
      'delta.main': { value: 20, unit: 'ms' },
      'delta.raw_cpu': { value: 5, unit: 'ms' },
      'delta.main.cpu': { value: 15, unit: 'ms', baseline: 'delta.raw_cpu' },
      'delta.other': { value: 1, unit: 'ms' },
    }),
  }`

let workDir = ''
const dirs = { fake: '', real: '', hang: '', empty: '', dup: '', along: '' }

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'hestia-bench-test-'))
  for (const name of Object.keys(dirs) as (keyof typeof dirs)[]) {
    dirs[name] = join(workDir, name)
    await mkdir(dirs[name])
  }
  for (const [file, source] of Object.entries(FAKE_SUITES)) {
    await writeFile(join(dirs.fake, file), source)
  }
  await writeFile(join(dirs.real, 'crypto.mjs'), REAL_NAMES_SUITE)
  await writeFile(join(dirs.real, 'relay.mjs'), RELAY_SUITE)
  await writeFile(join(dirs.real, 'broken-import.mjs'), FAKE_SUITES['broken-import.mjs'] ?? '')
  await writeFile(join(dirs.hang, 'hang.mjs'), HANG_SUITE)
  const { standalone, interleaved, fast, other } = duplicates
  await writeFile(join(dirs.dup, 'a.mjs'), suiteSource('a', { 'alpha.base': standalone }))
  await writeFile(
    join(dirs.dup, 'b.mjs'),
    suiteSource('b', { 'alpha.base': interleaved, 'alpha.fast': fast }),
  )
  await writeFile(join(dirs.dup, 'c.mjs'), suiteSource('c', { 'alpha.base': other }))
  await writeFile(join(dirs.along, 'delta.mjs'), ALONG_SUITE)
})

after(async () => {
  await rm(workDir, { recursive: true, force: true })
})

function runFake(only?: string): Promise<BenchReport> {
  const lines: string[] = []
  return runBench({
    mode: 'smoke',
    suitesDir: dirs.fake,
    ...(only !== undefined && { only }),
    goals: FAKE_GOALS,
    suiteTimeoutMs: 10_000,
    machine: () => Promise.resolve(FAKE_MACHINE),
    log: (line) => lines.push(line),
  })
}

function row(report: BenchReport, name: string): MetricRow {
  const found = report.rows.find((candidate) => candidate.name === name)
  assert.ok(found, `row ${name} missing from the table`)
  return found
}

describe('runBench on fake suites', () => {
  test('latest.json has the shape of issue #9 and a ratio for each metric with a baseline', async () => {
    const report = await runFake()
    const { results } = report
    assert.deepEqual(Object.keys(results).sort(), ['date', 'machine', 'metrics'])
    assert.ok(!Number.isNaN(Date.parse(results.date)))
    assert.deepEqual(results.machine, FAKE_MACHINE)
    for (const [name, metric] of Object.entries(results.metrics)) {
      assert.ok(Number.isFinite(metric.value), `${name} value`)
      assert.equal(typeof metric.unit, 'string')
      for (const key of Object.keys(metric)) {
        assert.ok(['value', 'unit', 'baseline', 'goal'].includes(key), `${name} has key ${key}`)
      }
    }
    const fast = results.metrics['alpha.fast']
    assert.equal(fast?.baseline, 'alpha.base')
    assert.equal(fast?.goal, 'ratio <= 1.5')
    assert.deepEqual(results.metrics['alpha.fast.ratio'], {
      value: roundFigure(figures.fastFactor),
      unit: 'ratio',
    })
    assert.equal(results.metrics['alpha.slow.ratio'], undefined, 'no baseline, no ratio')
    assert.equal(
      report.rows.some((r) => r.name === 'alpha.fast.ratio'),
      false,
      'a ratio is a column, not a row',
    )
  })

  test('goals are evaluated: met, missed, pending; unproduced metrics are listed', async () => {
    const report = await runFake()
    assert.equal(row(report, 'alpha.fast').status, 'met')
    assert.equal(row(report, 'alpha.fast').ratio, roundFigure(figures.fastFactor))
    assert.equal(row(report, 'alpha.slow').status, 'missed')
    assert.equal(row(report, 'alpha.slow').value, roundFigure(figures.slow))
    assert.match(
      row(report, 'alpha.slow').note ?? '',
      /smoke: too short to judge/,
      'a smoke miss says it is not a verdict',
    )
    assert.equal(row(report, 'alpha.fast').note, undefined, 'a met goal carries no smoke note')
    assert.equal(row(report, 'alpha.later').status, 'pending')
    assert.equal(row(report, 'alpha.later').goal, '>= 1,000')
    assert.equal(row(report, 'alpha.later').value, undefined)
    assert.equal(row(report, 'beta.none').status, 'pending')
    assert.match(row(report, 'beta.none').note ?? '', /no suite/)
    assert.equal(report.results.metrics['alpha.later'], undefined, 'pending is not a figure')
    assert.equal(report.results.metrics['alpha.mode']?.unit, 'smoke', 'suite saw the mode')
  })

  test('a suite that fails to import or run is reported failed; the others still run', async () => {
    const report = await runFake()
    const byName = new Map(report.suites.map((suite) => [suite.name, suite]))
    assert.equal(byName.get('alpha')?.status, 'ok')
    assert.equal(byName.get('broken-import')?.status, 'failed')
    assert.match(byName.get('broken-import')?.error ?? '', /cannot import me/)
    assert.equal(byName.get('broken-run')?.status, 'failed')
    assert.match(byName.get('broken-run')?.error ?? '', /RangeError: gamma exploded/)
    assert.equal(byName.get('not-a-suite')?.status, 'failed')
    assert.match(byName.get('not-a-suite')?.error ?? '', /BenchSuiteShapeError/)
    assert.equal(byName.has('ignored'), false, 'test files are not suites')
    assert.equal(row(report, 'gamma.x').status, 'failed')
    assert.equal(report.results.metrics['alpha.nan'], undefined, 'non-finite figures are dropped')
    assert.ok(byName.get('alpha')?.warnings.some((warning) => warning.startsWith('alpha.nan')))
  })

  test('--only selects by metric prefix and brings the baseline along', async () => {
    const report = await runFake('alpha.fast')
    assert.deepEqual(Object.keys(report.results.metrics).sort(), [
      'alpha.base',
      'alpha.fast',
      'alpha.fast.ratio',
    ])
    assert.equal(
      report.suites.some((suite) => suite.name === 'broken-run'),
      false,
    )
    const gamma = await runFake('gamma')
    assert.deepEqual(
      gamma.rows.map((r) => [r.name, r.status]),
      [['gamma.x', 'failed']],
    )
  })

  test("--only brings the arms measured against a kept baseline and a kept figure's own baseline", async () => {
    const report = await runBench({
      mode: 'smoke',
      suitesDir: dirs.along,
      only: 'delta.main',
      goals: [
        { metric: 'delta.main', baseline: 'delta.raw', goal: 'ratio <= 3', description: 'd' },
      ],
      suiteTimeoutMs: 10_000,
      machine: () => Promise.resolve(FAKE_MACHINE),
      log: () => {},
    })
    const { metrics } = report.results
    assert.deepEqual(Object.keys(metrics).sort(), [
      'delta.floor',
      'delta.floor.ratio',
      'delta.main',
      'delta.main.cpu',
      'delta.main.cpu.ratio',
      'delta.main.ratio',
      'delta.raw',
      'delta.raw_cpu',
    ])
    assert.equal(metrics['delta.floor.ratio']?.value, 1.2)
    assert.equal(metrics['delta.main.cpu.ratio']?.value, 3)
  })

  test('a baseline measured interleaved with its metric wins over a standalone one', async () => {
    const report = await runBench({
      mode: 'smoke',
      suitesDir: dirs.dup,
      goals: FAKE_GOALS,
      suiteTimeoutMs: 10_000,
      machine: () => Promise.resolve(FAKE_MACHINE),
      log: () => {},
    })
    const { metrics } = report.results
    assert.equal(metrics['alpha.base']?.value, roundFigure(duplicates.interleaved))
    assert.equal(
      metrics['alpha.fast.ratio']?.value,
      roundFigure(duplicates.fast / duplicates.interleaved),
    )
    const warnings = report.suites.flatMap((suite) => suite.warnings)
    assert.ok(warnings.some((warning) => /replaces the figure of suite a/.test(warning)))
    assert.ok(warnings.some((warning) => /already produced by suite b, ignored/.test(warning)))
  })

  test('a suite over its time limit is abandoned, failed and told through its signal', async () => {
    const report = await runBench({
      mode: 'smoke',
      suitesDir: dirs.hang,
      goals: [],
      suiteTimeoutMs: 200,
      machine: () => Promise.resolve(FAKE_MACHINE),
      log: () => {},
    })
    assert.equal(report.suites[0]?.status, 'failed')
    assert.match(report.suites[0]?.error ?? '', /SuiteTimeoutError/)
    assert.equal((globalThis as { hangSuiteAborted?: boolean }).hangSuiteAborted, true)
    assert.equal(row(report, 'hang.never').status, 'failed')
  })

  test('the printed table has every column and a line per suite', async () => {
    const table = formatTable(await runFake())
    assert.match(table, /^metric\s+value\s+unit\s+baseline\s+ratio\s+goal\s+status$/m)
    assert.match(
      table,
      /^alpha\.slow\s+\S+\s+ms\s+<= 50 ms\s+missed \(smoke: too short to judge, see a full run\)$/m,
    )
    assert.match(table, /^suite broken-run: failed/m)
  })
})

describe('run.ts command line', () => {
  function cli(args: string[]) {
    return spawnSync(process.execPath, [RUN_TS, ...args], { encoding: 'utf8', timeout: 60_000 })
  }

  test('smoke run writes latest.json, uses the goals table and exits 0 with a failed suite', async () => {
    const out = join(workDir, 'results', 'latest.json')
    const result = cli(['--smoke', '--suites-dir', dirs.real, '--out', out])
    assert.equal(result.status, 0, result.stderr)
    const written = JSON.parse(await readFile(out, 'utf8')) as BenchReport['results']
    assert.deepEqual(Object.keys(written), ['date', 'machine', 'metrics'])
    assert.deepEqual(Object.keys(written.machine), ['cpus', 'node', 'chromium'])
    assert.equal(written.machine.node, process.version)
    const file = written.metrics['crypto.file_encrypt.MBps']
    assert.equal(file?.baseline, 'crypto.webcrypto_aesgcm.MBps', 'baseline from goals.ts')
    assert.equal(file?.goal, 'ratio >= 0.8')
    const expectedRatio = roundFigure((figures.aesgcm * figures.cobblestoneFactor) / figures.aesgcm)
    assert.equal(written.metrics['crypto.file_encrypt.MBps.ratio']?.value, expectedRatio)
    assert.match(
      result.stdout,
      /^crypto\.file_encrypt\.MBps\s.*ratio >= 0\.8\s+missed \(smoke: .*\)$/m,
    )
    assert.match(result.stdout, /^crypto\.ratchet\.msgs_per_s\s.*>= 5,000\s+met$/m)
    assert.match(result.stdout, /^relay\.fetch\.p99_ms\s.*<= 20 ms\s+missed \(smoke: .*\)$/m)
    assert.match(
      result.stdout,
      /^msg\.direct\.rtt_p50_ms\s+-\s+msg\.hops\.rtt_p50_ms\s+ratio <= 3\s+pending/m,
    )
    assert.match(result.stdout, /^suite broken-import: failed/m)
    assert.doesNotMatch(result.stdout, /alpha running|running \(smoke\)/, 'progress goes to stderr')
    // Every goal of issue #9 is in the table, measured or pending.
    for (const { metric } of GOALS) assert.match(result.stdout, new RegExp(`^${metric}\\s`, 'm'))
  })

  test('--strict exits 2 when a suite failed', () => {
    const out = join(workDir, 'strict.json')
    assert.equal(cli(['--smoke', '--strict', '--suites-dir', dirs.real, '--out', out]).status, 2)
  })

  test('exits 1 when the harness itself cannot work', () => {
    const out = join(workDir, 'broken.json')
    const missing = cli(['--smoke', '--suites-dir', join(workDir, 'nope'), '--out', out])
    assert.equal(missing.status, 1)
    assert.match(missing.stderr, /bench harness failed/)
    assert.equal(cli(['--smoke', '--quick', '--suites-dir', dirs.empty]).status, 1)
    assert.equal(cli(['--frobnicate']).status, 1)
  })
})

describe('goals', () => {
  test('every goal of issue #9 parses', () => {
    for (const { goal } of GOALS) assert.doesNotThrow(() => parseGoal(goal), goal)
    assert.equal(parseGoal('>= 5,000').threshold, 5000)
  })

  test('thresholds are inclusive or strict as written; ratio goals compare the ratio', () => {
    assert.equal(evaluateGoal('<= 50 ms', { value: 50, unit: 'ms' }), 'met')
    assert.equal(evaluateGoal('<= 50 ms', { value: 50.001, unit: 'ms' }), 'missed')
    assert.equal(evaluateGoal('< 50', { value: 50 }), 'missed')
    assert.equal(evaluateGoal('>= 5,000', { value: 4_999 }), 'missed')
    assert.equal(evaluateGoal('> 1', { value: 1.5 }), 'met')
    assert.equal(evaluateGoal('ratio >= 0.9', { value: 10, ratio: 0.95 }), 'met')
    assert.equal(evaluateGoal('ratio >= 0.9', { value: 10 }), 'pending')
    assert.equal(evaluateGoal('<= 1', {}), 'pending')
  })

  test('unreadable goals and unit mismatches are errors, not silent passes', () => {
    assert.throws(() => parseGoal('fast enough'), BenchGoalError)
    assert.throws(() => evaluateGoal('<= 50 ms', { value: 1, unit: 's' }), BenchGoalError)
  })
})

describe('stats and interleaving', () => {
  test('percentile p of a shuffled 0..100 is p; interpolates between ranks', () => {
    const values = Array.from({ length: 101 }, (_, i) => i).sort(() => Math.random() - 0.5)
    for (const p of [0, 1, 25, 50, 90, 99, 100]) assert.equal(percentile(values, p), p)
    assert.equal(median([1, 2, 3, 10]), 2.5)
    assert.throws(() => percentile([], 50), BenchStatsError)
    assert.throws(() => percentile([1], 101), BenchStatsError)
  })

  test('interleave runs A B A B after the warm-up and returns the medians', async () => {
    const order: string[] = []
    let counter = 0
    const result = await interleave(
      {
        a: () => {
          order.push('a')
          return ++counter
        },
        b: () => {
          order.push('b')
          return Promise.resolve(100 + ++counter)
        },
      },
      { repetitions: 3, warmup: 1 },
    )
    assert.deepEqual(order, ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'])
    assert.deepEqual(result.samples, { a: [3, 5, 7], b: [104, 106, 108] })
    assert.deepEqual(result.median, { a: 5, b: 106 })
    await assert.rejects(interleave({ a: () => NaN }, { repetitions: 1 }), BenchStatsError)
  })

  test('interleave with rotate starts each round one arm later, so no arm always follows another', async () => {
    const order: string[] = []
    const arm = (name: string) => () => {
      order.push(name)
      return order.length
    }
    const result = await interleave(
      { a: arm('a'), b: arm('b'), c: arm('c') },
      { repetitions: 3, warmup: 1, rotate: true },
    )
    assert.deepEqual(order.join(''), 'abc' + 'bca' + 'cab' + 'abc')
    // Samples stay per arm in round order whatever the position within the round.
    assert.deepEqual(result.samples, { a: [6, 8, 10], b: [4, 9, 11], c: [5, 7, 12] })
  })
})
