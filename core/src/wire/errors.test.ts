import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ProtocolError, isProtocolError, asProtocolError } from './errors.ts'
import { decodeCapped, requireBytes, requireUint, requireVersion } from './decode.ts'
import { domainSeparated } from './labels.ts'

void test('ProtocolError carries a fixed name and a code callers can branch on', () => {
  const err = new ProtocolError('replay', 'seen before')
  assert.equal(err.name, 'ProtocolError')
  assert.equal(err.code, 'replay')
  assert.ok(isProtocolError(err, 'replay'))
  assert.ok(!isProtocolError(err, 'malformed'))
  assert.ok(!isProtocolError(new Error('x')))
})

void test('decodeCapped rejects oversize input before the codec ever sees it', () => {
  let called = false
  const codec = (b: Uint8Array) => {
    called = true
    return b.length
  }
  assert.throws(() => decodeCapped(new Uint8Array(11), 10, codec), { code: 'oversize' })
  assert.equal(called, false)
  assert.equal(decodeCapped(new Uint8Array(10), 10, codec), 10)
})

void test('decodeCapped turns any codec exception into malformed, keeping ProtocolErrors as they are', () => {
  const throwsRange = () => {
    throw new RangeError('index out of range')
  }
  assert.throws(() => decodeCapped(new Uint8Array(1), 10, throwsRange), { code: 'malformed' })
  const throwsProto = () => {
    throw new ProtocolError('bad_signature', 'no')
  }
  assert.throws(() => decodeCapped(new Uint8Array(1), 10, throwsProto), { code: 'bad_signature' })
  assert.throws(() => decodeCapped('not bytes', 10, throwsRange), { code: 'malformed' })
  assert.throws(() => asProtocolError('decrypt_failed', 'x', throwsRange), {
    code: 'decrypt_failed',
  })
})

void test('field checks reject wrong lengths, out-of-range ints and other versions', () => {
  assert.throws(() => requireBytes(new Uint8Array(31), 'key', { exact: 32 }), { code: 'malformed' })
  assert.throws(() => requireBytes(undefined, 'key', { exact: 32 }), { code: 'malformed' })
  assert.throws(() => requireBytes(new Uint8Array(9), 'id', { max: 8 }), { code: 'oversize' })
  assert.equal(requireBytes(new Uint8Array(32), 'key', { exact: 32 }).length, 32)
  assert.throws(() => requireUint(2n ** 60n, 'n'), { code: 'malformed' })
  assert.throws(() => requireUint(5, 'n', { max: 4 }), { code: 'limit_exceeded' })
  assert.throws(() => requireVersion(2, 1, 'cert'), { code: 'unsupported_version' })
})

void test('domain separation makes label/message boundaries unambiguous', () => {
  const a = domainSeparated('ab', new Uint8Array([0x63]))
  const b = domainSeparated('a', new Uint8Array([0x62, 0x63]))
  assert.notDeepEqual(a, b)
})

void test('decodeStrict refuses a non-canonical encoding of the same value', async () => {
  const { decodeStrict } = await import('./decode.ts')
  const codec = {
    // A toy codec: one byte holding a value, where the decoder ignores the top bit.
    decode: (b: Uint8Array) => {
      if (b.length !== 1) throw new RangeError('one byte')
      return b[0]! & 0x7f
    },
    encode: (v: number) => new Uint8Array([v]),
  }
  assert.equal(decodeStrict(new Uint8Array([5]), 4, codec), 5)
  assert.throws(() => decodeStrict(new Uint8Array([0x85]), 4, codec), { code: 'malformed' })
  assert.throws(() => decodeStrict(new Uint8Array([1, 2]), 4, codec), { code: 'malformed' })
})
