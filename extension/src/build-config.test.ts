// plasmo.config.ts: what each target and mode ships.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  MANIFEST_ALLOW_LIST,
  contentSecurityPolicy,
  manifestSurfaceProblems,
  patchManifest,
  runtimePolicy,
  type Manifest,
} from '../../plasmo.config.ts'

const chromeBuilt: Manifest = {
  manifest_version: 3,
  name: 'x',
  background: { service_worker: 'static/background/index.js' },
  permissions: [],
}
const firefoxBuilt: Manifest = {
  manifest_version: 2,
  name: 'x',
  background: { scripts: ['static/background/index.js'] },
  permissions: ['offscreen'],
}

describe('patchManifest', () => {
  test('Chrome gets offscreen and a worker; only test builds allow ws:', () => {
    const test = patchManifest(chromeBuilt, 'chrome-mv3', 'test')
    const prod = patchManifest(chromeBuilt, 'chrome-mv3', 'prod')
    assert.deepEqual(test.permissions, ['offscreen'])
    assert.deepEqual(test.background, {
      service_worker: 'static/background/index.js',
      scripts: ['static/background/index.js'],
    })
    assert.match(JSON.stringify(test.content_security_policy), /connect-src wss: ws:/)
    assert.doesNotMatch(JSON.stringify(prod.content_security_policy), /ws:[^/]/)
    assert.deepEqual(chromeBuilt.permissions, [], 'the input is not modified')
  })

  test('Firefox loses offscreen, keeps a persistent background page and declares data collection', () => {
    const manifest = patchManifest(firefoxBuilt, 'firefox-mv2', 'prod')
    assert.equal(manifest.permissions, undefined)
    assert.deepEqual(manifest.background, {
      scripts: ['static/background/index.js'],
      persistent: true,
    })
    const gecko = (manifest.browser_specific_settings as { gecko: Record<string, unknown> }).gecko
    assert.deepEqual(gecko.data_collection_permissions, { required: ['none'] })
    assert.equal(typeof gecko.id, 'string')
    assert.equal(typeof manifest.content_security_policy, 'string')
  })

  test('a build without its background entry fails loudly', () => {
    assert.throws(() => patchManifest({ manifest_version: 2 }, 'firefox-mv2', 'test'))
    assert.throws(() => patchManifest({ manifest_version: 3 }, 'chrome-mv3', 'test'))
  })
})

test('runtime policy: loopback relays only in test builds; node home per browser', () => {
  assert.equal(runtimePolicy('chrome-mv3', 'test').allowLoopbackRelays, true)
  assert.equal(runtimePolicy('chrome-mv3', 'prod').allowLoopbackRelays, false)
  assert.equal(runtimePolicy('chrome-mv3', 'prod').nodeHome, 'offscreen-document')
  assert.equal(runtimePolicy('firefox-mv2', 'prod').nodeHome, 'background-page')
  assert.equal(runtimePolicy('firefox-mv2', 'prod').openPopupTabOnInstall, false)
})

describe('production surface', () => {
  const directives = (csp: string) =>
    new Map(
      csp.split(';').map((d) => {
        const [name = '', ...values] = d.trim().split(/\s+/)
        return [name, values] as const
      }),
    )

  test('the production CSP allows nothing it does not list, and lists only what pages use', () => {
    const prod = directives(contentSecurityPolicy('prod'))
    assert.deepEqual(
      [...prod.keys()],
      [
        'default-src',
        'script-src',
        'connect-src',
        'style-src',
        'frame-ancestors',
        'base-uri',
        'form-action',
      ],
    )
    assert.deepEqual(prod.get('default-src'), ["'none'"])
    assert.deepEqual(prod.get('script-src'), ["'self'", "'wasm-unsafe-eval'"])
    assert.deepEqual(prod.get('connect-src'), ['wss:'])
    for (const d of ['frame-ancestors', 'base-uri', 'form-action'])
      assert.deepEqual(prod.get(d), ["'none'"], d)
    assert.doesNotMatch(contentSecurityPolicy('prod'), /'unsafe-eval'|\bhttps?:|\*|\bws:/)
    // Test builds differ only by plain ws: (loopback relays; the gater limits them).
    assert.equal(
      contentSecurityPolicy('test'),
      contentSecurityPolicy('prod').replace('connect-src wss:', 'connect-src wss: ws:'),
    )
  })

  test('a manifest that grows host access, page access or a permission may not ship', () => {
    const good = patchManifest(
      {
        ...chromeBuilt,
        permissions: ['downloads', 'notifications', 'storage', 'unlimitedStorage'],
      },
      'chrome-mv3',
      'prod',
    )
    assert.deepEqual(manifestSurfaceProblems(good, 'chrome-mv3', 'prod'), [])
    assert.deepEqual(good.permissions, MANIFEST_ALLOW_LIST.permissions['chrome-mv3'])
    const grown: [string, Manifest][] = [
      ['host_permissions', { ...good, host_permissions: ['<all_urls>'] }],
      ['web_accessible_resources', { ...good, web_accessible_resources: [] }],
      ['content_scripts', { ...good, content_scripts: [] }],
      ['externally_connectable', { ...good, externally_connectable: { matches: ['*://*/*'] } }],
      ['optional_permissions', { ...good, optional_permissions: ['tabs'] }],
      ['"tabs"', { ...good, permissions: ['downloads', 'tabs'] }],
      [
        'content_security_policy',
        { ...good, content_security_policy: { extension_pages: "script-src 'self'" } },
      ],
    ]
    for (const [what, manifest] of grown) {
      const problems = manifestSurfaceProblems(manifest, 'chrome-mv3', 'prod')
      assert.equal(problems.length, 1, what)
      assert.ok(problems[0]!.includes(what), `${what}: ${problems[0]}`)
    }
    // A test build's CSP is not a production one.
    const testBuild = patchManifest(chromeBuilt, 'chrome-mv3', 'test')
    assert.equal(manifestSurfaceProblems(testBuild, 'chrome-mv3', 'prod').length, 1)
  })
})
