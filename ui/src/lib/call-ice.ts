// Where the call window's RTCPeerConnection learns its public address and, behind a NAT that
// defeats STUN, relays its media: the STUN responder and the TURN credentials of the user's own
// relays (ADR 0204, 0450, 0452), never a third party's. The node hands both out (`call.iceServers`:
// TURN credentials fetched fresh from the relays, expiry respected); when it cannot, the window
// falls back to the relays' STUN alone, derived from Settings' relay addresses.
import type { MessengerClient } from '@hestia/core/client/api.ts'
import {
  MAX_STUN_SERVERS,
  RELAY_STUN_PORT,
  stunServersForRelays,
  toRtcIceServers,
} from '@hestia/core/client/api/ice-servers.ts'

export { MAX_STUN_SERVERS, RELAY_STUN_PORT }

/** `stun:` URLs for the relays' hosts, from multiaddrs like `/dns4/relay.example/tcp/443/wss/p2p/…`. */
export function iceServersForRelays(relays: readonly string[]): RTCIceServer[] {
  return toRtcIceServers(stunServersForRelays(relays))
}

/**
 * The ICE servers for a call starting now: the node's answer (STUN and TURN of our relays), or
 * the relays' STUN when the node gives none (an older node, a relay that did not answer in time).
 */
export async function iceServersForCall(
  client: Pick<MessengerClient, 'request'>,
  relays: readonly string[],
): Promise<RTCIceServer[]> {
  const answer = await client.request({ type: 'call.iceServers' }).catch(() => undefined)
  if (answer?.ok === true) return toRtcIceServers(answer.value.iceServers)
  // Relay-only mode: no call, and no server is asked anything on its behalf.
  if (answer?.error.code === 'invalid_state') return []
  return iceServersForRelays(relays)
}
