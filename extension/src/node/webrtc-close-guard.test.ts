// The close guard against fake WebRTC classes that behave as Chromium does when the other side
// closes: SCTP and DTLS go `closed` at once, `connectionState` stays `connected` (ADR 0910).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { installWebRtcCloseGuard } from './webrtc-close-guard.ts'

class FakeDtls extends EventTarget {
  state: RTCDtlsTransportState = 'connected'
}
class FakeSctp extends EventTarget {
  state: RTCSctpTransportState = 'connected'
  readonly transport = new FakeDtls()
}
class FakeChannel extends EventTarget {
  readyState: RTCDataChannelState = 'connecting'
  open(): void {
    this.readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }
  close(): void {
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }
}
class FakePeerConnection extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  sctp: FakeSctp | null = null
  /** How libp2p listens (rtcpeerconnection-to-conn.js): the property handler. */
  onconnectionstatechange: (() => void) | null = null
  readonly seenByLibp2p: RTCPeerConnectionState[] = []
  constructor() {
    super()
    this.addEventListener('connectionstatechange', () => this.onconnectionstatechange?.())
    this.onconnectionstatechange = () => this.seenByLibp2p.push(this.connectionState)
  }
  setLocalDescription(): Promise<void> {
    return Promise.resolve()
  }
  setRemoteDescription(): Promise<void> {
    this.sctp = new FakeSctp()
    this.connectionState = 'connected'
    return Promise.resolve()
  }
  close(): void {
    this.connectionState = 'closed'
  }
  createDataChannel(): FakeChannel {
    return new FakeChannel()
  }
  /** A channel the other side opened. */
  incoming(): FakeChannel {
    const channel = new FakeChannel()
    const event = Object.assign(new Event('datachannel'), { channel })
    this.dispatchEvent(event)
    channel.open()
    return channel
  }
  /** Chromium after ~5 s without answers to its ICE consent checks. */
  iceDisconnected(): void {
    this.iceConnectionState = 'disconnected'
    this.dispatchEvent(new Event('iceconnectionstatechange'))
  }
  /** What Chromium does when the remote peer connection closes. */
  remoteClosed(): void {
    this.sctp!.state = 'closed'
    this.sctp!.dispatchEvent(new Event('statechange'))
    this.sctp!.transport.state = 'closed'
    this.sctp!.transport.dispatchEvent(new Event('statechange'))
  }
}

const scope = {
  RTCPeerConnection: FakePeerConnection as unknown as { prototype: RTCPeerConnection },
}
installWebRtcCloseGuard(scope)

async function connected(): Promise<FakePeerConnection> {
  const pc = new FakePeerConnection()
  await pc.setLocalDescription()
  await pc.setRemoteDescription()
  await new Promise((r) => setTimeout(r, 0)) // the guard attaches after the promise settles
  return pc
}

test('the other side closed: the peer connection is closed and libp2p hears "closed" once', async () => {
  const pc = await connected()
  pc.remoteClosed()
  assert.equal(pc.connectionState, 'closed')
  assert.deepEqual(pc.seenByLibp2p, ['closed'])
})

test('a connection this side closed is left alone (no second close event)', async () => {
  const pc = await connected()
  pc.close()
  pc.remoteClosed()
  assert.deepEqual(pc.seenByLibp2p, [])
})

test('a DTLS failure alone also ends it', async () => {
  const pc = await connected()
  pc.sctp!.transport.state = 'failed'
  pc.sctp!.transport.dispatchEvent(new Event('statechange'))
  assert.deepEqual(pc.seenByLibp2p, ['closed'])
})

test('a live connection is untouched, and installing twice patches once', async () => {
  assert.equal(installWebRtcCloseGuard(scope), true)
  const pc = await connected()
  pc.sctp!.state = 'connected'
  pc.sctp!.dispatchEvent(new Event('statechange'))
  assert.equal(pc.connectionState, 'connected')
  assert.deepEqual(pc.seenByLibp2p, [])
  assert.equal(installWebRtcCloseGuard({}), false, 'no WebRTC, nothing to patch')
})

test('a silent peer (no ABORT, no close_notify): ICE disconnected with no channel open drops it', async () => {
  const pc = await connected()
  const ours = pc.createDataChannel()
  ours.open()
  ours.close()
  pc.iceDisconnected()
  assert.deepEqual(pc.seenByLibp2p, ['closed'])
})

test('ICE disconnected while a channel is open (a file under way) waits; the last channel closing drops it', async () => {
  const pc = await connected()
  const transfer = pc.incoming()
  const ours = pc.createDataChannel()
  ours.open()
  pc.iceDisconnected()
  assert.deepEqual(pc.seenByLibp2p, [], 'channels open: left to ICE')
  ours.close()
  assert.deepEqual(pc.seenByLibp2p, [], 'one still open')
  transfer.close()
  assert.deepEqual(pc.seenByLibp2p, ['closed'])
})
