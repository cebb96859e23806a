/**
 * What can go wrong opening a backup file. Each is raised before anything is imported, and each
 * has a sentence the UI can show as is.
 */

export const BACKUP_ERROR_CODES = [
  'not_a_backup',
  'unsupported_version',
  'truncated',
  'damaged',
  'wrong_passphrase',
  'invalid_parameters',
  'too_large',
] as const
export type BackupErrorCode = (typeof BACKUP_ERROR_CODES)[number]

const SENTENCES: Record<BackupErrorCode, string> = {
  not_a_backup: 'This file is not a Hestia backup.',
  unsupported_version:
    'This backup was made by a newer version of Hestia: update the extension, then try again.',
  truncated: 'This backup file is incomplete (cut short while copying or downloading).',
  damaged: 'This backup file is damaged and cannot be read.',
  wrong_passphrase:
    'The passphrase or recovery code is not correct (or the file was altered). Nothing was imported.',
  invalid_parameters: 'This backup asks for key-derivation settings Hestia refuses to run.',
  too_large: 'This backup is larger than Hestia can open.',
}

export class BackupError extends Error {
  override readonly name = 'BackupError'
  readonly code: BackupErrorCode

  constructor(code: BackupErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail === undefined ? SENTENCES[code] : `${SENTENCES[code]} (${detail})`, options)
    this.code = code
  }

  /** The sentence for the user, without the technical detail. */
  get sentence(): string {
    return SENTENCES[this.code]
  }
}
