import { errorCodes, type IpcErrorCode } from './protocol.ts'

/** A message failed validation; the receiver drops it and answers with this code. */
export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError'
  readonly code = errorCodes.malformedMessage
  constructor(detail: string) {
    super(`Malformed Hestia message: ${detail}. Sender and receiver must be the same build.`)
  }
}

export class UnknownRequestError extends Error {
  override readonly name = 'UnknownRequestError'
  readonly code = errorCodes.unknownRequest
  constructor(kind: string) {
    super(`Unknown request kind "${kind}". Sender and receiver must be the same build.`)
  }
}

export class UntrustedSenderError extends Error {
  override readonly name = 'UntrustedSenderError'
  readonly code = errorCodes.untrustedSender
  constructor() {
    super("Message from outside this extension's own pages: ignored.")
  }
}

/** The host answered with an error, or never answered. */
export class HostRequestError extends Error {
  override readonly name = 'HostRequestError'
  readonly code: IpcErrorCode
  constructor(code: IpcErrorCode, message: string) {
    super(message)
    this.code = code
  }
}

export function codeOf(error: unknown): IpcErrorCode {
  if (
    error instanceof MalformedMessageError ||
    error instanceof UnknownRequestError ||
    error instanceof UntrustedSenderError ||
    error instanceof HostRequestError
  ) {
    return error.code
  }
  return errorCodes.requestFailed
}
