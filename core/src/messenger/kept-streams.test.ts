// KeptStreams (kept-streams.ts) over in-memory stream pairs: the rules chat-stream.test.ts does not
// reach through ChatStreams — a refused frame closing its stream (own devices), no stream to open,
// the ack hook, a kept stream left on an older connection, the frame cap per stream — and the two
// failure rules (a silent far end, a stream reset under a frame) with the chat's and own-direct's
// options both.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { CHAT_KEPT_STREAMS } from './chat-stream.ts'
import { OWN_KEPT_STREAMS } from './devices/own-direct.ts'
import { AckTimeout, KeptStreams, StreamGone, type KeptStreamsOptions } from './kept-streams.ts'
import { DIRECT_ACK } from './limits.ts'

/**
 * What a peer's end does with a frame on its `stream`-th stream (0 first): acks it, stays silent
 * (never acks, keeps reading nothing), or resets the stream under it.
 */
type Answer = 'ack' | 'silent' | 'reset'
type Policy = (frame: Uint8Array, stream: number) => Answer

/** A peer's end: acks each frame, refusing those starting 0xff, and ends a stream after a refusal. */
async function serve(
  far: Stream,
  stored: number[][],
  policy: Policy,
  index: number,
): Promise<void> {
  const lp = lpStream(far)
  try {
    for (;;) {
      const frame = (await lp.read()).subarray()
      const answer = policy(frame, index)
      if (answer === 'silent') return
      if (answer === 'reset') return far.abort(new Error('reset by the far end'))
      const refused = frame[0] === 0xff
      if (!refused) stored.push([...frame])
      await lp.write(Uint8Array.of(refused ? DIRECT_ACK.rejected : DIRECT_ACK.stored))
      if (refused) return await far.close()
    }
  } catch {
    // Our end closed (or reset) the stream: close this end too, as the real handlers do.
    await far.close().catch(() => undefined)
  }
}

/** A connection that records what it was aborted with. */
function fakeConnection(): Connection & { aborted: Error[] } {
  const aborted: Error[] = []
  return {
    status: 'open',
    aborted,
    abort: (err: Error) => void aborted.push(err),
  } as unknown as Connection & { aborted: Error[] }
}

function peer(policy: Policy = () => 'ack') {
  const stored: number[][] = []
  const opened: Stream[] = []
  let connection = fakeConnection()
  const open = async () => {
    const [near, far] = await streamPair()
    void serve(far, stored, policy, opened.length)
    opened.push(near)
    return { stream: near, connection }
  }
  return {
    stored,
    opened,
    open,
    get connection() {
      return connection
    },
    reconnect: () => (connection = fakeConnection()),
  }
}

const options = (o: Partial<KeptStreamsOptions> = {}): KeptStreamsOptions => ({
  framesPerStream: 256,
  idleMs: 60_000,
  keepRefused: false,
  silentReason: 'silent',
  ...o,
})
const frame = (...bytes: number[]) => Uint8Array.from(bytes)

/** Settles once `stream` has closed; fails after 5 s (a stream left open). */
function closed(stream: Stream): Promise<void> {
  if (stream.status === 'closed') return Promise.resolve()
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the stream was left open')), 5_000)
    stream.addEventListener('close', () => resolve(void clearTimeout(t)), { once: true })
  })
}

describe('streams kept per peer', () => {
  test('keepRefused false: a refused frame closes its stream, the next frame opens another', async () => {
    const p = peer()
    const streams = new KeptStreams(options())
    assert.equal(await streams.send('p', p.connection, frame(1), p.open), true)
    assert.equal(await streams.send('p', p.connection, frame(2), p.open), true)
    assert.equal(p.opened.length, 1, 'the kept stream carried both')
    assert.equal(await streams.send('p', p.connection, frame(0xff), p.open), false)
    assert.equal(streams.size, 0, 'refused: not kept')
    assert.equal(await streams.send('p', p.connection, frame(3), p.open), true)
    assert.equal(p.opened.length, 2)
    assert.deepEqual(p.stored, [[1], [2], [3]])
    await streams.close()
  })

  test('keepRefused true: a refused frame leaves the stream kept', async () => {
    const p = peer()
    const streams = new KeptStreams(options({ keepRefused: true }))
    await streams.send('p', p.connection, frame(1), p.open)
    assert.equal(await streams.send('p', p.connection, frame(0xff), p.open), false)
    assert.equal(streams.size, 1)
    await streams.close()
    assert.equal(streams.size, 0)
  })

  test('no stream to open: undefined, nothing kept', async () => {
    const streams = new KeptStreams(options())
    const got = await streams.send('p', undefined, frame(1), () => Promise.resolve(undefined))
    assert.equal(got, undefined)
    assert.equal(streams.size, 0)
  })

  test('each acked frame is reported with its connection, refused ones too', async () => {
    const p = peer()
    const acked: Connection[] = []
    const streams = new KeptStreams(options({ onAck: (c) => acked.push(c) }))
    await streams.send('p', p.connection, frame(1), p.open)
    await streams.send('p', p.connection, frame(0xff), p.open)
    assert.deepEqual(acked, [p.connection, p.connection])
    await streams.close()
  })

  test('a kept stream not on the peer’s current connection is dropped; a fresh one carries', async () => {
    const p = peer()
    const streams = new KeptStreams(options())
    await streams.send('p', p.connection, frame(1), p.open)
    p.reconnect()
    await streams.send('p', p.connection, frame(2), p.open)
    assert.equal(p.opened.length, 2)
    await closed(p.opened[0]!) // the old one is closed, not left open
    assert.deepEqual(p.stored, [[1], [2]])
    await streams.close()
  })

  test('a stream is retired after framesPerStream frames', async () => {
    const p = peer()
    const streams = new KeptStreams(options({ framesPerStream: 3 }))
    for (let i = 0; i < 7; i++) await streams.send('p', p.connection, frame(1, i), p.open)
    assert.equal(p.opened.length, 3, '3 + 3 + 1')
    assert.equal(p.stored.length, 7)
    await streams.close()
  })

  test('idleMs 0 keeps nothing; after close() nothing is kept until reopen()', async () => {
    const p = peer()
    const none = new KeptStreams(options({ idleMs: 0 }))
    await none.send('p', p.connection, frame(1), p.open)
    assert.equal(none.size, 0)
    const streams = new KeptStreams(options())
    await streams.close()
    await streams.send('p', p.connection, frame(2), p.open)
    assert.equal(streams.size, 0)
    streams.reopen()
    await streams.send('p', p.connection, frame(3), p.open)
    assert.equal(streams.size, 1)
    await streams.close()
    assert.throws(() => new KeptStreams(options({ idleMs: -1 })), RangeError)
  })
})

// The two failure rules, with the options each user of KeptStreams passes (chat-stream.ts,
// devices/own-direct.ts): they must hold for both (review 11 F10).
const users: [string, KeptStreamsOptions][] = [
  ['chat', { ...CHAT_KEPT_STREAMS, idleMs: 60_000 }],
  ['own devices', { ...OWN_KEPT_STREAMS, idleMs: 60_000 }],
]

// Concurrent: each silent far end costs the whole ack budget (directAckMs, 5 s) of real time.
describe('failures, with the options of each user', { concurrency: true }, () => {
  for (const [user, o] of users) {
    test(`${user}: a far end that never acks: AckTimeout, its stream reset, the carrying connection aborted, no retry`, async () => {
      const p = peer((f) => (f[0] === 0xee ? 'silent' : 'ack'))
      const streams = new KeptStreams(o)
      assert.equal(await streams.send('p', p.connection, frame(1), p.open), true)
      const carrying = p.connection
      await assert.rejects(streams.send('p', p.connection, frame(0xee), p.open), AckTimeout)
      assert.equal(p.opened.length, 1, 'the silent frame is not sent again on a fresh stream')
      assert.notEqual(p.opened[0]!.status, 'open', 'the kept stream is reset')
      assert.deepEqual(
        carrying.aborted.map((e) => e.message),
        [o.silentReason],
      )
      assert.equal(streams.size, 0, 'nothing kept')
      assert.deepEqual(p.stored, [[1]])
      await streams.close()
    })

    test(`${user}: a fresh stream whose far end never acks: AckTimeout, the connection aborted`, async () => {
      const p = peer(() => 'silent')
      const streams = new KeptStreams(o)
      await assert.rejects(streams.send('p', p.connection, frame(1), p.open), AckTimeout)
      assert.equal(p.opened.length, 1)
      assert.notEqual(p.opened[0]!.status, 'open')
      assert.equal(p.connection.aborted.length, 1)
      assert.equal(streams.size, 0)
    })

    test(`${user}: a kept stream reset under a frame: the frame goes on a fresh stream, once`, async () => {
      const p = peer((f, stream) => (f[0] === 0xee && stream === 0 ? 'reset' : 'ack'))
      const streams = new KeptStreams(o)
      assert.equal(await streams.send('p', p.connection, frame(1), p.open), true)
      assert.equal(await streams.send('p', p.connection, frame(0xee), p.open), true)
      assert.equal(p.opened.length, 2)
      assert.deepEqual(p.stored, [[1], [0xee]])
      assert.deepEqual(
        p.connection.aborted,
        [],
        'a stream that ended says nothing of its connection',
      )
      assert.equal(streams.size, 1, 'the fresh stream is kept')
      await streams.close()
    })

    test(`${user}: reset again on the fresh stream: StreamGone, no third stream, nothing kept`, async () => {
      const p = peer((f) => (f[0] === 0xee ? 'reset' : 'ack'))
      const streams = new KeptStreams(o)
      assert.equal(await streams.send('p', p.connection, frame(1), p.open), true)
      await assert.rejects(streams.send('p', p.connection, frame(0xee), p.open), StreamGone)
      assert.equal(p.opened.length, 2, 'one fresh stream, not more')
      assert.deepEqual(p.stored, [[1]])
      assert.deepEqual(p.connection.aborted, [])
      assert.equal(streams.size, 0)
    })
  }
})
