import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { argon2id as nobleArgon2id } from '@noble/hashes/argon2.js'
import { seededRandom } from '../../../test-support/deterministic.ts'
import { fromHex, toHex } from '../../crypto/bytes.ts'
import {
  calibrateUnlockParams,
  checkParams,
  hashWasmArgon2id,
  passphraseBytes,
  UNLOCK_BASELINE,
} from './argon2id.ts'
import type { Argon2idParams } from './argon2id.ts'
import {
  checkWrappedDataKey,
  newDataKey,
  rewrapDataKey,
  unwrapDataKey,
  wrapDataKey,
} from './data-key.ts'
import type { WrappedDataKey } from './data-key.ts'
import { AtRestError } from './errors.ts'
import { aeadOpen, aeadSeal, FieldCipher, fieldAssociatedData } from './field-cipher.ts'
import type { FieldAddress } from './field-cipher.ts'

/** Tiny parameters so the tests run in milliseconds; the floor is lowered to match. */
const FAST: Argon2idParams = { memoryKiB: 64, iterations: 1, parallelism: 1 }
const FAST_OPTIONS = { kdf: hashWasmArgon2id, params: FAST, floor: FAST }

function code(error: unknown): string {
  return error instanceof AtRestError ? error.code : `not an AtRestError: ${String(error)}`
}

async function rejectsWith(promise: Promise<unknown>, expected: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.equal(code(error), expected)
    return true
  })
}

function throwsWith(fn: () => unknown, expected: string): void {
  assert.throws(fn, (error) => {
    assert.equal(code(error), expected)
    return true
  })
}

void test('Argon2id: hash-wasm gives the same key as @noble/hashes (independent implementation)', async () => {
  const salt = fromHex('000102030405060708090a0b0c0d0e0f')
  for (const params of [FAST, { memoryKiB: 256, iterations: 3, parallelism: 4 }]) {
    const ours = await hashWasmArgon2id(passphraseBytes('correct horse'), salt, params)
    const noble = nobleArgon2id(passphraseBytes('correct horse'), salt, {
      m: params.memoryKiB,
      t: params.iterations,
      p: params.parallelism,
      dkLen: 32,
    })
    assert.equal(toHex(ours), toHex(noble))
  }
})

void test('Argon2id: passphrases compare in NFC (composed and decomposed accents are one passphrase)', () => {
  assert.deepEqual(passphraseBytes('caf\u00e9'), passphraseBytes('cafe\u0301'))
  assert.notDeepEqual(passphraseBytes('cafe '), passphraseBytes('cafe'))
})

void test('Argon2id: parameters a stored record could ask for are bounded', () => {
  checkParams(UNLOCK_BASELINE)
  throwsWith(
    () => checkParams({ memoryKiB: 4 * 1024 * 1024, iterations: 3, parallelism: 4 }),
    'invalid_parameters',
  )
  throwsWith(
    () => checkParams({ memoryKiB: 65536, iterations: 1000, parallelism: 4 }),
    'invalid_parameters',
  )
  throwsWith(
    () => checkParams({ memoryKiB: 65536, iterations: 0, parallelism: 4 }),
    'invalid_parameters',
  )
  throwsWith(
    () => checkParams({ memoryKiB: 16, iterations: 3, parallelism: 4 }),
    'invalid_parameters',
  )
  throwsWith(
    () => checkParams({ memoryKiB: 65536, iterations: 2.5, parallelism: 4 }),
    'invalid_parameters',
  )
})

void test('calibration: more passes on a fast device, never fewer than the baseline, capped', async () => {
  const fast = await calibrateUnlockParams(() => Promise.resolve(150), { targetMs: 500 })
  assert.deepEqual(fast, { ...UNLOCK_BASELINE, iterations: 10 }) // 50 ms a pass -> 10 passes
  const slow = await calibrateUnlockParams(() => Promise.resolve(900), { targetMs: 500 })
  assert.deepEqual(slow, UNLOCK_BASELINE)
  const veryFast = await calibrateUnlockParams(() => Promise.resolve(3), {
    targetMs: 500,
    maxIterations: 12,
  })
  assert.equal(veryFast.iterations, 12)
})

void test('data key: wraps and unwraps; a wrong passphrase is a typed error', async () => {
  const random = seededRandom('wrap')
  const dataKey = newDataKey(random)
  const record = await wrapDataKey(dataKey, passphraseBytes('open sesame'), {
    ...FAST_OPTIONS,
    random,
  })
  assert.deepEqual(
    await unwrapDataKey(record, passphraseBytes('open sesame'), hashWasmArgon2id),
    dataKey,
  )
  await rejectsWith(
    unwrapDataKey(record, passphraseBytes('open sesame!'), hashWasmArgon2id),
    'wrong_passphrase',
  )
  assert.equal(record.salt.length, 16)
  assert.deepEqual(record.params, FAST)
  // The record in store holds no byte string of the data key.
  assert.equal(toHex(record.wrapped).includes(toHex(dataKey).slice(0, 16)), false)
})

void test('data key: an altered record is refused (parameters, salt, nonce, wrapped bytes)', async () => {
  const random = seededRandom('tamper-wrap')
  const record = await wrapDataKey(newDataKey(random), passphraseBytes('pw'), {
    ...FAST_OPTIONS,
    random,
  })
  const flip = (b: Uint8Array) => Uint8Array.from(b, (x, i) => (i === 0 ? x ^ 1 : x))
  const altered: WrappedDataKey[] = [
    { ...record, params: { ...record.params, iterations: 2 } },
    { ...record, salt: flip(record.salt) },
    { ...record, nonce: flip(record.nonce) },
    { ...record, wrapped: flip(record.wrapped) },
  ]
  for (const bad of altered)
    await rejectsWith(
      unwrapDataKey(bad, passphraseBytes('pw'), hashWasmArgon2id),
      'wrong_passphrase',
    )
  await rejectsWith(
    unwrapDataKey(
      { ...record, wrapped: record.wrapped.subarray(0, 40) },
      passphraseBytes('pw'),
      hashWasmArgon2id,
    ),
    'damaged',
  )
  await rejectsWith(
    unwrapDataKey({ ...record, format: 2 }, passphraseBytes('pw'), hashWasmArgon2id),
    'unsupported_version',
  )
  throwsWith(
    () =>
      checkWrappedDataKey({
        ...record,
        params: { memoryKiB: 1 << 30, iterations: 3, parallelism: 4 },
      }),
    'damaged',
  )
  throwsWith(() => checkWrappedDataKey(null), 'damaged')
})

void test('data key: unlock parameters weaker than the baseline are refused when wrapping', async () => {
  const random = seededRandom('weak')
  await rejectsWith(
    wrapDataKey(newDataKey(random), passphraseBytes('pw'), {
      kdf: hashWasmArgon2id,
      random,
      params: FAST,
    }),
    'invalid_parameters',
  )
})

void test('data key: a passphrase change rewraps the same data key; the old passphrase stops working', async () => {
  const random = seededRandom('rewrap')
  const dataKey = newDataKey(random)
  const first = await wrapDataKey(dataKey, passphraseBytes('old'), { ...FAST_OPTIONS, random })
  await rejectsWith(
    rewrapDataKey(first, passphraseBytes('not old'), passphraseBytes('new'), {
      ...FAST_OPTIONS,
      random,
    }),
    'wrong_passphrase',
  )
  const second = await rewrapDataKey(first, passphraseBytes('old'), passphraseBytes('new'), {
    ...FAST_OPTIONS,
    random,
  })
  assert.notDeepEqual(second.salt, first.salt, 'fresh salt')
  assert.deepEqual(await unwrapDataKey(second, passphraseBytes('new'), hashWasmArgon2id), dataKey)
  await rejectsWith(
    unwrapDataKey(second, passphraseBytes('old'), hashWasmArgon2id),
    'wrong_passphrase',
  )
})

const ADDRESS: FieldAddress = {
  database: 'hestia-messenger',
  table: 'messages',
  recordId: '"m1"',
  field: 'body',
}

void test('field cipher: round trip; every address part is bound (record, table, field, database)', () => {
  const random = seededRandom('field')
  const cipher = new FieldCipher(newDataKey(random), random)
  const plain = new TextEncoder().encode('meet at 6')
  const sealed = cipher.seal(plain, ADDRESS)
  assert.deepEqual(cipher.open(sealed, ADDRESS), plain)
  assert.equal(Buffer.from(sealed).includes(Buffer.from(plain)), false)
  for (const moved of [
    { ...ADDRESS, recordId: '"m2"' },
    { ...ADDRESS, table: 'outbox' },
    { ...ADDRESS, field: 'preview' },
    { ...ADDRESS, database: 'hestia-files' },
  ])
    throwsWith(() => cipher.open(sealed, moved), 'tampered')
})

void test('field cipher: swapping two records’ ciphertexts is refused (the id is bound)', () => {
  const random = seededRandom('swap')
  const cipher = new FieldCipher(newDataKey(random), random)
  const a = { ...ADDRESS, recordId: '"a"' }
  const b = { ...ADDRESS, recordId: '"b"' }
  const sealedA = cipher.seal(new TextEncoder().encode('to Alice'), a)
  const sealedB = cipher.seal(new TextEncoder().encode('to Bob'), b)
  throwsWith(() => cipher.open(sealedB, a), 'tampered')
  throwsWith(() => cipher.open(sealedA, b), 'tampered')
})

void test('field cipher: flipped, truncated and unknown-version values are typed errors', () => {
  const random = seededRandom('damage')
  const cipher = new FieldCipher(newDataKey(random), random)
  const sealed = cipher.seal(new Uint8Array(20).fill(7), ADDRESS)
  for (let i = 1; i < sealed.length; i += 7) {
    const flipped = Uint8Array.from(sealed)
    flipped[i]! ^= 0x80
    throwsWith(() => cipher.open(flipped, ADDRESS), 'tampered')
  }
  throwsWith(() => cipher.open(sealed.subarray(0, 30), ADDRESS), 'damaged')
  throwsWith(
    () =>
      cipher.open(
        Uint8Array.from(sealed, (x, i) => (i === 0 ? 2 : x)),
        ADDRESS,
      ),
    'unsupported_version',
  )
  const otherKey = new FieldCipher(newDataKey(random), random)
  throwsWith(() => otherKey.open(sealed, ADDRESS), 'tampered')
})

void test('field cipher: after forget() (lock) the key is gone and nothing opens', () => {
  const random = seededRandom('forget')
  const cipher = new FieldCipher(newDataKey(random), random)
  const sealed = cipher.seal(new Uint8Array([1, 2, 3]), ADDRESS)
  cipher.forget()
  assert.throws(() => cipher.open(sealed, ADDRESS), /locked/)
  assert.throws(() => cipher.seal(new Uint8Array([1]), ADDRESS), /locked/)
})

// Wycheproof XChaCha20-Poly1305 through the AEAD the field cipher uses (skips without ../shared).
const WYCHEPROOF = join(
  resolve(import.meta.dirname, '..', '..', '..', '..'),
  '..',
  'shared',
  'vectors',
  'wycheproof',
  'xchacha20_poly1305_test.json',
)

void test('Wycheproof xchacha20_poly1305_test.json through the field AEAD', (t) => {
  if (!existsSync(WYCHEPROOF)) {
    t.skip(
      'xchacha20_poly1305_test.json not found in ../shared/vectors/wycheproof (fresh clone without ../shared)',
    )
    return
  }
  interface Case {
    tcId: number
    key: string
    iv: string
    aad: string
    msg: string
    ct: string
    tag: string
    result: string
  }
  const file = JSON.parse(readFileSync(WYCHEPROOF, 'utf8')) as { testGroups: { tests: Case[] }[] }
  let total = 0
  for (const group of file.testGroups) {
    for (const c of group.tests) {
      total++
      const [key, iv, aad, msg] = [fromHex(c.key), fromHex(c.iv), fromHex(c.aad), fromHex(c.msg)]
      const sealed = fromHex(c.ct + c.tag)
      let opened: Uint8Array | undefined
      try {
        opened = aeadOpen(key, iv, sealed, aad)
      } catch {
        opened = undefined
      }
      if (c.result === 'invalid') {
        assert.equal(opened, undefined, `tcId ${c.tcId} must be refused`)
        continue
      }
      assert.equal(toHex(opened ?? new Uint8Array()), c.msg, `tcId ${c.tcId} decrypts`)
      assert.equal(toHex(aeadSeal(key, iv, msg, aad)), c.ct + c.tag, `tcId ${c.tcId} encrypts`)
    }
  }
  assert.ok(total > 100)
  t.diagnostic(`xchacha20_poly1305_test.json: ${total} cases`)
})

void test('field AD: the documented byte layout (docs/protocol/storage.md), unambiguous part boundaries', () => {
  const ad = fieldAssociatedData({
    database: 'db',
    table: 'tb',
    recordId: '["é"]',
    field: 'sealed',
  })
  const utf8 = (s: string) => [...new TextEncoder().encode(s)]
  const part = (s: string) => [0, 0, 0, utf8(s).length, ...utf8(s)]
  assert.deepEqual(
    [...ad],
    [
      ...utf8('hestia/at-rest/field'),
      1,
      ...part('db'),
      ...part('tb'),
      ...part('["é"]'),
      ...part('sealed'),
    ],
  )
  // Same again (from the per-table cache) and different when a boundary moves.
  assert.deepEqual(
    fieldAssociatedData({ database: 'db', table: 'tb', recordId: '["é"]', field: 'sealed' }),
    ad,
  )
  assert.notDeepEqual(
    fieldAssociatedData({ database: 'dbt', table: 'b', recordId: '["é"]', field: 'sealed' }),
    ad,
  )
})
