/**
 * The fixture client's backup (issue 17): the same answers as the node's `backup.export` and
 * `backup.import` (a recovery code when no passphrase is given, typed `backup_*` failures,
 * `identity_exists`), without key derivation: the "file" is the magic and, in clear, the name and
 * passphrase, so UI tests can export in one fixture client and import in another.
 */
import { fail, ok } from '../src/client/api.ts'
import type {
  BackupExport,
  BackupImported,
  ClientFailure,
  ClientSuccess,
  IdentityStatus,
  RequestFor,
} from '../src/client/api.ts'
import { fromBase64Url, toBase64Url } from '../src/crypto/bytes.ts'

const MAGIC = 'HESTIABK'

function normalised(typed: string): string {
  const digits = typed.replace(/[\s-]/g, '')
  return /^[0-9]{30}$/.test(digits) ? digits : typed
}

export function fixtureExport(
  request: RequestFor<'backup.export'>,
  identity: IdentityStatus,
  counts: { contacts: number; messages: number },
  now: number,
  random: () => number,
): ClientSuccess<BackupExport> | ClientFailure {
  if (identity.state !== 'ready') return fail('no_identity', 'nothing to back up')
  const recoveryCode =
    request.passphrase === null
      ? Array.from({ length: 6 }, () =>
          Array.from({ length: 5 }, () => Math.floor(random() * 10)).join(''),
        ).join(' ')
      : null
  const body = JSON.stringify({
    identity,
    passphrase: normalised(recoveryCode ?? request.passphrase!),
    ...counts,
  })
  const bytes = new TextEncoder().encode(MAGIC + body)
  return ok({
    file: toBase64Url(bytes),
    fileName: `hestia-backup-${new Date(now).toISOString().slice(0, 10)}.hestia`,
    bytes: bytes.length,
    recoveryCode,
    ...counts,
    createdAt: now,
  })
}

export function fixtureImport(
  request: RequestFor<'backup.import'>,
  current: IdentityStatus,
): ClientSuccess<BackupImported> | ClientFailure {
  if (current.state === 'ready') return fail('identity_exists', 'erase this device first')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(fromBase64Url(request.file))
  } catch {
    return fail('backup_not_a_backup', 'not base64url text')
  }
  if (!text.startsWith(MAGIC)) return fail('backup_not_a_backup', 'no magic')
  let parsed: { identity: IdentityStatus; passphrase: string; contacts: number; messages: number }
  try {
    parsed = JSON.parse(text.slice(MAGIC.length)) as typeof parsed
  } catch {
    return fail('backup_truncated', 'the fixture file was cut')
  }
  if (normalised(request.passphrase) !== parsed.passphrase)
    return fail('backup_wrong_passphrase', 'wrong passphrase')
  return ok({ identity: parsed.identity, contacts: parsed.contacts, messages: parsed.messages })
}
