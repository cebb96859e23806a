/**
 * The extension's file bytes on disk, in their own IndexedDB database (not the messenger store:
 * file bytes are large, short-lived and never part of a messenger transaction).
 *
 *  - `staged`: files the user picked to send, copied in by the page that picked them (the bytes
 *    never cross the client API). A staged file outlives the popup and a browser restart, so an
 *    outgoing transfer can resume from any offset (Blob.slice).
 *  - `chunks`: the verified plaintext of incoming transfers, one row per sink write (about
 *    512 KiB), each a disk-backed Blob. The finished file is a Blob made of these rows, handed to
 *    the downloads API, so no step holds the whole file in memory.
 *
 * Both the popup (staging) and the node's host (sending, receiving) open it: they share the
 * extension's origin.
 */
import { Dexie } from 'dexie'
import type { Table } from 'dexie'

export const FILES_DATABASE_NAME = 'hestia-files'

export interface StagedFileRow {
  stagedFileId: string
  name: string
  size: number
  mimeType: string
  createdAt: number
  blob: Blob
}

/**
 * A staged file with at-rest sealing on (ADR 0520): its name, size and type are one sealed
 * metadata piece, and its bytes are sealed pieces in `stagedPieces`. `complete` turns true once
 * every piece is stored, so a half-staged file is never sent.
 */
export interface SealedStagedFileRow {
  stagedFileId: string
  createdAt: number
  meta: Uint8Array
  pieceSize: number
  complete: boolean
}

export interface StagedPieceRow {
  stagedFileId: string
  /** Plaintext offset of the piece's first byte (a multiple of the row's pieceSize). */
  offset: number
  data: Blob
}

export interface ChunkRow {
  transferId: string
  /** Plaintext offset of the row's first byte. */
  offset: number
  length: number
  data: Blob
}

export interface FilesDatabaseOptions {
  name?: string
  /** Tests pass fake-indexeddb's factory. */
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
}

export class FilesDatabase extends Dexie {
  staged!: Table<StagedFileRow | SealedStagedFileRow, string>
  chunks!: Table<ChunkRow, [string, number]>
  stagedPieces!: Table<StagedPieceRow, [string, number]>

  constructor(options: FilesDatabaseOptions = {}) {
    super(options.name ?? FILES_DATABASE_NAME, {
      ...(options.indexedDB !== undefined ? { indexedDB: options.indexedDB } : {}),
      ...(options.IDBKeyRange !== undefined ? { IDBKeyRange: options.IDBKeyRange } : {}),
    })
    this.version(1).stores({
      staged: 'stagedFileId, createdAt',
      chunks: '[transferId+offset]',
    })
    // Sealed staged files (ADR 0520): their bytes as sealed pieces.
    this.version(2).stores({ stagedPieces: '[stagedFileId+offset]' })
  }
}

/** The chunk rows of one transfer with offsets in [from, to), in offset order. */
export function chunkRows(
  db: FilesDatabase,
  transferId: string,
  from = -Infinity,
  to: number | typeof Dexie.maxKey = Dexie.maxKey,
): Dexie.Collection<ChunkRow, [string, number]> {
  return db.chunks
    .where('[transferId+offset]')
    .between([transferId, from], [transferId, to], true, false)
}

/** The pieces of one sealed staged file with offsets in [from, to), in offset order. */
export function stagedPieceRows(
  db: FilesDatabase,
  stagedFileId: string,
  from = -Infinity,
): Dexie.Collection<StagedPieceRow, [string, number]> {
  return db.stagedPieces
    .where('[stagedFileId+offset]')
    .between([stagedFileId, from], [stagedFileId, Dexie.maxKey], true, false)
}

export function isSealedStagedRow(
  row: StagedFileRow | SealedStagedFileRow,
): row is SealedStagedFileRow {
  return 'meta' in row
}

let shared: FilesDatabase | undefined

/** The extension's files database (one connection per document). */
export function filesDatabase(): FilesDatabase {
  shared ??= new FilesDatabase()
  return shared
}
