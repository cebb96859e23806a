/**
 * The receiver's FileSink: verified plaintext in IndexedDB rows (files-db.ts `chunks`, sealed
 * pieces when a cipher is set, ADR 0520), one per engine write (~512 KiB). A write resolves only after its IndexedDB transaction committed, so
 * what the engine counts as verified survives a browser restart.
 *
 * Writes arrive in order, but a resume restarts at the first chunk the engine had not yet
 * persisted as verified, which may fall inside rows written before the interruption: a write at
 * `offset` therefore first drops every row at or after it and trims the row that spans it.
 * Mailbox pieces arrive in any order (docs/protocol/files.md §Fallback): the engine `place`s
 * their chunks, which replaces only the bytes each one covers and keeps the rows after it. The
 * stored rows never overlap; complete() needs them to cover the file without a gap.
 */
import type { Dexie } from 'dexie'
import type { FileSink } from '@hestia/core/files/ports.ts'
import { savedFileType } from './download-name.ts'
import { chunkRows, type ChunkRow, type FilesDatabase } from './files-db.ts'
import type { PieceCipher } from './sealed-pieces.ts'

const CHUNKS_TABLE = 'chunks'

/** Hands the finished file to the user (downloads API); resolves once it is saved. */
export type SaveFile = (file: Blob, name: string) => Promise<void>

export class IncompleteFileError extends Error {
  override readonly name = 'IncompleteFileError'
}

export class ChunkSink implements FileSink {
  readonly #db: FilesDatabase
  readonly #transferId: string
  readonly #size: number
  readonly #name: string
  readonly #mimeType: string
  readonly #save: SaveFile
  readonly #cipher: PieceCipher | undefined
  /**
   * Where this sink's last committed write ended. That write dropped every row at or after its
   * start and stored one ending here, so a write starting here has no row to trim or drop, and
   * skips that look-up (a read transaction per 512 KiB, ADR 0440). Unknown (undefined) until
   * this sink's first write, and after a write that failed.
   */
  #appendAt: number | undefined

  /**
   * With `cipher` (at-rest encryption on, ADR 0520) every row's data is a sealed piece; without,
   * the plaintext as before.
   */
  constructor(
    db: FilesDatabase,
    file: { transferId: string; size: number; name: string; mimeType: string },
    save: SaveFile,
    options: { cipher?: PieceCipher } = {},
  ) {
    this.#db = db
    this.#transferId = file.transferId
    this.#size = file.size
    this.#name = file.name
    this.#mimeType = file.mimeType
    this.#save = save
    this.#cipher = options.cipher
  }

  /** A row's data as it goes into IndexedDB (sealed when a cipher is set). */
  async #stored(offset: number, plain: Uint8Array): Promise<Blob> {
    const bytes =
      this.#cipher === undefined
        ? plain
        : await this.#cipher.seal(CHUNKS_TABLE, this.#transferId, offset, plain)
    return new Blob([bytes as Uint8Array<ArrayBuffer>])
  }

  /** A row's plaintext, as a Blob (the stored Blob itself when nothing is sealed). */
  async #plainBlob(row: ChunkRow): Promise<Blob> {
    if (this.#cipher === undefined) return row.data
    const sealed = new Uint8Array(await row.data.arrayBuffer())
    const plain = await this.#cipher.open(CHUNKS_TABLE, this.#transferId, row.offset, sealed)
    if (plain.length !== row.length)
      throw new IncompleteFileError(`a stored row of ${row.length} bytes opened to ${plain.length}`)
    return new Blob([plain as Uint8Array<ArrayBuffer>])
  }

  #range(from: number, to?: number): Dexie.Collection<ChunkRow, [string, number]> {
    return chunkRows(this.#db, this.#transferId, from, to)
  }

  async write(offset: number, data: Uint8Array): Promise<void> {
    if (offset < 0 || offset + data.length > this.#size) {
      throw new RangeError(`write of ${data.length} bytes at ${offset} passes the file's end`)
    }
    // The Blob lives in the browser's blob store; IndexedDB writes it to disk at commit. Sealing
    // (asynchronous) happens before the transaction, which would otherwise commit early.
    const blob = await this.#stored(offset, data)
    const row: ChunkRow = { transferId: this.#transferId, offset, length: data.length, data: blob }
    const appending = offset === this.#appendAt
    this.#appendAt = undefined
    if (appending) {
      await this.#db.chunks.put(row)
    } else {
      await this.#replaceFrom(offset, row)
    }
    this.#appendAt = offset + data.length
  }

  /**
   * Mailbox route: stores one verified chunk at `offset` in whatever order the pieces came,
   * keeping every other stored byte. Rows it overlaps (a direct pull's before the fallback) are
   * cut around it, so rows never overlap. Unlike `write`, nothing after it is dropped: a later
   * chunk that arrived first stays.
   */
  async place(offset: number, data: Uint8Array): Promise<void> {
    const end = offset + data.length
    if (offset < 0 || end > this.#size) {
      throw new RangeError(`write of ${data.length} bytes at ${offset} passes the file's end`)
    }
    const row: ChunkRow = {
      transferId: this.#transferId,
      offset,
      length: data.length,
      data: await this.#stored(offset, data),
    }
    // The next `write` cannot be taken as an append: rows may now lie after any point.
    this.#appendAt = undefined
    // The rows spanning either end keep what lies outside [offset, end); cut (and resealed)
    // before the transaction, which would otherwise commit during the asynchronous sealing.
    const before = await this.#range(-Infinity, offset).last()
    const head =
      before !== undefined && before.offset + before.length > offset
        ? await this.#cut(before, before.offset, offset)
        : undefined
    const across = await this.#range(-Infinity, end).last()
    const tail =
      across !== undefined && across.offset + across.length > end
        ? await this.#cut(across, end, across.offset + across.length)
        : undefined
    const { chunks } = this.#db
    await this.#db.transaction('rw', chunks, async () => {
      await this.#range(offset, end).delete()
      if (head !== undefined) await chunks.put(head)
      if (tail !== undefined) await chunks.put(tail)
      await chunks.put(row)
    })
  }

  /** Drops the rows at or after `offset`, keeps the head of one that spans it, stores `row`. */
  async #replaceFrom(offset: number, row: ChunkRow): Promise<void> {
    // A resume inside an earlier row keeps that row's head: cut (and reseal) it beforehand.
    const spanning = await this.#range(-Infinity, offset).last()
    const trimmed =
      spanning !== undefined && spanning.offset + spanning.length > offset
        ? await this.#cut(spanning, spanning.offset, offset)
        : undefined
    const { chunks } = this.#db
    await this.#db.transaction('rw', chunks, async () => {
      await this.#range(offset).delete()
      if (trimmed !== undefined) await chunks.put(trimmed)
      await chunks.put(row)
    })
  }

  /** The bytes [from, to) of `row` as a row of their own (resealed at `from` when sealed). */
  async #cut(row: ChunkRow, from: number, to: number): Promise<ChunkRow> {
    const start = from - row.offset
    const length = to - from
    let data = row.data.slice(start, start + length)
    if (this.#cipher !== undefined) {
      const plain = (await this.#plainBlob(row)).slice(start, start + length)
      data = await this.#stored(from, new Uint8Array(await plain.arrayBuffer()))
    }
    return { ...row, offset: from, length, data }
  }

  async storedBytes(): Promise<number> {
    return contiguousLength(await this.#range(-Infinity).toArray())
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    const end = offset + length
    const first = await this.#range(-Infinity, offset + 1).last()
    const rows = await this.#range(first?.offset ?? offset, end).toArray()
    const parts: Blob[] = []
    let at = offset
    for (const row of rows) {
      const rowEnd = row.offset + row.length
      if (rowEnd <= at) continue
      if (row.offset > at) break
      const plain = await this.#plainBlob(row)
      parts.push(plain.slice(at - row.offset, Math.min(rowEnd, end) - row.offset))
      at = Math.min(rowEnd, end)
      if (at === end) break
    }
    if (at !== end) throw new IncompleteFileError(`bytes ${at}..${end} of the file are not stored`)
    return new Uint8Array(await new Blob(parts).arrayBuffer())
  }

  async complete(): Promise<void> {
    const rows = await this.#range(-Infinity).toArray()
    const at = contiguousLength(rows)
    if (at !== this.#size) {
      throw new IncompleteFileError(`only ${at} of ${this.#size} bytes are stored contiguously`)
    }
    // Plaintext: a Blob of disk-backed Blobs, streamed to the download without a copy here.
    // Sealed: each row opened into a Blob of its own (the browser's blob store pages large ones to
    // disk), one row at a time.
    const parts: Blob[] = []
    for (const row of rows) parts.push(await this.#plainBlob(row))
    await this.#save(
      new Blob(
        parts,
        // The contact declared this type: only a short safe list survives (download-name.ts).
        { type: savedFileType(this.#mimeType) },
      ),
      this.#name,
    )
    await this.discard()
  }

  async discard(): Promise<void> {
    this.#appendAt = undefined
    await this.#range(-Infinity).delete()
  }
}

/** Bytes from offset 0 up to the first gap. */
function contiguousLength(rows: readonly ChunkRow[]): number {
  let at = 0
  for (const row of rows) {
    if (row.offset !== at) break
    at += row.length
  }
  return at
}
