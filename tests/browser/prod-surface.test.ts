// What a production build ships (issue 14, finding 11): each final prod manifest against the
// allow-list (permissions, CSP, and no host permissions, web-accessible resources, content scripts
// or externally_connectable), and every prod bundle scanned for test-only hooks, which are compiled
// out by construction (extension/src/pages/call-test-hooks.ts behind a build-time constant), and
// the popup's scripts checked for a second copy of Svelte's runtime (ADR 0420).
//
//   node --test tests/browser/prod-surface.test.ts     (builds build/*-prod first if stale)

import assert from 'node:assert/strict'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import {
  MANIFEST_ALLOW_LIST,
  browserTargets,
  contentSecurityPolicy,
  manifestSurfaceProblems,
  type Manifest,
} from '../../plasmo.config.ts'
import { freshBuild } from './support/fresh-build.ts'

/**
 * Strings only test-build code contains: the call window's test hook and its fingerprint-tamper
 * switch. Minifiers keep global and property names, so these survive in any bundle that has them.
 */
const TEST_ONLY_MARKERS = ['__hestiaCallTest', 'tamperBoundFingerprint']

/**
 * Svelte's DOM setup (init_operations) reads the `firstChild` getter off Node.prototype; minifiers
 * keep the property name, so each bundled copy of the runtime shows it once.
 */
const SVELTE_RUNTIME_MARKER = /"firstChild"\)\.get/

/** Every shipped text file of a build: scripts, pages, the manifest. */
async function shippedTexts(dir: string): Promise<Map<string, string>> {
  const texts = new Map<string, string>()
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !/\.(js|mjs|html|json|css)$/.test(entry.name)) continue
    const path = join(entry.parentPath, entry.name)
    texts.set(path.slice(dir.length + 1), await readFile(path, 'utf8'))
  }
  return texts
}

describe('production builds', { concurrency: false }, () => {
  for (const target of browserTargets) {
    test(`${target}: the final manifest is exactly on the allow-list`, async () => {
      const dir = await freshBuild(target, 'prod')
      const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest
      assert.deepEqual(manifestSurfaceProblems(manifest, target, 'prod'), [])
      for (const absent of [
        'host_permissions',
        'optional_permissions',
        'optional_host_permissions',
        'web_accessible_resources',
        'content_scripts',
        'externally_connectable',
      ]) {
        assert.equal(manifest[absent], undefined, `${target} ships ${absent}`)
      }
      assert.deepEqual(manifest.permissions, [...MANIFEST_ALLOW_LIST.permissions[target]])
      const csp = manifest.content_security_policy
      const pages =
        typeof csp === 'string' ? csp : (csp as { extension_pages?: string }).extension_pages
      assert.equal(pages, contentSecurityPolicy('prod'))
      assert.match(pages ?? '', /^default-src 'none';/)
      for (const d of ["frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"])
        assert.ok(pages?.includes(d), d)
      assert.doesNotMatch(pages ?? '', /\bws:/, 'production relays are wss:// only')
    })

    test(`${target}: no test-only hook is in any production bundle`, async () => {
      const prod = await shippedTexts(await freshBuild(target, 'prod'))
      assert.ok(
        [...prod.keys()].some((p) => p.endsWith('.js')),
        'the build has bundles',
      )
      for (const [path, text] of prod) {
        for (const marker of TEST_ONLY_MARKERS)
          assert.ok(!text.includes(marker), `${target}-prod/${path} contains ${marker}`)
      }
      // The scan can fail: the test build of the same target carries the hook.
      const testBuild = await shippedTexts(await freshBuild(target, 'test'))
      const withHook = [...testBuild.values()].filter((t) => t.includes(TEST_ONLY_MARKERS[0]!))
      assert.ok(withHook.length > 0, `the ${target} test build has the call-test hook`)
    })

    test(`${target}: every chunk a script loads is in the build`, async () => {
      // Parcel names each lazy chunk in a bundle map inside the script that loads it; a chunk it
      // never wrote fails only when the user reaches that feature (a file pick in Firefox did).
      const texts = await shippedTexts(await freshBuild(target, 'prod'))
      const names = new Set([...texts.keys()].map((path) => path.split('/').pop()))
      const asked = [...texts.values()].flatMap((text) =>
        [...text.matchAll(/register\(JSON\.parse\('(\{[^']*\})'\)\)/g)].flatMap((m) =>
          Object.values(JSON.parse(m[1]!) as Record<string, string>),
        ),
      )
      assert.ok(asked.length > 0, `${target}-prod: no bundle map found (the scan would pass blind)`)
      assert.deepEqual(
        asked.filter((name) => !names.has(name)),
        [],
        `${target}-prod: chunks loaded but not built`,
      )
    })

    test(`${target}: the popup's scripts carry exactly one Svelte runtime`, async () => {
      // A second copy (a Svelte component behind a dynamic import, ADR 0420) is never set up by
      // mount() and throws on its first render, so the screens in it never open.
      const popupScripts = [...(await shippedTexts(await freshBuild(target, 'prod')))].filter(
        ([path]) => path.endsWith('.js') && !path.includes('/'),
      )
      const withRuntime = popupScripts.filter(([, text]) => SVELTE_RUNTIME_MARKER.test(text))
      assert.deepEqual(
        withRuntime.map(([path]) => path.replace(/\.[0-9a-f]{8}\.js$/, '')),
        ['popup'],
        `${target}-prod: Svelte's runtime in ${withRuntime.map(([p]) => p).join(', ')}`,
      )
    })
  }
})
