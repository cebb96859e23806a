// History chunk and ack codecs (ADR 0790): what a sender makes decodes to the same messages; what
// breaks a rule — a seq past the total, a delivery state on a received message, an id twice, an
// unknown direction, too large — is a typed error and nothing is returned.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform as p } from '../../crypto/platform.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { HistoryChunk } from './history.pb.js'
import {
  decodeHistoryAck,
  decodeHistoryChunk,
  decodeHistoryEnd,
  encodeHistoryAck,
  encodeHistoryEnd,
  encodeHistoryChunk,
  HISTORY_CAPS,
  type HistoryChunkFields,
  type HistoryItem,
} from './history-codec.ts'

const item = (over: Partial<HistoryItem> = {}): HistoryItem => ({
  messageId: p.random(16),
  direction: 'out',
  sentAt: 1_700_000_000_000,
  receivedAt: 1_700_000_000_050,
  delivery: 'delivered',
  readAt: null,
  text: 'hello',
  ...over,
})
const chunk = (messages: HistoryItem[], over: Partial<HistoryChunkFields> = {}) => ({
  transferId: p.random(16),
  seq: 1,
  total: 2,
  peerIdentityKey: p.random(32),
  messages,
  ...over,
})

test('a chunk decodes to what was encoded', () => {
  const c = chunk([item(), item({ direction: 'in', delivery: null, readAt: 5, text: 'hé ✓' })])
  assert.deepEqual(decodeHistoryChunk(encodeHistoryChunk(c)), c)
})

test('a sender cannot make a chunk over the caps', () => {
  assert.throws(() => encodeHistoryChunk(chunk([])), RangeError)
  const many = Array.from({ length: HISTORY_CAPS.chunkMessages + 1 }, () => item())
  assert.throws(() => encodeHistoryChunk(chunk(many)), RangeError)
  const big = Array.from({ length: 4 }, () => item({ text: 'x'.repeat(15_000) }))
  assert.throws(() => encodeHistoryChunk(chunk(big)), RangeError)
})

test('a chunk breaking a rule is a typed error', () => {
  const wire = (messages: object[], over: object = {}) =>
    HistoryChunk.encode({
      version: 1,
      transferId: p.random(16) as Uint8Array<ArrayBuffer>,
      seq: 1,
      total: 1,
      peerIdentityKey: p.random(32) as Uint8Array<ArrayBuffer>,
      messages: messages as never,
      ...over,
    })
  const m = {
    messageId: p.random(16),
    direction: 2,
    sentAt: 1n,
    receivedAt: 2n,
    delivery: 3,
    readAt: 0n,
    text: 'a',
  }
  const bad = [
    wire([m], { seq: 2 }),
    wire([m], { total: 0 }),
    wire([{ ...m, direction: 1 }]),
    wire([{ ...m, direction: 3 }]),
    wire([{ ...m, delivery: 9 }]),
    wire([m, m]),
    wire([{ ...m, text: '' }]),
    wire([{ ...m, messageId: p.random(15) }]),
    wire([m], { peerIdentityKey: p.random(31) }),
    wire([]),
  ]
  for (const bytes of bad)
    assert.throws(
      () => decodeHistoryChunk(bytes),
      (err) => isProtocolError(err),
    )
  assert.throws(
    () => decodeHistoryChunk(new Uint8Array(HISTORY_CAPS.chunkBytes + 1)),
    (err) => isProtocolError(err),
  )
  assert.throws(
    () => decodeHistoryChunk(wire([m], { version: 2 })),
    (err) => isProtocolError(err),
  )
})

test('an ack names the transfer and a seq in range', () => {
  const id = p.random(16)
  assert.deepEqual(decodeHistoryAck(encodeHistoryAck(id, 7)), { transferId: id, seq: 7 })
  assert.throws(
    () => decodeHistoryAck(encodeHistoryAck(id, 0)),
    (err) => isProtocolError(err),
  )
  assert.throws(
    () => decodeHistoryAck(id),
    (err) => isProtocolError(err),
  )
})

test('the end names the transfer and the seq after its last chunk (at most one past the cap)', () => {
  const id = p.random(16)
  const last = HISTORY_CAPS.chunks + 1
  assert.deepEqual(decodeHistoryEnd(encodeHistoryEnd(id, 3)), { transferId: id, seq: 3 })
  assert.deepEqual(decodeHistoryEnd(encodeHistoryEnd(id, last)), { transferId: id, seq: last })
  for (const bad of [encodeHistoryEnd(id, 0), encodeHistoryEnd(id, last + 1), id])
    assert.throws(
      () => decodeHistoryEnd(bad),
      (err) => isProtocolError(err, 'malformed') && /history end/.test((err as Error).message),
    )
})

test('a chunk with any byte changed decodes whole or is a ProtocolError, never anything else', () => {
  const good = encodeHistoryChunk(
    chunk([item(), item({ direction: 'in', delivery: null, text: 'zwei' }), item({ text: 'ü' })]),
  )
  let refused = 0
  for (let i = 0; i < 2_000; i++) {
    const bad = good.slice()
    const at = i % bad.length
    bad[at] = (bad[at]! + 1 + (i % 254)) & 0xff
    try {
      const c = decodeHistoryChunk(bad)
      // What still decodes keeps every rule.
      assert.ok(c.messages.length >= 1 && c.seq <= c.total)
    } catch (err) {
      assert.ok(isProtocolError(err), `byte ${at}: ${String(err)}`)
      refused++
    }
  }
  // Text and time bytes may change into other valid values; ids, lengths and tags may not.
  assert.ok(refused > 500, `${refused} of 2,000 refused`)
})
