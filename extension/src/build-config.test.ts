// plasmo.config.ts: what each target and mode ships.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { patchManifest, runtimePolicy, type Manifest } from '../../plasmo.config.ts'

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
    assert.match(JSON.stringify(test.content_security_policy), /connect-src 'self' wss: ws:/)
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
