// Works around a race in @libp2p/webrtc 6.0.33 browser-to-browser dials (ADR 0907): about one
// dial in four hung until its timeout.
//
// - The dialer opens a data channel labelled `init`; the answerer (muxer.js `onDataChannel`)
//   closes it as soon as it sees it.
// - The dialer only looks at that channel after its own `connectionstatechange` -> `connected`
//   (initiate-connection.js): `if (readyState !== 'open') await pEvent(channel, 'open')`, with no
//   rejection on `close`.
// - Chrome often delivers the channel's `open` and `close` before `connected`, so the dialer then
//   waits for an `open` that has already fired, until the dial's signal aborts.
//
// The guard patches the RTCPeerConnection / RTCDataChannel prototypes of the document that runs
// the node (the transport reads the globals itself and has no hook). It only touches channels
// labelled `init`, which Hestia's own code never creates, and peer connections that receive one.
// Remove it once @libp2p/webrtc fixes either side (see the ADR for the upstream report).

import { MESSENGER_TIMING } from '@hestia/core/messenger/limits.ts'

const INIT = 'init'

/**
 * How long the answerer waits, after the dialer's `init` arrives, for the dialer to close it.
 * A dialer closes it within milliseconds of `connected`. The channel arrives only after the
 * dialer's dial has started, and a messenger dial gives up after `directDialMs` (3 s), so 2 s
 * more is enough for a busy main thread. A dialer that still has not closed it has given up
 * (or hangs in the race above): its half of the connection is gone, and ours would otherwise
 * stay a one-sided zombie until libp2p's ping monitor notices (10-15 s).
 */
export const ANSWERER_INIT_DEADLINE_MS = MESSENGER_TIMING.directDialMs + 2_000

/** The globals the guard patches (a browser document; the unit test passes fakes). */
export interface WebRtcGlobals {
  RTCPeerConnection?: { prototype: RTCPeerConnection }
  RTCDataChannel?: { prototype: RTCDataChannel }
}

const GUARDED = Symbol.for('hestia.webrtcInitGuard')

/** Patches the WebRTC prototypes once; a no-op without WebRTC (Node, service worker). */
export function installWebRtcInitGuard(scope: WebRtcGlobals = globalThis): boolean {
  const pcProto = scope.RTCPeerConnection?.prototype
  const dcProto = scope.RTCDataChannel?.prototype
  if (pcProto === undefined || dcProto === undefined) return false
  if (GUARDED in pcProto) return true
  Object.defineProperty(pcProto, GUARDED, { value: true })

  // The real methods, always called back with .call/.apply on the right object.
  /* eslint-disable @typescript-eslint/unbound-method */
  const realCreate = pcProto.createDataChannel
  const realSetRemote = pcProto.setRemoteDescription
  const realClose = dcProto.close
  const stateOf = Object.getOwnPropertyDescriptor(dcProto, 'readyState')?.get as (
    this: RTCDataChannel,
  ) => RTCDataChannelState
  /* eslint-enable @typescript-eslint/unbound-method */
  /** `init` channels this document created (as the dialer). */
  const ownInit = new WeakSet<RTCDataChannel>()
  const watched = new WeakSet<RTCPeerConnection>()

  // Answerer: leave the dialer's `init` open; the dialer closes it itself once it saw it open.
  // This alone removes the race when both sides run this guard.
  dcProto.close = function (this: RTCDataChannel): void {
    if (this.label === INIT && !ownInit.has(this)) return
    realClose.call(this)
  }

  // Dialer: never miss an `open` that fired before libp2p listened. Still needed while the
  // other side runs a build that closes `init` at once (drop it when all peers have the guard).
  pcProto.createDataChannel = function (
    this: RTCPeerConnection,
    label: string,
    init?: RTCDataChannelInit,
  ): RTCDataChannel {
    const channel = realCreate.call(this, label, init)
    if (label !== INIT) return channel
    ownInit.add(channel)
    let opened = false
    let closeCalled = false
    channel.addEventListener('open', () => (opened = true))
    // An `init` that opened counts as open until libp2p closes it itself, so libp2p skips the wait.
    Object.defineProperty(channel, 'readyState', {
      configurable: true,
      get: () => {
        const state = stateOf.call(channel)
        return opened && !closeCalled && state !== 'open' ? 'open' : state
      },
    })
    // libp2p then closes it and waits for `close`; if the remote closed it already, that event
    // is gone too, so send it again.
    Object.defineProperty(channel, 'close', {
      configurable: true,
      value: () => {
        closeCalled = true
        if (stateOf.call(channel) === 'closed') {
          setTimeout(() => channel.dispatchEvent(new Event('close')), 0)
          return
        }
        realClose.call(channel)
      },
    })
    return channel
  }

  // Answerer: a dialer that has not closed `init` by the deadline never finished its dial. Close
  // the peer connection so libp2p drops the connection instead of offering it to the messenger.
  // (Rest parameters: the legacy callback overload passes through unchanged.)
  pcProto.setRemoteDescription = function (
    this: RTCPeerConnection,
    ...args: [RTCSessionDescriptionInit, VoidFunction?, RTCPeerConnectionErrorCallback?]
  ): Promise<void> {
    if (args[0]?.type === 'offer' && !watched.has(this)) {
      watched.add(this)
      this.addEventListener('datachannel', ({ channel }) => {
        if (channel.label === INIT)
          setTimeout(dropIfInitStillOpen, ANSWERER_INIT_DEADLINE_MS, this, channel)
      })
    }
    return Reflect.apply(realSetRemote, this, args) as Promise<void>
  }

  function dropIfInitStillOpen(pc: RTCPeerConnection, init: RTCDataChannel): void {
    const state = stateOf.call(init)
    if (pc.connectionState === 'closed' || state === 'closing' || state === 'closed') return
    pc.close()
    // close() fires no event, and libp2p only learns of the end from `onconnectionstatechange`
    // (rtcpeerconnection-to-conn.js), which then reads 'closed' and drops the connection.
    pc.dispatchEvent(new Event('connectionstatechange'))
  }
  return true
}
