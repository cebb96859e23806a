/**
 * The connection-manager settings of every messenger node (the browser's, built in
 * extension/src/node/create-node.ts, and the Node test nodes). Plain data, so core keeps no
 * libp2p construction of its own.
 *
 * Every contact reaches a browser through a relay, so every inbound connection comes from the
 * relay's IP, and libp2p's per-host limit of 5 new inbound connections a second (meant for one
 * remote machine) refused the sixth contact or group member dialling us in that second: it waited
 * for its handshake timeout, then took the mailbox. The bounds that stay (ADR 0463): at most 64 new
 * inbound connections a second per host, at most 32 in their handshake at once (libp2p: 10), and
 * libp2p's cap on open connections (100 in a browser).
 */
export const MESSENGER_CONNECTION_MANAGER = {
  /** New inbound connections a second from one host (for relayed ones: the relay). */
  inboundConnectionThreshold: 64,
  /** Inbound connections still upgrading (noise, yamux) at once; one more is refused. */
  maxIncomingPendingConnections: 32,
} as const
