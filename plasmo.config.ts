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
 * CSP for extension pages: production pages may open only wss:// sockets. Test builds also
 * allow ws:, because CSP cannot name the IPv6 loopback (Chrome rejects `ws://[::1]:*`); the
 * libp2p connection gater (extension/src/node/address-policy.ts) then limits ws:// to loopback.
 */
export function contentSecurityPolicy(mode: BuildMode): string {
  const plainWebSockets = mode === 'test' ? ' ws:' : ''
  // 'wasm-unsafe-eval' lets pages compile WebAssembly (the file engine's SHA-256, ADR 0805); it
  // does not allow eval() of JavaScript.
  return `script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; connect-src 'self' wss:${plainWebSockets}`
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
