// Firefox persistent background page: hosts the store, the messenger and its node itself
// (ADR 0302), serves the client API to pages over runtime ports, shows notifications.
import { buildPolicy } from './build-info.ts'
import { serveClientPorts } from './host/client-server.ts'
import { buildDefaultRelays } from './host/default-relays.ts'
import { FirefoxBackgroundHost } from './host/firefox-background-host.ts'
import { hostLog } from './host/log.ts'
import { NodeService } from './host/node-service.ts'
import { directNotifier, openTabOnNotificationClick } from './host/notifications.ts'
import { serveBackground } from './host/serve-background.ts'
import { webExt } from './platform/webext.ts'
import { directDownloads, saveWithDownloads } from './files/save-download.ts'
import { openCallWindow } from './host/call-window.ts'
import { serveStaging } from './files/staging-channel.ts'

const api = webExt()
const policy = buildPolicy()
const log = hostLog
const downloads = api.downloads
if (downloads === undefined) throw new Error('Hestia needs the downloads permission')
const service = new NodeService({
  nodeHome: policy.nodeHome,
  policy,
  defaultRelays: buildDefaultRelays(policy),
  notifier: directNotifier(api, (error) => log('notification failed', error)),
  saveFile: saveWithDownloads(directDownloads(downloads)),
  openCallWindow: (callId) => openCallWindow(api, callId),
  log,
})
serveClientPorts(api, service.dispatch, service.hub, (error) => log('bad client message', error))
openTabOnNotificationClick(api)
// Files the popup picked: staged (sealed with a passphrase) here, where the data key is.
serveStaging((file) => service.files.stage(file))
serveBackground(api, new FirefoxBackgroundHost(service), {
  openPopupTabOnInstall: policy.openPopupTabOnInstall,
})
