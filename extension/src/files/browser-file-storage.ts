/**
 * The FileStorage the node's host passes to the messenger (createMessengerService({ files })):
 * staged Blobs as sources, IndexedDB chunk rows as sinks, the downloads API for finished files.
 */
import type { FileSink, FileSource, FileStorage } from '@hestia/core/files/ports.ts'
import type { FileTransferRecord } from '@hestia/core/store/records.ts'
import { BlobFileSource } from './blob-source.ts'
import { ChunkSink, type SaveFile } from './chunk-sink.ts'
import type { FilesDatabase } from './files-db.ts'

export class StagedFileMissingError extends Error {
  override readonly name = 'StagedFileMissingError'
}

/** A picked file that was never offered (the popup closed first) is dropped after this long. */
export const UNOFFERED_STAGED_FILE_TTL_MS = 60 * 60 * 1000

export class BrowserFileStorage implements FileStorage {
  readonly #db: FilesDatabase
  readonly #save: SaveFile

  constructor(db: FilesDatabase, save: SaveFile) {
    this.#db = db
    this.#save = save
  }

  async openSource(record: FileTransferRecord): Promise<FileSource> {
    const row =
      record.stagedFileId === null ? undefined : await this.#db.staged.get(record.stagedFileId)
    if (row === undefined) {
      throw new StagedFileMissingError(
        `the file of transfer ${record.transferId} is no longer staged; send it again`,
      )
    }
    return new BlobFileSource(row.blob)
  }

  openSink(record: FileTransferRecord): Promise<FileSink> {
    return Promise.resolve(new ChunkSink(this.#db, record, this.#save))
  }

  async releaseSource(record: FileTransferRecord): Promise<void> {
    if (record.stagedFileId !== null) await this.#db.staged.delete(record.stagedFileId)
  }

  /**
   * At start: drops staged files no active outgoing transfer uses (older than the TTL, so a file
   * being offered right now stays) and chunk rows of transfers that are no longer active.
   */
  async sweep(active: readonly FileTransferRecord[], now: number): Promise<void> {
    const stagedInUse = new Set(active.map((r) => r.stagedFileId).filter((id) => id !== null))
    const incoming = new Set(active.filter((r) => r.direction === 'in').map((r) => r.transferId))
    await this.#db.staged
      .where('createdAt')
      .below(now - UNOFFERED_STAGED_FILE_TTL_MS)
      .filter((row) => !stagedInUse.has(row.stagedFileId))
      .delete()
    const stale = new Set<string>()
    await this.#db.chunks.toCollection().eachPrimaryKey(([transferId]) => {
      if (!incoming.has(transferId)) stale.add(transferId)
    })
    for (const transferId of stale) {
      await this.#db.chunks
        .where('[transferId+offset]')
        .between([transferId, -Infinity], [transferId, Infinity], true, true)
        .delete()
    }
  }
}
