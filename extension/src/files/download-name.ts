/**
 * The file name a received file is saved under. The name comes from the contact's offer, so it is
 * untrusted: no path separators or traversal, no control or reserved characters, no hidden dot
 * files, no Windows device names, bounded length. The downloads API rejects names it cannot
 * use; this makes every offer's name usable instead of failing the save at the very end.
 */
import { stripInvisible } from '@hestia/core/text/clean.ts'

// eslint-disable-next-line no-control-regex -- control characters are what is removed
const unsafeCharacters = /[\u0000-\u001f\u007f"*/:<>?\\|]/g
const windowsDeviceNames = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
/** Leaves room for the browser's " (1)" and the folder within common 255-byte name limits. */
const maxNameChars = 180

export const DOWNLOAD_FOLDER = 'Hestia'

export function safeDownloadName(offered: string): string {
  // Format characters (bidi controls, zero-width, soft hyphen, …) could make "cod.exe" read as
  // "exe.doc" in the browser's download bar or the file manager: they go first.
  let name = stripInvisible(offered).replace(unsafeCharacters, '_')
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '')
  if (windowsDeviceNames.test(name)) name = `_${name}`
  const chars = Array.from(name)
  if (chars.length > maxNameChars) {
    const dot = name.lastIndexOf('.')
    const extension = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
    name = chars.slice(0, maxNameChars - Array.from(extension).length).join('') + extension
  }
  return name === '' ? 'file' : name
}

/**
 * Types a received file keeps when it is saved: plain media and documents that no browser runs.
 * Every other type (text/html, image/svg+xml, application/javascript, …) is saved as
 * application/octet-stream, so the contact's declared type never makes the browser render or run
 * the file in one of its own pages.
 */
export const SAFE_SAVED_TYPES: ReadonlySet<string> = new Set([
  'application/pdf',
  'application/zip',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'image/gif',
  'image/jpeg',
  'image/png',
  'image/webp',
  'text/plain',
  'video/mp4',
  'video/webm',
])

export const OPAQUE_TYPE = 'application/octet-stream'

/** The Blob type a received file is saved with. */
export function savedFileType(declared: string): string {
  const type = declared.trim().toLowerCase()
  return SAFE_SAVED_TYPES.has(type) ? type : OPAQUE_TYPE
}

/** Relative to the user's downloads folder. */
export function downloadPath(offered: string): string {
  return `${DOWNLOAD_FOLDER}/${safeDownloadName(offered)}`
}
