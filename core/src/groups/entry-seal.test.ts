import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from '@noble/hashes/utils.js'
import { isProtocolError } from '../wire/errors.ts'
import { groupEntryKey, openEntry, sealEntry } from './entry-seal.ts'

test('a sealed entry opens with the mailbox key and hides its bytes', () => {
  const key = groupEntryKey(new Uint8Array(32).fill(7))
  const frame = new TextEncoder().encode('group id 0123456789abcdef, epoch 42, commit')
  const entry = sealEntry(key, frame, randomBytes)
  assert.equal(entry.length, frame.length + 28)
  assert.ok(!Buffer.from(entry).includes(Buffer.from('epoch 42')))
  assert.deepEqual(openEntry(key, entry), frame)
})

test('another mailbox key, a flipped bit or a short entry is refused with a typed error', () => {
  const key = groupEntryKey(new Uint8Array(32).fill(7))
  const other = groupEntryKey(new Uint8Array(32).fill(8))
  const entry = sealEntry(key, new Uint8Array(100), randomBytes)
  const flipped = entry.slice()
  flipped[40]! ^= 1
  for (const [k, e] of [
    [other, entry],
    [key, flipped],
    [key, entry.subarray(0, 27)],
  ] as const) {
    assert.throws(
      () => openEntry(k, e),
      (err) => isProtocolError(err) && ['decrypt_failed', 'malformed'].includes(err.code),
    )
  }
})
