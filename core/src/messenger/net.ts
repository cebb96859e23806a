/**
 * The narrow slice of a libp2p node the messenger uses. The platform builds the node (transports,
 * relay reservation, listen on `<relay>/p2p-circuit` and `/webrtc`, gater) and injects it; core
 * never creates one. Also PeerId <-> device certificate bytes conversions.
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { toString as bytesToString } from 'uint8arrays/to-string'

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

/** An open connection that is not relayed (limited): direct WebRTC (or TCP/WS in tests). */
export function directConnection(net: MessengerNet, peer: PeerId): Connection | undefined {
  return net.getConnections(peer).find(isDirect)
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
