// Chrome's offscreen document: owns the store, the messenger and its libp2p node, serves the
// client API to pages over runtime ports and answers the requests the service worker forwards.
// Lives until the browser closes (the WEB_RTC reason has no idle limit); the worker recreates it
// if it dies.

import { serveEndpoint } from '../host-control/router.ts'
import { endpoints } from '../host-control/protocol.ts'
import { HostClient } from '../host-control/client.ts'
import { buildPolicy } from '../build-info.ts'
import { serveClientPorts } from '../host/client-server.ts'
import { buildDefaultRelays } from '../host/default-relays.ts'
import { hostLog } from '../host/log.ts'
import { NodeService } from '../host/node-service.ts'
import { relayedNotifier } from '../host/notifications.ts'
import { webExt } from '../platform/webext.ts'
import { saveWithDownloads } from '../files/save-download.ts'
import { askToOpenCallWindow } from '../host/call-window.ts'
import { relayedSessionKeys } from '../host/session-keys.ts'
import { serveStaging } from '../files/staging-channel.ts'

const api = webExt()
const policy = buildPolicy()
const log = hostLog
// The offscreen document has only chrome.runtime: the worker shows notifications for it.
const background = new HostClient(api, { to: endpoints.background, retriesWhileUnavailable: 3 })
const service = new NodeService({
  nodeHome: policy.nodeHome,
  policy,
  defaultRelays: buildDefaultRelays(policy),
  notifier: relayedNotifier(
    (title, conversationId) =>
      background.request<'notification.show'>({
        kind: 'notification.show',
        title,
        conversationId,
      }),
    (error) => log('notification failed', error),
  ),
  // No downloads API here either: the worker starts the download of a blob: URL made here.
  saveFile: saveWithDownloads({
    start: async (url, filename) =>
      (await background.request<'download.start'>({ kind: 'download.start', url, filename }))
        .downloadId,
    state: (downloadId) =>
      background.request<'download.state'>({ kind: 'download.state', downloadId }),
  }),
  // And no windows API: the worker opens the call window.
  openCallWindow: (callId) => askToOpenCallWindow(api, callId),
  // And no chrome.storage: the worker keeps the unlocked key in storage.session (ADR 0523).
  sessionKeys: relayedSessionKeys({
    get: async () => (await background.request<'session.key.get'>({ kind: 'session.key.get' })).key,
    put: async (key) => {
      await background.request<'session.key.put'>({ kind: 'session.key.put', key })
    },
    remove: async () => {
      await background.request<'session.key.remove'>({ kind: 'session.key.remove' })
    },
  }),
  log,
})
// Ports first: a page that woke this document connects right after host.wake answers.
serveClientPorts(api, service.dispatch, service.hub, (error) => log('bad client message', error))
serveEndpoint(api, endpoints.host, service.handle)
// Files the popup picked: staged (sealed with a passphrase) here, where the data key is.
serveStaging((file) => service.files.stage(file))
service.node().catch((error: unknown) => log('node failed to start', error))
