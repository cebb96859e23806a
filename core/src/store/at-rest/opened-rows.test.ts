// The RowSealer's memo of opened rows (ADR 0522): a row read again skips the AEAD and the decoder,
// and the memo never answers anything opening would not — a changed byte, a row moved to another
// record or table, an edited clear column, and a locked sealer are refused as without it; callers
// get copies; the memo is bounded and emptied on lock.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { seededRandom } from '../../../test-support/deterministic.ts'
import { AtRestError } from './errors.ts'
import { nobleXChaCha, type XChaChaAead } from './field-cipher.ts'
import { RowSealer, SEALED_COLUMN } from './row-sealer.ts'

const KEY = new Uint8Array(32).fill(9)
const MESSAGES = {
  name: 'messages',
  primaryKey: ['messageId'],
  indexed: ['messageId', 'conversationId'],
}
const row = (id: string, text = 'a secret line') => ({
  messageId: id,
  conversationId: 'c1',
  body: { kind: 'text', text },
  key: new Uint8Array([1, 2, 3]),
})

/** noble's AEAD, counting opens. */
function countingAead(): XChaChaAead & { opens: number } {
  const aead = {
    opens: 0,
    seal: (key: Uint8Array, nonce: Uint8Array, plain: Uint8Array, ad: Uint8Array) =>
      nobleXChaCha.seal(key, nonce, plain, ad),
    open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, ad: Uint8Array) {
      aead.opens++
      return nobleXChaCha.open(key, nonce, sealed, ad)
    },
  }
  return aead
}

function tampered(work: () => unknown): void {
  assert.throws(work, (error) => error instanceof AtRestError && error.code === 'tampered')
}

test('a row read again comes from the memo, as a copy its reader may change', () => {
  const aead = countingAead()
  const sealer = new RowSealer(KEY, seededRandom('opened-rows-1'), 'db', { aead })
  const stored = sealer.seal(MESSAGES, row('m1'))
  const first = sealer.open(MESSAGES, stored)
  ;(first['body'] as { text: string }).text = 'changed by a caller'
  ;(first['key'] as Uint8Array).fill(0)
  const again = sealer.open(MESSAGES, { ...stored })
  assert.deepEqual(again, row('m1'))
  assert.equal(aead.opens, 1, 'the AEAD ran once')
  assert.equal(sealer.openedRows, 1)
})

test('a changed byte, a moved row, an edited clear column: refused as without the memo', () => {
  const sealer = new RowSealer(KEY, seededRandom('opened-rows-2'), 'db', { aead: countingAead() })
  const stored = sealer.seal(MESSAGES, row('m1'))
  const other = sealer.seal(MESSAGES, row('m2', 'another line'))
  sealer.open(MESSAGES, stored)
  sealer.open(MESSAGES, other)
  const sealed = stored[SEALED_COLUMN] as Uint8Array
  for (const at of [1, 30, sealed.length - 1]) {
    const changed = Uint8Array.from(sealed)
    changed[at]! ^= 1
    tampered(() => sealer.open(MESSAGES, { ...stored, [SEALED_COLUMN]: changed }))
  }
  // m2's sealed value under m1's id (a row moved), and m1 moved to another conversation.
  tampered(() => sealer.open(MESSAGES, { ...stored, [SEALED_COLUMN]: other[SEALED_COLUMN] }))
  tampered(() => sealer.open(MESSAGES, { ...stored, messageId: 'm2' }))
  tampered(() => sealer.open(MESSAGES, { ...stored, conversationId: 'c2' }))
  tampered(() => sealer.open({ ...MESSAGES, name: 'outbox' }, stored))
  assert.deepEqual(sealer.open(MESSAGES, stored), row('m1'), 'the original still reads')
})

test('a rewritten row is opened again, and lock empties the memo', () => {
  const aead = countingAead()
  const sealer = new RowSealer(KEY, seededRandom('opened-rows-3'), 'db', { aead })
  sealer.open(MESSAGES, sealer.seal(MESSAGES, row('m1', 'first')))
  const rewritten = sealer.seal(MESSAGES, row('m1', 'second'))
  assert.deepEqual(sealer.open(MESSAGES, rewritten), row('m1', 'second'))
  assert.equal(aead.opens, 2)
  assert.equal(sealer.openedRows, 1, 'one entry per record')
  sealer.forget()
  assert.equal(sealer.openedRows, 0)
  assert.throws(() => sealer.open(MESSAGES, rewritten), /locked/)
})

test('bounded by bytes, oldest first; a zero budget turns it off', () => {
  const aead = countingAead()
  const sealer = new RowSealer(KEY, seededRandom('opened-rows-4'), 'db', {
    aead,
    openedRowsBytes: 64 * 1024,
  })
  const rows = Array.from({ length: 300 }, (_, i) =>
    sealer.seal(MESSAGES, row(`m${i}`, 'x'.repeat(200))),
  )
  for (const stored of rows) sealer.open(MESSAGES, stored)
  assert.ok(sealer.openedRows > 50 && sealer.openedRows < 300, `kept ${sealer.openedRows}`)
  const opens = aead.opens
  sealer.open(MESSAGES, rows[299]!)
  assert.equal(aead.opens, opens, 'the newest is kept')
  sealer.open(MESSAGES, rows[0]!)
  assert.equal(aead.opens, opens + 1, 'the oldest left and is opened again')
  const off = new RowSealer(KEY, seededRandom('opened-rows-5'), 'db', { openedRowsBytes: 0 })
  off.open(MESSAGES, off.seal(MESSAGES, row('m1')))
  assert.equal(off.openedRows, 0)
})
