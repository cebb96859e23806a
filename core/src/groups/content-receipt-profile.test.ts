// The group content kinds of ADRs 0780 and 0781: a receipt (1..100 message ids of 16 bytes) and a
// profile (the sender's declared name). What a hostile member could send instead is refused as
// malformed, so it changes nothing.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isProtocolError } from '../wire/errors.ts'
import { decodeGroupContent, encodeGroupContent, GROUP_CONTENT_KIND } from './content.ts'

const id = (n: number) => new Uint8Array(16).fill(n)

test('receipt and profile round-trip', () => {
  for (const ids of [[id(1)], Array.from({ length: 100 }, (_, i) => id(i))]) {
    assert.deepEqual(decodeGroupContent(encodeGroupContent({ kind: 'receipt', ids })), {
      kind: 'receipt',
      ids,
    })
  }
  const name = 'Ünal ✨'
  assert.deepEqual(decodeGroupContent(encodeGroupContent({ kind: 'profile', name })), {
    kind: 'profile',
    name,
  })
})

test('a receipt of no id, more than 100, or a cut id, and an empty or long profile are malformed', () => {
  const receipt = (bytes: number) =>
    Uint8Array.of(GROUP_CONTENT_KIND.receipt, ...new Uint8Array(bytes))
  const bad = [
    receipt(0),
    receipt(15),
    receipt(17),
    receipt(16 * 101),
    Uint8Array.of(GROUP_CONTENT_KIND.profile),
    Uint8Array.of(GROUP_CONTENT_KIND.profile, 0xff),
    Uint8Array.of(GROUP_CONTENT_KIND.profile, ...new TextEncoder().encode('x'.repeat(257))),
  ]
  for (const b of bad) {
    assert.throws(
      () => decodeGroupContent(b),
      (e) => isProtocolError(e) && e.code === 'malformed',
    )
  }
  assert.throws(() => encodeGroupContent({ kind: 'receipt', ids: [] }), RangeError)
  assert.throws(
    () => encodeGroupContent({ kind: 'receipt', ids: [new Uint8Array(15)] }),
    RangeError,
  )
})
