import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex, utf8 } from './bytes.ts'
import {
  combineDisplay,
  compareSafetyQr,
  displayDigits,
  iteratedFingerprint,
  safetyNumber,
  SAFETY_NUMBER_ITERATIONS,
} from './safety-number.ts'
import { encodeSafetyQr } from './codecs.ts'
import { seededRandom } from '../../test-support/deterministic.ts'

// libsignal rust/protocol/src/fingerprint.rs, fingerprint_test_v1 (commit 03a739a9).
const ALICE_IDENTITY = '0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868'
const BOB_IDENTITY = '05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b'
const DISPLAYABLE_V1 = '300354477692869396892869876765458257569162576843440918079131'
const ALICE_SCANNABLE_V1 =
  '080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d'

void test('the fingerprint construction reproduces libsignal fingerprint_test_v1', () => {
  const signal = (key: string, id: string) =>
    iteratedFingerprint({
      hashVersion: new Uint8Array([0, 0]),
      keyBytes: fromHex(key),
      stableId: utf8(id),
      iterations: 5200,
    })
  const alice = signal(ALICE_IDENTITY, '+14152222222')
  const bob = signal(BOB_IDENTITY, '+14153333333')
  assert.equal(combineDisplay(displayDigits(alice), displayDigits(bob)), DISPLAYABLE_V1)
  assert.equal(combineDisplay(displayDigits(bob), displayDigits(alice)), DISPLAYABLE_V1)
  // libsignal's scannable form: 08 01 | 12 22 0a 20 <local 32> | 1a 22 0a 20 <remote 32>.
  const scannable =
    '080112220a20' + toHex(alice.subarray(0, 32)) + '1a220a20' + toHex(bob.subarray(0, 32))
  assert.equal(scannable, ALICE_SCANNABLE_V1)
})

void test('Hestia safety numbers: 60 digits, the same on both sides, different per pair', () => {
  const rnd = seededRandom('safety')
  const a = rnd(32)
  const b = rnd(32)
  const c = rnd(32)
  assert.equal(SAFETY_NUMBER_ITERATIONS, 5200)
  const ab = safetyNumber(a, b)
  const ba = safetyNumber(b, a)
  assert.match(ab.digits, /^\d{60}$/)
  assert.equal(ab.digits, ba.digits)
  assert.equal(ab.groups.length, 12)
  assert.notEqual(safetyNumber(a, c).digits, ab.digits)
  // Not Signal's: the same key hashed with Signal's version would give other digits.
  const signalStyle = iteratedFingerprint({
    hashVersion: new Uint8Array([0, 0]),
    keyBytes: a,
    stableId: new Uint8Array(0),
    iterations: 5200,
  })
  assert.notEqual(displayDigits(signalStyle), ab.digits.slice(0, 30))
})

void test('QR comparison: matches the partner, not ourselves, not a man in the middle', () => {
  const rnd = seededRandom('qr')
  const a = rnd(32)
  const b = rnd(32)
  const m = rnd(32)
  const aliceView = safetyNumber(a, b)
  const bobView = safetyNumber(b, a)
  assert.equal(compareSafetyQr(aliceView, bobView.qrPayload), true)
  assert.equal(compareSafetyQr(bobView, aliceView.qrPayload), true)
  assert.equal(compareSafetyQr(aliceView, aliceView.qrPayload), false)
  const bobSeesMallory = safetyNumber(b, m)
  assert.equal(compareSafetyQr(aliceView, bobSeesMallory.qrPayload), false)
  const signalQr = encodeSafetyQr({
    version: 2,
    local: new Uint8Array(32),
    remote: new Uint8Array(32),
  })
  assert.throws(() => compareSafetyQr(aliceView, signalQr), { code: 'unsupported_version' })
  assert.throws(() => compareSafetyQr(aliceView, new Uint8Array([1, 2, 3])), {
    name: 'ProtocolError',
  })
})
