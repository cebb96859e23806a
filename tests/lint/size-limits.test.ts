// Proves the size limits of ADR 0011 are enforced by lint: a shipped source file over 500 lines or a
// function over 80 fails `npm run lint`, in every package; blank lines and comments do not count; an
// exception says why where it stands; tests are not limited.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ESLint } from 'eslint'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', '..')
const eslint = new ESLint({ cwd: root })

const FILE_RULE = 'max-lines'
const FUNCTION_RULE = 'max-lines-per-function'

async function ruleIdsFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) })
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`)
}

/** A module of `lines` lines, each one statement. */
function moduleOfLines(lines: number): string {
  return Array.from({ length: lines }, (_, i) => `export const value${i} = ${i}\n`).join('')
}

/** A function spanning `lines` lines from its header to its closing brace. */
function functionOfLines(lines: number, extra = ''): string {
  const body = Array.from({ length: lines - 4 }, () => '  n += 1\n').join('')
  return `export function count(): number {\n  let n = 0\n${body}${extra}  return n\n}\n`
}

const everyPackage = [
  'core/src/lint-fixture.ts',
  'extension/src/lint-fixture.ts',
  'ui/src/lint-fixture.ts',
  'relay-node/src/lint-fixture.ts',
]

for (const file of everyPackage) {
  test(`lint rejects a 501-line file in ${file}`, async () => {
    const ids = await ruleIdsFor(moduleOfLines(501), file)
    assert.ok(ids.includes(FILE_RULE), `expected ${FILE_RULE}, got ${ids.join(', ')}`)
  })

  test(`lint rejects an 81-line function in ${file}`, async () => {
    const ids = await ruleIdsFor(functionOfLines(81), file)
    assert.ok(ids.includes(FUNCTION_RULE), `expected ${FUNCTION_RULE}, got ${ids.join(', ')}`)
  })
}

test('lint accepts a 500-line file and an 80-line function (the limits themselves)', async () => {
  const file = await ruleIdsFor(moduleOfLines(500), 'core/src/lint-fixture.ts')
  assert.deepEqual(file, [])
  const fn = await ruleIdsFor(functionOfLines(80), 'core/src/lint-fixture.ts')
  assert.deepEqual(fn, [])
})

test('blank lines and comments do not count towards either limit', async () => {
  const explained = functionOfLines(80, '\n  // why the next line is there\n\n  /* and more */\n')
  assert.deepEqual(await ruleIdsFor(explained, 'core/src/lint-fixture.ts'), [])
  const commented = moduleOfLines(500) + '// a closing remark\n\n/**\n * more\n */\n'
  assert.deepEqual(await ruleIdsFor(commented, 'core/src/lint-fixture.ts'), [])
})

test('an exception that says why where it stands is accepted', async () => {
  const excused =
    '// eslint-disable-next-line max-lines-per-function -- one table read top to bottom\n' +
    functionOfLines(81)
  assert.deepEqual(await ruleIdsFor(excused, 'core/src/lint-fixture.ts'), [])
})

test('tests are not limited', async () => {
  const ids = await ruleIdsFor(
    moduleOfLines(600) + functionOfLines(120),
    'core/src/lint-fixture.test.ts',
  )
  assert.ok(!ids.includes(FILE_RULE) && !ids.includes(FUNCTION_RULE), ids.join(', '))
})
