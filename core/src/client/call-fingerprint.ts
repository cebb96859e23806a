/**
 * DTLS certificate fingerprints of a call, in the one form the node and the call window compare:
 * the node checks the fingerprint a signal carries, the call window (ui/src/lib/call-session.ts)
 * checks that the SDP it is handed commits to that same certificate. Part of the client API so
 * the UI and the messenger share one definition.
 */

/** "sha-512 " + 64 hex pairs with colons is 199 characters. */
export const FINGERPRINT_MAX_CHARS = 200

const FINGERPRINT = /^(sha-(?:1|224|256|384|512)) ((?:[0-9a-f]{2}:)+[0-9a-f]{2})$/i

/**
 * A DTLS certificate fingerprint in its one comparable form: lower-case hash name, upper-case hex
 * pairs (RFC 8122 §5 `a=fingerprint:<hash-func> <fingerprint>`; hex is case-insensitive there).
 * Returns null when the text is not a fingerprint.
 */
export function normalizeFingerprint(text: string): string | null {
  if (text.length > FINGERPRINT_MAX_CHARS) return null
  const m = FINGERPRINT.exec(text.trim())
  if (m === null) return null
  return `${m[1]!.toLowerCase()} ${m[2]!.toUpperCase()}`
}

/**
 * The DTLS fingerprint an SDP commits to: every `a=fingerprint` line (session or media level) must
 * name the same certificate. Null when there is none, one is malformed, or they differ.
 */
export function sdpFingerprint(sdp: string): string | null {
  const found = new Set<string>()
  for (const line of sdp.split(/\r?\n/)) {
    if (!line.startsWith('a=fingerprint:')) continue
    const fp = normalizeFingerprint(line.slice('a=fingerprint:'.length))
    if (fp === null) return null
    found.add(fp)
  }
  return found.size === 1 ? [...found][0]! : null
}

/** Two fingerprints name the same certificate (both normalized; false if either is malformed). */
export function sameFingerprint(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return false
  const x = normalizeFingerprint(a)
  return x !== null && x === normalizeFingerprint(b)
}
