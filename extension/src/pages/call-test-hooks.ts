// Test builds only: what the browser tests reach in a call window through
// `globalThis.__hestiaCallTest`: the session's RTP statistics and timings, and a switch that makes
// this window bind a wrong DTLS fingerprint into its signalling (the contact's window must then
// refuse the call).
//
// call-page.ts imports this module only behind `process.env.PLASMO_TAG === 'test'`, which Plasmo
// inlines as a literal: in a production build the branch is dead, the minifier drops it and this
// module with it. tests/extension/prod-surface.test.ts scans the production bundles to prove it.

import type { CallSession, CallSessionOptions } from '@hestia/ui/lib/call-session.ts'

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

const switches = { tamperBoundFingerprint: false }

/** A different, well-formed fingerprint. */
function tampered(fingerprint: string): string {
  const last = fingerprint.slice(-2)
  return fingerprint.slice(0, -2) + (last === '00' ? '01' : '00')
}

/** The session options the tamper switch needs. */
export function callTestOptions(): Pick<CallSessionOptions, 'boundFingerprint'> {
  return {
    boundFingerprint: (ours) => (switches.tamperBoundFingerprint ? tampered(ours) : ours),
  }
}

export function installCallTestHooks(session: CallSession): void {
  ;(globalThis as { __hestiaCallTest?: unknown }).__hestiaCallTest = {
    hooks: switches,
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
