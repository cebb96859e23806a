import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { seededRandom } from '../../test-support/deterministic.ts'
import {
  checkSealedShape,
  createMailboxKeys,
  MAX_SEALED_BYTES,
  MAX_SEALED_PLAINTEXT,
  openSealed,
  SEALED_OVERHEAD,
  SEALED_SIZE_BUCKETS,
  sealForMailbox,
  sealedSizeFor,
} from './sealed-envelope.ts'
import { isProtocolError } from '../wire/errors.ts'

const rnd = seededRandom('sealed')
const mailbox = createMailboxKeys(rnd)

void test('sealed envelopes always have a bucket size and open to the exact plaintext', async () => {
  assert.deepEqual([...SEALED_SIZE_BUCKETS], [1024, 4096, 16384, 65536])
  assert.equal(MAX_SEALED_BYTES, 65536)
  for (const len of [
    0,
    1,
    1024 - SEALED_OVERHEAD - 1,
    1024 - SEALED_OVERHEAD,
    5000,
    MAX_SEALED_PLAINTEXT,
  ]) {
    const pt = rnd(len)
    const sealed = await sealForMailbox(mailbox.publicKey, pt)
    assert.equal(sealed.length, sealedSizeFor(len))
    assert.ok((SEALED_SIZE_BUCKETS as readonly number[]).includes(sealed.length))
    assert.deepEqual(await openSealed(mailbox.secretKey, sealed), pt)
  }
  await assert.rejects(
    sealForMailbox(mailbox.publicKey, new Uint8Array(MAX_SEALED_PLAINTEXT + 1)),
    RangeError,
  )
  const small = await sealForMailbox(mailbox.publicKey, new Uint8Array(3), { minBucket: 16384 })
  assert.equal(small.length, 16384)
})

void test('two seals of the same plaintext differ (fresh HPKE ephemeral key)', async () => {
  const a = await sealForMailbox(mailbox.publicKey, new Uint8Array(10))
  const b = await sealForMailbox(mailbox.publicKey, new Uint8Array(10))
  assert.notDeepEqual(a, b)
})

void test('the wrong mailbox key and non-bucket sizes are refused with ProtocolErrors', async () => {
  const other = createMailboxKeys(rnd)
  const sealed = await sealForMailbox(mailbox.publicKey, new Uint8Array([1, 2, 3]))
  await assert.rejects(openSealed(other.secretKey, sealed), { code: 'decrypt_failed' })
  assert.throws(() => checkSealedShape(sealed.subarray(0, 1000)), { code: 'malformed' })
  assert.throws(() => checkSealedShape(new Uint8Array(MAX_SEALED_BYTES + 1)), { code: 'oversize' })
  const v2 = sealed.slice()
  v2[0] = 2
  assert.throws(() => checkSealedShape(v2), { code: 'unsupported_version' })
})

void test('property: seal/open round trip for any plaintext size', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 20_000 }), async (pt) => {
      const sealed = await sealForMailbox(mailbox.publicKey, pt)
      assert.deepEqual(await openSealed(mailbox.secretKey, sealed), pt)
    }),
    { numRuns: 40 },
  )
})

void test('property: any flipped bit makes opening fail', async () => {
  const sealed = await sealForMailbox(mailbox.publicKey, new TextEncoder().encode('secret'))
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: sealed.length * 8 - 1 }), async (bit) => {
      const bad = sealed.slice()
      bad[bit >> 3]! ^= 1 << (bit & 7)
      await assert.rejects(openSealed(mailbox.secretKey, bad), (e: unknown) => isProtocolError(e))
    }),
    { numRuns: 150 },
  )
})
