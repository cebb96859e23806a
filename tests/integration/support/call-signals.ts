// Call signalling as the device tests need it: a DTLS fingerprint, a minimal SDP carrying it (no
// media in Node), the newest call state a peer was told, and Ben's call ringing Ada's devices.
import assert from 'node:assert/strict'
import type { CallInfo, ClientEvent } from '@hestia/core/client/api.ts'
import type { DeviceTrio } from './device-trio.ts'
import { waitUntil, type TestPeer } from './messenger-harness.ts'

/** A well-formed `sha-256 AA:BB:…` fingerprint, different per seed. */
export const fingerprint = (seed: number): string =>
  `sha-256 ${Array.from({ length: 32 }, (_, i) =>
    ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, '0').toUpperCase(),
  ).join(':')}`

/** The smallest SDP the call code accepts: one audio line and the fingerprint. */
export const sdpWith = (fp: string): string =>
  [
    'v=0',
    'o=- 1 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    `a=fingerprint:${fp}`,
    '',
  ].join('\r\n')

/** The last `call.updated` state `peer` was told since its event number `from`. */
export function lastCall(peer: TestPeer, from: number): CallInfo | undefined {
  const calls = peer.events
    .slice(from)
    .flatMap((e: ClientEvent) => (e.type === 'call.updated' ? [e.call] : []))
  return calls[calls.length - 1]
}

/**
 * Ben calls Ada (audio) and offers with fingerprint `fp`; returns once both her devices ring that
 * call, with each peer's event number from before the call (for lastCall).
 */
export async function benRingsBoth(
  trio: DeviceTrio,
  fp: string,
): Promise<{ call: CallInfo; fromA1: number; fromA2: number; fromBen: number }> {
  const { a1, a2, ben, conv } = trio
  const [fromA1, fromA2, fromBen] = [a1.events.length, a2.events.length, ben.events.length]
  const { call } = await ben.must({
    type: 'call.start',
    conversationId: conv.get(ben)!,
    media: 'audio',
  })
  await ben.must({
    type: 'call.signal',
    callId: call.callId,
    signal: { kind: 'offer', sdp: sdpWith(fp), dtlsFingerprint: fp },
  })
  for (const [peer, since] of [
    [a1, fromA1],
    [a2, fromA2],
  ] as const) {
    await waitUntil(`${peer.name} rings`, () => lastCall(peer, since)?.state === 'incoming_ringing')
    assert.equal(lastCall(peer, since)?.callId, call.callId, `${peer.name} rings Ben’s call`)
  }
  return { call, fromA1, fromA2, fromBen }
}
