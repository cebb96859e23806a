import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import fc from 'fast-check'
import type { FileTransferRecord } from '@hestia/core/store/records.ts'
import { BlobFileSource } from './blob-source.ts'
import {
  BrowserFileStorage,
  StagedFileMissingError,
  UNOFFERED_STAGED_FILE_TTL_MS,
} from './browser-file-storage.ts'
import { ChunkSink, IncompleteFileError } from './chunk-sink.ts'
import { downloadPath, safeDownloadName } from './download-name.ts'
import { FilesDatabase } from './files-db.ts'
import { DownloadFailedError, saveWithDownloads, type Downloads } from './save-download.ts'
import { FILE_LIMITS } from '@hestia/core/files/limits.ts'
import {
  STAGED_MIME_TYPE_MAX_CHARS,
  STAGED_NAME_MAX_CHARS,
  stageFile,
  StagingError,
} from './stage-file.ts'

const freshDb = () =>
  new FilesDatabase({ name: 'files-test', indexedDB: new IDBFactory(), IDBKeyRange })

function bytes(n: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n)
  let x = seed
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    out[i] = x >>> 24
  }
  return out
}

const sha = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

function record(fields: Partial<FileTransferRecord>): FileTransferRecord {
  return {
    transferId: 'aa'.repeat(16),
    conversationId: 'c1',
    messageId: 'm1',
    direction: 'in',
    name: 'photo.jpg',
    size: 0,
    mimeType: 'image/jpeg',
    state: 'transferring',
    route: 'direct',
    bytesVerified: 0,
    chunkSize: 16_384,
    shareRecord: null,
    ciphertextSha256: null,
    stagedFileId: null,
    error: null,
    createdAt: 0,
    updatedAt: 0,
    ...fields,
  }
}

/** A SaveFile that keeps what it was given (the browser's downloads folder). */
function savedFiles() {
  const saved: { name: string; bytes: Uint8Array; type: string }[] = []
  return {
    saved,
    save: async (file: Blob, name: string) => {
      saved.push({ name, bytes: new Uint8Array(await file.arrayBuffer()), type: file.type })
    },
  }
}

describe('ChunkSink (received file on IndexedDB)', () => {
  test('in-order writes come back byte-identical, and complete() saves the whole file once', async () => {
    const db = freshDb()
    const file = bytes(1_300_000)
    const { saved, save } = savedFiles()
    const sink = new ChunkSink(
      db,
      { transferId: 't1', size: file.length, name: 'a.bin', mimeType: 'application/x-test' },
      save,
    )
    for (let at = 0; at < file.length; at += 524_288)
      await sink.write(at, file.subarray(at, at + 524_288))
    assert.deepEqual(await sink.read(500_000, 100_000), file.subarray(500_000, 600_000))
    await sink.complete()
    assert.equal(saved.length, 1)
    assert.equal(saved[0]!.name, 'a.bin')
    // Not on the safe list: saved opaque, whatever the contact declared.
    assert.equal(saved[0]!.type, 'application/octet-stream')
    assert.equal(sha(saved[0]!.bytes), sha(file))
    assert.equal(await db.chunks.count(), 0, 'rows are dropped once the file is saved')
  })

  test('a received file keeps its type only when it is on the safe list', async () => {
    const cases: [string, string][] = [
      ['image/png', 'image/png'],
      ['Application/PDF', 'application/pdf'],
      ['text/html', 'application/octet-stream'],
      ['image/svg+xml', 'application/octet-stream'],
      ['application/javascript', 'application/octet-stream'],
      ['application/x-msdownload', 'application/octet-stream'],
      ['', 'application/octet-stream'],
    ]
    for (const [declared, expected] of cases) {
      const db = freshDb()
      const { saved, save } = savedFiles()
      const sink = new ChunkSink(
        db,
        { transferId: 'ty', size: 3, name: 'x', mimeType: declared },
        save,
      )
      await sink.write(0, Uint8Array.of(1, 2, 3))
      await sink.complete()
      assert.equal(saved[0]!.type, expected, declared)
    }
  })

  test('a resume that restarts inside an earlier write replaces the rest: no stale or doubled bytes', async () => {
    const db = freshDb()
    const file = bytes(200_000, 7)
    const { saved, save } = savedFiles()
    const sink = new ChunkSink(
      db,
      { transferId: 't2', size: file.length, name: 'b', mimeType: '' },
      save,
    )
    // First attempt wrote garbage-free rows 0..150k in 3 writes; the engine had counted only 40k.
    const junk = bytes(150_000, 99)
    await sink.write(0, junk.subarray(0, 50_000))
    await sink.write(50_000, junk.subarray(50_000, 100_000))
    await sink.write(100_000, junk.subarray(100_000, 150_000))
    // Resumed from 40k with the real bytes (the first 40k were right: write them as they were).
    await sink.write(0, file.subarray(0, 40_000))
    await sink.write(40_000, file.subarray(40_000, 120_000))
    await sink.write(120_000, file.subarray(120_000))
    await sink.complete()
    assert.equal(sha(saved[0]!.bytes), sha(file))
  })

  test('a new attempt (a sink of its own) resuming inside rows of an earlier one trims and drops them', async () => {
    const db = freshDb()
    const file = bytes(300_000, 5)
    const meta = { transferId: 't2b', size: file.length, name: 'c', mimeType: '' }
    const { saved, save } = savedFiles()
    const first = new ChunkSink(db, meta, save)
    // The earlier attempt stored the right bytes up to 100k, then rows the engine never counted.
    const junk = bytes(300_000, 77)
    for (let at = 0; at < 250_000; at += 50_000)
      await first.write(at, (at < 100_000 ? file : junk).subarray(at, at + 50_000))
    // The browser restarted; the engine counted 70k as verified and resumes there, then appends.
    const second = new ChunkSink(db, meta, save)
    await second.write(70_000, file.subarray(70_000, 200_000))
    await second.write(200_000, file.subarray(200_000))
    assert.deepEqual(await second.read(60_000, 20_000), file.subarray(60_000, 80_000))
    await second.complete()
    assert.equal(sha(saved[0]!.bytes), sha(file), 'none of the earlier attempt survives')
  })

  test('property: any resume points give back exactly the last bytes written', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 9_999 }), { minLength: 0, maxLength: 4 }),
        fc.integer({ min: 1, max: 4_000 }),
        async (resumes, step) => {
          const size = 10_000
          const db = freshDb()
          const file = bytes(size, 3)
          const { saved, save } = savedFiles()
          const sink = new ChunkSink(db, { transferId: 'p', size, name: 'p', mimeType: '' }, save)
          let junkSeed = 100
          for (const from of resumes) {
            const junk = bytes(size, junkSeed++)
            // An attempt from `from` that wrote junk up to the end before being cut.
            for (let at = from; at < size; at += step)
              await sink.write(at, junk.subarray(at, Math.min(size, at + step)))
          }
          for (let at = 0; at < size; at += step)
            await sink.write(at, file.subarray(at, Math.min(size, at + step)))
          await sink.complete()
          assert.equal(sha(saved[0]!.bytes), sha(file))
        },
      ),
      { numRuns: 25 },
    )
  })

  test('mailbox chunks placed in any order, over rows of a direct pull, keep each other; a resume write still replaces the rest', async () => {
    const db = freshDb()
    const file = bytes(100_000, 11)
    const meta = { transferId: 't2c', size: file.length, name: 'd', mimeType: '' }
    const { saved, save } = savedFiles()
    const sink = new ChunkSink(db, meta, save)
    const chunk = (i: number) => file.subarray(i * 10_000, (i + 1) * 10_000)
    // A direct pull stored 0..35k in one row, then the mailbox pieces came, out of order: chunk 2
    // lies inside that row, chunk 3 across its end.
    await sink.write(0, file.subarray(0, 35_000))
    for (const i of [5, 2, 9, 0, 3, 1, 4, 8, 6, 7]) await sink.place(i * 10_000, chunk(i))
    const rows = await db.chunks.toArray()
    assert.equal(
      rows.reduce((sum, r) => sum + r.length, 0),
      file.length,
      'no row overlaps another',
    )
    assert.equal(await sink.storedBytes(), file.length)
    assert.deepEqual(await sink.read(25_000, 20_000), file.subarray(25_000, 45_000))
    await sink.complete()
    assert.equal(sha(saved[0]!.bytes), sha(file))
    // Placed chunks, then a direct pull from the start (the resume after a restart): its rows
    // replace every placed one.
    const again = new ChunkSink(db, { ...meta, transferId: 't2d' }, save)
    const junk = bytes(100_000, 12)
    for (const i of [7, 3])
      await again.place(i * 10_000, junk.subarray(i * 10_000, (i + 1) * 10_000))
    await again.write(0, file.subarray(0, 60_000))
    await again.write(60_000, file.subarray(60_000))
    await again.complete()
    assert.equal(sha(saved[1]!.bytes), sha(file), 'none of the placed junk survives')
  })

  test('complete() with a hole or a short file refuses to save and keeps the rows for a resume', async () => {
    const db = freshDb()
    const { saved, save } = savedFiles()
    const sink = new ChunkSink(db, { transferId: 't3', size: 1000, name: 'c', mimeType: '' }, save)
    await sink.write(0, bytes(400))
    await sink.write(600, bytes(100))
    assert.equal(await sink.storedBytes(), 400, 'a resume starts at the first gap')
    await assert.rejects(sink.complete(), IncompleteFileError)
    await assert.rejects(sink.read(300, 200), IncompleteFileError)
    assert.equal(saved.length, 0)
    assert.equal(await db.chunks.count(), 2)
  })

  test('a write past the announced size is refused and stores nothing', async () => {
    const db = freshDb()
    const sink = new ChunkSink(
      db,
      { transferId: 't4', size: 10, name: 'd', mimeType: '' },
      savedFiles().save,
    )
    await assert.rejects(sink.write(5, bytes(6)), RangeError)
    assert.equal(await db.chunks.count(), 0)
  })

  test('a failed save keeps the rows (the user can resume) and discard() drops only its own rows', async () => {
    const db = freshDb()
    const failing = new ChunkSink(db, { transferId: 't5', size: 4, name: 'e', mimeType: '' }, () =>
      Promise.reject(new DownloadFailedError('FILE_NO_SPACE')),
    )
    const other = new ChunkSink(
      db,
      { transferId: 't6', size: 4, name: 'f', mimeType: '' },
      savedFiles().save,
    )
    await failing.write(0, bytes(4))
    await other.write(0, bytes(4))
    await assert.rejects(failing.complete(), DownloadFailedError)
    assert.equal(await db.chunks.count(), 2)
    await failing.discard()
    assert.equal(await db.chunks.count(), 1)
    assert.deepEqual(await other.read(0, 4), bytes(4))
  })
})

describe('BlobFileSource and staging', () => {
  test('a staged file is read back in slices, and reads outside it are refused', async () => {
    const db = freshDb()
    const content = bytes(70_000, 5)
    const staged = await stageFile(
      new File([content], 'notes.txt', { type: 'text/plain' }),
      db,
      () => 1,
    )
    assert.deepEqual(
      { ...staged, stagedFileId: '' },
      { stagedFileId: '', name: 'notes.txt', size: 70_000, mimeType: 'text/plain' },
    )
    const storage = new BrowserFileStorage(db, savedFiles().save)
    const source = await storage.openSource(
      record({ direction: 'out', stagedFileId: staged.stagedFileId, size: 70_000 }),
    )
    assert.equal(source.size, 70_000)
    assert.deepEqual(await source.read(65_536, 4_464), content.subarray(65_536))
    await assert.rejects(source.read(69_999, 2), RangeError)
    await assert.rejects(new BlobFileSource(new Blob([])).read(0, 1), RangeError)
  })

  test('staging cuts names and types to what an offer carries', () => {
    assert.equal(STAGED_NAME_MAX_CHARS, FILE_LIMITS.nameMaxChars)
    assert.equal(STAGED_MIME_TYPE_MAX_CHARS, FILE_LIMITS.mimeTypeMaxChars)
  })

  test('an empty or over-long name is made usable when staging', async () => {
    const db = freshDb()
    assert.equal((await stageFile(new File([], '   '), db)).name, 'file')
    const long = await stageFile(new File([], 'x'.repeat(400)), db)
    assert.equal(long.name.length, 255)
    assert.equal(long.mimeType, 'application/octet-stream')
  })

  test('a quota error while staging is a typed storage_full error', async () => {
    const db = freshDb()
    db.staged.hook('creating', () => {
      throw Object.assign(new Error('quota'), { name: 'QuotaExceededError' })
    })
    await assert.rejects(stageFile(new File([bytes(10)], 'big'), db), (error: unknown) => {
      assert.ok(error instanceof StagingError)
      assert.equal(error.code, 'storage_full')
      return true
    })
  })

  test('a transfer whose staged file is gone fails with a sentence that says to send it again', async () => {
    const storage = new BrowserFileStorage(freshDb(), savedFiles().save)
    await assert.rejects(
      storage.openSource(record({ direction: 'out', stagedFileId: 'gone' })),
      (e: unknown) => e instanceof StagedFileMissingError && /send it again/.test(e.message),
    )
  })

  test('releaseSource frees the staged copy; sweep drops only old unused copies and rows of ended transfers', async () => {
    const db = freshDb()
    const storage = new BrowserFileStorage(db, savedFiles().save)
    const now = 10 * UNOFFERED_STAGED_FILE_TTL_MS
    const inUse = await stageFile(new File([bytes(3)], 'a'), db, () => 0)
    const orphan = await stageFile(new File([bytes(3)], 'b'), db, () => 0)
    const fresh = await stageFile(new File([bytes(3)], 'c'), db, () => now - 1000)
    const done = await stageFile(new File([bytes(3)], 'd'), db, () => now)
    const active = [
      record({ transferId: 'out1', direction: 'out', stagedFileId: inUse.stagedFileId }),
      record({ transferId: 'in1', direction: 'in', size: 3 }),
    ]
    await new ChunkSink(
      db,
      { transferId: 'in1', size: 3, name: 'x', mimeType: '' },
      savedFiles().save,
    ).write(0, bytes(3))
    await new ChunkSink(
      db,
      { transferId: 'ended', size: 3, name: 'y', mimeType: '' },
      savedFiles().save,
    ).write(0, bytes(3))
    await storage.releaseSource(record({ direction: 'out', stagedFileId: done.stagedFileId }))
    // The store as the messenger has it: 'ended' finished, the other two still running.
    const records = [
      ...active,
      record({ transferId: 'ended', direction: 'in', state: 'completed' }),
    ]
    const store = {
      listTransfers: () => Promise.resolve(active),
      getTransfer: (id: string) => Promise.resolve(records.find((r) => r.transferId === id)),
    }
    await storage.sweep(store, now)
    const left = (await db.staged.toArray()).map((r) => r.stagedFileId).sort()
    assert.deepEqual(left, [inUse.stagedFileId, fresh.stagedFileId].sort())
    assert.ok(!left.includes(orphan.stagedFileId))
    assert.deepEqual(
      (await db.chunks.toArray()).map((r) => r.transferId),
      ['in1'],
    )
  })
})

describe('saving through the downloads API', () => {
  function fakeDownloads(
    states: string[],
  ): Downloads & { started: { url: string; filename: string }[] } {
    const started: { url: string; filename: string }[] = []
    return {
      started,
      start: (url, filename) => {
        started.push({ url, filename })
        return Promise.resolve(7)
      },
      state: (id) => {
        assert.equal(id, 7)
        const next = states.shift() ?? 'in_progress'
        return Promise.resolve(
          next === 'complete' || next === 'in_progress'
            ? { state: next, error: null }
            : { state: 'interrupted', error: next },
        )
      },
    }
  }

  test('waits until the browser says complete, under the Hestia folder, then revokes the URL', async () => {
    const downloads = fakeDownloads(['in_progress', 'in_progress', 'complete'])
    const revoked: string[] = []
    const save = saveWithDownloads(downloads, {
      pollMs: 1,
      createObjectURL: () => 'blob:test/1',
      revokeObjectURL: (u) => revoked.push(u),
    })
    await save(new Blob([bytes(3)]), '../../etc/passwd')
    assert.deepEqual(downloads.started, [{ url: 'blob:test/1', filename: 'Hestia/_.._etc_passwd' }])
    assert.deepEqual(revoked, ['blob:test/1'])
  })

  test('an interrupted download is a typed error with the browser reason, and the URL is revoked', async () => {
    const revoked: string[] = []
    const save = saveWithDownloads(fakeDownloads(['FILE_NO_SPACE']), {
      pollMs: 1,
      createObjectURL: () => 'blob:test/2',
      revokeObjectURL: (u) => revoked.push(u),
    })
    await assert.rejects(
      save(new Blob([]), 'a'),
      (e: unknown) => e instanceof DownloadFailedError && e.reason === 'FILE_NO_SPACE',
    )
    assert.deepEqual(revoked, ['blob:test/2'])
  })

  test('names from a contact cannot leave the folder or hide', () => {
    for (const [offered, expected] of [
      ['report.pdf', 'report.pdf'],
      ['..', 'file'],
      ['.bashrc', 'bashrc'],
      ['a/b\\c:d*e?f"g<h>i|j', 'a_b_c_d_e_f_g_h_i_j'],
      ['CON.txt', '_CON.txt'],
      ['bell\u0007.txt', 'bell.txt'],
      // Format characters would let "invoice\u202Efdp.exe" read as "invoiceexe.pdf".
      ['invoice\u202efdp.exe', 'invoicefdp.exe'],
      ['photo\u200b\u2066.jpg\u00ad', 'photo.jpg'],
      ['trailing. . ', 'trailing'],
    ] as const) {
      assert.equal(safeDownloadName(offered), expected, offered)
    }
    const long = safeDownloadName(`${'ß'.repeat(300)}.tar.gz`)
    assert.equal(Array.from(long).length, 180)
    assert.ok(long.endsWith('.gz'))
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (name) => {
        const path = downloadPath(name)
        const base = path.slice('Hestia/'.length)
        assert.ok(path.startsWith('Hestia/'))
        // eslint-disable-next-line no-control-regex -- control characters are what is checked
        assert.ok(!/[/\\\u0000-\u001f]/.test(base))
        assert.ok(!/\p{Cf}/u.test(base), 'no format characters')
        assert.ok(base !== '' && !base.startsWith('.') && base !== '..')
      }),
    )
  })
})
