/**
 * Validation of the backup requests and results (issue 17; backup.ts), spread into the tables of
 * ../validate.ts. The file is checked as base64url of at most BACKUP_LIMITS.fileMaxBytes here, at
 * the port, so an oversized or non-base64url file is refused before anything is decoded.
 */
import { BACKUP_LIMITS } from './backup.ts'
import type { BackupExport, BackupImported } from './backup.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { InvalidClientMessageError, int, lit, nullable, obj, str } from '../schema.ts'
import type { Schema } from '../schema.ts'
import { identityStatus } from '../validate-values.ts'

type BackupRequestType = 'backup.export' | 'backup.import'

const fileMaxChars = Math.ceil((BACKUP_LIMITS.fileMaxBytes * 4) / 3)
const fileChars = str(fileMaxChars, 1)
const BASE64URL = /^[A-Za-z0-9_-]*$/

/** Base64url text of a backup file (its bytes are checked by the decoder). */
export const backupFile: Schema<string> = (value, path) => {
  const text = fileChars(value, path)
  if (!BASE64URL.test(text)) throw new InvalidClientMessageError(path, 'expected base64url')
  return text
}

const newPassphrase = str(BACKUP_LIMITS.passphraseMaxChars, BACKUP_LIMITS.passphraseMinChars)
const anyPassphrase = str(BACKUP_LIMITS.passphraseMaxChars, 1)
const count = int(0, Number.MAX_SAFE_INTEGER)

export const backupRequestSchemas: { [K in BackupRequestType]: Schema<RequestFor<K>> } = {
  'backup.export': obj({ type: lit('backup.export'), passphrase: nullable(newPassphrase) }),
  'backup.import': obj({ type: lit('backup.import'), file: backupFile, passphrase: anyPassphrase }),
}

export const backupResultSchemas: { [K in BackupRequestType]: Schema<ResultFor<K>> } = {
  'backup.export': obj<BackupExport>({
    file: backupFile,
    fileName: str(200, 1),
    bytes: int(1, BACKUP_LIMITS.fileMaxBytes),
    recoveryCode: nullable(str(64, 1)),
    contacts: count,
    messages: count,
    createdAt: count,
  }),
  'backup.import': obj<BackupImported>({
    identity: identityStatus,
    contacts: count,
    messages: count,
  }),
}
