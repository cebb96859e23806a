/**
 * Typed failures of the at-rest layer. Every one is raised before anything is written, so a caller
 * that catches it can be sure the stored state is what it was.
 */

export const AT_REST_ERROR_CODES = [
  /** The passphrase does not unwrap the data key (or the key record was altered: AEAD cannot tell). */
  'wrong_passphrase',
  /** A sealed value failed authentication: altered, or moved to another record, table or field. */
  'tampered',
  /** Bytes that are not a well-formed record of this format (truncated, bad length, bad field). */
  'damaged',
  /** A format version this build does not know (written by a newer Hestia). */
  'unsupported_version',
  /** KDF parameters outside the accepted bounds (too weak to write, or too costly to run). */
  'invalid_parameters',
] as const
export type AtRestErrorCode = (typeof AT_REST_ERROR_CODES)[number]

export class AtRestError extends Error {
  override readonly name: string = 'AtRestError'
  readonly code: AtRestErrorCode

  constructor(code: AtRestErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

export class WrongPassphraseError extends AtRestError {
  override readonly name = 'WrongPassphraseError'
  constructor() {
    super(
      'wrong_passphrase',
      'The passphrase is not correct. Nothing was changed; try again. (A forgotten passphrase ' +
        'cannot be recovered: erase this device and restore from a backup.)',
    )
  }
}

export class TamperedError extends AtRestError {
  override readonly name = 'TamperedError'
  constructor(what: string) {
    super(
      'tampered',
      `${what} failed its integrity check: it was altered or moved. Nothing was read.`,
    )
  }
}

export class DamagedError extends AtRestError {
  override readonly name = 'DamagedError'
  constructor(what: string, options?: { cause?: unknown }) {
    super('damaged', `${what} is damaged or incomplete. Nothing was changed.`, options)
  }
}

export class UnsupportedVersionError extends AtRestError {
  override readonly name = 'UnsupportedVersionError'
  constructor(what: string, version: number) {
    super(
      'unsupported_version',
      `${what} has format version ${version}, which this version of Hestia does not know: update the extension.`,
    )
  }
}

export class InvalidParametersError extends AtRestError {
  override readonly name = 'InvalidParametersError'
  constructor(message: string) {
    super('invalid_parameters', message)
  }
}
