import { test } from 'node:test'
import assert from 'node:assert/strict'
import { streamPair } from '@libp2p/utils'
import { FrameLengthError, cappedLpStream, varintBytesFor } from './capped-lp-stream.ts'

void test('varintBytesFor: the bytes a varint needs', () => {
  assert.deepEqual(
    [0, 127, 128, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21].map(varintBytesFor),
    [1, 1, 2, 2, 3, 3, 4],
  )
})

void test('frames round-trip, a clean end between frames reads as null', async () => {
  const [a, b] = await streamPair()
  const writer = cappedLpStream(a, { maxFrameBytes: 1000 })
  const reader = cappedLpStream(b, { maxFrameBytes: 1000 })
  await writer.write(new Uint8Array([1, 2, 3]))
  await writer.write(new Uint8Array(0))
  await writer.write(new Uint8Array(1000).fill(9))
  await a.close()
  assert.deepEqual(await reader.read(), new Uint8Array([1, 2, 3]))
  assert.deepEqual(await reader.read(), new Uint8Array(0))
  assert.deepEqual(await reader.read(), new Uint8Array(1000).fill(9))
  assert.equal(await reader.read(), null)
})

void test('a prefix that never ends is refused after the bytes the largest frame needs', async () => {
  const [a, b] = await streamPair()
  const reader = cappedLpStream(b, { maxFrameBytes: 100_000 }) // 3 prefix bytes at most
  a.send(new Uint8Array(64 * 1024).fill(0x80))
  await assert.rejects(reader.read(), (err: unknown) => {
    assert.ok(err instanceof FrameLengthError)
    assert.equal(err.code, 'prefix_too_long')
    return true
  })
})

void test('a prefix announcing more than the cap is frame_too_large before any body is read', async () => {
  const [a, b] = await streamPair()
  const reader = cappedLpStream(b, { maxFrameBytes: 100_000 })
  a.send(new Uint8Array([0xa1, 0x8d, 0x06])) // 100,001
  await assert.rejects(reader.read(), { name: 'FrameLengthError', code: 'frame_too_large' })
  const [c, d] = await streamPair()
  const reader2 = cappedLpStream(d, { maxFrameBytes: 100_000 })
  c.send(new Uint8Array([0xff, 0xff, 0xff, 0x7f])) // continues past 3 bytes with data bits set
  await assert.rejects(reader2.read(), { name: 'FrameLengthError', code: 'frame_too_large' })
})
