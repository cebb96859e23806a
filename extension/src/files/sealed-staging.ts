/**
 * Staging with at-rest sealing on (ADR 0520, storage.md): the picked file is read in pieces of
 * STAGED_PIECE_BYTES, each sealed (sealed-pieces.ts) into `stagedPieces`, so the profile never
 * holds a plaintext copy; the name, size and type are one sealed metadata piece. The staged row is
 * written first (incomplete) and marked complete after the last piece, so the sweep can tell a
 * staging in progress from pieces left behind, and a half-staged file is never sent.
 */
import type { StagedFile } from '@hestia/core/client/api.ts'
import type { FileSource } from '@hestia/core/files/ports.ts'
import { DamagedError } from '@hestia/core/store/at-rest/errors.ts'
import { stagedPieceRows, type FilesDatabase, type SealedStagedFileRow } from './files-db.ts'
import type { PieceCipher } from './sealed-pieces.ts'

export const STAGED_PIECE_BYTES = 512 * 1024
const META_TABLE = 'staged'
const PIECES_TABLE = 'stagedPieces'

type Meta = Pick<StagedFile, 'name' | 'size' | 'mimeType'>

export async function stageSealed(
  file: Blob,
  staged: StagedFile,
  db: FilesDatabase,
  cipher: PieceCipher,
  createdAt: number,
): Promise<void> {
  const id = staged.stagedFileId
  const meta: Meta = { name: staged.name, size: staged.size, mimeType: staged.mimeType }
  const sealedMeta = await cipher.seal(
    META_TABLE,
    id,
    0,
    new TextEncoder().encode(JSON.stringify(meta)),
  )
  const row: SealedStagedFileRow = {
    stagedFileId: id,
    createdAt,
    meta: sealedMeta,
    pieceSize: STAGED_PIECE_BYTES,
    complete: false,
  }
  await db.staged.add(row)
  for (let offset = 0; offset < file.size; offset += STAGED_PIECE_BYTES) {
    const plain = new Uint8Array(
      await file.slice(offset, offset + STAGED_PIECE_BYTES).arrayBuffer(),
    )
    const sealed = await cipher.seal(PIECES_TABLE, id, offset, plain)
    await db.stagedPieces.put({
      stagedFileId: id,
      offset,
      data: new Blob([sealed as Uint8Array<ArrayBuffer>]),
    })
  }
  await db.staged.put({ ...row, complete: true })
}

/** The name, size and type of a sealed staged file. */
export async function openStagedMeta(row: SealedStagedFileRow, cipher: PieceCipher): Promise<Meta> {
  const plain = await cipher.open(META_TABLE, row.stagedFileId, 0, row.meta)
  const meta = JSON.parse(new TextDecoder().decode(plain)) as Partial<Meta>
  if (
    typeof meta.size !== 'number' ||
    typeof meta.name !== 'string' ||
    typeof meta.mimeType !== 'string'
  )
    throw new DamagedError(`The staged file ${row.stagedFileId}`)
  return meta as Meta
}

/**
 * The sender's FileSource over sealed pieces. The engine reads in order in small chunks, so the
 * last opened piece is kept (one piece of memory) instead of opening it for every chunk.
 */
export class SealedStagedSource implements FileSource {
  readonly size: number
  readonly #db: FilesDatabase
  readonly #cipher: PieceCipher
  readonly #row: SealedStagedFileRow
  #cached: { offset: number; bytes: Uint8Array } | undefined

  constructor(db: FilesDatabase, cipher: PieceCipher, row: SealedStagedFileRow, size: number) {
    this.#db = db
    this.#cipher = cipher
    this.#row = row
    this.size = size
  }

  async #piece(offset: number): Promise<Uint8Array> {
    if (this.#cached?.offset === offset) return this.#cached.bytes
    const row = await this.#db.stagedPieces.get([this.#row.stagedFileId, offset])
    if (row === undefined) throw new Error(`the staged file lost its bytes at ${offset}`)
    const sealed = new Uint8Array(await row.data.arrayBuffer())
    const bytes = await this.#cipher.open(PIECES_TABLE, this.#row.stagedFileId, offset, sealed)
    const expected = Math.min(this.#row.pieceSize, this.size - offset)
    if (bytes.length !== expected)
      throw new DamagedError(`The staged file ${this.#row.stagedFileId}`)
    this.#cached = { offset, bytes }
    return bytes
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw new RangeError(
        `read of ${length} bytes at ${offset} is outside the ${this.size}-byte file`,
      )
    }
    // The engine reads whole pieces (512 KiB, aligned): hand out the opened piece itself rather
    // than a copy (the engine only reads it; the view stays valid after the cache moves on).
    const pieceOffset = offset - (offset % this.#row.pieceSize)
    if (length > 0 && offset + length <= pieceOffset + this.#row.pieceSize) {
      const piece = await this.#piece(pieceOffset)
      return piece.subarray(offset - pieceOffset, offset - pieceOffset + length)
    }
    const out = new Uint8Array(length)
    let at = offset
    while (at < offset + length) {
      const pieceOffset = at - (at % this.#row.pieceSize)
      const piece = await this.#piece(pieceOffset)
      const from = at - pieceOffset
      const take = Math.min(piece.length - from, offset + length - at)
      out.set(piece.subarray(from, from + take), at - offset)
      at += take
    }
    return out
  }
}

/** Removes a sealed staged file's pieces. */
export async function deleteStagedPieces(db: FilesDatabase, stagedFileId: string): Promise<void> {
  await stagedPieceRows(db, stagedFileId).delete()
}
