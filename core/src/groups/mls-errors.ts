/**
 * Maps what ts-mls throws to the project's one typed error (wire/errors.ts), so callers branch on
 * `code` and never on the library's classes or message text.
 */
import { isProtocolError, ProtocolError, type ProtocolErrorCode } from '../wire/errors.ts'

// ts-mls names its error classes (mlsError.ts); we match by name so a second copy of the library
// in a bundle still maps.
const BY_CLASS: Record<string, ProtocolErrorCode> = {
  CodecError: 'malformed',
  CryptoVerificationError: 'bad_signature',
  CryptoError: 'decrypt_failed',
  ValidationError: 'malformed',
  UsageError: 'malformed',
}

/**
 * `refusal` is the credential checker's reason when the library refused a leaf: it is the more
 * precise error (expired certificate, wrong identity...) and wins over the library's generic one.
 */
export function toProtocolError(
  err: unknown,
  what: string,
  refusal?: ProtocolError,
): ProtocolError {
  if (isProtocolError(err)) return err
  if (refusal !== undefined)
    return new ProtocolError(refusal.code, `${what}: ${refusal.message}`, { cause: err })
  const name = err instanceof Error ? err.constructor.name : ''
  const message = err instanceof Error ? err.message : String(err)
  const code =
    BY_CLASS[name] ?? (/decrypt|aead|tag/i.test(message) ? 'decrypt_failed' : 'malformed')
  return new ProtocolError(code, `${what}: ${message}`, { cause: err })
}
