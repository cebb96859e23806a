import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { seededRandom } from '../../test-support/deterministic.ts'
import { concatBytes } from './bytes.ts'
import {
  COBBLESTONE_256,
  FileChunkReader,
  FileDecryptor,
  FileEncryptor,
  checkAgainstShare,
  chunkNonce,
  chunkOffset,
  ciphertextLength,
  decryptFile,
  decryptStream,
  encryptFile,
  encryptStream,
} from './file-encryption.ts'
import { decodeFileShare } from './codecs.ts'
import { isProtocolError } from '../wire/errors.ts'

const rnd = seededRandom('files')
const C = COBBLESTONE_256

void test('chunking follows the spec: 16 KiB chunks, a short (maybe empty) final chunk', async () => {
  for (const size of [0, 1, C.chunkBytes - 1, C.chunkBytes, C.chunkBytes + 1, 3 * C.chunkBytes]) {
    const pt = rnd(size)
    const { ciphertext, share } = await encryptFile(pt, { random: rnd })
    assert.equal(ciphertext.length, ciphertextLength(size))
    assert.equal(share.size, size)
    assert.deepEqual(await decryptFile(share.key, ciphertext), pt)
  }
  // A 16 KiB message is two chunks: one full, one empty (spec "Message chunking").
  assert.equal(ciphertextLength(C.chunkBytes), 56 + C.chunkCiphertextBytes + 16)
})

void test('the nonce XORs the chunk index big-endian into the last 5 bytes', () => {
  const base = new Uint8Array(12).fill(0xff)
  const n = chunkNonce(base, 0x01_02_03_04_05)
  assert.deepEqual([...n.subarray(7)], [0xfe, 0xfd, 0xfc, 0xfb, 0xfa])
  assert.deepEqual([...n.subarray(0, 7)], [...base.subarray(0, 7)])
  assert.throws(() => chunkNonce(base, 2 ** 38), { code: 'limit_exceeded' })
})

void test('share record: encodes, decodes, and catches a swapped or damaged download', async () => {
  const pt = rnd(50_000)
  const { ciphertext, share, shareRecord } = await encryptFile(pt, { random: rnd })
  const decoded = decodeFileShare(shareRecord)
  assert.deepEqual(decoded, share)
  assert.equal(decoded.fileId.length, 16)
  checkAgainstShare(decoded, ciphertext)
  const bad = ciphertext.slice()
  bad[100]! ^= 1
  assert.throws(() => checkAgainstShare(decoded, bad), { code: 'malformed' })
  assert.throws(() => checkAgainstShare(decoded, ciphertext.subarray(1)), { code: 'malformed' })
})

void test('streams: WHATWG encrypt and decrypt transforms round trip with odd piece sizes', async () => {
  const pt = rnd(100_000)
  const enc = await FileEncryptor.create({ random: rnd, hashCiphertext: true })
  let digest: Uint8Array | undefined
  const pieces = (data: Uint8Array, step: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < data.length; i += step) controller.enqueue(data.subarray(i, i + step))
        controller.close()
      },
    })
  const collect = async (s: ReadableStream<Uint8Array>) => {
    const out: Uint8Array[] = []
    const reader = s.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value)
    return concatBytes(...out)
  }
  const ct = await collect(
    pieces(pt, 7777).pipeThrough(encryptStream(enc, (r) => (digest = r.ciphertextSha256))),
  )
  assert.equal(ct.length, ciphertextLength(pt.length))
  assert.ok(digest && digest.length === 32)
  const back = await collect(pieces(ct, 5000).pipeThrough(decryptStream(enc.key)))
  assert.deepEqual(back, pt)
  await assert.rejects(
    collect(pieces(ct.subarray(0, ct.length - 1), 5000).pipeThrough(decryptStream(enc.key))),
  )
})

void test('random access: resume from any chunk; wrong key or context fails the commitment first', async () => {
  const pt = rnd(5 * C.chunkBytes + 123)
  const context = new TextEncoder().encode('hestia/v1/file')
  const { ciphertext, share } = await encryptFile(pt, { random: rnd, context })
  const header = ciphertext.subarray(0, C.headerBytes)
  const reader = await FileChunkReader.open(share.key, header, { context })
  const chunk3 = await reader.decryptChunk(
    3,
    ciphertext.subarray(chunkOffset(3), chunkOffset(4)),
    false,
  )
  assert.deepEqual(chunk3, pt.subarray(3 * C.chunkBytes, 4 * C.chunkBytes))
  assert.equal(
    await reader.authenticateLength(ciphertext.length, ciphertext.subarray(chunkOffset(5))),
    pt.length,
  )
  // A chunk presented at another index fails (nonce binds the index).
  await assert.rejects(
    reader.decryptChunk(2, ciphertext.subarray(chunkOffset(3), chunkOffset(4)), false),
    {
      code: 'decrypt_failed',
    },
  )
  // A full-size chunk can never be final (truncation).
  await assert.rejects(
    reader.decryptChunk(3, ciphertext.subarray(chunkOffset(3), chunkOffset(4)), true),
    {
      code: 'malformed',
    },
  )
  await assert.rejects(FileChunkReader.open(rnd(32), header, { context }), { code: 'wrong_key' })
  await assert.rejects(FileChunkReader.open(share.key, header), { code: 'wrong_key' })
  await assert.rejects(FileChunkReader.open(share.key.subarray(0, 16), header, { context }), {
    code: 'wrong_key',
  })
})

void test('a decryptor that failed keeps failing', async () => {
  const { ciphertext, share } = await encryptFile(rnd(40_000), { random: rnd })
  const bad = ciphertext.slice()
  bad[C.headerBytes + 10]! ^= 1
  const dec = new FileDecryptor(share.key)
  await assert.rejects(async () => {
    await dec.push(bad)
    await dec.finish()
  })
  await assert.rejects(dec.finish())
  await assert.rejects(dec.push(new Uint8Array(1)))
})

void test('property: file round trip for any size and any piece size', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: 70_000 }),
      fc.integer({ min: 1, max: 40_000 }),
      async (size, step) => {
        const pt = rnd(size)
        const enc = await FileEncryptor.create({ random: rnd })
        const parts: Uint8Array[] = []
        for (let i = 0; i < size; i += step)
          parts.push(...(await enc.push(pt.subarray(i, i + step))))
        parts.push(...(await enc.finish()).pieces)
        const ct = concatBytes(...parts)
        const dec = new FileDecryptor(enc.key)
        const out: Uint8Array[] = []
        for (let i = 0; i < ct.length; i += step)
          out.push(...(await dec.push(ct.subarray(i, i + step))))
        out.push(await dec.finish())
        assert.deepEqual(concatBytes(...out), pt)
      },
    ),
    { numRuns: 40 },
  )
})

void test('property: any flipped bit in a file ciphertext makes decryption fail', async () => {
  const pt = rnd(2 * C.chunkBytes + 77)
  const { ciphertext, share } = await encryptFile(pt, { random: rnd })
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ciphertext.length * 8 - 1 }), async (bit) => {
      const bad = ciphertext.slice()
      bad[bit >> 3]! ^= 1 << (bit & 7)
      await assert.rejects(decryptFile(share.key, bad), (e: unknown) => isProtocolError(e))
    }),
    { numRuns: 200 },
  )
})
