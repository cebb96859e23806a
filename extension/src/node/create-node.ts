// Builds the browser libp2p node. One place for the transport stack so the host (now) and the
// messenger (later) start the same node. Runs in a document with RTCPeerConnection: Chrome's
// offscreen document or Firefox's background page, never a service worker.
//
//   const node = await createBrowserNode({ policy: { allowLoopbackRelays: true }, relays: [] })
//   await node.start()

import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webRTC } from '@libp2p/webrtc'
import type { PrivateKey } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p } from 'libp2p'
import { stunServersForRelays, toRtcIceServers } from '@hestia/core/client/api/ice-servers.ts'
import { FILE_PROTOCOL } from '@hestia/core/files/limits.ts'
import { idleDirectConnections } from '@hestia/core/messenger/idle-connections.ts'
import { CHAT_PROTOCOL, MESSENGER_TIMING } from '@hestia/core/messenger/limits.ts'
import { OWN_PROTOCOL } from '@hestia/core/messenger/devices/own-direct.ts'
import { MESSENGER_CONNECTION_MANAGER } from '@hestia/core/messenger/node-limits.ts'
import { relayKeepAlive } from '@hestia/core/messenger/relay-keepalive.ts'
import { denyDialMultiaddr, type AddressPolicy } from './address-policy.ts'
import { installWebRtcCloseGuard } from './webrtc-close-guard.ts'
import { installWebRtcInitGuard } from './webrtc-init-guard.ts'

export interface BrowserNodeOptions {
  readonly policy: AddressPolicy
  /** The user's relays (with /p2p/<id>): one reservation slot each; the messenger dials them. */
  readonly relays: readonly string[]
  /** The device's libp2p key (persisted with the identity, so the PeerId survives restarts). */
  readonly privateKey?: PrivateKey
  /** Close a contact's direct connection after this long without a chat or file stream. */
  readonly directIdleMs?: number
  /**
   * settings.relayOnly (ADR 0752): no WebRTC transport and no `/webrtc` listen address, so nothing
   * answers a contact's offer and no direct address is announced (the messenger refuses direct
   * connections on any node; this leaves nothing to refuse).
   */
  readonly relayOnly?: boolean
  /** Diagnostics: the idle closer's decisions (ADR 0424). */
  readonly log?: (message: string) => void
}

/**
 * What identify tells every relay and contact we are. libp2p's browser build would send
 * `libp2p/<version> browser/<navigator.userAgent>` (browser, version, OS): a fingerprint for
 * anyone we connect to. One fixed string for every Hestia browser node instead.
 */
export const NODE_USER_AGENT = 'hestia'

/** Data-channel message size between our browsers (libp2p's default is 16 KiB for go/rust peers). */
export const DATA_CHANNEL_MESSAGE_BYTES = 64 * 1024

/**
 * The WebRTC configuration of the messenger's node: STUN of the user's own relays (public hosts
 * only), nothing else (ADR 0452).
 */
export function nodeRtcConfiguration(relays: readonly string[]): RTCConfiguration {
  return { iceServers: toRtcIceServers(stunServersForRelays(relays)) }
}

export function browserNodeConfig(options: BrowserNodeOptions) {
  return {
    ...(options.privateKey !== undefined ? { privateKey: options.privateKey } : {}),
    start: false,
    nodeInfo: { name: NODE_USER_AGENT, version: '1', userAgent: NODE_USER_AGENT },
    addresses: {
      // One `/p2p-circuit` per relay: a reservation on each relay the messenger keeps connected,
      // which (unlike `<relay>/p2p-circuit`) comes back by itself after the relay restarts.
      listen: [
        ...options.relays.map(() => '/p2p-circuit'),
        ...(options.relayOnly === true ? [] : ['/webrtc']),
      ],
    },
    transports: [
      webSockets(),
      ...(options.relayOnly === true
        ? []
        : [
            // STUN of the user's own relays only, never a public server (libp2p's default would
            // be four): they see our address already. None for loopback or private relays; no
            // TURN for messages and files, which have the mailbox (ADR 0450, 0452).
            webRTC({
              rtcConfiguration: nodeRtcConfiguration(options.relays),
              // Larger data-channel messages: a file chunk frame (16,464 B) no longer splits into
              // a full and a tiny message, and SCTP carries 4x fewer messages (ADR 0804).
              // Browsers accept up to 256 KiB; libp2p's decoder on the other side takes any size
              // up to 4 MiB.
              dataChannel: { maxMessageSize: DATA_CHANNEL_MESSAGE_BYTES },
            }),
          ]),
      circuitRelayTransport(),
    ],
    connectionEncrypters: [noise()],
    // yamux's own keep-alive (a ping every 30 s, never acted on) is off: relayKeepAlive's checked
    // ping once a minute, and the relay's, keep NAT bindings warm (ADR 0912).
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionGater: { denyDialMultiaddr: denyDialMultiaddr(options.policy) },
    // Every contact's connection comes from a relay's IP: libp2p's per-host rate of 5 a second
    // would refuse the sixth contact dialling us in a second (ADR 0463).
    connectionManager: { ...MESSENGER_CONNECTION_MANAGER },
    // Off: it pings every connection every 10 s, each ping a new WebRTC data channel on a
    // contact's connection (~400 packets/min per idle contact). Direct connections are judged by
    // what they carry and closed when idle; relays get their own slower ping (ADR 0910).
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      ping: ping(),
      idleDirect: idleDirectConnections({
        idleMs: options.directIdleMs ?? MESSENGER_TIMING.directIdleMs,
        // Frames between our own devices count as use too, frame by frame (own-direct.ts).
        protocols: [CHAT_PROTOCOL, FILE_PROTOCOL, OWN_PROTOCOL],
        keptProtocols: [CHAT_PROTOCOL, OWN_PROTOCOL],
        ...(options.log !== undefined ? { log: options.log } : {}),
      }),
      relayKeepAlive: relayKeepAlive({
        intervalMs: MESSENGER_TIMING.relayPingIntervalMs,
        timeoutMs: MESSENGER_TIMING.relayPingTimeoutMs,
      }),
    },
  }
}

export async function createBrowserNode(options: BrowserNodeOptions) {
  // Before the first WebRTC dial or answer: @libp2p/webrtc 6.0.33 hangs 1 dial in 4 (ADR 0907).
  installWebRtcInitGuard()
  // A connection the other side closed is dropped at once, not ~15 s later (ADR 0910).
  installWebRtcCloseGuard()
  return createLibp2p(browserNodeConfig(options))
}

export type BrowserNode = Awaited<ReturnType<typeof createBrowserNode>>

/**
 * A mailbox node (ADR 0754): a fresh random key, WebSockets to relays only, nothing listening, no
 * identify (the relay learns no agent string from it) and no WebRTC. One per own mailbox and per
 * contact mailbox written to; the messenger builds, uses and stops them (mailbox-links.ts). Each
 * link checks its relay connection with its own yamux ping, once a minute ± 25 % (ADR 0912): a
 * dead subscription is found within ~85 s, and links opened together do not ping together.
 */
export const MAILBOX_LINK_KEEPALIVE = {
  intervalMs: MESSENGER_TIMING.relayPingIntervalMs,
  timeoutMs: MESSENGER_TIMING.relayPingTimeoutMs,
  jitter: MESSENGER_TIMING.mailboxLinkPingJitter,
} as const

export function mailboxNodeConfig(policy: AddressPolicy) {
  return {
    nodeInfo: { name: NODE_USER_AGENT, version: '1', userAgent: NODE_USER_AGENT },
    addresses: { listen: [] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux({ enableKeepAlive: false })],
    connectionGater: { denyDialMultiaddr: denyDialMultiaddr(policy) },
    connectionMonitor: { enabled: false },
    services: {
      relayKeepAlive: relayKeepAlive(MAILBOX_LINK_KEEPALIVE),
    },
  }
}

/** Builds and starts a mailbox node (createLibp2p starts it: `start` is not false here). */
export async function createMailboxNode(policy: AddressPolicy) {
  return createLibp2p(mailboxNodeConfig(policy))
}
