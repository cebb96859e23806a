// forEachSealedChunk reads and seals a few slices ahead of the one it hands on (a slow source,
// IndexedDB in the browser, no longer stalls the stream once per slice), and never more than that
// (the sender's memory stays bounded while the receiver or the link is slow). ADR 0427.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { COBBLESTONE_256 } from '../crypto/file-encryption.ts'
import { FILE_LIMITS } from './limits.ts'
import { ChunkSealer, fileHeader, forEachSealedChunk, SEAL_AHEAD_SLICES } from './sealer.ts'

const SLICE = FILE_LIMITS.sinkBatchBytes
const CHUNKS_PER_SLICE = SLICE / COBBLESTONE_256.chunkBytes

async function sealerFor(size: number): Promise<ChunkSealer> {
  const key = new Uint8Array(32).fill(7)
  const fileId = new Uint8Array(16).fill(9)
  const header = fileHeader({ fileId, key, size, ciphertextSha256: new Uint8Array(32) })
  return ChunkSealer.open(key, header, fileId)
}

/** A source whose reads are answered only when the test says so; it records every read. */
function gatedSource(size: number) {
  const asked: number[] = []
  const waiting: Array<() => void> = []
  return {
    asked,
    releaseAll: () => waiting.splice(0).forEach((go) => go()),
    source: {
      size,
      read(offset: number, length: number): Promise<Uint8Array> {
        asked.push(offset)
        return new Promise((resolve) => waiting.push(() => resolve(new Uint8Array(length))))
      },
    },
  }
}

test('slices are read ahead while the first is handed on, at most SEAL_AHEAD_SLICES of them', async () => {
  assert.ok(SEAL_AHEAD_SLICES >= 2, 'more than one slice ahead')
  const size = 10 * SLICE
  const sealer = await sealerFor(size)
  const gate = gatedSource(size)
  let unblock!: () => void
  const consumerHeld = new Promise<void>((resolve) => (unblock = resolve))
  const seen: number[] = []
  const run = forEachSealedChunk(sealer, gate.source, 0, async (index) => {
    seen.push(index)
    if (index === 0) await consumerHeld // the link is slow: the first chunk waits
  })
  // Answer reads until the consumer holds chunk 0 and the read-ahead has settled.
  for (let i = 0; i < 20; i++) {
    gate.releaseAll()
    await new Promise((r) => setTimeout(r, 5))
  }
  assert.deepEqual(seen, [0], 'only the first chunk is handed on while the consumer waits')
  assert.deepEqual(
    gate.asked,
    Array.from({ length: 1 + SEAL_AHEAD_SLICES }, (_, k) => k * SLICE),
    'the current slice and SEAL_AHEAD_SLICES more were read, and no further',
  )
  unblock()
  for (let i = 0; i < 40 && seen.length < 10 * CHUNKS_PER_SLICE + 1; i++) {
    gate.releaseAll()
    await new Promise((r) => setTimeout(r, 5))
  }
  await run
  assert.deepEqual(
    seen,
    Array.from({ length: 10 * CHUNKS_PER_SLICE + 1 }, (_, i) => i),
    'every chunk once, in order',
  )
})

test('a read that fails ahead of the consumer fails the run when its turn comes, not before', async () => {
  const size = 3 * SLICE
  const sealer = await sealerFor(size)
  const handed: number[] = []
  const source = {
    size,
    read: (offset: number, length: number) =>
      offset === 2 * SLICE
        ? Promise.reject(new Error('the staged file lost its bytes'))
        : Promise.resolve(new Uint8Array(length)),
  }
  await assert.rejects(
    forEachSealedChunk(sealer, source, 0, (index) => {
      handed.push(index)
      return Promise.resolve()
    }),
    /lost its bytes/,
  )
  assert.equal(handed.length, 2 * CHUNKS_PER_SLICE, 'the two good slices were handed on first')
})
