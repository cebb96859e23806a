// Firefox persistent background page: hosts the node itself (ADR 0302).
import { buildPolicy } from './build-info.ts'
import { FirefoxBackgroundHost } from './host/firefox-background-host.ts'
import { NodeService } from './host/node-service.ts'
import { serveBackground } from './host/serve-background.ts'
import { webExt } from './platform/webext.ts'

const policy = buildPolicy()
const service = new NodeService({ nodeHome: policy.nodeHome, policy, relays: [] })
serveBackground(webExt(), new FirefoxBackgroundHost(service), {
  openPopupTabOnInstall: policy.openPopupTabOnInstall,
})
