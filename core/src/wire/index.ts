/**
 * Shared wire helpers: the typed ProtocolError, capped decoding, frame caps and domain labels.
 *
 * @example
 * import { decodeCapped, ProtocolError, FRAME_CAPS } from '@hestia/core/wire/index.ts'
 * try {
 *   const msg = decodeCapped(bytes, FRAME_CAPS.sealedEnvelope, MyCodec, 'sealed envelope')
 * } catch (err) {
 *   if (err instanceof ProtocolError) console.log(err.code) // 'oversize' | 'malformed' | ...
 * }
 */
export * from './errors.ts'
export * from './decode.ts'
export * from './caps.ts'
export * from './labels.ts'
