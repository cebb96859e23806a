/**
 * Wire format of the history transfer between our own devices (issue 19, ADR 0790): a chunk of
 * one conversation's text messages (history.proto) and the receiver's acknowledgement of a chunk.
 * Both travel inside own-device frames (own-frames.ts kinds 16 and 17), sealed under the link key.
 * Every count and length is capped here; decoders throw ProtocolError and return nothing partial.
 */
import { HistoryChunk } from './history.pb.js'
import { concatBytes } from '../../crypto/bytes.ts'
import { ED25519_PUBLIC_KEY_BYTES } from '../../crypto/primitives.ts'
import type { DeliveryState, MessageDirection } from '../../client/api.ts'
import { DELIVERY_STATES } from '../../client/api.ts'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../../wire/decode.ts'
import { ProtocolError } from '../../wire/errors.ts'
import { MESSENGER_LIMITS } from '../limits.ts'

export const HISTORY_FORMAT_VERSION = 1

export const HISTORY_CAPS = {
  /** One encoded chunk: fits the 64 KiB mailbox size class with the own-frame and seal around it. */
  chunkBytes: 48 * 1024,
  /** Messages in one chunk. */
  chunkMessages: 200,
  /** Chunks in one transfer (200 × 4096 = 819,200 messages at most). */
  chunks: 4096,
  transferIdBytes: 16,
} as const

/** One message as it travels: what the receiving device stores (text only). */
export interface HistoryItem {
  messageId: Uint8Array
  direction: MessageDirection
  sentAt: number
  receivedAt: number
  /** Outgoing: the state on the sending device; incoming: null. */
  delivery: DeliveryState | null
  readAt: number | null
  text: string
}

export interface HistoryChunkFields {
  transferId: Uint8Array
  seq: number
  total: number
  /** The contact the conversation is with. */
  peerIdentityKey: Uint8Array
  messages: HistoryItem[]
}

const DIRECTION = { in: 1, out: 2 } as const

/** Encoded size of one message inside a chunk (what a sender packs by). */
export function encodedItemBytes(item: HistoryItem): number {
  return HistoryChunk.encode({
    version: 0,
    transferId: new Uint8Array(0),
    seq: 0,
    total: 0,
    peerIdentityKey: new Uint8Array(0),
    messages: [toWire(item)],
  }).length
}

function toWire(m: HistoryItem) {
  return {
    messageId: m.messageId as Uint8Array<ArrayBuffer>,
    direction: DIRECTION[m.direction],
    sentAt: BigInt(m.sentAt),
    receivedAt: BigInt(m.receivedAt),
    delivery: m.delivery === null ? 0 : DELIVERY_STATES.indexOf(m.delivery) + 1,
    readAt: BigInt(m.readAt ?? 0),
    text: m.text,
  }
}

/** Throws RangeError when the chunk breaks a cap (a sender bug, not a peer's). */
export function encodeHistoryChunk(c: HistoryChunkFields): Uint8Array {
  if (c.messages.length === 0 || c.messages.length > HISTORY_CAPS.chunkMessages)
    throw new RangeError(`a history chunk holds 1..${HISTORY_CAPS.chunkMessages} messages`)
  const bytes = HistoryChunk.encode({
    version: HISTORY_FORMAT_VERSION,
    transferId: c.transferId as Uint8Array<ArrayBuffer>,
    seq: c.seq,
    total: c.total,
    peerIdentityKey: c.peerIdentityKey as Uint8Array<ArrayBuffer>,
    messages: c.messages.map(toWire),
  })
  if (bytes.length > HISTORY_CAPS.chunkBytes)
    throw new RangeError(`history chunk of ${bytes.length} bytes over ${HISTORY_CAPS.chunkBytes}`)
  return bytes
}

/** Decodes and checks a whole chunk; nothing is returned unless every message is valid. */
export function decodeHistoryChunk(bytes: unknown): HistoryChunkFields {
  const v = decodeStrict(bytes, HISTORY_CAPS.chunkBytes, HistoryChunk, 'history chunk')
  requireVersion(v.version, HISTORY_FORMAT_VERSION, 'history chunk')
  const total = requireUint(v.total, 'history chunk total', { min: 1, max: HISTORY_CAPS.chunks })
  const seq = requireUint(v.seq, 'history chunk seq', { min: 1, max: total })
  if (v.messages.length === 0 || v.messages.length > HISTORY_CAPS.chunkMessages)
    throw new ProtocolError(
      'malformed',
      `history chunk: ${v.messages.length} messages (1..${HISTORY_CAPS.chunkMessages})`,
    )
  const seen = new Set<string>()
  const messages = v.messages.map((m, i): HistoryItem => {
    const what = `history message ${i + 1}`
    const messageId = requireBytes(m.messageId, `${what} id`, {
      exact: MESSENGER_LIMITS.messageIdBytes,
    })
    const key = messageId.join(',')
    if (seen.has(key)) throw new ProtocolError('malformed', `history chunk: a message twice`)
    seen.add(key)
    if (m.direction !== DIRECTION.in && m.direction !== DIRECTION.out)
      throw new ProtocolError('malformed', `${what}: unknown direction`)
    const direction: MessageDirection = m.direction === DIRECTION.in ? 'in' : 'out'
    const delivery = deliveryOf(m.delivery, direction, what)
    if (m.text.length === 0 || m.text.length > MESSENGER_LIMITS.textCodeUnits)
      throw new ProtocolError('malformed', `${what}: text of ${m.text.length} code units`)
    const readAt = requireUint(m.readAt, `${what} read_at`)
    return {
      messageId,
      direction,
      sentAt: requireUint(m.sentAt, `${what} sent_at`),
      receivedAt: requireUint(m.receivedAt, `${what} received_at`),
      delivery,
      readAt: readAt === 0 ? null : readAt,
      text: m.text,
    }
  })
  return {
    transferId: requireBytes(v.transferId, 'history chunk transfer id', {
      exact: HISTORY_CAPS.transferIdBytes,
    }),
    seq,
    total,
    peerIdentityKey: requireBytes(v.peerIdentityKey, 'history chunk contact', {
      exact: ED25519_PUBLIC_KEY_BYTES,
    }),
    messages,
  }
}

function deliveryOf(n: number, direction: MessageDirection, what: string): DeliveryState | null {
  if (direction === 'in') {
    if (n !== 0) throw new ProtocolError('malformed', `${what}: a delivery state on a received one`)
    return null
  }
  const state = DELIVERY_STATES[n - 1]
  if (state === undefined) throw new ProtocolError('malformed', `${what}: unknown delivery state`)
  return state
}

/**
 * Ack of chunk (or end) `seq` of a transfer: transfer id (16 B) || seq (4 B, big-endian). The end
 * of a transfer (kind 20) has the same shape: its seq is the one after the last chunk's.
 */
export function encodeHistoryAck(transferId: Uint8Array, seq: number): Uint8Array {
  const n = new Uint8Array(4)
  new DataView(n.buffer).setUint32(0, seq)
  return concatBytes(transferId, n)
}

/** Seqs run 1..4096 for chunks, one more for the end. */
const MAX_SEQ = HISTORY_CAPS.chunks + 1

export function decodeHistoryAck(
  bytes: Uint8Array,
  what = 'history ack',
): { transferId: Uint8Array; seq: number } {
  if (bytes.length !== HISTORY_CAPS.transferIdBytes + 4)
    throw new ProtocolError('malformed', `${what}: must be 20 bytes`)
  const seq = new DataView(bytes.buffer, bytes.byteOffset + 16, 4).getUint32(0)
  if (seq < 1 || seq > MAX_SEQ) throw new ProtocolError('malformed', `${what}: seq out of range`)
  return { transferId: bytes.slice(0, HISTORY_CAPS.transferIdBytes), seq }
}

/** The explicit end (kind 20): every chunk before `seq` was acknowledged; `seq - 1` chunks went. */
export const encodeHistoryEnd = encodeHistoryAck

export function decodeHistoryEnd(bytes: Uint8Array): { transferId: Uint8Array; seq: number } {
  return decodeHistoryAck(bytes, 'history end')
}
