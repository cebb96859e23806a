/**
 * The narrow slice of a libp2p node the messenger uses. The platform builds the node (transports,
 * relay reservation, listen on `<relay>/p2p-circuit` and `/webrtc`, gater) and injects it; core
 * never creates one. Also PeerId <-> device certificate bytes conversions.
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { toString as bytesToString } from 'uint8arrays/to-string'
import { withDeadline } from '../wire/deadline.ts'

export type MessengerNet = Pick<
  Libp2p,
  | 'peerId'
  | 'handle'
  | 'unhandle'
  | 'dial'
  | 'dialProtocol'
  | 'getConnections'
  | 'addEventListener'
  | 'removeEventListener'
>

/** The PeerId bytes a device certificate carries (the multihash). */
export function peerIdBytes(peerId: PeerId): Uint8Array {
  return peerId.toMultihash().bytes
}

/** The PeerId string (base58btc multihash) of certificate bytes; the messenger's deviceId. */
export function deviceIdOf(peerIdMultihash: Uint8Array): string {
  return bytesToString(peerIdMultihash, 'base58btc')
}

export function peerIdOf(deviceId: string): PeerId {
  return peerIdFromString(deviceId)
}

/** `<relay>/p2p-circuit/webrtc/p2p/<peer>`: a WebRTC connection signalled through the relay. */
export function webrtcAddressVia(relay: string, deviceId: string): Multiaddr {
  return multiaddr(`${relay}/p2p-circuit/webrtc/p2p/${deviceId}`)
}

/**
 * The newest open connection to `peer` that is not relayed (limited): direct WebRTC (or TCP/WS in
 * tests). Newest, because an older one may be one-sided: its other end already dropped it
 * (ADR 0907), and libp2p lists connections oldest first.
 */
export function directConnection(net: MessengerNet, peer: PeerId): Connection | undefined {
  let newest: Connection | undefined
  for (const c of net.getConnections(peer)) {
    if (isDirect(c) && (newest === undefined || c.timeline.open > newest.timeline.open)) newest = c
  }
  return newest
}

/** Background dials in flight, per node and peer: a burst of sends starts one dial. */
const dialing = new WeakMap<MessengerNet, Set<string>>()

/**
 * Dials `peer` over WebRTC through one of `relays` (in order) within `signal`; resolves with the
 * connection, or undefined when no relay got one through.
 */
export async function dialDirect(
  net: MessengerNet,
  peer: PeerId,
  relays: readonly string[],
  signal: AbortSignal,
): Promise<Connection | undefined> {
  for (const relay of relays) {
    try {
      return await net.dial(webrtcAddressVia(relay, peer.toString()), { signal })
    } catch {
      if (signal.aborted) return undefined
    }
  }
  return undefined
}

/**
 * Starts a direct dial that nothing waits for (ADR 0910): the frame at hand took the mailbox, the
 * connection is for the ones after it. At most one per peer at a time; failures are only logged.
 */
export function dialDirectInBackground(
  net: MessengerNet,
  peer: PeerId,
  relays: readonly string[],
  budgetMs: number,
  log: (message: string, err?: unknown) => void,
): void {
  const key = peer.toString()
  const inFlight = dialing.get(net) ?? new Set<string>()
  dialing.set(net, inFlight)
  if (inFlight.has(key) || relays.length === 0) return
  inFlight.add(key)
  // A deadline, not AbortSignal.timeout: the dial's listeners on the signal (and what they hold)
  // go when the dial ends, not when the budget would have run out (ADR 0911).
  withDeadline(budgetMs, (signal) => dialDirect(net, peer, relays, signal))
    .then((c) => {
      if (c === undefined) log('background dial: no direct connection')
    })
    .catch((err: unknown) => log('background dial', err))
    .finally(() => inFlight.delete(key))
}

/**
 * Opens `protocol` on a direct connection. A connection that cannot open a stream (timeout,
 * reset) is one-sided or dead: abort it, so neither this send nor the next one waits on it
 * again, and try the newest other direct connection once, within the same `signal`. A peer that
 * answers (refuses the protocol, or we are at our own stream limit) keeps its connection.
 */
export async function newDirectStream(
  net: MessengerNet,
  connection: Connection,
  protocol: string,
  options: { signal: AbortSignal },
): Promise<Stream> {
  try {
    return await openOrDrop(connection, protocol, options)
  } catch (err) {
    const other = directConnection(net, connection.remotePeer)
    if (connectionAnswered(err) || other === undefined || other === connection) throw err
    if (options.signal.aborted) throw err
    return openOrDrop(other, protocol, options)
  }
}

async function openOrDrop(
  connection: Connection,
  protocol: string,
  options: { signal: AbortSignal },
): Promise<Stream> {
  try {
    return await connection.newStream(protocol, options)
  } catch (err) {
    if (!connectionAnswered(err))
      connection.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/** The connection to `peer` that carries `stream`, if it is still listed. */
export function connectionCarrying(
  net: MessengerNet,
  peer: PeerId,
  stream: Stream,
): Connection | undefined {
  return net.getConnections(peer).find((c) => c.streams.includes(stream))
}

/** Errors that came from a working connection (see libp2p connection.js `newStream`). */
function connectionAnswered(err: unknown): boolean {
  const name = err instanceof Error ? err.name : ''
  return name === 'UnsupportedProtocolError' || name === 'TooManyOutboundProtocolStreamsError'
}

/** Open, not limited and not relayed: a connection file streams and direct chat frames may use. */
export function isDirect(c: Connection): boolean {
  return c.status === 'open' && c.limits === undefined && !isRelayed(c)
}

function isRelayed(c: Connection): boolean {
  return (
    c.remoteAddr.toString().includes('/p2p-circuit') && !c.remoteAddr.toString().includes('/webrtc')
  )
}
