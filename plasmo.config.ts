// The single typed source of what differs per browser and per build mode.
//
// Plasmo itself never reads this file: it builds from package.json "manifest" (what every
// target shares). scripts/build-extension.ts applies `patchManifest` to the manifest Plasmo
// wrote, and the extension's runtime code imports `runtimePolicy` (Plasmo inlines
// process.env.PLASMO_TARGET / PLASMO_TAG, so each bundle sees its own target and mode).
// Keep this file free of Node and browser APIs: it is bundled into the extension.
//
// Why firefox-mv2: docs/adr/0302-per-browser-node-host.md.

/** What `npm run build` ships. */
export const browserTargets = ['chrome-mv3', 'firefox-mv2'] as const
/**
 * Built only on request (`--target firefox-mv3`), to re-measure whether a Firefox MV3 event page
 * keeps the node alive (ADR 0302: it did not).
 */
export const experimentalTargets = ['firefox-mv3'] as const
export type BrowserTarget = (typeof browserTargets)[number] | (typeof experimentalTargets)[number]

/** `test` also serves development: loopback relays allowed. `prod` allows only wss:// relays. */
export const buildModes = ['test', 'prod'] as const
export type BuildMode = (typeof buildModes)[number]

/** Where the libp2p node lives: Chrome's service worker has no RTCPeerConnection. */
export const nodeHomes = {
  offscreenDocument: 'offscreen-document',
  backgroundPage: 'background-page',
} as const
export type NodeHome = (typeof nodeHomes)[keyof typeof nodeHomes]

export interface RuntimePolicy {
  readonly target: BrowserTarget
  readonly mode: BuildMode
  readonly nodeHome: NodeHome
  /** Relays on 127.0.0.0/8 and ::1 (ws:// or wss://). Test and dev builds only. */
  readonly allowLoopbackRelays: boolean
  /** Test builds of Firefox open the popup page in a tab at install: WebDriver BiDi may not navigate to moz-extension:// itself. */
  readonly openPopupTabOnInstall: boolean
}

export const firefoxAddonId = 'hestia@hestia.invalid'
/** data_collection_permissions needs Firefox 140 (desktop); 142 is the first with it on Android too. */
export const firefoxMinVersion = '142.0'
export const offscreenDocumentPath = 'tabs/offscreen.html'

export function isBrowserTarget(value: string | undefined): value is BrowserTarget {
  return ([...browserTargets, ...experimentalTargets] as readonly (string | undefined)[]).includes(
    value,
  )
}

export function isBuildMode(value: string | undefined): value is BuildMode {
  return (buildModes as readonly (string | undefined)[]).includes(value)
}

export function runtimePolicy(target: BrowserTarget, mode: BuildMode): RuntimePolicy {
  const chrome = target === 'chrome-mv3'
  return {
    target,
    mode,
    nodeHome: chrome ? nodeHomes.offscreenDocument : nodeHomes.backgroundPage,
    allowLoopbackRelays: mode === 'test',
    openPopupTabOnInstall: !chrome && mode === 'test',
  }
}

/**
 * CSP for extension pages: nothing is allowed unless listed (default-src 'none'), and the list is
 * what the pages use (docs/adr/0304-production-csp-and-manifest-allow-list.md):
 * - scripts from the extension itself, plus 'wasm-unsafe-eval' so pages can compile WebAssembly
 *   (the file engine's SHA-256, ADR 0805; it does not allow eval() of JavaScript);
 * - inline styles: Svelte injects each component's CSS as a <style> element from the bundle and
 *   sets style attributes. With nothing else loadable (no img-src, font-src, connect-src to
 *   http), injected CSS could not send anything anywhere;
 * - WebSockets to relays: wss:// only in production. Test builds also allow ws:, because CSP
 *   cannot name the IPv6 loopback (Chrome rejects `ws://[::1]:*`); the libp2p connection gater
 *   (extension/src/node/address-policy.ts) then limits ws:// to loopback.
 * Nothing may frame the pages, change their base URL or submit a form anywhere.
 * WebRTC and media from getUserMedia are not governed by CSP.
 */
export function contentSecurityPolicy(mode: BuildMode): string {
  const plainWebSockets = mode === 'test' ? ' ws:' : ''
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src wss:${plainWebSockets}`,
    "style-src 'unsafe-inline'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

/**
 * Everything a shipped manifest may contain (docs/adr/0304-production-csp-and-manifest-allow-list.md).
 * No host permissions, web-accessible resources, content scripts or externally_connectable: no web
 * page can reach into Hestia, and Hestia reads no web page. scripts/build-extension.ts refuses to
 * finish a build whose manifest has anything else; tests/browser/prod-surface.test.ts checks the
 * final production manifests against the same list.
 */
export const MANIFEST_ALLOW_LIST = {
  keys: [
    'action',
    'background',
    'browser_action',
    'browser_specific_settings',
    'content_security_policy',
    'description',
    'icons',
    'manifest_version',
    'minimum_chrome_version',
    'name',
    'permissions',
    'version',
  ],
  permissions: {
    // storage: storage.session only, for the unlocked data key (ADR 0523); no install warning.
    'chrome-mv3': ['downloads', 'notifications', 'offscreen', 'storage', 'unlimitedStorage'],
    'firefox-mv2': ['downloads', 'notifications', 'storage', 'unlimitedStorage'],
    'firefox-mv3': ['downloads', 'notifications', 'storage', 'unlimitedStorage'],
  },
} as const satisfies {
  keys: readonly string[]
  permissions: Record<BrowserTarget, readonly string[]>
}

/** Why `manifest` may not ship for `target`/`mode`; empty when it may. */
export function manifestSurfaceProblems(
  manifest: Manifest,
  target: BrowserTarget,
  mode: BuildMode,
): string[] {
  const problems: string[] = []
  const allowedKeys = new Set<string>(MANIFEST_ALLOW_LIST.keys)
  for (const key of Object.keys(manifest)) {
    if (!allowedKeys.has(key)) problems.push(`manifest key "${key}" is not on the allow-list`)
  }
  const allowedPermissions = new Set<string>(MANIFEST_ALLOW_LIST.permissions[target])
  for (const permission of strings(manifest.permissions)) {
    if (!allowedPermissions.has(permission))
      problems.push(`permission "${permission}" is not on the allow-list for ${target}`)
  }
  const csp = manifest.content_security_policy
  const pages =
    typeof csp === 'string'
      ? csp
      : csp && typeof csp === 'object' && !Array.isArray(csp)
        ? csp.extension_pages
        : undefined
  if (pages !== contentSecurityPolicy(mode))
    problems.push(`content_security_policy is ${JSON.stringify(csp)}, not this build's policy`)
  return problems
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
export type Manifest = { [key: string]: Json }

function strings(value: Json | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

/**
 * Turns the manifest Plasmo wrote into the one this target and mode ship.
 * Pure: returns a new object, so the build script can diff and test it.
 */
export function patchManifest(built: Manifest, target: BrowserTarget, mode: BuildMode): Manifest {
  const manifest: Manifest = structuredClone(built)
  manifest.name = 'Hestia'
  const permissions = new Set(strings(manifest.permissions))

  const background = manifest.background
  const backgroundFields =
    background && typeof background === 'object' && !Array.isArray(background) ? background : {}
  // Both builds carry the gecko settings: web-ext lint (addons-linter) requires an add-on id for
  // MV3 and data_collection_permissions; Chrome ignores the key (docs/EXTENSION.md).
  manifest.browser_specific_settings = {
    gecko: {
      id: firefoxAddonId,
      strict_min_version: firefoxMinVersion,
      // Hestia sends nothing to its developers; the relay sees only sealed envelopes.
      data_collection_permissions: { required: ['none'] },
    },
  }

  if (target === 'chrome-mv3') {
    permissions.add('offscreen')
    const worker = backgroundFields.service_worker
    if (typeof worker !== 'string') throw new Error('Plasmo wrote no service worker for Chrome')
    // `scripts` only satisfies addons-linter's "Firefox fallback" rule; Chrome 121+ ignores it
    // when service_worker is present.
    manifest.background = { service_worker: worker, scripts: [worker] }
    manifest.minimum_chrome_version = '121'
    manifest.content_security_policy = { extension_pages: contentSecurityPolicy(mode) }
  } else {
    permissions.delete('offscreen')
    const scripts = strings(backgroundFields.scripts)
    if (scripts.length === 0) throw new Error('Plasmo wrote no background script for Firefox')
    // A persistent background page keeps the node alive (ADR 0302).
    if (target === 'firefox-mv2') {
      manifest.background = { scripts, persistent: true }
      manifest.content_security_policy = contentSecurityPolicy(mode)
    } else {
      // MV3: an event page, which Firefox suspends after extensions.background.idle.timeout.
      manifest.background = { scripts }
      manifest.content_security_policy = { extension_pages: contentSecurityPolicy(mode) }
    }
  }
  manifest.permissions = [...permissions].sort()
  if (manifest.permissions.length === 0) delete manifest.permissions
  return manifest
}
