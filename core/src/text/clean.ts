/**
 * Cleaning of the strings a peer names things with (display names, file names): what is left can
 * neither reorder the text around it (bidi controls), hide characters (zero-width and other format
 * characters), fake line breaks (controls), nor outgrow its cap. See docs/adr/0710.
 */
import { PEER_VALUE_CAPS as CAPS } from './caps.ts'

/**
 * Removed outright: Cc (controls), Cf (format: bidi embeddings, overrides and isolates, zero-width
 * space/joiners, word joiner, BOM, soft hyphen, tags, …), Zl/Zp (line and paragraph separators),
 * Cs (lone surrogates), Co (private use: whatever a font puts there), and blank-looking letters
 * that render as nothing (Hangul fillers, the braille blank).
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Co}\u115f\u1160\u3164\uffa0\u2800]/gu

/** Any run of whitespace, including no-break and ideographic spaces. */
const SPACES = /[\p{White_Space}]+/gu

const graphemeSegmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' })

/** User-perceived characters of `text`. */
export function graphemes(text: string): string[] {
  return Array.from(graphemeSegmenter.segment(text), (s) => s.segment)
}

/** NFC, invisible and control characters removed, whitespace runs collapsed, trimmed. */
export function stripInvisible(text: string): string {
  return text.normalize('NFC').replace(INVISIBLE, '').replace(SPACES, ' ').trim()
}

/** Whole graphemes from the start, at most `maxGraphemes` of them and `maxCodeUnits` in all. */
export function cutGraphemes(text: string, maxGraphemes: number, maxCodeUnits: number): string {
  let out = ''
  let count = 0
  for (const g of graphemes(text)) {
    if (count === maxGraphemes || out.length + g.length > maxCodeUnits) break
    out += g
    count += 1
  }
  return out
}

/** A display name as we store and show it (may be empty: see displayNameOr). */
export function cleanDisplayName(raw: string): string {
  return cutGraphemes(
    stripInvisible(raw),
    CAPS.displayNameGraphemes,
    CAPS.displayNameCodeUnits,
  ).trim()
}

/** The cleaned name, or `fallback` when nothing visible is left. */
export function displayNameOr(raw: string, fallback: string): string {
  const name = cleanDisplayName(raw)
  return name === '' ? fallback : name
}

/**
 * A received file's name as we store, show and save it: invisible characters removed, path
 * separators and characters file systems refuse replaced, no leading dots (hidden files), within
 * the cap. Never empty.
 */
export function cleanFileName(raw: string): string {
  const visible = stripInvisible(raw)
    .replace(/[/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+/, '')
  const name = shortenMiddle(visible, CAPS.fileNameCodeUnits)
  return name === '' ? 'file' : name
}

/** A declared MIME type, lower-cased, or '' unless it is a plain `type/subtype` (no parameters). */
export function cleanMimeType(raw: string): string {
  const type = raw.trim().toLowerCase()
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type) ? type : ''
}

/** The extension of a file name (with its dot), or '' if it has none worth keeping. */
export function fileExtension(name: string): string {
  const dot = name.lastIndexOf('.')
  if (dot <= 0 || dot === name.length - 1) return ''
  const ext = name.slice(dot)
  return ext.length <= 16 && !ext.includes(' ') ? ext : ''
}

/**
 * `text` within `maxCodeUnits`, cut in the middle at grapheme boundaries with an ellipsis, so the
 * end (a file's real extension) always stays visible.
 */
export function shortenMiddle(text: string, maxCodeUnits: number): string {
  if (text.length <= maxCodeUnits) return text
  const ellipsis = '…'
  const ext = fileExtension(text)
  const parts = graphemes(text.slice(0, text.length - ext.length))
  const room = maxCodeUnits - ellipsis.length - ext.length
  // Keep more of the start than of the end of the stem: names are told apart by how they begin.
  const headRoom = Math.ceil((room * 2) / 3)
  let head = ''
  let i = 0
  while (i < parts.length && head.length + parts[i]!.length <= headRoom) head += parts[i++]
  let tail = ''
  let j = parts.length - 1
  while (j >= i && head.length + tail.length + parts[j]!.length <= room) tail = parts[j--] + tail
  return `${head}${ellipsis}${tail}${ext}`
}
