/**
 * Staging: the page where the user picked a file copies it into the files database and offers
 * only the staging id through the client API (`transfer.offer`). The copy is what makes a
 * transfer resumable after the popup closed or the browser restarted: a File from an <input>
 * dies with its page.
 */
import type { StagedFile } from '@hestia/core/client/api.ts'
import { filesDatabase, type FilesDatabase } from './files-db.ts'
import type { PieceCipher } from './sealed-pieces.ts'
import { stageSealed } from './sealed-staging.ts'
import { StagingError } from './staging-error.ts'

/**
 * The offer's caps (STAGED_NAME_MAX_CHARS / mimeTypeMaxChars, checked equal in the tests).
 * Not imported: core/files/limits.ts pulls the file crypto into the popup's bundle.
 */
export const STAGED_NAME_MAX_CHARS = 255
export const STAGED_MIME_TYPE_MAX_CHARS = 127

// Re-exported: the class lives apart so the popup's bundle can name it without this module.
export { StagingError }

/** A safe display name: the picker's name cut to the protocol's cap, never empty. */
export function stagedName(name: string): string {
  const trimmed = name.trim()
  return trimmed === '' ? 'file' : Array.from(trimmed).slice(0, STAGED_NAME_MAX_CHARS).join('')
}

export async function stageFile(
  file: File,
  db: FilesDatabase = filesDatabase(),
  now: () => number = Date.now,
  options: { cipher?: PieceCipher } = {},
): Promise<StagedFile> {
  const staged: StagedFile = {
    stagedFileId: crypto.randomUUID(),
    name: stagedName(file.name),
    size: file.size,
    mimeType: (file.type || 'application/octet-stream').slice(0, STAGED_MIME_TYPE_MAX_CHARS),
  }
  try {
    if (options.cipher !== undefined) {
      // At-rest sealing on: the bytes go in as sealed pieces, never as a plaintext copy.
      await stageSealed(file, staged, db, options.cipher, now())
    } else {
      // IndexedDB copies the File's bytes to disk (no read into this page's memory).
      await db.staged.add({ ...staged, createdAt: now(), blob: file })
    }
  } catch (error) {
    const name = (error as { name?: unknown } | null)?.name
    if (name === 'QuotaExceededError') {
      throw new StagingError('storage_full', 'Not enough disk space to prepare this file.', {
        cause: error,
      })
    }
    throw new StagingError('unreadable', 'This file could not be read. Pick it again.', {
      cause: error,
    })
  }
  return staged
}
