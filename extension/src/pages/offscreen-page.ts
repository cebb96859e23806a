// Chrome's offscreen document: hosts the libp2p node and answers requests the service worker
// forwards. Lives until the browser closes (the WEB_RTC reason has no idle limit).

import { serveEndpoint } from '../messaging/router.ts'
import { endpoints } from '../messaging/protocol.ts'
import { buildPolicy } from '../build-info.ts'
import { NodeService } from '../host/node-service.ts'
import { webExt } from '../platform/webext.ts'

const policy = buildPolicy()
const service = new NodeService({ nodeHome: policy.nodeHome, policy, relays: [] })
serveEndpoint(webExt(), endpoints.host, service.handle)
service.node().catch((error: unknown) => console.error('Hestia node failed to start', error))
