/**
 * The link offer as text: what the new device shows under its QR code and what the user pastes on
 * the existing device, `hestia:link/<base64url of the LinkOffer>`. Decoding checks the prefix, the
 * alphabet, the length and the offer itself, and throws one ProtocolError for anything else.
 */
import { fromBase64Url, toBase64Url } from '../../crypto/bytes.ts'
import { ProtocolError, asProtocolError } from '../../wire/errors.ts'
import { decodeLinkOffer } from './link-codec.ts'
import { DEVICE_CAPS } from './limits.ts'

export const LINK_TEXT_PREFIX = 'hestia:link/'

/** Longest text a valid offer gives (base64url of the capped offer, plus the prefix). */
export const LINK_TEXT_MAX_CHARS =
  LINK_TEXT_PREFIX.length + Math.ceil((DEVICE_CAPS.linkOffer * 4) / 3)

export function encodeLinkText(offer: Uint8Array): string {
  return LINK_TEXT_PREFIX + toBase64Url(offer)
}

/** The offer bytes of a pasted or scanned link text (checked with decodeLinkOffer). */
export function decodeLinkText(text: unknown): Uint8Array {
  if (typeof text !== 'string') throw new ProtocolError('malformed', 'link: expected text')
  const trimmed = text.trim()
  if (trimmed.length > LINK_TEXT_MAX_CHARS) {
    throw new ProtocolError('oversize', `link: longer than ${LINK_TEXT_MAX_CHARS} characters`)
  }
  if (!trimmed.startsWith(LINK_TEXT_PREFIX)) {
    throw new ProtocolError(
      'malformed',
      `This is not a device link: it must start with ${LINK_TEXT_PREFIX} (an invite adds a contact instead).`,
    )
  }
  const b64 = trimmed.slice(LINK_TEXT_PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(b64)) throw new ProtocolError('malformed', 'link: not base64url')
  const bytes = asProtocolError('malformed', 'link base64url', () => fromBase64Url(b64))
  decodeLinkOffer(bytes)
  return bytes
}
