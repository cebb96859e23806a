// Proves the architecture rule of docs/ARCHITECTURE.md is enforced by lint, not by goodwill:
// code placed in core/ that reaches for the browser, the DOM, Node or an outer package fails `npm run lint`.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ESLint } from 'eslint'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..', '..')
const eslint = new ESLint({ cwd: root })

async function ruleIdsFor(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) })
  return (result?.messages ?? []).map((m) => m.ruleId ?? `fatal: ${m.message}`)
}

const cases: Array<{ what: string; file: string; code: string; rule: string }> = [
  {
    what: 'chrome.* in core',
    file: 'core/src/lint-fixture.ts',
    code: 'export const id = chrome.runtime.id\n',
    rule: 'no-restricted-globals',
  },
  {
    what: 'DOM in core',
    file: 'core/src/lint-fixture.ts',
    code: 'export const t = document.title\n',
    rule: 'no-restricted-globals',
  },
  {
    what: 'node:* import in core',
    file: 'core/src/lint-fixture.ts',
    code: "import { readFileSync } from 'node:fs'\nexport const r = readFileSync\n",
    rule: 'no-restricted-imports',
  },
  {
    what: 'bare Node built-in import in core',
    file: 'core/src/lint-fixture.ts',
    code: "import { randomBytes } from 'crypto'\nexport const r = randomBytes\n",
    rule: 'no-restricted-imports',
  },
  {
    what: 'extension import in core',
    file: 'core/src/lint-fixture.ts',
    code: "import x from '@hestia/extension'\nexport const y = x\n",
    rule: 'no-restricted-imports',
  },
  {
    what: 'extension import in ui',
    file: 'ui/src/lint-fixture.ts',
    code: "import x from '../../extension/src/anything.ts'\nexport const y = x\n",
    rule: 'no-restricted-imports',
  },
  {
    what: 'ui import in relay-node',
    file: 'relay-node/src/lint-fixture.ts',
    code: "import x from '@hestia/ui'\nexport const y = x\n",
    rule: 'no-restricted-imports',
  },
]

for (const c of cases) {
  test(`lint rejects ${c.what}`, async () => {
    const rules = await ruleIdsFor(c.code, c.file)
    assert.ok(rules.includes(c.rule), `expected ${c.rule} in ${JSON.stringify(rules)}`)
  })
}

test('lint accepts a core module importing a sibling folder named like a Node built-in', async () => {
  const rules = await ruleIdsFor(
    "import { ProtocolError } from '../crypto/index.ts'\nexport const E = ProtocolError\n",
    'core/src/lint-fixture.ts',
  )
  assert.ok(!rules.includes('no-restricted-imports'), JSON.stringify(rules))
})

test('lint accepts platform-free code in core', async () => {
  const rules = await ruleIdsFor(
    'export const double = (n: number): number => n * 2\n',
    'core/src/lint-fixture.ts',
  )
  assert.deepEqual(rules, [])
})

test('lint flags a floating promise', async () => {
  const rules = await ruleIdsFor(
    'async function f(): Promise<void> {}\nexport function g(): void {\n  f()\n}\n',
    'core/src/lint-fixture.ts',
  )
  assert.ok(rules.includes('@typescript-eslint/no-floating-promises'), JSON.stringify(rules))
})

// Test support (fixture client, store compliance suite, golden generators) never reaches shipped code.
const testSupportCases: Array<{ what: string; file: string; code: string }> = [
  {
    what: 'core production code importing test support',
    file: 'core/src/lint-fixture.ts',
    code: "import { createFixtureClient } from '../test-support/fixture-client.ts'\nexport const c = createFixtureClient\n",
  },
  {
    what: 'core production code re-exporting test support',
    file: 'core/src/lint-fixture.ts',
    code: "export { runStoreComplianceSuite } from '../test-support/store-compliance.ts'\n",
  },
  {
    what: 'ui code importing the fixture client through the package name',
    file: 'ui/src/lint-fixture.ts',
    code: "import { createFixtureClient } from '@hestia/core/test-support/fixture-client.ts'\nexport const c = createFixtureClient\n",
  },
  {
    what: 'relay code loading test support dynamically',
    file: 'relay-node/src/lint-fixture.ts',
    code: "export const load = () => import('@hestia/core/test-support/store-compliance.ts')\n",
  },
]

for (const c of testSupportCases) {
  test(`lint rejects ${c.what}`, async () => {
    const rules = await ruleIdsFor(c.code, c.file)
    assert.ok(rules.includes('no-restricted-syntax'), JSON.stringify(rules))
  })
}

test('lint lets a test file import test support', async () => {
  const rules = await ruleIdsFor(
    "import { createFixtureClient } from '../test-support/fixture-client.ts'\nexport const c = createFixtureClient\n",
    'core/src/lint-fixture.test.ts',
  )
  assert.deepEqual(rules, [])
})
