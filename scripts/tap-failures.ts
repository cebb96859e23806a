// The failing tests of one node:test TAP report (what `npm test` writes to tests/artifacts/*.tap),
// each with the first lines of its error, so the run's summary says why, not only that, something
// failed. A CI log is often read from its end: the summary is what gets read.
//
// Node's TAP: `# Subtest: <name>` opens a test (nested by 4 spaces), `not ok N - <name>` closes a
// failed one, followed by a YAML block (`---` … `...`, 2 spaces deeper) whose single-line strings
// are JavaScript-quoted and whose multi-line ones are `|-` blocks. Failing `# TODO` tests are not
// failures. `# Error: …` comments are errors the runner could not pin on a test (asynchronous
// activity after a test ended); they are kept too.
import { relative } from 'node:path'

export interface TapFailure {
  /** Enclosing suites, outermost first, then the test's own name. */
  path: string[]
  /** file:line:column, as the runner reported it. */
  location?: string
  /** testCodeFailure, hookFailed, cancelledByParent, testTimeoutFailure, … */
  failureType?: string
  /** The error message's lines (assertion diffs included). */
  error: string[]
  /** The first stack frame outside node's internals, when there is one. */
  at?: string
}

export interface TapReport {
  failures: TapFailure[]
  /** `# Error: …` lines the runner printed outside any test. */
  diagnostics: string[]
}

const SUBTEST = /^( *)# Subtest: (.*)$/
const NOT_OK = /^( *)not ok \d+ - (.*)$/

/** TAP escapes `#` and `\` in names; a trailing ` # TODO` / ` # SKIP` is a directive. */
function parseName(raw: string): { name: string; todo: boolean } {
  const directive = / # (TODO|SKIP)\b.*$/i.exec(raw)
  const name = (directive === null ? raw : raw.slice(0, directive.index))
    .replace(/\\#/g, '#')
    .replace(/\\\\/g, '\\')
  return { name, todo: directive !== null && directive[1]!.toUpperCase() === 'TODO' }
}

/** A single-line YAML value as node writes it: quoted with ', " or ` (util.inspect), or bare. */
function unquote(value: string): string {
  const q = value[0]
  if ((q === "'" || q === '"' || q === '`') && value.endsWith(q) && value.length >= 2) {
    return value
      .slice(1, -1)
      .replace(/\\n/g, '\n')
      .replace(/\\(['"`\\])/g, '$1')
  }
  return value
}

/** The YAML block after a `not ok` line: top-level keys, block scalars joined with newlines. */
function parseBlock(lines: string[], start: number, indent: string) {
  const fields = new Map<string, string[]>()
  const inner = `${indent}  `
  if (lines[start] !== `${inner}---`) return { fields, end: start }
  let i = start + 1
  let current: string[] | undefined
  for (; i < lines.length && lines[i] !== `${inner}...`; i++) {
    const line = lines[i]!
    const key = new RegExp(`^${inner}([A-Za-z_]+):(?: (.*))?$`).exec(line)
    if (key !== null) {
      const value = key[2] ?? ''
      current = value === '|-' || value === '|' || value === '' ? [] : [unquote(value)]
      fields.set(key[1]!, current)
    } else if (current !== undefined && line.startsWith(`${inner}  `)) {
      current.push(line.slice(inner.length + 2))
    } else if (current !== undefined && line.trim() === '') {
      current.push('')
    }
  }
  return { fields, end: i }
}

export function parseTapFailures(tap: string): TapReport {
  const lines = tap.split('\n')
  const failures: TapFailure[] = []
  const diagnostics = lines.filter((l) => /^# (Error|Warning): /.test(l)).map((l) => l.slice(2))
  // Names of the open subtests by depth (4 spaces per level).
  const open: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const sub = SUBTEST.exec(lines[i]!)
    if (sub !== null) {
      const depth = sub[1]!.length / 4
      open.length = depth
      open[depth] = parseName(sub[2]!).name
      continue
    }
    const failed = NOT_OK.exec(lines[i]!)
    if (failed === null) continue
    const indent = failed[1]!
    const depth = indent.length / 4
    const { name, todo } = parseName(failed[2]!)
    const { fields, end } = parseBlock(lines, i + 1, indent)
    i = end
    if (todo) continue
    const one = (key: string) => fields.get(key)?.[0]
    // The first frame in a file of ours says most; else the first outside node's internals.
    const frames = (fields.get('stack') ?? []).filter((f) => f !== '')
    const stack =
      frames.find((f) => f.includes('file://')) ?? frames.find((f) => !f.includes('node:'))
    const error = fields.get('error') ?? []
    while (error.length > 0 && error.at(-1)!.trim() === '') error.pop()
    failures.push({
      path: [...open.slice(0, depth), name],
      ...(one('location') !== undefined ? { location: one('location')! } : {}),
      ...(one('failureType') !== undefined ? { failureType: one('failureType')! } : {}),
      error,
      ...(stack !== undefined ? { at: stack } : {}),
    })
  }
  return { failures, diagnostics }
}

/**
 * The summary lines for one step's report: each failure with its place and the first
 * `errorLines` lines of its error; tests cancelled only because their parent failed are listed
 * by name on one line (their parent's entry says why).
 */
export function formatTapFailures(
  step: string,
  report: TapReport,
  root: string,
  errorLines = 8,
): string[] {
  const out: string[] = []
  const where = (loc: string | undefined) =>
    loc === undefined ? '' : ` (${relative(root, loc.replace(/^file:\/\//, ''))})`
  const cancelled = report.failures.filter((f) => f.failureType === 'cancelledByParent')
  // A suite that failed only because a test in it failed adds nothing: that test is listed.
  const own = report.failures.filter(
    (x) => x.failureType !== 'cancelledByParent' && x.failureType !== 'subtestsFailed',
  )
  for (const f of own) {
    const kind = f.failureType === undefined ? '' : ` [${f.failureType}]`
    out.push(`✖ ${step}: ${f.path.join(' > ')}${where(f.location)}${kind}`)
    const shown = f.error.slice(0, errorLines)
    for (const line of shown) out.push(`    ${clip(line)}`)
    if (f.error.length > shown.length)
      out.push(`    … (${f.error.length - shown.length} more lines)`)
    if (f.at !== undefined) out.push(`    at ${f.at}`)
  }
  if (cancelled.length > 0) {
    const names = cancelled.map((f) => f.path.at(-1)).join('; ')
    out.push(`✖ ${step}: ${cancelled.length} cancelled because their parent failed: ${names}`)
  }
  if (out.length > 0) for (const d of report.diagnostics.slice(0, 5)) out.push(`  ${clip(d)}`)
  return out
}

/** One summary line stays readable: a JSON dump in an error message is cut, not wrapped. */
function clip(line: string, max = 400): string {
  return line.length <= max ? line : `${line.slice(0, max)} …`
}
