/**
 * The file name a received file is saved under. The name comes from the contact's offer, so it is
 * untrusted: no path separators or traversal, no control or reserved characters, no hidden dot
 * files, no Windows device names, bounded length. The downloads API rejects names it cannot
 * use; this makes every offer's name usable instead of failing the save at the very end.
 */
// eslint-disable-next-line no-control-regex -- control characters are what is removed
const unsafeCharacters = /[\u0000-\u001f\u007f"*/:<>?\\|]/g
const windowsDeviceNames = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
/** Leaves room for the browser's " (1)" and the folder within common 255-byte name limits. */
const maxNameChars = 180

export const DOWNLOAD_FOLDER = 'Hestia'

export function safeDownloadName(offered: string): string {
  let name = offered.normalize('NFC').replace(unsafeCharacters, '_')
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

/** Relative to the user's downloads folder. */
export function downloadPath(offered: string): string {
  return `${DOWNLOAD_FOLDER}/${safeDownloadName(offered)}`
}
