// The `init` guard (ADR 0907) against fake RTCPeerConnection / RTCDataChannel classes that replay
// the event order Chrome produced in the hung dials. The dialer's side runs the exact steps of
// @libp2p/webrtc 6.0.33 after `connected` (initiate-connection.js), with the same p-event.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { pEvent } from 'p-event'
import { ANSWERER_INIT_DEADLINE_MS, installWebRtcInitGuard } from './webrtc-init-guard.ts'

/** Fresh fake classes per test: the guard patches their prototypes. */
function fakeWebRtc() {
  class FakeDataChannel extends EventTarget {
    #state: RTCDataChannelState = 'connecting'
    /** Calls that reached the real close (the browser's, here the fake's). */
    realCloses = 0
    readonly label: string
    constructor(label: string) {
      super()
      this.label = label
    }
    get readyState(): RTCDataChannelState {
      return this.#state
    }
    close(): void {
      this.realCloses++
      if (this.#state === 'closing' || this.#state === 'closed') return
      this.#state = 'closing'
    }
    /** What the browser does: a new state, then its event. */
    static drive(channel: FakeDataChannel, state: 'open' | 'closing' | 'closed'): void {
      channel.#state = state
      channel.dispatchEvent(new Event(state === 'closed' ? 'close' : state))
    }
  }
  class FakePeerConnection extends EventTarget {
    connectionState: RTCPeerConnectionState = 'new'
    onconnectionstatechange: ((event: Event) => void) | null = null
    createDataChannel(label: string): FakeDataChannel {
      return new FakeDataChannel(label)
    }
    async setRemoteDescription(_description?: { type: string; sdp?: string }): Promise<void> {}
    close(): void {
      this.connectionState = 'closed'
    }
    // DOM event targets also call the `on<type>` handler; libp2p relies on it.
    override dispatchEvent(event: Event): boolean {
      if (event.type === 'connectionstatechange') this.onconnectionstatechange?.(event)
      return super.dispatchEvent(event)
    }
    /** A channel the remote side opened arrives. */
    receive(channel: FakeDataChannel): void {
      this.dispatchEvent(Object.assign(new Event('datachannel'), { channel }))
    }
  }
  const scope = {
    RTCPeerConnection: FakePeerConnection,
    RTCDataChannel: FakeDataChannel,
  } as unknown as Parameters<typeof installWebRtcInitGuard>[0]
  return { FakeDataChannel, FakePeerConnection, scope }
}

/** @libp2p/webrtc 6.0.33 initiate-connection.js, the dialer's steps once it is `connected`. */
async function libp2pDialerAfterConnected(channel: RTCDataChannel, signal: AbortSignal) {
  if (channel.readyState !== 'open') await pEvent(channel, 'open', { signal })
  channel.close()
  await pEvent(channel, 'close', { signal })
}

/** Chrome's order in the hung dials: `init` opens and the answerer's close arrives, all before
 * the dialer's `connected`. */
function dialerSeesOpenThenRemoteClose(webrtc: ReturnType<typeof fakeWebRtc>, until: string) {
  const pc = new webrtc.FakePeerConnection()
  const channel = pc.createDataChannel('init')
  webrtc.FakeDataChannel.drive(channel, 'open')
  webrtc.FakeDataChannel.drive(channel, 'closing')
  if (until === 'closed') webrtc.FakeDataChannel.drive(channel, 'closed')
  return channel
}

describe('WebRTC init guard, dialer', () => {
  test('without the guard the event order reproduces the hang (the test can fail)', async () => {
    const webrtc = fakeWebRtc()
    const channel = dialerSeesOpenThenRemoteClose(webrtc, 'closed')
    await assert.rejects(
      libp2pDialerAfterConnected(channel as unknown as RTCDataChannel, AbortSignal.timeout(200)),
      { name: 'TimeoutError' },
    )
  })

  test('init opened and closed before connected: the dial still proceeds', async () => {
    const webrtc = fakeWebRtc()
    assert.equal(installWebRtcInitGuard(webrtc.scope), true)
    const channel = dialerSeesOpenThenRemoteClose(webrtc, 'closed')
    await libp2pDialerAfterConnected(
      channel as unknown as RTCDataChannel,
      AbortSignal.timeout(2_000),
    )
    assert.equal(channel.realCloses, 0, 'an already closed channel is not closed again')
    assert.equal(channel.readyState, 'closed')
  })

  test('init still closing at the check: the dial proceeds when the close arrives', async () => {
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const channel = dialerSeesOpenThenRemoteClose(webrtc, 'closing')
    const done = libp2pDialerAfterConnected(
      channel as unknown as RTCDataChannel,
      AbortSignal.timeout(2_000),
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    webrtc.FakeDataChannel.drive(channel, 'closed')
    await done
  })

  test('the usual order is unchanged: init opens after connected, the dialer closes it', async () => {
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const channel = new webrtc.FakePeerConnection().createDataChannel('init')
    const done = libp2pDialerAfterConnected(
      channel as unknown as RTCDataChannel,
      AbortSignal.timeout(2_000),
    )
    assert.equal(channel.readyState, 'connecting')
    webrtc.FakeDataChannel.drive(channel, 'open')
    await new Promise((resolve) => setTimeout(resolve, 0))
    assert.equal(channel.realCloses, 1, 'the dialer closes its own init')
    assert.equal(channel.readyState, 'closing')
    webrtc.FakeDataChannel.drive(channel, 'closed')
    await done
  })

  test('an init that never opened is not reported open (a failed dial still fails)', async () => {
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const channel = new webrtc.FakePeerConnection().createDataChannel('init')
    await assert.rejects(
      libp2pDialerAfterConnected(channel as unknown as RTCDataChannel, AbortSignal.timeout(100)),
      { name: 'TimeoutError' },
    )
  })
})

describe('WebRTC init guard, answerer', () => {
  test("libp2p's close of the dialer's init is skipped; other channels still close", async () => {
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const pc = new webrtc.FakePeerConnection()
    await pc.setRemoteDescription({ type: 'offer', sdp: '' })
    const init = new webrtc.FakeDataChannel('init')
    const stream = new webrtc.FakeDataChannel('')
    for (const channel of [init, stream]) {
      webrtc.FakeDataChannel.drive(channel, 'open')
      pc.receive(channel)
    }
    // What muxer.js onDataChannel / disposeEarlyDataChannel do.
    init.close()
    stream.close()
    assert.equal(init.realCloses, 0)
    assert.equal(init.readyState, 'open', 'the dialer can still see its init open')
    assert.equal(stream.realCloses, 1)
    assert.equal(stream.readyState, 'closing')
    // Our own channels with other labels close as before.
    const own = pc.createDataChannel('chat')
    own.close()
    assert.equal(own.realCloses, 1)
  })

  test('a dialer that never closes init: the answerer drops the connection at the deadline', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const pc = new webrtc.FakePeerConnection()
    await pc.setRemoteDescription({ type: 'offer', sdp: '' })
    pc.connectionState = 'connected'
    const seen: RTCPeerConnectionState[] = []
    // libp2p's RTCPeerConnectionMultiaddrConnection watches exactly this handler.
    pc.onconnectionstatechange = () => seen.push(pc.connectionState)
    const init = new webrtc.FakeDataChannel('init')
    webrtc.FakeDataChannel.drive(init, 'open')
    pc.receive(init)
    t.mock.timers.tick(ANSWERER_INIT_DEADLINE_MS - 1)
    assert.equal(pc.connectionState, 'connected', 'not before the deadline')
    t.mock.timers.tick(1)
    assert.equal(pc.connectionState, 'closed')
    assert.deepEqual(seen, ['closed'], 'libp2p learns the connection is gone')
  })

  test('a dialer that closed init in time keeps its connection', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const pc = new webrtc.FakePeerConnection()
    await pc.setRemoteDescription({ type: 'offer', sdp: '' })
    pc.connectionState = 'connected'
    const init = new webrtc.FakeDataChannel('init')
    webrtc.FakeDataChannel.drive(init, 'open')
    pc.receive(init)
    t.mock.timers.tick(30)
    webrtc.FakeDataChannel.drive(init, 'closed')
    t.mock.timers.tick(ANSWERER_INIT_DEADLINE_MS)
    assert.equal(pc.connectionState, 'connected')
  })

  test('the dialer (it sets an answer) and peer connections without init are never closed', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const dialer = new webrtc.FakePeerConnection()
    await dialer.setRemoteDescription({ type: 'answer', sdp: '' })
    dialer.connectionState = 'connected'
    const remoteInit = new webrtc.FakeDataChannel('init')
    webrtc.FakeDataChannel.drive(remoteInit, 'open')
    dialer.receive(remoteInit)
    const call = new webrtc.FakePeerConnection()
    await call.setRemoteDescription({ type: 'offer', sdp: '' })
    call.connectionState = 'connected'
    const media = new webrtc.FakeDataChannel('media-control')
    webrtc.FakeDataChannel.drive(media, 'open')
    call.receive(media)
    t.mock.timers.tick(ANSWERER_INIT_DEADLINE_MS * 2)
    assert.equal(dialer.connectionState, 'connected')
    assert.equal(call.connectionState, 'connected')
  })

  test('the deadline outlasts the messenger dial budget', () => {
    // A dial that could still succeed is never cut: the messenger gives up after 3 s.
    assert.ok(ANSWERER_INIT_DEADLINE_MS > 3_000)
  })
})

describe('WebRTC init guard, install', () => {
  test('no WebRTC (Node, a service worker): nothing to patch', () => {
    assert.equal(installWebRtcInitGuard({}), false)
  })

  test('installing twice patches once', () => {
    const webrtc = fakeWebRtc()
    installWebRtcInitGuard(webrtc.scope)
    const methods = (): unknown[] => [
      Object.getOwnPropertyDescriptor(webrtc.FakeDataChannel.prototype, 'close')?.value,
      Object.getOwnPropertyDescriptor(webrtc.FakePeerConnection.prototype, 'createDataChannel')
        ?.value,
      Object.getOwnPropertyDescriptor(webrtc.FakePeerConnection.prototype, 'setRemoteDescription')
        ?.value,
    ]
    const once = methods()
    assert.equal(installWebRtcInitGuard(webrtc.scope), true)
    assert.deepEqual(methods(), once)
  })
})
