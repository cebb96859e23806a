/**
 * The one error type every decoder and protocol check in Hestia throws for input a peer controls.
 *
 * Programmer errors (wrong argument types from our own code) stay TypeError/RangeError; anything that
 * came off the wire and is wrong becomes a ProtocolError with a stable `code`, so callers can branch
 * on `err.code` and never on message text.
 */

/** Stable failure codes. Append only: other components persist and branch on these strings. */
export const PROTOCOL_ERROR_CODES = [
  'malformed',
  'oversize',
  'unsupported_version',
  'bad_signature',
  'expired',
  'not_yet_valid',
  'replay',
  'decrypt_failed',
  'wrong_key',
  'limit_exceeded',
  'key_changed',
  'unknown_key',
  /** A group change by a member who is not an admin (groups.md "Admins"). */
  'not_admin',
] as const

export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number]

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly code: ProtocolErrorCode

  constructor(code: ProtocolErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** True when `err` is a ProtocolError (optionally with the given code). Works across realms/bundles. */
export function isProtocolError(err: unknown, code?: ProtocolErrorCode): err is ProtocolError {
  if (!(err instanceof Error) || err.name !== 'ProtocolError') return false
  const c = (err as { code?: unknown }).code
  if (typeof c !== 'string' || !(PROTOCOL_ERROR_CODES as readonly string[]).includes(c))
    return false
  return code === undefined || c === code
}

/**
 * Runs `fn`; any exception it throws that is not already a ProtocolError becomes
 * ProtocolError(code) with the original as `cause`. Use around library calls on peer input.
 */
export function asProtocolError<T>(code: ProtocolErrorCode, what: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (isProtocolError(err)) throw err
    throw new ProtocolError(code, `${what}: ${describe(err)}`, { cause: err })
  }
}

/** Async twin of asProtocolError. */
export async function asProtocolErrorAsync<T>(
  code: ProtocolErrorCode,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    if (isProtocolError(err)) throw err
    throw new ProtocolError(code, `${what}: ${describe(err)}`, { cause: err })
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
