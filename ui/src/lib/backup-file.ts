// A backup file between the page and the client API (issue 17): the API carries it as base64url
// (plain data, ADR 0501); the page turns it into a download and a picked file back into text.
// The bytes are the encrypted file itself: nothing here sees a passphrase or a plaintext.

const CHUNK = 0x8000

/** base64url (RFC 4648 §5, no padding) of `bytes`. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += CHUNK)
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The bytes of base64url text; throws on anything else. */
export function base64UrlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new TypeError('not base64url')
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
  const out = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i)
  return out
}

/** A picked file as the API's base64url text. */
export async function fileAsBase64Url(file: Blob): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await file.arrayBuffer()))
}

/** A blob: URL to download the file from (revoke it when the page no longer offers it). */
export function downloadUrl(fileBase64Url: string): string {
  const bytes = base64UrlToBytes(fileBase64Url)
  return URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }))
}

/** "812 bytes", "14.2 KB", "3.1 MB" (decimal units, as the browser's downloads list shows). */
export function sizeText(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} KB`
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}
