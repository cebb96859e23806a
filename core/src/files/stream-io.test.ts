// The file stream's back-pressure on WebRTC: @libp2p/webrtc resumes a stream that filled its
// channel only once the channel's buffer is empty; file streams resume at half (ADR 0427).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { frameStream, resumeSendingAtHalfBuffer } from './stream-io.ts'

/** The two fields @libp2p/webrtc's WebRTCStream exposes, on a plain in-memory stream. */
function withChannel(
  stream: Stream,
  maxBufferedAmount: unknown,
): { bufferedAmountLowThreshold: number } {
  const channel = { bufferedAmountLowThreshold: 0 }
  Object.assign(stream, { channel, maxBufferedAmount })
  return channel
}

test('a data-channel stream resumes sending at half its buffer cap, not when empty', async () => {
  const [near, far] = await streamPair()
  const channel = withChannel(near, 2 * 1024 * 1024)
  frameStream(near, 1024, 4096)
  assert.equal(channel.bufferedAmountLowThreshold, 1024 * 1024)
  far.abort(new Error('test over'))
  near.abort(new Error('test over'))
})

test('a stream without a data channel, or with odd values, is left as it is', async () => {
  const [near, far] = await streamPair()
  assert.doesNotThrow(() => resumeSendingAtHalfBuffer(near))
  assert.equal('channel' in near, false)
  for (const odd of [undefined, 'big', -1, 0, Number.NaN]) {
    const channel = withChannel(far, odd)
    resumeSendingAtHalfBuffer(far)
    assert.equal(channel.bufferedAmountLowThreshold, 0, `maxBufferedAmount ${String(odd)}`)
  }
  near.abort(new Error('test over'))
  far.abort(new Error('test over'))
})

test('frames still flow both ways over the tuned stream', async () => {
  const [near, far] = await streamPair()
  withChannel(near, 1 << 20)
  const a = frameStream(near, 64, 4096)
  const b = frameStream(far, 64, 4096)
  await a.write(Uint8Array.of(1, 2, 3))
  assert.deepEqual(await b.read(1_000), Uint8Array.of(1, 2, 3))
  await b.write(Uint8Array.of(9))
  assert.deepEqual(await a.read(1_000), Uint8Array.of(9))
  near.abort(new Error('test over'))
  far.abort(new Error('test over'))
})

test('frames written together are read back one by one, unchanged and in order', async () => {
  const [near, far] = await streamPair()
  const writer = frameStream(near, 20_000, 1 << 20)
  const reader = frameStream(far, 20_000, 1 << 20)
  // Lengths around the varint's 1/2/3-byte steps, and a chunk frame's size.
  const sizes = [0, 1, 127, 128, 300, 16_383, 16_384, 16_413]
  const frames = sizes.map((n, i) => new Uint8Array(n).fill(i + 1))
  let sends = 0
  const send = near.send.bind(near)
  near.send = (data) => {
    sends++
    return send(data)
  }
  await writer.writeMany(frames.slice(0, 3))
  await writer.write(frames[3]!)
  await writer.writeMany(frames.slice(4))
  await writer.writeMany([])
  assert.equal(sends, 3, 'one transport write per call, none for an empty list')
  for (const expected of frames) assert.deepEqual(await reader.read(1_000), expected)
  await writer.close()
  assert.equal(await reader.read(1_000), null)
  await reader.close()
})
