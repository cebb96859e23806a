// Decoding QR codes in camera frames or image files with `jsqr`. A module of its own so the
// popup loads jsqr (~130 KB) only when a scan starts (qr.ts: loadQrDecoder).
import jsqr from 'jsqr'

type JsQr = typeof jsqr.default
// jsqr is a UMD bundle: Node and bundlers hand its default export over differently.
const jsQR: JsQr = typeof jsqr === 'function' ? jsqr : jsqr.default

/** Decodes the first QR code in RGBA pixels, or returns null. */
export function decodeQr(
  pixels: Uint8ClampedArray,
  width: number,
  height: number,
  thorough = false,
): string | null {
  const found = jsQR(pixels, width, height, {
    inversionAttempts: thorough ? 'attemptBoth' : 'dontInvert',
  })
  return found === null || found.data === '' ? null : found.data
}
