// The popup, and the same page opened in a tab (`popup.html?layout=tab`): mounts the messenger UI
// (ui/src/App.svelte) with a client-API connection to the node's host over a runtime port. The
// page reads nothing itself: the host answers from the local store at once, and live updates
// arrive as client events. Node diagnostics (PeerId, connections) sit collapsed in Settings and
// on the first-run screen; the host is asked for them only while they are open.
//
// Start-up is on the popup's critical path (issue #6: first list paint <= 150 ms): nothing here
// loads what the first screen does not need (file staging and its database load on first use).

import App from '@hestia/ui/App.svelte'
import { AppState } from '@hestia/ui'
import type { NodeDiagnostics } from '@hestia/ui/lib/types.ts'
import { mount } from 'svelte'
import { offscreenDocumentPath } from '../../../plasmo.config.ts'
import { connectExtensionClient } from '../client/extension-client.ts'
import { HostClient } from '../host-control/client.ts'
import { receivedFiles, type DownloadsForFiles } from '../files/received-files.ts'
// A static import: as a lazy chunk, the Firefox build's popup loaded `staging-channel.<hash>.js`,
// a file Parcel never wrote (the module went into the background page's bundle), so every file
// picked in Firefox failed with an internal error.
import { stageThroughHost } from '../files/staging-channel.ts'
import type { NodeStatus } from '../host-control/protocol.ts'
import { webExt } from '../platform/webext.ts'

const target = document.getElementById('__plasmo')
if (target === null) throw new Error('popup.html has no #__plasmo element')
// Plasmo writes popup.html without a language; screen readers need it (axe: html-has-lang).
document.documentElement.lang = 'en'

const api = webExt()
const host = new HostClient(api, { timeoutMs: 15_000, retriesWhileUnavailable: 20 })
const layout = new URLSearchParams(location.search).get('layout') === 'tab' ? 'tab' : 'popup'

/**
 * Chrome: whether the offscreen document that hosts the node exists (usually: it outlives
 * popups). Then the port connects at once instead of first asking the service worker to wake the
 * host. Firefox's background page always runs, but it has no such context type: it is asked.
 */
async function hostDocumentExists(): Promise<boolean> {
  if (api.offscreen === undefined || api.runtime.getContexts === undefined) return false
  try {
    const contexts = await api.runtime.getContexts({
      contextTypes: ['OFFSCREEN_DOCUMENT'],
      documentUrls: [api.runtime.getURL(offscreenDocumentPath)],
    })
    return contexts.length > 0
  } catch {
    return false
  }
}

const connection = connectExtensionClient(api, {
  wake: async () => {
    if (!(await hostDocumentExists())) await host.wake()
  },
  // The host restarted (Chrome closed the offscreen document): reload what the screens show.
  onReconnected: () => {
    void app.loadIdentity()
    app.navigate({ ...app.route })
  },
  onInvalidMessage: (error) => console.error('Hestia: dropped an invalid message', error),
})
const app = new AppState(connection.client)
app.start()

/** The host's node status for the diagnostics line (not started = the identity's node starting). */
function diagnosticsOf(status: NodeStatus): NodeDiagnostics {
  return {
    state: status.started ? 'running' : 'starting',
    home: status.nodeHome,
    connections: status.connections,
    peerId: status.peerId,
  }
}

// "Open" / "Show in folder" on received files: the downloads API of this page (files/received-files.ts).
const withFileApis = api as unknown as {
  downloads?: DownloadsForFiles
  permissions?: { contains(query: { permissions: string[] }): Promise<boolean> }
}
const downloadsForFiles = withFileApis.downloads
const permissionsApi = withFileApis.permissions

const tabs = api.tabs
mount(App, {
  target,
  props: {
    client: connection.client,
    layout,
    appState: app,
    // The node's host stages the picked file (sealed when a passphrase is set: only the host holds
    // the key); only its id is offered.
    stageFile: (file: File) => stageThroughHost(file),
    diagnostics: async () => diagnosticsOf(await host.status()),
    ...(downloadsForFiles !== undefined
      ? {
          receivedFiles: receivedFiles(downloadsForFiles, async () =>
            permissionsApi === undefined
              ? false
              : permissionsApi.contains({ permissions: ['downloads.open'] }),
          ),
        }
      : {}),
    ...(tabs !== undefined && layout === 'popup'
      ? {
          openInTab: () => {
            void tabs.create({ url: api.runtime.getURL('popup.html?layout=tab') }).then(() => {
              window.close()
            })
          },
        }
      : {}),
  },
})

addEventListener('pagehide', () => connection.stop())
