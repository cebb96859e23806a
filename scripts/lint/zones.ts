// The import zones of docs/ARCHITECTURE.md, as data: eslint.config.js turns them into
// `hestia/import-zones` checks, tests/lint/ proves each check and that the tables cover the code.

export interface Zone {
  readonly name: string
  /** Repository-relative: a file, 'dir/' (everything below dir) or 'dir/*' (files directly in dir). */
  readonly paths: readonly string[]
}

/**
 * Layers inside core/src, lowest first. A zone may import zones of earlier layers, never one of a
 * later layer; zones of one layer are siblings and do not import each other either.
 * Within a folder, listed files come before the folder, so the folder is the rest of it.
 */
export const coreLayers: readonly (readonly Zone[])[] = [
  [
    { name: 'core/text', paths: ['core/src/text/'] },
    { name: 'core/wire', paths: ['core/src/wire/'] },
  ],
  [{ name: 'core/crypto', paths: ['core/src/crypto/'] }],
  // MLS groups (issue 20): ts-mls behind one door, credentials bound to crypto/ identities.
  [{ name: 'core/groups', paths: ['core/src/groups/'] }],
  [
    {
      // The client API contract: request/response/event types, limits, validators, and the pure
      // helpers a UI shares with the node. Below the store (records use its types) and the
      // messenger (which implements it).
      name: 'core/client-api',
      paths: [
        'core/src/client/api.ts',
        'core/src/client/api/',
        'core/src/client/validate.ts',
        'core/src/client/validate-values.ts',
        'core/src/client/schema.ts',
        'core/src/client/relay-address.ts',
        'core/src/client/call-fingerprint.ts',
      ],
    },
  ],
  [
    { name: 'core/store', paths: ['core/src/store/'] },
    { name: 'core/mailbox', paths: ['core/src/mailbox/'] },
  ],
  [
    { name: 'core/files', paths: ['core/src/files/'] },
    { name: 'core/backup', paths: ['core/src/backup/'] },
  ],
  // The client API's transport: dispatcher, event hub, port client and server, the public entry.
  [{ name: 'core/client-port', paths: ['core/src/client/'] }],
  [{ name: 'core/messenger', paths: ['core/src/messenger/'] }],
  // The package entry, and any other file directly in core/src: nothing below imports them.
  [{ name: 'core/entry', paths: ['core/src/*'] }],
]

export const coreZones: readonly Zone[] = coreLayers.flat()

/**
 * The Chrome MV3 service worker: background.chrome.ts and every module it imports. It has no DOM
 * and no RTCPeerConnection, and it only keeps the offscreen document alive and forwards to it,
 * so it imports neither pages nor the node's host. Type-only imports do not count (no code runs).
 * tests/lint checks this list against the real import graph of background.chrome.ts.
 */
export const serviceWorkerZone: Zone = {
  name: 'extension/service-worker',
  paths: [
    'extension/src/background.chrome.ts',
    'extension/src/build-info.ts',
    'extension/src/host/chrome-offscreen-host.ts',
    'extension/src/host/node-host.ts',
    'extension/src/host/serve-background.ts',
    'extension/src/host/notifications.ts',
    'extension/src/host/call-window.ts',
    'extension/src/files/save-download.ts',
    'extension/src/files/download-name.ts',
    'extension/src/host-control/',
    'extension/src/platform/',
    'plasmo.config.ts',
  ],
}

/** Where the node lives: Chrome's offscreen document, Firefox's background page. No UI here. */
export const nodeHostZone: Zone = {
  name: 'extension/node-host',
  paths: [
    'extension/src/pages/offscreen-page.ts',
    'extension/src/tabs/offscreen.tsx',
    'extension/src/background.firefox.ts',
    'extension/src/host/',
    'extension/src/node/',
  ],
}

/** Pages a person sees (popup, "open in a tab", call window): the UI over the client API. */
export const pagesZone: Zone = {
  name: 'extension/pages',
  paths: ['extension/src/pages/', 'extension/src/tabs/', 'extension/src/popup.tsx'],
}

export const extensionZones: readonly Zone[] = [
  serviceWorkerZone,
  nodeHostZone,
  pagesZone,
  // Shared by pages and hosts: client port wrapper, Dexie store, file storage, build info.
  { name: 'extension/other', paths: ['extension/src/'] },
]

export const uiZone: Zone = { name: 'ui', paths: ['ui/src/'] }

export const allZones: readonly Zone[] = [...coreZones, ...extensionZones, uiZone]
