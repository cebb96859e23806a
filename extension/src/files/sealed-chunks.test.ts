// Received file bytes sealed at rest (sealed-pieces.ts, ChunkSink with a cipher): the same file
// comes back, nothing readable is stored, and moved or altered rows are refused.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import fc from 'fast-check'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import { ChunkSink } from './chunk-sink.ts'
import { FilesDatabase } from './files-db.ts'
import { filePieceCipher } from './sealed-pieces.ts'
import type { PieceCipher } from './sealed-pieces.ts'

const KEY = new Uint8Array(32).fill(0x5a)
const freshDb = () =>
  new FilesDatabase({ name: 'sealed-files', indexedDB: new IDBFactory(), IDBKeyRange })
const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

/** Text-like bytes with a marker every 1,000 bytes, so a plaintext leak is easy to find. */
function markedBytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = 97 + ((x >>> 24) % 26)
  }
  const marker = new TextEncoder().encode('SECRET-MARKER')
  for (let at = 0; at + marker.length <= n; at += 1000) out.set(marker, at)
  return out
}

function savedFiles() {
  const saved: Uint8Array[] = []
  return {
    saved,
    save: async (file: Blob) => {
      saved.push(new Uint8Array(await file.arrayBuffer()))
    },
  }
}

function sealedSink(db: FilesDatabase, transferId: string, size: number, cipher: PieceCipher) {
  const files = savedFiles()
  const sink = new ChunkSink(db, { transferId, size, name: 'f.bin', mimeType: '' }, files.save, {
    cipher,
  })
  return { sink, saved: files.saved }
}

describe('ChunkSink with at-rest sealing', () => {
  test('a file comes back byte-identical; no stored row holds its plaintext', async () => {
    const db = freshDb()
    const cipher = await filePieceCipher(KEY)
    const file = markedBytes(1_300_000)
    const { sink, saved } = sealedSink(db, 't1', file.length, cipher)
    for (let at = 0; at < file.length; at += 524_288)
      await sink.write(at, file.subarray(at, at + 524_288))
    const rows = await db.chunks.toArray()
    assert.equal(rows.length, 3)
    for (const row of rows) {
      const stored = Buffer.from(await row.data.arrayBuffer())
      assert.equal(stored.includes(Buffer.from('SECRET-MARKER')), false)
      assert.equal(stored.length, row.length + 29, 'version, iv and tag around the piece')
    }
    assert.deepEqual(await sink.read(500_000, 100_000), file.subarray(500_000, 600_000))
    await sink.complete()
    assert.equal(sha(saved[0]!), sha(file))
  })

  test('property: resumes inside earlier rows give back exactly the last bytes written', async () => {
    const cipher = await filePieceCipher(KEY)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9_999 }), { maxLength: 3 }),
        fc.integer({ min: 1, max: 4_000 }),
        async (resumes, step) => {
          const size = 10_000
          const db = freshDb()
          const file = markedBytes(size, 3)
          const { sink, saved } = sealedSink(db, 'p', size, cipher)
          let seed = 100
          for (const from of resumes) {
            const junk = markedBytes(size, seed++)
            for (let at = from; at < size; at += step)
              await sink.write(at, junk.subarray(at, Math.min(size, at + step)))
          }
          for (let at = 0; at < size; at += step)
            await sink.write(at, file.subarray(at, Math.min(size, at + step)))
          await sink.complete()
          assert.equal(sha(saved[0]!), sha(file))
        },
      ),
      { numRuns: 20 },
    )
  })

  test('a row moved to another transfer or offset, altered, or read with another key is refused', async () => {
    const cipher = await filePieceCipher(KEY)
    const expectTampered = async (promise: Promise<unknown>) =>
      assert.rejects(promise, (error) => error instanceof AtRestError && error.code === 'tampered')

    // Rows of transfer A copied under transfer B's id.
    const db = freshDb()
    const a = sealedSink(db, 'transfer-a', 2000, cipher)
    await a.sink.write(0, markedBytes(1000, 1))
    await a.sink.write(1000, markedBytes(1000, 2))
    const rows = await db.chunks.toArray()
    for (const row of rows) await db.chunks.put({ ...row, transferId: 'transfer-b' })
    const b = sealedSink(db, 'transfer-b', 2000, cipher)
    await expectTampered(b.sink.read(0, 10))
    await expectTampered(b.sink.complete())
    assert.equal(b.saved.length, 0, 'nothing saved')

    // Two rows of one transfer swapped (offsets bound).
    const [first, second] = rows
    await db.chunks.put({ ...first!, data: second!.data })
    await expectTampered(a.sink.read(0, 10))

    // A flipped byte, and another data key.
    const db2 = freshDb()
    const c = sealedSink(db2, 't', 1000, cipher)
    await c.sink.write(0, markedBytes(1000))
    const [row] = await db2.chunks.toArray()
    const bytes = new Uint8Array(await row!.data.arrayBuffer())
    const other = sealedSink(db2, 't', 1000, await filePieceCipher(new Uint8Array(32).fill(1)))
    await expectTampered(other.sink.read(0, 10))
    bytes[40]! ^= 1
    await db2.chunks.put({ ...row!, data: new Blob([bytes]) })
    await expectTampered(c.sink.read(0, 10))
  })
})
