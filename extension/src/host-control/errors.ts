import { errorCodes, type IpcErrorCode } from './protocol.ts'

/**
 * Every host-control failure, whichever side found it: `code` says which (one of protocol.ts's
 * `errorCodes`, the value that travels in a reply), the message says why. One class for the
 * boundary (ADR 0810); the helpers below only fix the code and word the message.
 */
export class HostRequestError extends Error {
  override readonly name = 'HostRequestError'
  readonly code: IpcErrorCode
  constructor(code: IpcErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

/** A message failed validation; the receiver drops it and answers with this code. */
export function malformedMessage(detail: string): HostRequestError {
  return new HostRequestError(
    errorCodes.malformedMessage,
    `Malformed Hestia message: ${detail}. Sender and receiver must be the same build.`,
  )
}

/** A request kind this build does not know (the other side is another build). */
export function unknownRequest(kind: string): HostRequestError {
  return new HostRequestError(
    errorCodes.unknownRequest,
    `Unknown request kind "${kind}". Sender and receiver must be the same build.`,
  )
}

/** The code a reply carries for a thrown error: its own, or request_failed for anything else. */
export function codeOf(error: unknown): IpcErrorCode {
  return error instanceof HostRequestError ? error.code : errorCodes.requestFailed
}
