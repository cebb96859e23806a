/**
 * Every length, count and time a peer can put into what we store and show, defined once. The wire
 * decoders (core/src/messenger/payload.ts, core/src/files/codec.ts), the code that writes records
 * (core/src/messenger/*) and the client-API schema (core/src/client/validate.ts via CLIENT_LIMITS)
 * all read these, so a value one of them accepts cannot fail another (docs/adr/0505).
 *
 * Units: "code units" are UTF-16 code units, i.e. JavaScript `string.length`, what the schema
 * counts. "Graphemes" are user-perceived characters (Intl.Segmenter), what a person counts.
 * Byte caps on the wire are derived: one UTF-16 code unit is at most 3 UTF-8 bytes.
 */
export const PEER_VALUE_CAPS = {
  /** A display name, as shown: user-perceived characters. */
  displayNameGraphemes: 64,
  /** A display name's storage bound (64 graphemes of up to 4 code units each). */
  displayNameCodeUnits: 256,
  /** A text message. The composer counts the same unit. */
  messageTextCodeUnits: 16_000,
  /** A file name (longer names are refused by the decoder; senders shorten theirs). */
  fileNameCodeUnits: 255,
  /** A file's MIME type as the sender declared it. */
  mimeTypeCodeUnits: 127,
  /** The conversation list's preview of the last message (text or file name). */
  previewCodeUnits: 160,
  /** Devices shown per contact. */
  devicesPerContact: 32,
  /** Relays per invite or hello. */
  relaysPerContact: 4,
} as const

/** UTF-8 bytes one UTF-16 code unit can take (a surrogate pair: 2 units, 4 bytes). */
export const UTF8_BYTES_PER_CODE_UNIT = 3

/** Wire bytes that `codeUnits` UTF-16 code units can take as UTF-8. */
export function utf8BytesFor(codeUnits: number): number {
  return codeUnits * UTF8_BYTES_PER_CODE_UNIT
}

/**
 * The window a peer's timestamp (a message's sent_at, a receipt's read time) is clamped to,
 * relative to our clock when it arrives. Ahead: the sender's clock may run a little fast, a far
 * future time is a lie that would pin a message to the end. Behind: nothing sits in a relay's
 * mailbox longer than a year, and 0 would be 1970.
 */
export const PEER_TIME_WINDOW = {
  maxAheadMs: 10 * 60_000,
  maxBehindMs: 400 * 86_400_000,
} as const

/** The ECMAScript Date range: any time the UI may pass to `new Date()` without an Invalid Date. */
export const MAX_DATE_MS = 8.64e15

/** A peer's timestamp moved into PEER_TIME_WINDOW around `now` (non-numbers become `now`). */
export function clampPeerTime(time: number, now: number): number {
  if (!Number.isFinite(time)) return now
  const earliest = Math.max(0, now - PEER_TIME_WINDOW.maxBehindMs)
  const latest = Math.min(MAX_DATE_MS, now + PEER_TIME_WINDOW.maxAheadMs)
  return Math.min(Math.max(Math.trunc(time), earliest), latest)
}
