// Drops a WebRTC connection as soon as the other side closed it (ADR 0910).
//
// When a contact closes its end (its idle timer, a closed tab), Chromium learns it at once: the
// SCTP association and the DTLS transport go `closed` within milliseconds. But the peer
// connection's `connectionState` stays `connected`, turns `disconnected` after ~5 s and `failed`
// after ~15 s, and @libp2p/webrtc only drops a connection on `failed` or `closed`. Meanwhile the
// messenger sees an open direct connection, and a send waits its whole stream budget (3 s) on it
// before taking the mailbox; the browser also keeps probing the dead address with ICE checks.
//
// This guard watches every peer connection's SCTP and DTLS transports in the node's document.
// When either ends while the peer connection is still open, it closes the peer connection and
// fires `connectionstatechange`, the only event libp2p's connection listens to (it then reads
// `closed`). A connection this side closed itself is already `closed` and is left alone.
//
// Some peers end without a word (libdatachannel, the Node peers of tests and benches, sends
// neither SCTP ABORT nor DTLS close_notify; a peer that lost its network cannot). Chromium then
// turns ICE `disconnected` after ~5 s without answers to its consent checks. A connection in that
// state with no data channel open carries nothing and cannot be reached: it is dropped too. One
// with open channels (a file under way) is left to ICE, which may still recover it.
//
//   installWebRtcCloseGuard() // once, before the node dials or answers

/** The global the guard patches (a browser document; the unit test passes fakes). */
export interface WebRtcCloseGlobals {
  RTCPeerConnection?: { prototype: RTCPeerConnection }
}

const GUARDED = Symbol.for('hestia.webrtcCloseGuard')

type DescriptionSetter = (this: RTCPeerConnection, ...args: unknown[]) => Promise<void>

/** Patches the prototype once; a no-op without WebRTC (Node, service worker). */
export function installWebRtcCloseGuard(scope: WebRtcCloseGlobals = globalThis): boolean {
  const proto = scope.RTCPeerConnection?.prototype
  if (proto === undefined) return false
  if (GUARDED in proto) return true
  Object.defineProperty(proto, GUARDED, { value: true })
  const watched = new WeakSet<RTCPeerConnection>()
  /** Data channels open per peer connection (both directions). */
  const openChannels = new WeakMap<RTCPeerConnection, number>()
  const countChannel = (pc: RTCPeerConnection, channel: RTCDataChannel): void => {
    const add = (n: number) => openChannels.set(pc, (openChannels.get(pc) ?? 0) + n)
    let counted = false
    const opened = () => {
      if (!counted) add(1)
      counted = true
    }
    if (channel.readyState === 'open') opened()
    channel.addEventListener('open', opened)
    channel.addEventListener('close', () => {
      if (counted) add(-1)
      counted = false
      dropIfUnreachableAndIdle(pc)
    })
  }
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const realCreate = proto.createDataChannel as unknown as (
    this: RTCPeerConnection,
    ...args: unknown[]
  ) => RTCDataChannel
  Object.defineProperty(proto, 'createDataChannel', {
    configurable: true,
    writable: true,
    value: function (this: RTCPeerConnection, ...args: unknown[]): RTCDataChannel {
      const channel = Reflect.apply<RTCPeerConnection, unknown[], RTCDataChannel>(
        realCreate,
        this,
        args,
      )
      countChannel(this, channel)
      return channel
    },
  })

  // The transports exist once a description with a data section is applied, on either side of
  // the offer/answer: look after each one.
  for (const name of ['setLocalDescription', 'setRemoteDescription'] as const) {
    // The real method, always called back with Reflect.apply on the right object.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const real = proto[name] as unknown as DescriptionSetter
    const patched: DescriptionSetter = function (this: RTCPeerConnection, ...args) {
      const result = Reflect.apply<RTCPeerConnection, unknown[], Promise<void>>(real, this, args)
      Promise.resolve(result).then(
        () => watch(this),
        () => undefined,
      )
      return result
    }
    Object.defineProperty(proto, name, { configurable: true, writable: true, value: patched })
  }

  function watch(pc: RTCPeerConnection): void {
    const sctp = pc.sctp
    if (sctp === null || sctp === undefined || watched.has(pc)) return
    watched.add(pc)
    const dtls = sctp.transport
    sctp.addEventListener('statechange', () => {
      if (sctp.state === 'closed') dropEnded(pc)
    })
    dtls.addEventListener('statechange', () => {
      if (dtls.state === 'closed' || dtls.state === 'failed') dropEnded(pc)
    })
    pc.addEventListener('datachannel', ({ channel }) => countChannel(pc, channel))
    pc.addEventListener('iceconnectionstatechange', () => dropIfUnreachableAndIdle(pc))
  }

  function dropIfUnreachableAndIdle(pc: RTCPeerConnection): void {
    if (!watched.has(pc) || pc.iceConnectionState !== 'disconnected') return
    if ((openChannels.get(pc) ?? 0) === 0) dropEnded(pc)
  }
  return true
}

function dropEnded(pc: RTCPeerConnection): void {
  if (pc.connectionState === 'closed') return
  pc.close()
  // close() fires no event; libp2p (rtcpeerconnection-to-conn.js) reads 'closed' on this one.
  pc.dispatchEvent(new Event('connectionstatechange'))
}
