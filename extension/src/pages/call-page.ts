// The call window (tabs/call.html?callId=…): the media side of one call. Mounts
// ui/src/components/CallWindow.svelte over a CallSession (ui/src/lib/call-session.ts) that holds
// the RTCPeerConnection and speaks the client API to the node's host over a runtime port. ICE
// servers: the STUN responders and TURN credentials of the user's own relays, asked from the node
// for this call (ui/src/lib/call-ice.ts, ADR 0452). Closing the window
// hangs up.
//
// Test builds only: call-test-hooks.ts (RTP statistics, timings, the fingerprint-tamper switch),
// compiled out of production builds by construction (TEST_BUILD below).

import CallWindow from '@hestia/ui/components/CallWindow.svelte'
import { CallSession } from '@hestia/ui/lib/call-session.ts'
import { callTestOptions, installCallTestHooks } from './call-test-hooks.ts'
import { iceServersForCall } from '@hestia/ui/lib/call-ice.ts'
import { mount } from 'svelte'
import { buildPolicy } from '../build-info.ts'
import { connectExtensionClient } from '../client/extension-client.ts'
import { HostClient } from '../host-control/client.ts'
import { webExt } from '../platform/webext.ts'

const target = document.getElementById('__plasmo')
if (target === null) throw new Error('call.html has no #__plasmo element')

const api = webExt()
// Refuses to run in a bundle built without scripts/build-extension.ts (unknown target or mode).
buildPolicy()
const host = new HostClient(api, { timeoutMs: 15_000, retriesWhileUnavailable: 20 })
const callId = new URLSearchParams(location.search).get('callId') ?? ''
const connection = connectExtensionClient(api, {
  wake: () => host.wake(),
  onInvalidMessage: (error) => console.error('Hestia: dropped an invalid message', error),
})
const client = connection.client

/**
 * Test builds only. Plasmo inlines process.env.PLASMO_TAG as a string literal, so in a production
 * build this is `"prod" === "test"`: every branch on it is dead code the minifier removes, and the
 * hooks module with it (call-test-hooks.ts).
 */
const TEST_BUILD = process.env.PLASMO_TAG === 'test'

async function start(): Promise<void> {
  const settings = await client.request({ type: 'settings.get' })
  const relays = settings.ok ? settings.value.relays : []
  const session = new CallSession(client, callId, {
    iceServers: await iceServersForCall(client, relays),
    // A ring that ended unanswered (or was over before the window loaded) closes its window.
    onUnanswered: () => window.close(),
    ...(TEST_BUILD ? callTestOptions() : {}),
  })
  let contactName = 'Contact'
  const current = await client.request({ type: 'call.current' })
  if (current.ok && current.value.call !== null) {
    const info = await client.request({
      type: 'contact.info',
      contactId: current.value.call.contactId,
    })
    if (info.ok) contactName = info.value.contact.displayName
  }
  document.title = `Call · ${contactName}`
  mount(CallWindow, {
    target: target!,
    props: { session, contactName, onclose: () => window.close() },
  })
  addEventListener('pagehide', () => {
    session.leave()
    connection.stop()
  })
  if (TEST_BUILD) installCallTestHooks(session)
  await session.start()
}

void start().catch((error: unknown) => console.error('Hestia call window failed to start', error))
