/**
 * Typed mailbox error codes, shared by the relay (which sends them in Response.error) and the client
 * (which throws MailboxError with the same code). The first five are the ProtocolError codes from
 * core/src/wire/errors.ts that a mailbox request can hit; the rest are mailbox-specific.
 */
import { isProtocolError } from '../wire/errors.ts'

/** Append only: clients branch on these strings and the UI maps them to text. */
export const MAILBOX_ERROR_CODES = [
  'malformed',
  'oversize',
  'unsupported_version',
  'bad_signature',
  'replay',
  'timestamp_out_of_window',
  'unknown_mailbox',
  'mailbox_exists',
  'bad_capability',
  'bad_expiry',
  'mailbox_full',
  'relay_full',
  'mailbox_expired',
  'no_prekeys',
  'rate_limited',
  'banned',
  'internal',
  'storage_full',
  'sequence_moved',
] as const

export type MailboxErrorCode = (typeof MAILBOX_ERROR_CODES)[number]

/** What the user can do about each code: the client shows this, the relay sends it as the message. */
export const MAILBOX_ERROR_ADVICE: Record<MailboxErrorCode, string> = {
  malformed: 'the request could not be decoded; update Hestia',
  oversize: 'the message is larger than the relay accepts; send a smaller one',
  unsupported_version:
    'the relay speaks another protocol version; update Hestia or pick another relay',
  bad_signature: 'the mailbox key did not sign this request; re-create the mailbox',
  replay: 'this request was already used; retry (a fresh nonce is drawn each time)',
  timestamp_out_of_window: 'your clock is more than 5 minutes off; fix the system clock',
  unknown_mailbox: 'the relay has no such mailbox; ask the contact for a new invite',
  mailbox_exists: 'a mailbox with this id already exists under another key; draw a new id',
  bad_capability: 'the capability does not match this mailbox; ask the contact for a new invite',
  bad_expiry: 'the expiry is not one of the allowed buckets; update Hestia',
  mailbox_full: 'the recipient mailbox is full; retry later or reach the contact directly',
  relay_full: 'the relay is out of storage; retry later or use another relay',
  mailbox_expired: 'the mailbox expired after a long silence; ask the contact for a new invite',
  no_prekeys: 'the contact has not published prekeys on this relay yet; retry later',
  rate_limited: 'too many requests; wait and retry',
  banned: 'this relay refuses your connection; use another relay',
  internal: 'the relay failed; retry later',
  storage_full: 'the relay ran out of disk space and stored nothing; retry later',
  sequence_moved:
    'someone wrote to this group mailbox first; read what is new and send again (ADR 0132)',
}

/**
 * Codes that say "not now" rather than "never": the same request may succeed later unchanged, so a
 * sender keeps the message queued and retries with backoff (the outbox does). The relay stored
 * nothing for any of them.
 */
export const RETRYABLE_MAILBOX_ERROR_CODES: ReadonlySet<MailboxErrorCode> = new Set([
  'rate_limited',
  'mailbox_full',
  'relay_full',
  'storage_full',
  'internal',
])

export function isMailboxErrorCode(value: unknown): value is MailboxErrorCode {
  return typeof value === 'string' && (MAILBOX_ERROR_CODES as readonly string[]).includes(value)
}

export class MailboxError extends Error {
  override readonly name = 'MailboxError'
  readonly code: MailboxErrorCode
  /** For rate_limited: how long the relay asks the client to wait. */
  readonly retryAfterMs: number
  /** The same request may succeed later (RETRYABLE_MAILBOX_ERROR_CODES). */
  readonly retryable: boolean
  /** For sequence_moved: the id the mailbox's next deposit will get (ADR 0132). */
  readonly nextId: bigint | undefined

  constructor(
    code: MailboxErrorCode,
    message?: string,
    options?: { cause?: unknown; retryAfterMs?: number; nextId?: bigint },
  ) {
    super(message ?? MAILBOX_ERROR_ADVICE[code], options)
    this.code = code
    this.retryAfterMs = options?.retryAfterMs ?? 0
    this.retryable = RETRYABLE_MAILBOX_ERROR_CODES.has(code)
    this.nextId = options?.nextId
  }
}

/** Maps any error thrown while handling a request to the code sent on the wire. */
export function toMailboxError(err: unknown): MailboxError {
  if (err instanceof MailboxError) return err
  if (isProtocolError(err)) {
    const code: MailboxErrorCode = isMailboxErrorCode(err.code)
      ? err.code
      : err.code === 'limit_exceeded'
        ? 'oversize'
        : 'malformed'
    return new MailboxError(code, err.message, { cause: err })
  }
  return new MailboxError('internal', undefined, { cause: err })
}
