/**
 * Last-writer-wins state between our own devices (issue 19, ADR 0785): what the user chose for a
 * contact (name, verified, blocked) and the settings that belong to the person rather than the
 * device (read receipts, delayed receipts, relay-only). Each travels with a stamp; a device takes
 * a state only when its stamp is above the one it holds, so a stale frame or one a relay replays
 * cannot roll anything back.
 *
 * A stamp is a millisecond clock reading pushed past the held stamp (`nextStamp`): a device whose
 * clock is behind still moves the state forward. Equal stamps with different content (two devices
 * in the same millisecond) are settled by the content bytes, the same way on every device.
 *
 * Byte layouts (inside the sealed own-device frame, own-frames.ts):
 *
 *   contact (kind 7)  = stateStamp (8 B) || routeStamp (8 B) || SyncSnapshot with one contact
 *   settings (kind 8) = stamp (8 B) || flags (1 B: 1 read receipts, 2 delay receipts, 4 relay-only)
 *
 * Stamps are unsigned big-endian integers below 2^53. A route is taken from the primary only.
 */
import { ProtocolError } from '../../wire/errors.ts'
import { decodeSyncBook, encodeSyncSnapshot, type SyncedContactFields } from './sync.ts'

const STAMP_BYTES = 8

/** Lexicographic order of two byte strings (a shorter prefix sorts first). */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}

/** The next stamp for a local change: the clock, or just past the held stamp if that is ahead. */
export function nextStamp(held: number, now: number): number {
  return Math.max(Math.floor(now), held + 1)
}

export function putStamp(out: Uint8Array, at: number, stamp: number): void {
  if (!Number.isSafeInteger(stamp) || stamp < 0) throw new RangeError('stamp out of range')
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  view.setUint32(at, Math.floor(stamp / 2 ** 32))
  view.setUint32(at + 4, stamp >>> 0)
}

export function readStamp(bytes: Uint8Array, at: number, what: string): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const high = view.getUint32(at)
  if (high >= 2 ** 21) throw new ProtocolError('malformed', `${what}: stamp out of range`)
  return high * 2 ** 32 + view.getUint32(at + 4)
}

/**
 * Where a state with stamp `stamp` (content `bytes`) stands against the held one: newer (take
 * it), the same (nothing to do) or older (a stale or replayed frame). Equal stamps with other
 * content: the larger content is the newer, on every device alike.
 */
export function orderOf(
  stamp: number,
  bytes: Uint8Array,
  heldStamp: number,
  heldBytes: Uint8Array,
): 'newer' | 'same' | 'older' {
  if (stamp !== heldStamp) return stamp > heldStamp ? 'newer' : 'older'
  const c = compareBytes(bytes, heldBytes)
  return c === 0 ? 'same' : c > 0 ? 'newer' : 'older'
}

export interface ContactStateFrame {
  stateStamp: number
  routeStamp: number
  contact: SyncedContactFields
}

export function encodeContactState(f: ContactStateFrame): Uint8Array {
  const snapshot = encodeSyncSnapshot([f.contact])
  const out = new Uint8Array(2 * STAMP_BYTES + snapshot.length)
  putStamp(out, 0, f.stateStamp)
  putStamp(out, STAMP_BYTES, f.routeStamp)
  out.set(snapshot, 2 * STAMP_BYTES)
  return out
}

export function decodeContactState(body: Uint8Array): ContactStateFrame {
  if (body.length <= 2 * STAMP_BYTES)
    throw new ProtocolError('malformed', 'contact state: too short')
  const contacts = decodeSyncBook(body.subarray(2 * STAMP_BYTES)).contacts
  if (contacts.length !== 1)
    throw new ProtocolError('malformed', 'contact state: not exactly one contact')
  return {
    stateStamp: readStamp(body, 0, 'contact state'),
    routeStamp: readStamp(body, STAMP_BYTES, 'contact state'),
    contact: contacts[0]!,
  }
}

/** The user's choices for a contact as bytes, for the equal-stamp rule. */
export function contactChoiceBytes(c: {
  displayName: string
  verified: boolean
  blocked: boolean
}): Uint8Array {
  const name = new TextEncoder().encode(c.displayName)
  const out = new Uint8Array(name.length + 1)
  out[0] = (c.verified ? 1 : 0) | (c.blocked ? 2 : 0)
  out.set(name, 1)
  return out
}

/** The settings that follow the person to every device (ADR 0785); the rest stay per device. */
export interface PersonalSettings {
  readReceipts: boolean
  delayReceipts: boolean
  relayOnly: boolean
}

export const PERSONAL_SETTINGS: readonly (keyof PersonalSettings)[] = [
  'readReceipts',
  'delayReceipts',
  'relayOnly',
]

const FLAG = { readReceipts: 1, delayReceipts: 2, relayOnly: 4 } as const
const KNOWN_FLAGS = FLAG.readReceipts | FLAG.delayReceipts | FLAG.relayOnly

export function personalFlags(s: PersonalSettings): number {
  return PERSONAL_SETTINGS.reduce((bits, k) => (s[k] ? bits | FLAG[k] : bits), 0)
}

export function encodeSettingsState(stamp: number, s: PersonalSettings): Uint8Array {
  const out = new Uint8Array(STAMP_BYTES + 1)
  putStamp(out, 0, stamp)
  out[STAMP_BYTES] = personalFlags(s)
  return out
}

export function decodeSettingsState(body: Uint8Array): {
  stamp: number
  settings: PersonalSettings
} {
  if (body.length !== STAMP_BYTES + 1) throw new ProtocolError('malformed', 'settings: wrong size')
  const bits = body[STAMP_BYTES]!
  if ((bits & ~KNOWN_FLAGS) !== 0) throw new ProtocolError('malformed', 'settings: unknown flag')
  return {
    stamp: readStamp(body, 0, 'settings'),
    settings: {
      readReceipts: (bits & FLAG.readReceipts) !== 0,
      delayReceipts: (bits & FLAG.delayReceipts) !== 0,
      relayOnly: (bits & FLAG.relayOnly) !== 0,
    },
  }
}
