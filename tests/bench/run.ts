// `npm run bench [-- --quick | --smoke] [--only PREFIX]`: runs every suite in tests/bench/suites,
// writes tests/bench/results/latest.json and prints the table (docs/BENCHMARKS.md).
//
// Exit codes: 0 whenever the harness did its job, even with goals missed or suites failed (CI
// never asserts on figures); 1 when the harness itself broke (bad flags, unreadable suites dir,
// results not writable); with --strict, 2 when a suite failed.

import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { BenchMode } from './types.ts'
import { describeMachine } from './lib/machine.ts'
import { formatMarkdown, formatTable } from './lib/report.ts'
import { SUITE_TIMEOUT_MS, runBench } from './lib/runner.ts'

const HELP = `usage: node tests/bench/run.ts [options]
  --quick            smaller sizes; all suites together in under 5 minutes
  --smoke            tiny sizes (CI: the suites must run; figures are not asserted)
  --only PREFIX      suites or metrics whose name starts with PREFIX (baselines come along)
  --suites-dir DIR   where the suite files are (default tests/bench/suites)
  --out FILE         results file (default tests/bench/results/latest.json)
  --timeout SECONDS  per-suite limit (default smoke 90, quick 240, full 1800)
  --markdown         print the table as Markdown (for docs/BENCHMARKS.md)
  --strict           exit 2 when a suite failed to load or run
  --help`

/** Bad command line; the message says which flag to fix. */
class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError'
  readonly code = 'bench_usage'
}

const here = import.meta.dirname

function parseCommandLine(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      'suites-dir': { type: 'string', default: join(here, 'suites') },
      out: { type: 'string', default: join(here, 'results', 'latest.json') },
      timeout: { type: 'string' },
      markdown: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  })
  if (values.quick && values.smoke) throw new BenchUsageError('choose one of --quick and --smoke')
  const mode: BenchMode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full'
  let timeoutMs = SUITE_TIMEOUT_MS[mode]
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout)
    if (!(seconds > 0))
      throw new BenchUsageError(`--timeout wants seconds > 0, got "${values.timeout}"`)
    timeoutMs = seconds * 1000
  }
  if (values.only === '') throw new BenchUsageError('--only wants a non-empty prefix')
  return { ...values, mode, timeoutMs }
}

async function main(argv: string[]): Promise<number> {
  const options = parseCommandLine(argv)
  if (options.help) {
    process.stdout.write(HELP + '\n')
    return 0
  }
  const log = (line: string) => process.stderr.write(line + '\n')
  const started = performance.now()
  const report = await runBench({
    mode: options.mode,
    suitesDir: resolve(options['suites-dir']),
    ...(options.only !== undefined && { only: options.only }),
    suiteTimeoutMs: options.timeoutMs,
    machine: describeMachine,
    log,
  })
  const out = resolve(options.out)
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, JSON.stringify(report.results, null, 2) + '\n')
  process.stdout.write(options.markdown ? formatMarkdown(report) : formatTable(report))
  log(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s (${options.mode})`)
  const failed = report.suites.some((suite) => suite.status === 'failed')
  return options.strict && failed ? 2 : 0
}

// A promise a suite forgot to await must not end the other suites' run: log it and go on (the
// suite itself then fails or runs into its time limit).
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`unhandled rejection inside a suite: ${String(reason)}\n`)
})

function isUsageError(error: unknown): boolean {
  if (error instanceof BenchUsageError) return true
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')
}

// Suites may leave handles behind (a browser that did not close, a server after a timeout):
// exit explicitly once stdout is flushed instead of waiting for them.
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (error: unknown) => {
    const usage = isUsageError(error)
    const detail = usage || !(error instanceof Error) ? String(error) : error.stack
    process.stderr.write(`bench harness failed: ${detail}\n${usage ? HELP + '\n' : ''}`)
    process.exit(1)
  },
)
