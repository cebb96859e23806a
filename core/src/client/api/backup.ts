/**
 * Encrypted backup (issue 17, docs/protocol/backup.md, ADR 0524): export this identity, its
 * contacts, verification, history and settings to one file; import it on a fresh install.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 *
 * The file crosses the port as base64url (plain data, ADR 0501). The backup passphrase crosses it
 * once per request and is never stored; a generated recovery code is returned once, to be shown
 * once.
 */
import type { IdentityStatus } from './identity.ts'
import type { Timestamp } from './scalars.ts'

export const BACKUP_LIMITS = {
  /**
   * Largest backup file the port carries. Base64url makes it ~43 M characters; Chrome refuses
   * runtime messages above 64 MiB. A 1,200-message history is well under 1 MiB.
   */
  fileMaxBytes: 32 * 1024 * 1024,
  /** A chosen backup passphrase: at least this long (the file is attacked offline, for years). */
  passphraseMinChars: 8,
  passphraseMaxChars: 1_024,
} as const

export interface BackupExport {
  /** The backup file, base64url (RFC 4648 §5, no padding). */
  file: string
  /** A suggested name for the download. */
  fileName: string
  /** Size of the file in bytes. */
  bytes: number
  /**
   * The generated recovery code (six groups of five digits) when no passphrase was given: shown
   * once, never stored, and the only way to open this file. Null when a passphrase was given.
   */
  recoveryCode: string | null
  contacts: number
  messages: number
  createdAt: Timestamp
}

export interface BackupImported {
  /** The restored identity (same identity key and safety number, a new device). */
  identity: IdentityStatus
  contacts: number
  messages: number
}

export interface BackupRequestTable {
  /** `passphrase: null`: generate a recovery code and return it with the file. */
  'backup.export': { params: { passphrase: string | null }; result: BackupExport }
  /**
   * Only on a device without an identity (`identity_exists` otherwise). The passphrase or the
   * recovery code (spaces and dashes ignored). Fails with a `backup_*` code and changes nothing.
   */
  'backup.import': { params: { file: string; passphrase: string }; result: BackupImported }
}
