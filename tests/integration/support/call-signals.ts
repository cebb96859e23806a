// Call signalling as the device tests need it: a DTLS fingerprint, a minimal SDP carrying it (no
// media in Node), and the newest call state a peer was told.
import type { CallInfo, ClientEvent } from '@hestia/core/client/api.ts'
import type { TestPeer } from './messenger-harness.ts'

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
