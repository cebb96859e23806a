/**
 * Client API area "backup" (issue 17, ADR 0524): export this identity to one encrypted file, and
 * import such a file on a fresh install. Served without a running node (like `identity.*`): an
 * export only reads the store, an import happens before there is anything to run.
 *
 * An import changes nothing until the file has opened and its contents checked (format.ts,
 * contents.ts); the restore is then one store transaction (store-contents.ts), re-keyed as a new
 * device of the same identity (restore.ts), and only then does the node start.
 */
import { ClientApiError, fail, ok } from '../../client/api.ts'
import type { ClientErrorCode } from '../../client/api.ts'
import type { HandlersFor } from '../../client/dispatch.ts'
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.ts'
import { BackupError, type BackupErrorCode } from '../../backup/errors.ts'
import { decodeBackup, encodeBackup } from '../../backup/format.ts'
import { generateRecoveryCode, normaliseRecoveryCode } from '../../backup/recovery-code.ts'
import {
  BackupStoreError,
  collectBackupContents,
  restoreBackupContents,
} from '../../backup/store-contents.ts'
import type { BackupContents } from '../../backup/contents.ts'
import { hashWasmArgon2id, passphraseBytes } from '../../store/at-rest/argon2id.ts'
import type { Argon2idParams, PassphraseKdf } from '../../store/at-rest/argon2id.ts'
import { restoredContents } from '../restore.ts'
import { identityStatus, type IdentityParts } from './identity.ts'

export interface BackupOptions {
  /** Argon2id; the extension passes its worker (ADR 0120). Default: hash-wasm in this thread. */
  kdf?: PassphraseKdf
  /** Parameters for new files; default BACKUP_DEFAULT (256 MiB, t = 3, p = 4). */
  params?: Argon2idParams
  /** Never weaker than this; default BACKUP_DEFAULT. Only tests lower it (with `params`). */
  floor?: Argon2idParams
}

export const BACKUP_CLIENT_CODES: Record<BackupErrorCode, ClientErrorCode> = {
  not_a_backup: 'backup_not_a_backup',
  unsupported_version: 'backup_unsupported_version',
  truncated: 'backup_truncated',
  damaged: 'backup_damaged',
  wrong_passphrase: 'backup_wrong_passphrase',
  invalid_parameters: 'backup_invalid_parameters',
  too_large: 'backup_too_large',
}

function asClientError(error: unknown): Error {
  if (error instanceof BackupError)
    return new ClientApiError(BACKUP_CLIENT_CODES[error.code], error.message)
  return error instanceof Error ? error : new Error(String(error))
}

/** Runs `work`; a BackupError becomes the matching `backup_*` client error. */
async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (error) {
    throw asClientError(error)
  }
}

/**
 * A recovery code is used in its normalised form (digits only), so it may be typed with or
 * without its spaces; anything else is the passphrase as typed.
 */
function secretBytes(typed: string): Uint8Array {
  return passphraseBytes(normaliseRecoveryCode(typed) ?? typed)
}

async function openFile(file: string, passphrase: string, kdf: PassphraseKdf) {
  let bytes: Uint8Array
  try {
    bytes = fromBase64Url(file)
  } catch {
    throw new ClientApiError('backup_not_a_backup', 'the file is not base64url')
  }
  return mapped(() => decodeBackup(bytes, secretBytes(passphrase), kdf))
}

export function backupHandlers(
  p: IdentityParts,
  options: BackupOptions = {},
): HandlersFor<'backup.export' | 'backup.import'> {
  const kdf = options.kdf ?? hashWasmArgon2id
  return {
    'backup.export': async (r) => {
      const store = await p.store()
      const createdAt = p.platform.clock()
      let contents: BackupContents
      try {
        contents = await collectBackupContents(store, createdAt)
      } catch (error) {
        if (error instanceof BackupStoreError) return fail('no_identity', error.message)
        throw error
      }
      const recoveryCode = r.passphrase === null ? generateRecoveryCode(p.platform.random) : null
      const secret = secretBytes(recoveryCode ?? r.passphrase!)
      const file = await mapped(() =>
        encodeBackup(contents, secret, {
          kdf,
          random: p.platform.random,
          ...(options.params !== undefined ? { params: options.params } : {}),
          ...(options.floor !== undefined ? { floor: options.floor } : {}),
        }),
      )
      return ok({
        file: toBase64Url(file),
        fileName: `hestia-backup-${new Date(createdAt).toISOString().slice(0, 10)}.hestia`,
        bytes: file.length,
        recoveryCode,
        contacts: contents.contacts.length,
        messages: contents.messages.length,
        createdAt,
      })
    },
    'backup.import': async (r) => {
      const store = await p.store()
      // Checked first (and again inside the restore's transaction): no KDF run for nothing.
      if ((await store.getIdentity()) !== undefined)
        return fail('identity_exists', 'erase this device before restoring a backup')
      const contents = await openFile(r.file, r.passphrase, kdf)
      const restored = await mapped(() => restoredContents(contents, p.platform))
      try {
        await restoreBackupContents(store, restored)
      } catch (error) {
        if (error instanceof BackupStoreError) return fail('identity_exists', error.message)
        throw asClientError(error)
      }
      await p.startNode()
      const identity = await identityStatus(store)
      p.emit({ type: 'identity.changed', identity })
      return ok({
        identity,
        contacts: restored.contacts.length,
        messages: restored.messages.length,
      })
    },
  }
}
