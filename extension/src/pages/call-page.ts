// The call window (tabs/call.html?callId=…): the media side of one call. Mounts
// ui/src/components/CallWindow.svelte over a CallSession (ui/src/lib/call-session.ts) that holds
// the RTCPeerConnection and speaks the client API to the node's host over a runtime port. ICE
// servers: the STUN responders of the user's relays (ui/src/lib/call-ice.ts). Closing the window
// hangs up.
//
// Test builds only: `globalThis.__hestiaCallTest` exposes the session's RTP statistics and
// timings, and a switch that makes this window bind a wrong DTLS fingerprint into its signalling
// (the contact's window must then refuse the call). Production builds never install it.

import CallWindow from '@hestia/ui/components/CallWindow.svelte'
import { CallSession } from '@hestia/ui/lib/call-session.ts'
import { iceServersForRelays } from '@hestia/ui/lib/call-ice.ts'
import { mount } from 'svelte'
import { buildPolicy } from '../build-info.ts'
import { connectExtensionClient } from '../client/extension-client.ts'
import { HostClient } from '../messaging/client.ts'
import { webExt } from '../platform/webext.ts'

const target = document.getElementById('__plasmo')
if (target === null) throw new Error('call.html has no #__plasmo element')

const api = webExt()
const policy = buildPolicy()
const host = new HostClient(api, { timeoutMs: 15_000, retriesWhileUnavailable: 20 })
const callId = new URLSearchParams(location.search).get('callId') ?? ''
const connection = connectExtensionClient(api, {
  wake: () => host.wake(),
  onInvalidMessage: (error) => console.error('Hestia: dropped an invalid message', error),
})
const client = connection.client

/** What the test hook reports: plain numbers a test can compare across windows. */
export interface CallRtpSummary {
  inboundVideoFramesDecoded: number
  inboundAudioPackets: number
  inboundAudioLevel: number | null
  outboundAudioPackets: number
  outboundVideoFrames: number
  connectionState: string | null
  /** This side's DTLS role (the answerer takes `server`, call-session.ts passiveAnswer). */
  dtlsRole: string | null
}

const testHooks = { tamperBoundFingerprint: false }

async function start(): Promise<void> {
  const settings = await client.request({ type: 'settings.get' })
  const relays = settings.ok ? settings.value.relays : []
  const session = new CallSession(client, callId, {
    iceServers: iceServersForRelays(relays),
    ...(policy.mode === 'test'
      ? { tamperBoundFingerprint: () => testHooks.tamperBoundFingerprint }
      : {}),
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
  if (policy.mode === 'test') installTestHooks(session)
  await session.start()
}

function installTestHooks(session: CallSession): void {
  ;(globalThis as { __hestiaCallTest?: unknown }).__hestiaCallTest = {
    hooks: testHooks,
    session,
    timings: () => ({ ...session.timings }),
    rtp: async (): Promise<CallRtpSummary> => {
      const summary: CallRtpSummary = {
        inboundVideoFramesDecoded: 0,
        inboundAudioPackets: 0,
        inboundAudioLevel: null,
        outboundAudioPackets: 0,
        outboundVideoFrames: 0,
        connectionState: null,
        dtlsRole: null,
      }
      const report = await session.stats()
      report?.forEach((s: Record<string, unknown>) => {
        const n = (key: string): number => (typeof s[key] === 'number' ? s[key] : 0)
        if (s.type === 'inbound-rtp' && s.kind === 'video')
          summary.inboundVideoFramesDecoded += n('framesDecoded')
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          summary.inboundAudioPackets += n('packetsReceived')
          if (typeof s.audioLevel === 'number') summary.inboundAudioLevel = s.audioLevel
        }
        if (s.type === 'outbound-rtp' && s.kind === 'audio')
          summary.outboundAudioPackets += n('packetsSent')
        if (s.type === 'outbound-rtp' && s.kind === 'video')
          summary.outboundVideoFrames += n('framesSent')
        if (s.type === 'transport') {
          summary.connectionState ??= typeof s.dtlsState === 'string' ? s.dtlsState : null
          summary.dtlsRole ??= typeof s.dtlsRole === 'string' ? s.dtlsRole : null
        }
      })
      return summary
    },
  }
}

void start().catch((error: unknown) => console.error('Hestia call window failed to start', error))
