/**
 * Capped decoding: check the length a peer sent before handing bytes to any codec, and turn whatever
 * the codec throws into ProtocolError('malformed'). Every decoder in the project goes through here.
 */
import { ProtocolError, isProtocolError } from './errors.ts'

/** Anything with a `decode(bytes)` (protons codecs, our own). */
export interface Decoder<T> {
  decode(bytes: Uint8Array): T
}

/** Throws ProtocolError('oversize') when `bytes` is longer than `max`, ('malformed') if not bytes. */
export function checkSize(bytes: unknown, max: number, what: string): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new ProtocolError('malformed', `${what}: expected bytes`)
  }
  if (bytes.length > max) {
    throw new ProtocolError(
      'oversize',
      `${what}: ${bytes.length} bytes exceeds the cap of ${max}; the peer sent too much, drop it`,
    )
  }
}

/**
 * Decodes `bytes` with `codec` after checking `bytes.length <= max`. Returns the value or throws one
 * ProtocolError: 'oversize' before decoding, 'malformed' for anything the codec throws.
 */
export function decodeCapped<T>(
  bytes: unknown,
  max: number,
  codec: Decoder<T> | ((b: Uint8Array) => T),
  what = 'message',
): T {
  checkSize(bytes, max, what)
  try {
    return typeof codec === 'function' ? codec(bytes) : codec.decode(bytes)
  } catch (err) {
    if (isProtocolError(err)) throw err
    throw new ProtocolError('malformed', `${what}: cannot decode (${errMessage(err)})`, {
      cause: err,
    })
  }
}

/** A codec that can also encode (protons messages). */
export interface Codec<T> extends Decoder<T> {
  encode(value: NoInfer<T>): Uint8Array
}

/**
 * decodeCapped plus canonical form: re-encoding the decoded value must give back exactly `bytes`.
 * Protobuf parsers accept many encodings of one value (other wire types, repeated fields, unknown
 * fields, non-minimal varints); requiring the canonical one means a flipped bit anywhere in a
 * frame is an error, and two peers never disagree on what a frame says. Throws 'malformed'.
 */
export function decodeStrict<T>(bytes: unknown, max: number, codec: Codec<T>, what = 'message'): T {
  const value = decodeCapped(bytes, max, codec, what)
  let again: Uint8Array
  try {
    again = codec.encode(value)
  } catch (err) {
    throw new ProtocolError('malformed', `${what}: cannot re-encode`, { cause: err })
  }
  const input = bytes as Uint8Array
  let same = again.length === input.length
  for (let i = 0; same && i < again.length; i++) same = again[i] === input[i]
  if (!same) throw new ProtocolError('malformed', `${what}: not in canonical encoding`)
  return value
}

/** Field checks for after a decode: a codec accepts any length, our formats do not. */
export function requireBytes(
  value: Uint8Array | undefined,
  what: string,
  opts: { exact?: number; min?: number; max?: number },
): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new ProtocolError('malformed', `${what}: missing`)
  if (opts.exact !== undefined && value.length !== opts.exact) {
    throw new ProtocolError(
      'malformed',
      `${what}: must be ${opts.exact} bytes, got ${value.length}`,
    )
  }
  if (opts.min !== undefined && value.length < opts.min) {
    throw new ProtocolError('malformed', `${what}: shorter than ${opts.min} bytes`)
  }
  if (opts.max !== undefined && value.length > opts.max) {
    throw new ProtocolError('oversize', `${what}: longer than the cap of ${opts.max} bytes`)
  }
  return value
}

/** Integer field check (protons gives number or bigint depending on the type). */
export function requireUint(
  value: number | bigint | undefined,
  what: string,
  opts: { min?: number; max?: number } = {},
): number {
  if (value === undefined) throw new ProtocolError('malformed', `${what}: missing`)
  const n = typeof value === 'bigint' ? Number(value) : value
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ProtocolError('malformed', `${what}: not a non-negative safe integer`)
  }
  if (opts.min !== undefined && n < opts.min) {
    throw new ProtocolError('malformed', `${what}: below ${opts.min}`)
  }
  if (opts.max !== undefined && n > opts.max) {
    throw new ProtocolError('limit_exceeded', `${what}: above the cap of ${opts.max}`)
  }
  return n
}

/** Checks a format version: anything but `expected` is 'unsupported_version'. */
export function requireVersion(value: number | undefined, expected: number, what: string): void {
  if (value !== expected) {
    throw new ProtocolError(
      'unsupported_version',
      `${what}: version ${String(value)} is not supported (this build speaks ${expected}); update Hestia`,
    )
  }
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
