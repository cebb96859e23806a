/**
 * The kept chat stream (ADR 0422) and the idle close of direct connections (ADR 0910) together, on
 * real libp2p nodes (WebRTC via node-datachannel on loopback, a real relay), ADR 0424.
 *
 * The browser end-to-end test found the idle direct connection still open after 150 s with the
 * kept stream on: an open chat stream counted as use by itself, so every check while it was open
 * restarted the connection's idle clock. Here the kept stream's own idle time (60 s) is far longer
 * than the connection's (1.5 s): the connection must still close 1.5 s after the last frame, while
 * frames on the kept stream keep it open as long as they come.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection } from '@libp2p/interface'
import type { RelayHandle } from '@hestia/relay-node'
import { CHAT_PROTOCOL } from '@hestia/core/messenger/limits.ts'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const IDLE_MS = 1_500
/** Longer than the whole test: the kept stream never closes on its own timer here. */
const KEPT_STREAM_IDLE_MS = 60_000

function webrtcConnections(peer: TestPeer): Connection[] {
  return peer.service
    .node!.getConnections()
    .filter((c) => c.remoteAddr.toString().includes('/webrtc'))
}

function chatStreams(connection: Connection, direction: 'inbound' | 'outbound'): number {
  return connection.streams.filter(
    (s) => s.protocol === CHAT_PROTOCOL && s.direction === direction && s.status === 'open',
  ).length
}

describe('a kept chat stream and idle direct connections (ADR 0424)', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string

  before(async () => {
    relay = await startTestRelay()
    a = new TestPeer('alice', relay.multiaddrs)
    b = new TestPeer('bob', relay.multiaddrs)
    for (const peer of [a, b]) {
      peer.nodeOptions = { directIdleMs: IDLE_MS }
      peer.chatStreamIdleMs = KEPT_STREAM_IDLE_MS
    }
    await a.start()
    await b.start()
    ;({ convA, convB } = await connectPeers(a, b))
  })

  after(async () => {
    await a.stop()
    await b.stop()
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  async function send(text: string): Promise<string> {
    const { message } = await a.must({ type: 'messages.send', conversationId: convA, text })
    return message.messageId
  }

  test('frames on the kept stream keep the connection; once they stop it closes after the idle time, stream or not', async () => {
    await ensureDirect(a, b, relay.multiaddrs[0]!)
    const [connection] = webrtcConnections(a)
    assert.ok(connection !== undefined, 'a direct connection after the dial')

    // A message every 400 ms for twice the idle time, all on alice's one kept stream.
    const busy: string[] = []
    for (let i = 0; i < 8; i++) {
      const id = await send(`kept ${i}`)
      busy.push(id)
      await waitUntil(`bob shows kept ${i}`, () => b.addedAt.has(id))
      await new Promise((r) => setTimeout(r, 400))
    }
    assert.equal(connection.status, 'open', 'frames on the kept stream are use')
    assert.deepEqual(
      webrtcConnections(a).map((c) => c.id),
      [connection.id],
      'the same connection carried every message',
    )
    assert.ok(
      a.sent.filter((s) => busy.includes(s.messageId ?? '')).every((s) => s.route === 'direct'),
      'every message went direct',
    )
    assert.equal(chatStreams(connection, 'outbound'), 1, 'alice kept one chat stream open')

    // Nothing more is written: the kept stream stays open (its own timer is 60 s), and both ends
    // still close the connection once it carried nothing for the idle time.
    const lastFrameAt = Date.now()
    await waitUntil(
      'both ends closed the idle direct connection',
      () => webrtcConnections(a).length === 0 && webrtcConnections(b).length === 0,
      IDLE_MS * 8,
    )
    const closedAfterMs = Date.now() - lastFrameAt
    assert.equal(connection.status, 'closed')
    assert.ok(
      closedAfterMs < KEPT_STREAM_IDLE_MS / 4,
      `closed ${closedAfterMs} ms after the last frame, not held by the kept stream`,
    )

    // The kept stream went with its connection: what is sent now arrives once each, in order.
    const later = [await send('after idle 1'), await send('after idle 2')]
    await waitUntil('bob shows the later messages', () => later.every((id) => b.addedAt.has(id)))
    const texts = await b.texts(convB)
    assert.deepEqual(texts.slice(-2), ['after idle 1', 'after idle 2'])
    for (const t of ['after idle 1', 'after idle 2'])
      assert.equal(texts.filter((x) => x === t).length, 1, `"${t}" shown once`)
    await waitUntil('the later messages delivered on alice', async () =>
      (await a.history(convA))
        .filter((m) => later.includes(m.messageId))
        .every((m) => m.delivery === 'delivered'),
    )
  })
})
