// QR codes: encoding with `qrcode` (to an SVG path, no canvas and no HTML strings). Decoding
// lives in qr-decode.ts (jsqr, the largest library of the popup), loaded only when a scan starts.
import { create } from 'qrcode'
import type * as QrDecode from './qr-decode.ts'

/** Light modules around the code, as the QR spec asks (ISO/IEC 18004 §6.3.8: 4 modules). */
export const QUIET_ZONE = 4

export interface QrPath {
  /** Modules per side including the quiet zone (the SVG viewBox size). */
  size: number
  /** One SVG path drawing every dark module. */
  d: string
}

/**
 * Error-correction levels tried in order: M survives a scuffed screen, L holds the most data
 * (byte mode, version 40: M 2,331 bytes, L 2,953). Invites are short links (ADR 0734: at most 300
 * characters, uppercase in the QR payload, so alphanumeric mode: version 10 or less at M); only
 * an old long invite (~2,800 characters) still needs L.
 */
const CORRECTION_LEVELS = ['M', 'L'] as const

/**
 * The SVG path of `text` as a QR code, or null when it is too long for any QR code. `quietZone`
 * is the light border drawn around it, in modules (fewer only where the page around is white).
 */
export function qrPath(text: string, quietZone = QUIET_ZONE): QrPath | null {
  for (const errorCorrectionLevel of CORRECTION_LEVELS) {
    try {
      return drawModules(create(text, { errorCorrectionLevel }).modules, quietZone)
    } catch {
      // Too long at this level (qrcode throws): try the next, roomier one.
    }
  }
  return null
}

function drawModules(
  modules: { size: number; get(row: number, col: number): number | boolean },
  quietZone: number,
): QrPath {
  const parts: string[] = []
  for (let y = 0; y < modules.size; y++) {
    for (let x = 0; x < modules.size; x++) {
      if (modules.get(y, x)) parts.push(`M${x + quietZone} ${y + quietZone}h1v1h-1z`)
    }
  }
  return { size: modules.size + quietZone * 2, d: parts.join('') }
}

/**
 * The side, in CSS pixels, to draw a code of `modules` modules (quiet zone included) within
 * `maxSide`: a whole number of pixels per module, so every module has the same crisp width (a
 * camera misreads codes whose modules alternate between 1 and 2 pixels). Never below one pixel
 * per module.
 */
export function qrSide(modules: number, maxSide: number): number {
  return Math.max(1, Math.floor(maxSide / modules)) * modules
}

/** Loads the decoder (its own bundle chunk: not needed for the popup's first paint). */
export function loadQrDecoder(): Promise<typeof QrDecode> {
  return import('./qr-decode.ts')
}

/** Longest side, in pixels, a frame or image is scaled to before decoding (speed vs. detail). */
export const DECODE_MAX_SIDE = 800
