/**
 * The direct-connection policy of ADR 0910 on real libp2p nodes (WebRTC via node-datachannel on
 * loopback, a real relay): a contact's direct connection stays while it carries messages, both
 * ends close it once it carried nothing for the idle time (shortened here to 1.5 s; the browser
 * uses MESSENGER_TIMING.directIdleMs), the relay connection stays, and what is sent afterwards
 * arrives exactly once and in order. A connection whose other end stopped answering is judged by
 * the stream that cannot open: the message still arrives, and the dead connection is gone.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection } from '@libp2p/interface'
import { CHAT_PROTOCOL, MESSENGER_TIMING } from '@hestia/core/messenger/limits.ts'
import { ensureDirect, waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  sendPaced,
  shownOnceInOrder,
  startIdlePair,
  webrtcConnections,
  type IdlePair,
} from './support/idle-pair.ts'

const IDLE_MS = 1_500

function relayConnections(peer: TestPeer): Connection[] {
  return peer.service
    .node!.getConnections()
    .filter((c) => !c.remoteAddr.toString().includes('/p2p-circuit'))
}

describe('idle direct connections (ADR 0910)', () => {
  let pair: IdlePair

  before(async () => {
    pair = await startIdlePair(IDLE_MS)
  })

  after(async () => {
    await pair.stop()
  })

  test('a connection in use stays; idle, both ends close it; later messages arrive once, in order', async () => {
    const { a, b, relay, send } = pair
    await ensureDirect(a, b, relay.multiaddrs[0]!)
    const first = webrtcConnections(a)
    assert.equal(first.length, 1, 'one direct connection after the dial')
    const relaysBefore = relayConnections(a).map((c) => c.id)
    assert.ok(relaysBefore.length >= 1)

    // Messages every 400 ms for more than twice the idle time: the connection is in use.
    const busy = await sendPaced(pair, 'busy', 8, 400)
    assert.deepEqual(
      webrtcConnections(a).map((c) => c.id),
      [first[0]!.id],
      'the same direct connection carried every message',
    )
    assert.ok(
      a.sent.filter((s) => busy.includes(s.messageId ?? '')).every((s) => s.route === 'direct'),
    )

    // Nothing for a while: both ends drop it, the relay connection stays.
    await waitUntil(
      'both ends closed the idle direct connection',
      () => webrtcConnections(a).length === 0 && webrtcConnections(b).length === 0,
      IDLE_MS * 6,
    )
    assert.equal(first[0]!.status, 'closed')
    assert.deepEqual(
      relayConnections(a).map((c) => c.id),
      relaysBefore,
      'the relay connection was not touched',
    )

    // What is sent now (re-dial or mailbox) shows once each, in the order it was written.
    const later = [
      await send('after idle 1'),
      await send('after idle 2'),
      await send('after idle 3'),
    ]
    await shownOnceInOrder(pair, later, ['after idle 1', 'after idle 2', 'after idle 3'])
    await waitUntil('alice recorded the three sends', () =>
      later.every((id) => a.sent.some((s) => s.messageId === id)),
    )
  })

  test('a direct connection whose other end stopped answering is dropped when a stream cannot open; the message arrives', async () => {
    const { a, b, convB, relay, send } = pair
    await ensureDirect(a, b, relay.multiaddrs[0]!)
    const [dead] = webrtcConnections(a)
    assert.ok(dead !== undefined)
    // The scenario is a stream that cannot open: the chat stream the last test's messages kept
    // open (ADR 0422) is closed first (after the harness's keep time, a third of IDLE_MS).
    await waitUntil('no chat stream kept open', () =>
      dead.streams.every((s) => s.protocol !== CHAT_PROTOCOL),
    )
    // What a vanished peer looks like from here: the socket looks open, a new stream is never
    // answered (the data channel never opens) until the caller gives up.
    dead.newStream = async (_protocols, options) =>
      new Promise((_, reject) => {
        const signal = options?.signal
        const fail = (): void =>
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
        if (signal?.aborted === true) fail()
        signal?.addEventListener('abort', fail, { once: true })
      })

    const started = performance.now()
    const id = await send('to a silent peer')
    await waitUntil('bob shows the message', () => b.addedAt.has(id), 20_000)
    const record = a.sent.find((s) => s.messageId === id)
    assert.equal(record?.route, 'mailbox', 'the stream could not open: the mailbox took it')
    assert.ok(
      performance.now() - started < MESSENGER_TIMING.directDialMs + 10_000,
      'one stream budget, not a chain of them',
    )
    assert.notEqual(dead.status, 'open', 'the dead connection was aborted')
    assert.equal((await b.texts(convB)).filter((t) => t === 'to a silent peer').length, 1)

    // The next message does not wait on the dead connection again.
    const next = await send('after the dead one')
    await waitUntil('bob shows the next message', () => b.addedAt.has(next), 20_000)
    assert.deepEqual((await b.texts(convB)).slice(-2), ['to a silent peer', 'after the dead one'])
  })
})
