// Chrome MV3 service worker: keeps the offscreen document that hosts the node, forwards requests,
// shows notifications for it (the offscreen document has no notifications API).
import { offscreenDocumentPath } from '../../plasmo.config.ts'
import { buildPolicy } from './build-info.ts'
import { ChromeOffscreenHost } from './host/chrome-offscreen-host.ts'
import { openTabOnNotificationClick } from './host/notifications.ts'
import { serveCallWindowRequests } from './host/call-window.ts'
import { serveBackground } from './host/serve-background.ts'
import { webExt } from './platform/webext.ts'

const api = webExt()
const policy = buildPolicy()
openTabOnNotificationClick(api)
serveCallWindowRequests(api, (error) =>
  console.error('Hestia could not open the call window', error),
)
serveBackground(api, new ChromeOffscreenHost(api, { documentPath: offscreenDocumentPath }), {
  openPopupTabOnInstall: policy.openPopupTabOnInstall,
})
