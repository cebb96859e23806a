/**
 * The FileStorage the node's host passes to the messenger (createMessengerService({ files })):
 * staged Blobs as sources, IndexedDB chunk rows as sinks, the downloads API for finished files.
 */
import type { FileSink, FileSource, FileStorage } from '@hestia/core/files/ports.ts'
import { ACTIVE_TRANSFER_STATES, type FileTransferRecord } from '@hestia/core/store/records.ts'
import type { MessengerStore } from '@hestia/core/store/store.ts'
import { BlobFileSource } from './blob-source.ts'
import { ChunkSink, type SaveFile } from './chunk-sink.ts'
import { chunkRows, isSealedStagedRow, type FilesDatabase } from './files-db.ts'
import { deleteStagedPieces, openStagedMeta, SealedStagedSource } from './sealed-staging.ts'
import type { PieceCipher } from './sealed-pieces.ts'

export class StagedFileMissingError extends Error {
  override readonly name = 'StagedFileMissingError'
}

/** A picked file that was never offered (the popup closed first) is dropped after this long. */
export const UNOFFERED_STAGED_FILE_TTL_MS = 60 * 60 * 1000

export class BrowserFileStorage implements FileStorage {
  readonly #db: FilesDatabase
  readonly #save: SaveFile
  readonly #cipher: PieceCipher | undefined

  /** `cipher`: received chunks are sealed at rest and sealed staged files can be sent (ADR 0520). */
  constructor(db: FilesDatabase, save: SaveFile, options: { cipher?: PieceCipher } = {}) {
    this.#db = db
    this.#save = save
    this.#cipher = options.cipher
  }

  async openSource(record: FileTransferRecord): Promise<FileSource> {
    const row =
      record.stagedFileId === null ? undefined : await this.#db.staged.get(record.stagedFileId)
    const missing = () =>
      new StagedFileMissingError(
        `the file of transfer ${record.transferId} is no longer staged; send it again`,
      )
    if (row === undefined) throw missing()
    if (!isSealedStagedRow(row)) return new BlobFileSource(row.blob)
    // Sealed (ADR 0520): readable only with the cipher, and only once staging finished.
    if (this.#cipher === undefined || !row.complete) throw missing()
    const meta = await openStagedMeta(row, this.#cipher)
    return new SealedStagedSource(this.#db, this.#cipher, row, meta.size)
  }

  openSink(record: FileTransferRecord): Promise<FileSink> {
    return Promise.resolve(
      new ChunkSink(
        this.#db,
        record,
        this.#save,
        this.#cipher === undefined ? {} : { cipher: this.#cipher },
      ),
    )
  }

  async releaseSource(record: FileTransferRecord): Promise<void> {
    if (record.stagedFileId === null) return
    await this.#db.staged.delete(record.stagedFileId)
    await deleteStagedPieces(this.#db, record.stagedFileId)
  }

  /**
   * Housekeeping after a start (runs beside the messenger, not before it): drops staged files no
   * active outgoing transfer uses (older than the TTL, so a file being offered now stays) and the
   * chunk rows of incoming transfers that ended. Each transfer is looked up when its rows are
   * dropped: a transfer's record exists before its first row, so a new one is never swept.
   */
  async sweep(
    store: Pick<MessengerStore, 'getTransfer' | 'listTransfers'>,
    now: number,
  ): Promise<void> {
    const active = await store.listTransfers({ active: true })
    const stagedInUse = new Set(active.map((r) => r.stagedFileId).filter((id) => id !== null))
    await this.#db.staged
      .where('createdAt')
      .below(now - UNOFFERED_STAGED_FILE_TTL_MS)
      .filter((row) => !stagedInUse.has(row.stagedFileId))
      .delete()
    // Sealed pieces whose staged row is gone (swept above, released, or a staging that died
    // before writing its row).
    const withPieces = new Set<string>()
    await this.#db.stagedPieces.toCollection().eachPrimaryKey(([stagedFileId]) => {
      withPieces.add(stagedFileId)
    })
    for (const stagedFileId of withPieces) {
      if ((await this.#db.staged.get(stagedFileId)) === undefined)
        await deleteStagedPieces(this.#db, stagedFileId)
    }
    const withRows = new Set<string>()
    await this.#db.chunks.toCollection().eachPrimaryKey(([transferId]) => {
      withRows.add(transferId)
    })
    for (const transferId of withRows) {
      const record = await store.getTransfer(transferId)
      const receiving = record?.direction === 'in' && ACTIVE_TRANSFER_STATES.includes(record.state)
      if (!receiving) await chunkRows(this.#db, transferId).delete()
    }
  }
}
