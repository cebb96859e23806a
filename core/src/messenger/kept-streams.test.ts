// KeptStreams (kept-streams.ts) over in-memory stream pairs: the rules chat-stream.test.ts does not
// reach through ChatStreams — a refused frame closing its stream (own devices), no stream to open,
// the ack hook, a kept stream left on an older connection, the frame cap per stream.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection, Stream } from '@libp2p/interface'
import { lpStream, streamPair } from '@libp2p/utils'
import { KeptStreams, type KeptStreamsOptions } from './kept-streams.ts'
import { DIRECT_ACK } from './limits.ts'

/** A peer's end: acks each frame, refusing those starting 0xff, and ends a stream after a refusal. */
async function serve(far: Stream, stored: number[][]): Promise<void> {
  const lp = lpStream(far)
  try {
    for (;;) {
      const frame = (await lp.read()).subarray()
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

function fakeConnection(): Connection {
  return { status: 'open', abort: () => undefined } as unknown as Connection
}

function peer() {
  const stored: number[][] = []
  const opened: Stream[] = []
  let connection = fakeConnection()
  const open = async () => {
    const [near, far] = await streamPair()
    opened.push(near)
    void serve(far, stored)
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
