// `npm test`'s summary names every failing test with the first lines of its error, read from the
// TAP report node:test wrote (scripts/tap-failures.ts). Checked on real TAP: small test files with
// the failures CI has shown — a suite's before() or after() hook throwing (the suite is all that
// fails), an assertion, an error thrown after its test ended — run by node --test here.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatTapFailures, parseTapFailures } from '../../scripts/tap-failures.ts'

const FILES: Record<string, string> = {
  'hooks.test.ts': `
import { after, before, describe, test } from 'node:test'
describe('lab # one', () => {
  before(() => { throw new Error('coturn not ready in 15000 ms\\nlast output: bind failed') })
  test('pair a', () => {})
  test('pair b', () => {})
})
describe('lab two', () => {
  after(() => { throw new Error('ENOTEMPTY: directory not empty, rmdir /tmp/x') })
  test('passes', () => {})
})
`,
  'asserts.test.ts': `
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
describe('outer', () => {
  describe('inner', () => {
    test("it's compared", () => { assert.deepEqual({ n: 1 }, { n: 2 }, 'the counts') })
  })
})
test('known gap', { todo: true }, () => { throw new Error('not built yet') })
test('fine', () => {})
`,
  'late.test.ts': `
import { test } from 'node:test'
test('ends early', () => { setTimeout(() => { throw new Error('thrown after the end') }, 20) })
test('waits', () => new Promise((r) => setTimeout(r, 200)))
`,
}

function runTap(dir: string): string {
  const tap = join(dir, 'out.tap')
  try {
    execFileSync(
      process.execPath,
      [
        '--test',
        '--test-reporter=tap',
        `--test-reporter-destination=${tap}`,
        ...Object.keys(FILES).map((f) => join(dir, f)),
      ],
      // Without NODE_TEST_CONTEXT: that would make the inner run report to this one instead.
      { cwd: dir, stdio: 'ignore', env: { ...process.env, NODE_TEST_CONTEXT: undefined } },
    )
  } catch {
    // Failing tests are the point: node exits 1.
  }
  return readFileSync(tap, 'utf8')
}

test('the summary names each failing test with its place and the first lines of its error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hestia-tap-'))
  try {
    for (const [name, body] of Object.entries(FILES)) writeFileSync(join(dir, name), body)
    const report = parseTapFailures(runTap(dir))
    const lines = formatTapFailures('nat', report, dir)
    const text = lines.join('\n')

    // before() threw: the suite, the hook's message (both lines) and its place; its tests are
    // cancelled and listed on one line, not as failures of their own.
    assert.match(text, /✖ nat: lab # one \(hooks\.test\.ts:3:1\) \[hookFailed\]/)
    assert.match(text, /\n {4}coturn not ready in 15000 ms\n {4}last output: bind failed\n/)
    assert.match(text, /✖ nat: 2 cancelled because their parent failed: pair a; pair b/)
    // after() threw while every test in it passed: the suite alone fails, and says why.
    assert.match(text, /✖ nat: lab two \(hooks\.test\.ts:8:1\) \[hookFailed\]/)
    assert.match(text, /\n {4}ENOTEMPTY: directory not empty, rmdir \/tmp\/x\n/)
    // An assertion deep in suites: the whole path, the message and the diff.
    assert.match(text, /✖ nat: outer > inner > it's compared \(asserts\.test\.ts:6:5\)/)
    assert.match(text, /\n {4}the counts\n/)
    assert.match(text, /-\s+n: 2,?\n/)
    assert.match(text, /at TestContext\.<anonymous> \(file:\/\/.*asserts\.test\.ts:6:/)
    // An error after its test ended fails the file; the runner's note about it is shown.
    assert.match(text, /✖ nat: .*late\.test\.ts/)
    assert.match(
      text,
      /Error: Test "ends early" .* created the error "Error: thrown after the end"/,
    )
    // Not failures: a failing todo, a passing test, the suites that failed only through a test.
    assert.doesNotMatch(text, /known gap|not built yet|fine|subtest failed/)
    assert.equal(report.failures.filter((f) => f.failureType === 'hookFailed').length, 2)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a report with no failures gives no summary lines', () => {
  const tap =
    'TAP version 13\n# Subtest: ok one\nok 1 - ok one\n  ---\n  duration_ms: 1\n  ...\n1..1\n'
  assert.deepEqual(formatTapFailures('unit', parseTapFailures(tap), '/'), [])
})

test('a long error line is cut, and only the first lines of a long error are shown', () => {
  const long = 'x'.repeat(2000)
  const error = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n    ')
  const tap = [
    '# Subtest: big',
    'not ok 1 - big',
    '  ---',
    "  location: '/r/a.test.ts:1:1'",
    "  failureType: 'testCodeFailure'",
    '  error: |-',
    `    ${long}`,
    `    ${error}`,
    '  ...',
  ].join('\n')
  const lines = formatTapFailures('unit', parseTapFailures(tap), '/r', 8)
  assert.equal(lines[0], '✖ unit: big (a.test.ts:1:1) [testCodeFailure]')
  assert.ok(lines[1]!.length < 500 && lines[1]!.endsWith(' …'))
  assert.equal(lines.length, 1 + 8 + 1)
  assert.equal(lines.at(-1), '    … (13 more lines)')
})
