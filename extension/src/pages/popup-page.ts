// The popup, and the same page opened in a tab (`popup.html?layout=tab`): mounts the messenger UI
// (ui/src/App.svelte) with a client-API connection to the node's host over a runtime port, plus a
// one-line node diagnostics strip. The page reads nothing itself: the host answers from the local
// store at once, and live updates arrive as client events.

import App from '@hestia/ui/App.svelte'
import { AppState } from '@hestia/ui'
import { mount } from 'svelte'
import { connectExtensionClient } from '../client/extension-client.ts'
import { HostClient } from '../messaging/client.ts'
import { webExt } from '../platform/webext.ts'
import { showNodeStatusStrip } from './node-status-strip.ts'
import { stageFile } from '../files/stage-file.ts'

const target = document.getElementById('__plasmo')
if (target === null) throw new Error('popup.html has no #__plasmo element')

const api = webExt()
const host = new HostClient(api, { timeoutMs: 15_000, retriesWhileUnavailable: 20 })
const layout = new URLSearchParams(location.search).get('layout') === 'tab' ? 'tab' : 'popup'

const connection = connectExtensionClient(api, {
  wake: () => host.wake(),
  // The host restarted (Chrome closed the offscreen document): reload what the screens show.
  onReconnected: () => {
    void app.loadIdentity()
    app.navigate({ ...app.route })
  },
  onInvalidMessage: (error) => console.error('Hestia: dropped an invalid message', error),
})
const app = new AppState(connection.client)
app.start()

const tabs = api.tabs
mount(App, {
  target,
  props: {
    client: connection.client,
    layout,
    appState: app,
    // The picked file is copied into the extension's files database; only its id is offered.
    stageFile: (file: File) => stageFile(file),
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

showNodeStatusStrip(document.body, host)
addEventListener('pagehide', () => connection.stop())
