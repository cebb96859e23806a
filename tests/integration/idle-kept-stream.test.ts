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
import { CHAT_PROTOCOL } from '@hestia/core/messenger/limits.ts'
import { ensureDirect, waitUntil } from './support/messenger-harness.ts'
import {
  sendPaced,
  shownOnceInOrder,
  startIdlePair,
  webrtcConnections,
  type IdlePair,
} from './support/idle-pair.ts'

const IDLE_MS = 1_500
/** Longer than the whole test: the kept stream never closes on its own timer here. */
const KEPT_STREAM_IDLE_MS = 60_000

function chatStreams(connection: Connection, direction: 'inbound' | 'outbound'): number {
  return connection.streams.filter(
    (s) => s.protocol === CHAT_PROTOCOL && s.direction === direction && s.status === 'open',
  ).length
}

describe('a kept chat stream and idle direct connections (ADR 0424)', () => {
  let pair: IdlePair

  before(async () => {
    pair = await startIdlePair(IDLE_MS, KEPT_STREAM_IDLE_MS)
  })

  after(async () => {
    await pair.stop()
  })

  test('frames on the kept stream keep the connection; once they stop it closes after the idle time, stream or not', async () => {
    const { a, b, relay, send } = pair
    await ensureDirect(a, b, relay.multiaddrs[0]!)
    const [connection] = webrtcConnections(a)
    assert.ok(connection !== undefined, 'a direct connection after the dial')

    // A message every 400 ms for twice the idle time, all on alice's one kept stream.
    const busy = await sendPaced(pair, 'kept', 8, 400)
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
    await shownOnceInOrder(pair, later, ['after idle 1', 'after idle 2'])
  })
})
