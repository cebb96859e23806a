// File bytes sealed at rest (sealed-pieces.ts): received chunks (ChunkSink with a cipher) and
// staged copies (sealed-staging.ts). The same bytes come back, nothing readable is stored, and
// moved or altered pieces are refused.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import fc from 'fast-check'
import { AtRestError } from '@hestia/core/store/at-rest/errors.ts'
import { BrowserFileStorage, StagedFileMissingError } from './browser-file-storage.ts'
import { ChunkSink } from './chunk-sink.ts'
import { stageFile } from './stage-file.ts'
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

  test('property: chunks placed in any order after any sealed prefix give back the file', async () => {
    const cipher = await filePieceCipher(KEY)
    const size = 10_000
    const chunks = Array.from({ length: 10 }, (_, i) => i)
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: size }),
        fc.shuffledSubarray(chunks, { minLength: 10 }),
        async (prefix, order) => {
          const db = freshDb()
          const file = markedBytes(size, 5)
          const { sink, saved } = sealedSink(db, 'q', size, cipher)
          // A direct pull's prefix in one row, then every chunk placed (each cuts what it covers).
          if (prefix > 0) await sink.write(0, file.subarray(0, prefix))
          for (const i of order)
            await sink.place(i * 1_000, file.subarray(i * 1_000, (i + 1) * 1_000))
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

describe('staging with at-rest sealing', () => {
  const outgoing = (stagedFileId: string, size: number) => ({
    transferId: 'out-1',
    conversationId: 'c1',
    messageId: 'm1',
    direction: 'out' as const,
    name: 'x',
    size,
    mimeType: '',
    state: 'transferring' as const,
    route: 'direct' as const,
    bytesVerified: 0,
    chunkSize: 16_384,
    shareRecord: null,
    ciphertextSha256: null,
    stagedFileId,
    error: null,
    createdAt: 0,
    updatedAt: 0,
  })

  test('a staged file is stored only as sealed pieces and read back across piece boundaries', async () => {
    const db = freshDb()
    const cipher = await filePieceCipher(KEY)
    const content = markedBytes(1_300_000, 9)
    const staged = await stageFile(
      new File([content], 'holiday-plans.txt', { type: 'text/plain' }),
      db,
      () => 1,
      { cipher },
    )
    assert.deepEqual(
      { ...staged, stagedFileId: '' },
      { stagedFileId: '', name: 'holiday-plans.txt', size: 1_300_000, mimeType: 'text/plain' },
    )
    const [row] = await db.staged.toArray()
    assert.equal(JSON.stringify(row).includes('holiday'), false, 'no name in the staged row')
    assert.equal('blob' in row!, false, 'no plaintext copy')
    const pieces = await db.stagedPieces.toArray()
    assert.equal(pieces.length, 3)
    for (const piece of pieces)
      assert.equal(
        Buffer.from(await piece.data.arrayBuffer()).includes(Buffer.from('SECRET-MARKER')),
        false,
      )

    const storage = new BrowserFileStorage(db, savedFiles().save, { cipher })
    const source = await storage.openSource(outgoing(staged.stagedFileId, content.length))
    assert.equal(source.size, 1_300_000)
    assert.deepEqual(await source.read(524_000, 2_000), content.subarray(524_000, 526_000))
    const whole = new Uint8Array(content.length)
    for (let at = 0; at < content.length; at += 16_384) {
      const length = Math.min(16_384, content.length - at)
      whole.set(await source.read(at, length), at)
    }
    assert.equal(sha(whole), sha(content))
    // The engine's own pattern: whole aligned pieces, the last one short; then reading an earlier
    // piece again (a resume) after the cache moved on.
    const piece = 512 * 1024
    assert.deepEqual(await source.read(0, piece), content.subarray(0, piece))
    assert.deepEqual(
      await source.read(2 * piece, 1_300_000 - 2 * piece),
      content.subarray(2 * piece),
    )
    assert.deepEqual(await source.read(piece, piece), content.subarray(piece, 2 * piece))
    await assert.rejects(source.read(1_299_999, 2), RangeError)

    await storage.releaseSource(outgoing(staged.stagedFileId, content.length))
    assert.equal(await db.staged.count(), 0)
    assert.equal(await db.stagedPieces.count(), 0, 'release drops the pieces too')
  })

  test('without the key (locked) or before staging finished, a sealed staged file is not sent', async () => {
    const db = freshDb()
    const cipher = await filePieceCipher(KEY)
    const staged = await stageFile(new File([markedBytes(1000)], 'a.txt'), db, () => 1, { cipher })
    const locked = new BrowserFileStorage(db, savedFiles().save)
    await assert.rejects(
      locked.openSource(outgoing(staged.stagedFileId, 1000)),
      StagedFileMissingError,
    )
    const row = await db.staged.get(staged.stagedFileId)
    await db.staged.put({ ...row!, complete: false })
    const unlocked = new BrowserFileStorage(db, savedFiles().save, { cipher })
    await assert.rejects(
      unlocked.openSource(outgoing(staged.stagedFileId, 1000)),
      StagedFileMissingError,
    )
  })

  test('swapped pieces are refused; the sweep drops pieces whose staged row is gone', async () => {
    const db = freshDb()
    const cipher = await filePieceCipher(KEY)
    const staged = await stageFile(new File([markedBytes(1_100_000)], 'b.bin'), db, () => 1, {
      cipher,
    })
    const [first, second] = await db.stagedPieces.toArray()
    await db.stagedPieces.put({ ...first!, data: second!.data })
    const storage = new BrowserFileStorage(db, savedFiles().save, { cipher })
    const source = await storage.openSource(outgoing(staged.stagedFileId, 1_100_000))
    await assert.rejects(
      source.read(0, 10),
      (error) => error instanceof AtRestError && error.code === 'tampered',
    )

    await db.staged.delete(staged.stagedFileId) // a staging that died, or a row swept earlier
    await storage.sweep(
      { listTransfers: () => Promise.resolve([]), getTransfer: () => Promise.resolve(undefined) },
      2,
    )
    assert.equal(await db.stagedPieces.count(), 0)
  })
})
