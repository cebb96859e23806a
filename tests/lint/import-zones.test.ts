// Proves the import zones of docs/ARCHITECTURE.md are enforced by lint (hestia/import-zones over
// scripts/lint/zones.ts): each zone rejects a fixture that crosses it, however the import is
// spelled, and the zone tables cover the code they are meant to (a new folder or a new module in
// the service worker's import graph cannot slip past them).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ESLint } from 'eslint'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, resolve } from 'node:path'
import { resolveSpecifier, zoneOf } from '../../scripts/lint/import-zones.ts'
import {
  allZones,
  coreLayers,
  coreZones,
  nodeHostZone,
  pagesZone,
  serviceWorkerZone,
  uiZone,
} from '../../scripts/lint/zones.ts'

const root = resolve(import.meta.dirname, '..', '..')
const eslint = new ESLint({ cwd: root })

interface Found {
  ruleId: string
  message: string
}

async function lint(code: string, filePath: string): Promise<Found[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(root, filePath) })
  return (result?.messages ?? []).map((m) => ({
    ruleId: m.ruleId ?? `fatal: ${m.message}`,
    message: m.message,
  }))
}

const ZONES_RULE = 'hestia/import-zones'

const rejected: Array<{ what: string; file: string; code: string }> = [
  {
    what: 'crypto importing the messenger (upward)',
    file: 'core/src/crypto/lint-fixture.ts',
    code: "import { KeyedMutex } from '../messenger/context.ts'\nexport const m = KeyedMutex\n",
  },
  {
    what: 'crypto importing the messenger through the package name',
    file: 'core/src/crypto/lint-fixture.ts',
    code: "import { KeyedMutex } from '@hestia/core/messenger/context.ts'\nexport const m = KeyedMutex\n",
  },
  {
    what: 'wire importing crypto (a type-only import still counts in core)',
    file: 'core/src/wire/lint-fixture.ts',
    code: "import type { Clock } from '../crypto/platform.ts'\nexport type C = Clock\n",
  },
  {
    what: 'text importing wire (siblings of the lowest layer)',
    file: 'core/src/text/lint-fixture.ts',
    code: "import { KiB } from '../wire/caps.ts'\nexport const k = KiB\n",
  },
  {
    what: 'the client API contract importing the store',
    file: 'core/src/client/api.ts',
    code: "import { STORE_LIMITS } from '../store/store.ts'\nexport const l = STORE_LIMITS\n",
  },
  {
    what: 'the store importing the mailbox (siblings)',
    file: 'core/src/store/lint-fixture.ts',
    code: "import { AUTH_OP } from '../mailbox/auth.ts'\nexport const a = AUTH_OP\n",
  },
  {
    what: 'groups importing the store (upward)',
    file: 'core/src/groups/lint-fixture.ts',
    code: "import { STORE_LIMITS } from '../store/store.ts'\nexport const l = STORE_LIMITS\n",
  },
  {
    what: 'crypto importing groups (upward)',
    file: 'core/src/crypto/lint-fixture.ts',
    code: "import { GROUP_LIMITS } from '../groups/limits.ts'\nexport const l = GROUP_LIMITS\n",
  },
  {
    what: 'files importing the client port (dispatcher)',
    file: 'core/src/files/lint-fixture.ts',
    code: "import { ClientApiError } from '../client/dispatch.ts'\nexport const e = ClientApiError\n",
  },
  {
    what: 'files importing the messenger, re-exported',
    file: 'core/src/files/lint-fixture.ts',
    code: "export { KeyedMutex } from '../messenger/context.ts'\n",
  },
  {
    what: 'the messenger importing the core entry point',
    file: 'core/src/messenger/lint-fixture.ts',
    code: "export const load = () => import('../index.ts')\n",
  },
  {
    what: 'ui importing the messenger',
    file: 'ui/src/lib/lint-fixture.ts',
    code: "import { KeyedMutex } from '@hestia/core/messenger/context.ts'\nexport const m = KeyedMutex\n",
  },
  {
    what: 'ui importing core text helpers directly',
    file: 'ui/src/lib/lint-fixture.ts',
    code: "import { fileExtension } from '@hestia/core/text/clean.ts'\nexport const f = fileExtension\n",
  },
  {
    what: 'ui importing the store interface (type-only)',
    file: 'ui/src/lib/lint-fixture.ts',
    code: "import type { MessengerStore } from '@hestia/core/store/store.ts'\nexport type S = MessengerStore\n",
  },
  {
    what: 'the service worker importing a page',
    file: 'extension/src/platform/lint-fixture.ts',
    code: "export const load = () => import('../pages/popup-page.ts')\n",
  },
  {
    what: 'the service worker importing the node host',
    file: 'extension/src/platform/lint-fixture.ts',
    code: "import { NodeService } from '../host/node-service.ts'\nexport const n = NodeService\n",
  },
  {
    what: 'the service worker importing the UI',
    file: 'extension/src/platform/lint-fixture.ts',
    code: "import { AppState } from '@hestia/ui'\nexport const a = AppState\n",
  },
  {
    what: 'a page importing the node host',
    file: 'extension/src/pages/lint-fixture.ts',
    code: "import { NodeService } from '../host/node-service.ts'\nexport const n = NodeService\n",
  },
  {
    what: 'a page importing the messenger',
    file: 'extension/src/pages/lint-fixture.ts',
    code: "import { KeyedMutex } from '@hestia/core/messenger/context.ts'\nexport const m = KeyedMutex\n",
  },
  {
    what: 'the node host importing the UI',
    file: 'extension/src/host/lint-fixture.ts',
    code: "import { AppState } from '@hestia/ui'\nexport const a = AppState\n",
  },
  {
    what: 'the offscreen document (in pages/) importing a UI page',
    file: 'extension/src/pages/offscreen-page.ts',
    code: "import './popup-page.ts'\n",
  },
]

for (const c of rejected) {
  test(`import zones reject ${c.what}`, async () => {
    const found = await lint(c.code, c.file)
    assert.ok(
      found.some((f) => f.ruleId === ZONES_RULE),
      `expected ${ZONES_RULE} in ${JSON.stringify(found)}`,
    )
  })
}

const accepted: Array<{ what: string; file: string; code: string }> = [
  {
    what: 'the messenger importing crypto, the store and the client port',
    file: 'core/src/messenger/lint-fixture.ts',
    code:
      "import { systemClock } from '../crypto/platform.ts'\nimport { STORE_LIMITS } from '../store/store.ts'\n" +
      "import { ClientApiError } from '../client/dispatch.ts'\nexport const all = [systemClock, STORE_LIMITS, ClientApiError]\n",
  },
  {
    what: 'groups importing crypto and wire, and the messenger importing groups',
    file: 'core/src/messenger/lint-fixture.ts',
    code: "import { GROUP_LIMITS } from '../groups/limits.ts'\nimport { systemClock } from '../crypto/platform.ts'\nexport const all = [GROUP_LIMITS, systemClock]\n",
  },
  {
    what: 'the store naming client API types',
    file: 'core/src/store/lint-fixture.ts',
    code: "import type { MessageBody } from '../client/api.ts'\nexport type B = MessageBody\n",
  },
  {
    what: 'ui importing the client API through its public entry',
    file: 'ui/src/lib/lint-fixture.ts',
    code: "import { sdpFingerprint, fileExtension } from '@hestia/core/client/index.ts'\nexport const f = [sdpFingerprint, fileExtension]\n",
  },
  {
    what: 'a page using the UI, the extension client and host control',
    file: 'extension/src/pages/lint-fixture.ts',
    code:
      "import { AppState } from '@hestia/ui'\nimport { connectExtensionClient } from '../client/extension-client.ts'\n" +
      "import { HostClient } from '../host-control/client.ts'\nexport const all = [AppState, connectExtensionClient, HostClient]\n",
  },
  {
    what: 'the service worker naming a host type (erased, no host code runs)',
    file: 'extension/src/platform/lint-fixture.ts',
    code: "import type { NodeService } from '../host/node-service.ts'\nexport type N = NodeService\n",
  },
]

for (const c of accepted) {
  test(`import zones accept ${c.what}`, async () => {
    const found = await lint(c.code, c.file)
    assert.deepEqual(
      found.filter((f) => f.ruleId === ZONES_RULE || f.ruleId.startsWith('fatal')),
      [],
    )
  })
}

test('a core folder missing from the layer table is reported', async () => {
  const found = await lint('export const x = 1\n', 'core/src/newarea/lint-fixture.ts')
  assert.ok(
    found.some((f) => f.ruleId === ZONES_RULE && f.message.includes('in no import zone')),
    JSON.stringify(found),
  )
})

test('the service worker uses no DOM', async () => {
  const found = await lint(
    'export const title = (): string => document.title\n',
    'extension/src/platform/lint-fixture.ts',
  )
  assert.ok(
    found.some((f) => f.ruleId === 'no-restricted-globals'),
    JSON.stringify(found),
  )
})

test('a page may use the DOM', async () => {
  const found = await lint(
    'export const title = (): string => document.title\n',
    'extension/src/pages/lint-fixture.ts',
  )
  assert.ok(!found.some((f) => f.ruleId === 'no-restricted-globals'), JSON.stringify(found))
})

// ---- the tables cover the code -------------------------------------------------------------

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const rel = posix.join(dir, name)
    if (statSync(join(root, rel)).isDirectory()) return sourceFiles(rel)
    return /\.(ts|tsx|svelte)$/.test(name) && !name.endsWith('.d.ts') ? [rel] : []
  })
}

test('every source file of core/src, extension/src and ui/src is in a zone', () => {
  const files = ['core/src', 'extension/src', 'ui/src'].flatMap(sourceFiles)
  assert.ok(files.length > 100, `only ${files.length} files found`)
  assert.deepEqual(
    files.filter((f) => zoneOf(allZones, f) === undefined),
    [],
  )
})

test('every core layer zone holds code (no stale rows in the table)', () => {
  const files = sourceFiles('core/src').filter((f) => !f.endsWith('.test.ts'))
  const empty = coreZones.filter((zone) => !files.some((f) => zoneOf(coreZones, f) === zone.name))
  assert.deepEqual(
    empty.map((z) => z.name),
    [],
  )
  assert.ok(coreLayers.length >= 6)
})

const specifiers =
  /(?:^|\n)\s*(import|export)(\s+type)?\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g

/** Files whose code runs when `entry` runs: its imports, minus type-only ones, transitively. */
function runtimeClosure(entry: string): Set<string> {
  const seen = new Set<string>()
  const queue = [entry]
  while (queue.length > 0) {
    const file = queue.pop()!
    if (seen.has(file)) continue
    seen.add(file)
    const text = readFileSync(join(root, file), 'utf8')
    for (const m of text.matchAll(specifiers)) {
      if (m[2] !== undefined) continue // `import type` / `export type`
      const target = resolveSpecifier(join(root, file), m[3] ?? m[4] ?? m[5]!)
      if (target !== undefined && /\.(ts|tsx|svelte)$/.test(target)) queue.push(target)
    }
  }
  return seen
}

test('everything the Chrome service worker runs is in the service-worker zone', () => {
  const closure = runtimeClosure('extension/src/background.chrome.ts')
  assert.ok(closure.size > 5, `closure of ${closure.size} files`)
  const outside = [...closure].filter(
    (f) => !f.startsWith('core/src/') && zoneOf([serviceWorkerZone], f) === undefined,
  )
  assert.deepEqual(outside, [])
})

const inZone = (zoneName: string) => (f: string) => zoneOf(allZones, f) === zoneName

test('nothing a page runs hosts the node: no node-host module, no messenger', () => {
  for (const entry of ['extension/src/popup.tsx', 'extension/src/tabs/call.tsx']) {
    const closure = [...runtimeClosure(entry)]
    assert.ok(closure.some(inZone(uiZone.name)), `${entry} reaches the UI`)
    assert.deepEqual(
      closure.filter((f) => inZone(nodeHostZone.name)(f) || inZone('core/messenger')(f)),
      [],
      entry,
    )
  }
})

test('nothing the node host runs is UI: no ui/ module, no page', () => {
  for (const entry of ['extension/src/tabs/offscreen.tsx', 'extension/src/background.firefox.ts']) {
    const closure = [...runtimeClosure(entry)]
    assert.ok(closure.some(inZone('core/messenger')), `${entry} reaches the messenger`)
    assert.deepEqual(
      closure.filter((f) => inZone(uiZone.name)(f) || inZone(pagesZone.name)(f)),
      [],
      entry,
    )
  }
})
