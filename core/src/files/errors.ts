/**
 * Why a transfer stopped, as one typed error with a fixed code, and its client-API error body (the
 * UI shows CLIENT_ERROR_TEXT[code]). Peer input errors stay ProtocolError (wire/errors.ts).
 */
import type { ClientErrorBody, ClientErrorCode } from '../client/api.ts'

export const FILE_ERROR_CODES = [
  /** Too large for the mailbox fallback and no direct connection: it waits for both to be online. */
  'too_large_for_fallback',
  /** The receiving device's storage is full (the sink threw a quota error). */
  'storage_full',
  'declined',
  'cancelled',
  /** The connection dropped; the transfer resumes from the last verified chunk. */
  'interrupted',
  /** A chunk failed authentication or the whole file did not match its SHA-256. */
  'integrity',
  /** The sender's file cannot be read any more. */
  'source_gone',
  /** The peer broke the protocol (malformed, oversize or out-of-order frames). */
  'protocol',
  'not_found',
  /** The request does not fit the transfer's state (e.g. accept an outgoing transfer). */
  'invalid_state',
] as const
export type FileErrorCode = (typeof FILE_ERROR_CODES)[number]

export class FileTransferError extends Error {
  override readonly name = 'FileTransferError'
  readonly code: FileErrorCode

  constructor(code: FileErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export function isFileTransferError(err: unknown, code?: FileErrorCode): err is FileTransferError {
  if (!(err instanceof Error) || err.name !== 'FileTransferError') return false
  const c = (err as { code?: unknown }).code
  return typeof c === 'string' && (code === undefined || c === code)
}

/**
 * Client API code for each reason. A peer that breaks the protocol mid-file is, for the user,
 * the same as altered data: the file is not saved and has to be sent again.
 */
const CLIENT_CODE: Readonly<Record<FileErrorCode, ClientErrorCode>> = {
  too_large_for_fallback: 'too_large',
  storage_full: 'storage_full',
  declined: 'invalid_state',
  cancelled: 'invalid_state',
  interrupted: 'peer_unreachable',
  integrity: 'integrity_failed',
  source_gone: 'not_found',
  protocol: 'integrity_failed',
  not_found: 'not_found',
  invalid_state: 'invalid_state',
}

export function toClientError(err: FileTransferError): ClientErrorBody {
  return { code: CLIENT_CODE[err.code], message: `${err.code}: ${err.message}` }
}

/** Browsers throw DOMException 'QuotaExceededError' on OPFS/IndexedDB; Node fs gives ENOSPC. */
export function isQuotaError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const e = err as { name?: unknown; code?: unknown }
  return e.name === 'QuotaExceededError' || e.code === 'ENOSPC' || e.code === 'EDQUOT'
}
