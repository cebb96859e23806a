/**
 * Frames between our own devices (ADR 0762), deposited into a device's own-devices mailbox: each
 * primary–companion pair shares a 32-byte key the primary made and handed over inside the link
 * grant (which travels encrypted under the link's keys, ADR 0110). Byte layout:
 *
 *   frame     = 0x01 || len(from) (1 B) || from (sender PeerId bytes) || nonce (12 B) || sealed
 *   sealed    = ChaCha20-Poly1305(key, nonce, kind (1 B) || body, aad)
 *   aad       = "hestia/v1/own-devices" || 0x00 || from || to (recipient PeerId bytes)
 *
 * Kinds: 1 route (our own-devices mailbox, records.ts encodeOutbound), 2 sent copy (sync.ts
 * SentCopy), 3 device list (the signed list, self-authenticating), 4 read up to (own-read.ts:
 * the contact's identity key, 32 B, and a message id, 16 B), 5 contact (own-contacts.ts: a
 * SyncSnapshot with one contact, unstamped; retired: refused since kind 7), 6 delivery (own-read.ts:
 * a message id, 16 B, and 1 delivered | 2 read), 7 contact state and 8 settings (sync-state.ts:
 * stamped, last writer wins, both ways, ADR 0785), 9 refresh request and 10 refresh grant
 * (refresh-link.ts: a companion's fresh keys and the primary's signed answer), 11 declined
 * (sync-declines.ts: a call or file offer declined on the sending device), 12 key accepted
 * (sync-key.ts: the replaced key, 32 B, then a kind 7 body naming the accepted key), 13 contact
 * deleted (sync-delete.ts: stamp, 8 B, and the contact's identity key, 32 B), 14 key refused
 * (sync-refuse.ts: the refused key, 32 B, then a kind 7 body naming the kept key), 16 history chunk,
 * 17 history ack, 18 received copy, 19 reached, 20 history end (history.ts, ADR 0790). The relay
 * sees a sealed deposit of the usual size classes (the mailbox seal hides even `from`).
 */
import { concatBytes } from '../../crypto/bytes.ts'
import type { RandomSource } from '../../crypto/platform.ts'
import { chachaOpen, chachaSeal } from '../../crypto/primitives.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { labelBytes } from '../../wire/labels.ts'

export const OWN_FRAME_VERSION = 1
export const OWN_FRAME_KIND = {
  route: 1,
  sentCopy: 2,
  deviceList: 3,
  readUpTo: 4,
  contact: 5,
  delivery: 6,
  contactState: 7,
  settings: 8,
  refreshRequest: 9,
  refreshGrant: 10,
  declined: 11,
  // A key change accepted and a contact deleted on the sending device (sync-key.ts, sync-delete.ts).
  keyAccepted: 12,
  contactDeleted: 13,
  // The user kept a contact's old key on the sending device (sync-refuse.ts).
  keyRefused: 14,
  // History between our own devices (history.ts, history-codec.ts, ADR 0790).
  historyChunk: 16,
  historyAck: 17,
  receivedCopy: 18,
  reached: 19,
  historyEnd: 20,
} as const
export type OwnFrameKind = (typeof OWN_FRAME_KIND)[keyof typeof OWN_FRAME_KIND]
const OWN_FRAME_LABEL = 'hestia/v1/own-devices'
const NONCE_BYTES = 12
/** A PeerId's bytes (an Ed25519 identity multihash is 38 B). */
const MAX_PEER_ID_BYTES = 64

export interface OwnFrame {
  kind: OwnFrameKind
  body: Uint8Array
}

function aad(from: Uint8Array, to: Uint8Array): Uint8Array {
  return concatBytes(labelBytes(OWN_FRAME_LABEL), new Uint8Array([0]), from, to)
}

export function sealOwnFrame(
  key: Uint8Array,
  from: Uint8Array,
  to: Uint8Array,
  frame: OwnFrame,
  random: RandomSource,
): Uint8Array {
  if (from.length === 0 || from.length > MAX_PEER_ID_BYTES) throw new RangeError('sender id size')
  const nonce = random(NONCE_BYTES)
  const sealed = chachaSeal(
    key,
    nonce,
    concatBytes(new Uint8Array([frame.kind]), frame.body),
    aad(from, to),
  )
  return concatBytes(new Uint8Array([OWN_FRAME_VERSION, from.length]), from, nonce, sealed)
}

/** The sender's PeerId bytes, read before the key is looked up. Throws ProtocolError. */
export function ownFrameSender(bytes: Uint8Array): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== OWN_FRAME_VERSION)
    throw new ProtocolError('malformed', 'own-device frame: unknown version')
  const n = bytes[1]!
  if (n === 0 || n > MAX_PEER_ID_BYTES || bytes.length < 2 + n + NONCE_BYTES + 17)
    throw new ProtocolError('malformed', 'own-device frame: too short')
  return bytes.subarray(2, 2 + n)
}

/** Opens a frame from `from` to `to` under `key`; throws ProtocolError ('decrypt_failed', …). */
export function openOwnFrame(key: Uint8Array, to: Uint8Array, bytes: Uint8Array): OwnFrame {
  const from = ownFrameSender(bytes)
  const at = 2 + from.length
  const nonce = bytes.subarray(at, at + NONCE_BYTES)
  const plain = chachaOpen(key, nonce, bytes.subarray(at + NONCE_BYTES), aad(from, to))
  const kind = plain[0]
  if (!Object.values(OWN_FRAME_KIND).some((k) => k === kind))
    throw new ProtocolError('malformed', 'own-device frame: unknown kind')
  return { kind: kind as OwnFrameKind, body: plain.subarray(1) }
}
