/**
 * The chat path's view of a direct WebRTC connection, for tests without a libp2p node: a
 * connection from `remote` whose address says it was signalled through a relay, open, unlimited,
 * with no streams yet. Only the fields the chat code reads are filled in.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'

/** A relay address that is only ever parsed, never dialled. */
export const TEST_RELAY_ADDR =
  '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'

export function directConnectionFrom(remote: PeerId): Connection {
  return {
    remotePeer: remote,
    remoteAddr: multiaddr(`${TEST_RELAY_ADDR}/p2p-circuit/webrtc/p2p/${remote.toString()}`),
    timeline: { open: 1 },
    limits: undefined,
    status: 'open',
    streams: [],
  } as unknown as Connection
}
