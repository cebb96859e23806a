// `npm test`: every check a change must pass, in the order that fails fastest.
//   1. browsers present (installs Debian's chromium and firefox-esr with apt-get when missing)
//      and, before the unit tests, PostgreSQL's server binaries (Debian's postgresql package)
//   2. lint, protobuf codecs regenerated and compared (scripts/gen-protos.ts --check), typecheck
//   3. unit and integration tests (core, relay-node, extension, tests/integration), the relay
//      tests, and the NAT reachability test (tests/nat: as root, else skipped with the reason)
//   4. extension builds (test mode, both browsers) and the browser tests
//   5. benchmarks in smoke mode (they must run; figures are not asserted)
// Flags: --skip-browser (steps 1 and 4), --browser-only (steps 1 and 4), --skip-lint, --skip-bench.
// Ends with the plain line "N passed, N failed" summed over every node:test run.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { formatTapFailures, parseTapFailures } from './tap-failures.ts'

const root = resolve(import.meta.dirname, '..')
const args = new Set(process.argv.slice(2))
const browserOnly = args.has('--browser-only')
const runBrowser = !args.has('--skip-browser')
const runLint = !browserOnly && !args.has('--skip-lint')
const runUnit = !browserOnly
const runBench = !browserOnly && !args.has('--skip-bench')

const totals = { passed: 0, failed: 0, skipped: 0 }
const failures: string[] = []
/** Each failing test of every node:test step, with the first lines of its error (summary). */
const failingTests: string[] = []

function step(title: string): void {
  console.log(`\n=== ${title} ===`)
}

function run(title: string, cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = {}): boolean {
  const started = Date.now()
  const result = spawnSync(cmd, cmdArgs, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  })
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  const ok = result.status === 0
  console.log(
    `--- ${title}: ${ok ? 'ok' : `FAILED (exit ${result.status ?? result.signal})`} in ${seconds} s`,
  )
  if (!ok) failures.push(title)
  return ok
}

/** Lists test files under `dir` (recursively) whose names end with `.test.ts`. */
function testFiles(dir: string): string[] {
  const full = join(root, dir)
  if (!existsSync(full)) return []
  const out: string[] = []
  for (const entry of readdirSync(full)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    const path = join(full, entry)
    if (statSync(path).isDirectory()) out.push(...testFiles(relative(root, path)))
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path))
  }
  return out.sort()
}

/** Runs node:test on the files, printing the spec report and adding its counts to the totals. */
function nodeTests(title: string, files: string[], concurrency: number): void {
  if (files.length === 0) {
    console.log(`(no test files for ${title})`)
    return
  }
  mkdirSync(join(root, 'tests', 'artifacts'), { recursive: true })
  const tap = join(root, 'tests', 'artifacts', `${title.replace(/\W+/g, '-')}.tap`)
  rmSync(tap, { force: true })
  const ok = run(title, process.execPath, [
    '--test',
    // A file whose tests have all ended exits even if a handle stays open (a browser that did not
    // close, a socket): the step then reports instead of waiting on it past CI's time limit.
    '--test-force-exit',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ])
  const report = existsSync(tap) ? readFileSync(tap, 'utf8') : ''
  const count = (label: string) =>
    Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(report)?.[1] ?? 0)
  totals.passed += count('pass')
  const parsed = parseTapFailures(report)
  // A suite whose before/after hook failed is no test in node's counts: it is one failure here.
  const hooks = parsed.failures.filter((f) => f.failureType === 'hookFailed').length
  totals.failed += count('fail') + count('cancelled') + hooks
  totals.skipped += count('skipped') + count('todo')
  const failed = formatTapFailures(title, parsed, root)
  failingTests.push(...failed)
  if (!ok && failed.length === 0) {
    failingTests.push(
      `✖ ${title}: the run failed but its TAP report (${relative(root, tap)}) names no failing test; see the step's output above`,
    )
  }
}

/** Installs Debian packages with apt-get (as root, or through sudo -n); false when that failed. */
function aptInstall(packages: string[], why: string): boolean {
  console.log(`Installing ${packages.join(', ')} from Debian's archive (${why})...`)
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  const apt = (aptArgs: string[]) =>
    run(
      `apt-get ${aptArgs[0]}`,
      asRoot[0] ?? 'apt-get',
      [...asRoot.slice(1), ...(asRoot.length ? ['apt-get'] : []), ...aptArgs],
      {
        DEBIAN_FRONTEND: 'noninteractive',
      },
    )
  return apt(['update', '-qq']) && apt(['install', '-y', '-qq', ...packages])
}

function ensureBrowsers(): void {
  const missing = [
    ['chromium', '/usr/bin/chromium'],
    ['firefox-esr', '/usr/bin/firefox-esr'],
  ].filter(([, path]) => !existsSync(path!))
  if (missing.length === 0) return
  if (
    !aptInstall(
      missing.map(([name]) => name!),
      'browser tests need them',
    )
  ) {
    console.error(
      'Could not install the browsers: run `apt-get install chromium firefox-esr` as root, then `npm test` again.',
    )
  }
}

/**
 * The PostgreSQL store tests (tests/relay/pg-*.test.ts) start a private cluster with the server
 * binaries; they fail in CI when there are none, so they are installed here first.
 */
function ensurePostgres(): void {
  const dir = '/usr/lib/postgresql'
  const present =
    existsSync(dir) && readdirSync(dir).some((v) => existsSync(join(dir, v, 'bin', 'initdb')))
  if (present) return
  if (!aptInstall(['postgresql'], 'the PostgreSQL relay store tests need it')) {
    console.error(
      'Could not install PostgreSQL: run `apt-get install postgresql` as root, then `npm test` again.',
    )
  }
}

/**
 * The NAT reachability test (tests/nat/, ADR 0451) builds network namespaces with iptables NATs
 * and runs coturn: as root, the tools are installed when missing; without root (or where they
 * cannot be had) the step is skipped, loudly, with the reason.
 */
function natTests(): void {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    console.log(
      '*** SKIPPED: NAT reachability (tests/nat): needs Linux and root for network namespaces; run `npm test` as root (CI does) to include it ***',
    )
    return
  }
  const tools = [
    ['iproute2', 'ip'],
    ['iptables', 'iptables'],
    ['nftables', 'nft'],
    ['procps', 'sysctl'],
    ['coturn', 'turnserver'],
  ].filter(
    ([, bin]) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, bin!))),
  )
  if (tools.length > 0)
    aptInstall(
      tools.map(([pkg]) => pkg!),
      'the NAT reachability test needs them',
    )
  // The test file itself says why it skips when something is still missing.
  nodeTests('nat', testFiles('tests/nat'), 1)
}

const started = Date.now()
console.log(`Hestia tests on Node ${process.version}`)
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error(
    'Node >= 22 is required: run through npm (`npm test`), which uses the Node 24 from node_modules/.bin.',
  )
  process.exit(1)
}

if (runBrowser) {
  step('browsers')
  ensureBrowsers()
}
if (runLint) {
  step('lint and typecheck')
  run('lint', 'npx', ['eslint', '.'])
  // The committed *.pb.js / *.pb.d.ts must be exactly what their .proto generates today.
  run('protobuf codecs current', process.execPath, ['scripts/gen-protos.ts', '--check'])
  run('format', 'npx', ['prettier', '--check', '.'])
  run('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json'])
  run('typecheck extension entries', 'npx', ['tsc', '-p', 'extension/tsconfig.json'])
  if (existsSync(join(root, 'ui', 'tsconfig.json')))
    run('svelte-check', 'npx', [
      'svelte-check',
      '--tsconfig',
      'ui/tsconfig.json',
      '--fail-on-warnings',
    ])
}
if (runUnit) {
  step('unit and integration tests')
  ensurePostgres()
  nodeTests(
    'unit',
    [
      ...testFiles('core'),
      ...testFiles('relay-node'),
      ...testFiles('extension'),
      ...testFiles('ui'),
      ...testFiles('tests/lint'),
      ...testFiles('tests/bench'),
    ],
    2,
  )
  nodeTests('integration', testFiles('tests/integration'), 1)
  // Relay faults, storage columns and the soak (issue 15): one file at a time, they start relays.
  nodeTests('relay', testFiles('tests/relay'), 1)
  // Real NATs in network namespaces: direct, mailbox and TURN per pair of NAT kinds (issue 21).
  natTests()
}
if (runBrowser) {
  step('extension builds and browser tests')
  if (existsSync(join(root, 'scripts', 'build-extension.ts'))) {
    run('build extension (both browsers, test mode, web-ext lint)', process.execPath, [
      'scripts/build-extension.ts',
      '--lint',
    ])
  }
  nodeTests('browser', testFiles('tests/browser'), 1)
}
if (runBench) {
  step('benchmarks (smoke: they must run; figures are not asserted)')
  if (existsSync(join(root, 'tests', 'bench', 'run.ts')))
    run('bench smoke', process.execPath, ['tests/bench/run.ts', '--smoke', '--strict'])
}

const minutes = ((Date.now() - started) / 60000).toFixed(1)
console.log(`\n=== summary (${minutes} min) ===`)
if (failures.length > 0) console.log(`failed steps: ${failures.join(', ')}`)
if (failingTests.length > 0) console.log(`failing tests:\n${failingTests.join('\n')}`)
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`)
process.exit(failures.length > 0 || totals.failed > 0 ? 1 : 0)
