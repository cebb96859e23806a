/**
 * How the PostgreSQL store reports trouble (ADR 0230): a database that cannot be reached is a
 * retryable `internal` with a retry hint, a full disk is `storage_full` (ADR 0210), a server the
 * relay cannot use is PgStoreOpenError, and URLs in messages never show their password.
 */
import { MailboxError } from '@hestia/core/mailbox/index.ts'

/** What a client is told to wait when the database is unreachable. */
const UNAVAILABLE_RETRY_MS = 1_000

/** The store cannot start on this database; the message says what to do. */
export class PgStoreOpenError extends Error {
  override readonly name = 'PgStoreOpenError'
}

const CONNECTION_CODES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
])
const NODE_NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'])

/** True when the database could not be reached or the connection broke. */
export function isPgUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null
  if (typeof e?.code === 'string' && (CONNECTION_CODES.has(e.code) || NODE_NET_CODES.has(e.code))) {
    return true
  }
  const message = typeof e?.message === 'string' ? e.message : ''
  return (
    message.includes('Connection terminated') ||
    message.includes('timeout exceeded when trying to connect') ||
    message.includes('Client has encountered a connection error') ||
    message.includes('Client was closed')
  )
}

export function isPgDiskFull(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '53100'
}

/** Maps a database failure to what the client is told; other errors pass unchanged. */
export function toStoreError(err: unknown): unknown {
  if (err instanceof MailboxError) return err
  if (isPgDiskFull(err)) return new MailboxError('storage_full', undefined, { cause: err })
  if (isPgUnavailable(err)) {
    return new MailboxError('internal', 'the relay database is unavailable; retry shortly', {
      cause: err,
      retryAfterMs: UNAVAILABLE_RETRY_MS,
    })
  }
  return err
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return 'the configured URL'
  }
}
