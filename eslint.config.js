// ESLint flat config. The path zones below are the architecture rule of docs/ARCHITECTURE.md:
// extension/, ui/ and relay-node/ depend on core/; core/ depends on none of them and on no platform.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import svelte from 'eslint-plugin-svelte'
import globals from 'globals'
import hestia from './scripts/lint/import-zones.ts'
import {
  allZones,
  coreLayers,
  coreZones,
  nodeHostZone,
  pagesZone,
  serviceWorkerZone,
  uiZone,
} from './scripts/lint/zones.ts'

// Globals that only exist in a browser extension or a DOM. core/ must take its platform injected.
const platformGlobals = [
  {
    name: 'chrome',
    message: 'core/ is platform-free: take the browser API as an injected component.',
  },
  {
    name: 'browser',
    message: 'core/ is platform-free: take the browser API as an injected component.',
  },
  { name: 'window', message: 'core/ is platform-free: no DOM.' },
  { name: 'document', message: 'core/ is platform-free: no DOM.' },
  { name: 'navigator', message: 'core/ is platform-free: no DOM.' },
  { name: 'localStorage', message: 'core/ is platform-free: use the injected store.' },
  { name: 'indexedDB', message: 'core/ is platform-free: use the injected store.' },
  { name: 'process', message: 'core/ is platform-free: no Node globals.' },
  { name: 'Buffer', message: 'core/ is platform-free: use Uint8Array.' },
  { name: 'require', message: 'core/ is platform-free: no Node globals.' },
]

const nodeBuiltins = [
  'node:*',
  'fs',
  'fs/*',
  'path',
  'os',
  'crypto',
  'net',
  'http',
  'https',
  'child_process',
  'stream',
  'url',
  'buffer',
  'events',
  'worker_threads',
].map((name) =>
  // Anchored (gitignore semantics): bare `crypto` is Node's module; `../crypto/x.ts` is ours.
  name.startsWith('node:') ? name : `/${name}`,
)

// Any import, re-export or dynamic import whose specifier names the test-support folder.
const testSupportSource = '[source.value=/test-support/]'
const testSupportMessage =
  'Test support (core/test-support/) is for tests and dev tools only; shipped code cannot import it.'
const testSupportImports = [
  'ImportDeclaration',
  'ExportNamedDeclaration',
  'ExportAllDeclaration',
  'ImportExpression',
].map((node) => ({ selector: `${node}${testSupportSource}`, message: testSupportMessage }))

// hestia/import-zones (scripts/lint/import-zones.ts) over the zone tables of scripts/lint/zones.ts:
// decided on the file an import resolves to, however its path is spelled.
const coreLayerChecks = coreLayers.flatMap((layer, index) =>
  layer.map((zone) => ({
    from: [zone.name],
    allow: coreLayers
      .slice(0, index)
      .flat()
      .map((below) => below.name),
    message: `no upward import inside core/: ${zone.name} sits above only ${
      coreLayers
        .slice(0, index)
        .flat()
        .map((below) => below.name)
        .join(', ') || 'nothing'
    } (docs/ARCHITECTURE.md, "Layers inside core")`,
  })),
)
const importZoneChecks = [
  ...coreLayerChecks,
  {
    from: [uiZone.name],
    allow: ['core/client-api', 'core/client-port'],
    message:
      'ui/ uses only the client API of core (core/src/client/); give what it needs a home there.',
  },
  {
    from: [pagesZone.name],
    deny: [
      nodeHostZone.name,
      ...coreZones
        .map((zone) => zone.name)
        .filter((name) => name !== 'core/client-api' && name !== 'core/client-port'),
    ],
    message:
      'a page talks to the node only through the client API and host control; it does not host the node.',
  },
  {
    from: [nodeHostZone.name],
    deny: [uiZone.name, pagesZone.name],
    message: 'the node host (offscreen document / Firefox background page) shows no UI.',
  },
  {
    from: [serviceWorkerZone.name],
    allow: coreZones.map((zone) => zone.name),
    runtimeOnly: true,
    message:
      'the Chrome service worker has no DOM and does not host the node: no pages, no UI, no offscreen/background host.',
  },
]
const importZonesOptions = {
  zones: allZones,
  checks: importZoneChecks,
  assigned: ['core/src/', 'extension/src/', 'ui/src/'],
}

/** ESLint `files` globs for a zone's paths ('dir/': every source file below dir; 'dir/*': in dir). */
const zoneGlobs = (zone) =>
  zone.paths.flatMap((path) => {
    if (path.endsWith('/*')) return [`${path}.ts`, `${path}.tsx`]
    return path.endsWith('/') ? [`${path}**/*.ts`, `${path}**/*.tsx`] : [path]
  })

// What a Chrome MV3 service worker does not have.
const serviceWorkerMissing = [
  'window',
  'document',
  'localStorage',
  'sessionStorage',
  'RTCPeerConnection',
  'XMLHttpRequest',
  'DOMParser',
  'Image',
  'Audio',
  'alert',
  'confirm',
  'prompt',
].map((name) => ({
  name,
  message:
    'The Chrome service worker has no DOM (and no RTCPeerConnection): do this in a page or the offscreen host.',
}))

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      'build/**',
      '**/.plasmo/**',
      'data/**',
      'tests/artifacts/**',
      'tests/bench/results/**',
      '**/*.pb.ts',
      '**/*.pb.js',
      '**/*.pb.d.ts',
      'tests/lint/fixtures/**',
      // Scratch space of tools and people: never part of the build (git-ignored too).
      '**/.protons-*/**',
      '**/.scratch/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      parserOptions: {
        // The lint fixtures are virtual files (tests/lint), linted as if they sat in each zone.
        projectService: {
          allowDefaultProject: [
            'core/src/lint-fixture.ts',
            'core/src/lint-fixture.test.ts',
            'core/src/*/lint-fixture.ts',
            'ui/src/lint-fixture.ts',
            'ui/src/*/lint-fixture.ts',
            'extension/src/lint-fixture.ts',
            'extension/src/*/lint-fixture.ts',
            'relay-node/src/lint-fixture.ts',
          ],
          // Only the virtual fixtures above ever use the default project (one per zone tested).
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
        },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
      globals: { ...globals.es2023 },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test registers tests synchronously; awaiting test() is not how it is used.
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: [
                'test',
                'it',
                'describe',
                'suite',
                'before',
                'after',
                'beforeEach',
                'afterEach',
              ],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser },
      globals: { ...globals.browser },
    },
  },
  // core/: platform-free.
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', ...platformGlobals],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: nodeBuiltins, message: 'core/ is platform-free: no Node built-ins.' },
            {
              group: ['webextension-polyfill', 'dexie', 'svelte', 'svelte/*'],
              message: 'core/ is platform-free.',
            },
            {
              group: [
                '@hestia/extension',
                '@hestia/extension/*',
                '@hestia/ui',
                '@hestia/ui/*',
                '@hestia/relay-node',
                '@hestia/relay-node/*',
                '**/extension/**',
                '**/ui/**',
                '**/relay-node/**',
              ],
              message:
                'Dependencies point inward: core/ imports none of extension/, ui/, relay-node/.',
            },
          ],
        },
      ],
    },
  },
  // Node tests inside core may use node:test and node:assert; they are not shipped.
  {
    files: ['core/**/*.test.ts', 'core/test-support/**/*.ts'],
    rules: { 'no-restricted-imports': 'off', 'no-restricted-globals': 'off' },
  },
  // ui/: components talk to the node only through the client API in core.
  {
    files: ['ui/**/*.ts', 'ui/**/*.svelte'],
    rules: {
      'no-restricted-globals': ['error', platformGlobals[0], platformGlobals[1]],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@hestia/extension',
                '@hestia/extension/*',
                '**/extension/**',
                '@hestia/relay-node',
                '**/relay-node/**',
              ],
              message: 'ui/ talks to the node only through the client API from core/.',
            },
            { group: nodeBuiltins, message: 'ui/ runs in the browser.' },
          ],
        },
      ],
    },
  },
  // ui/'s Node-side tests and build tools (component tests, the fixture preview build) run in
  // Node, never in the popup; the shipped code under ui/src keeps the browser-only rule.
  {
    files: [
      'ui/test/**/*.ts',
      'ui/tools/**/*.ts',
      'ui/preview/build.ts',
      'ui/preview/build-parcel.ts',
      'ui/preview/serve.ts',
    ],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-restricted-imports': 'off' },
  },
  // relay-node/: a Node server; never imports browser code.
  {
    files: ['relay-node/**/*.ts'],
    languageOptions: { globals: { ...globals.node } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '@hestia/extension',
                '@hestia/extension/*',
                '**/extension/**',
                '@hestia/ui',
                '@hestia/ui/*',
                '**/ui/**',
              ],
              message: 'relay-node/ uses core/ only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['extension/**/*.ts'],
    languageOptions: { globals: { ...globals.browser, ...globals.webextensions } },
  },
  {
    files: [
      'tests/**/*.ts',
      'scripts/**/*.ts',
      '*.config.ts',
      '*.config.js',
      'relay-node/bin/**/*.js',
    ],
    languageOptions: { globals: { ...globals.node } },
  },
  // Import zones: layers inside core/, ui/ → the client API only, the service worker's reach.
  {
    files: [
      'core/src/**/*.ts',
      'ui/src/**/*.ts',
      'ui/src/**/*.svelte',
      'extension/src/**/*.ts',
      'extension/src/**/*.tsx',
      'plasmo.config.ts',
    ],
    ignores: ['**/*.test.ts'],
    plugins: { hestia },
    rules: { 'hestia/import-zones': ['error', importZonesOptions] },
  },
  // The Chrome service worker's modules use no DOM.
  {
    files: zoneGlobs(serviceWorkerZone),
    ignores: ['**/*.test.ts'],
    rules: { 'no-restricted-globals': ['error', ...serviceWorkerMissing] },
  },
  // Test support (core/test-support/: fixture client, store compliance suite, golden-vector
  // generators) never ships: shipped sources cannot import it, whatever path spelling they use.
  // A separate rule from no-restricted-imports so it adds to each zone's list instead of replacing it.
  {
    files: [
      'core/src/**/*.ts',
      'extension/src/**/*.ts',
      'extension/src/**/*.tsx',
      'ui/src/**/*.ts',
      'ui/src/**/*.svelte',
      'relay-node/src/**/*.ts',
      'relay-node/bin/**/*.js',
    ],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...testSupportImports],
    },
  },
  // Size (ADR 0011): no shipped source file over 500 lines, no function over 80. Blank lines and
  // comments do not count, so explaining why never pushes code over the limit. A function or file
  // that is clearer whole says so where it stands: `// eslint-disable-next-line
  // max-lines-per-function -- <why>`. Tests, test support and generated codecs are not limited.
  {
    files: [
      'core/src/**/*.ts',
      'extension/src/**/*.ts',
      'extension/src/**/*.tsx',
      'ui/src/**/*.ts',
      'ui/src/**/*.svelte',
      'relay-node/src/**/*.ts',
      'relay-node/bin/**/*.js',
    ],
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'max-lines': ['error', { max: 500, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': [
        'error',
        { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true },
      ],
    },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
)
