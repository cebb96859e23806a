/**
 * Relay-only mode (settings.relayOnly, ADR 0752): no direct WebRTC connection with a contact,
 * dialled or accepted, so contacts never see this device's addresses (ICE candidates); every
 * message and file goes through the relays' mailboxes.
 *
 * Enforced at the messenger's one door to the network, whatever node the host built:
 * - relayOnlyNet refuses every dial that could become a direct connection (a WebRTC address, or a
 *   bare PeerId libp2p would resolve itself) with RelayOnlyError; the callers' fallbacks (the
 *   mailbox) take over, as when a dial fails;
 * - refuseDirect removes the WebRTC signalling handler, so a contact's offer is refused before any
 *   SDP or ICE candidate is exchanged, and closes direct connections already open.
 * Turning the mode off needs a fresh node (the handler belongs to libp2p's WebRTC transport): the
 * service restarts the messenger (service.ts), and the host may build the node without WebRTC.
 */
import type { Connection, PeerId } from '@libp2p/interface'
import { isMultiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { isDirect, type MessengerNet } from './net.ts'

/** libp2p's WebRTC (private-to-private) signalling protocol, run over a relayed connection. */
export const WEBRTC_SIGNALING_PROTOCOL = '/webrtc-signaling/0.0.1'

export class RelayOnlyError extends Error {
  override readonly name = 'RelayOnlyError'
  constructor(target: string) {
    super(`relay-only mode: no direct connection (${target})`)
  }
}

type DialTarget = PeerId | Multiaddr | Multiaddr[]

/** Could dialling `target` open (or signal) a direct connection to a contact? */
export function mayGoDirect(target: DialTarget): boolean {
  const addrs = Array.isArray(target) ? target : [target]
  return addrs.some((a) => !isMultiaddr(a) || a.toString().includes('/webrtc'))
}

/** `net` with direct dials refused while `relayOnly()` says so. */
export function relayOnlyNet(net: MessengerNet, relayOnly: () => boolean): MessengerNet {
  const check = (target: DialTarget): void => {
    if (relayOnly() && mayGoDirect(target)) throw new RelayOnlyError(String(target))
  }
  return {
    get peerId() {
      return net.peerId
    },
    handle: net.handle.bind(net),
    unhandle: net.unhandle.bind(net),
    getConnections: net.getConnections.bind(net),
    addEventListener: net.addEventListener.bind(net),
    removeEventListener: net.removeEventListener.bind(net),
    dial: async (target, options) => {
      check(target)
      return net.dial(target, options)
    },
    dialProtocol: async (target, protocols, options) => {
      check(target)
      return net.dialProtocol(target, protocols, options)
    },
  }
}

/**
 * Stops accepting direct connections and closes those open (each a contact's WebRTC connection).
 * Returns how many it closed.
 */
export async function refuseDirect(net: MessengerNet): Promise<number> {
  await net.unhandle(WEBRTC_SIGNALING_PROTOCOL).catch(() => undefined)
  // WebRTC only: the WebSocket connections to our relays are not relayed either.
  const open: Connection[] = net
    .getConnections()
    .filter((c) => isDirect(c) && c.remoteAddr.toString().includes('/webrtc'))
  await Promise.all(open.map((c) => c.close().catch(() => c.abort(new RelayOnlyError('closed')))))
  return open.length
}
