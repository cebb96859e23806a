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

void test('RFC 9180 Appendix A.2.1 (X25519, HKDF-SHA256, ChaCha20Poly1305, base) through @hpke/core', async () => {
  const { CipherSuite, HkdfSha256 } = await import('@hpke/core')
  const { DhkemX25519HkdfSha256 } = await import('@hpke/dhkem-x25519')
  const { Chacha20Poly1305 } = await import('@hpke/chacha20poly1305')
  const { fromHex, toHex } = await import('./bytes.ts')
  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Chacha20Poly1305(),
  })
  const info = fromHex('4f6465206f6e2061204772656369616e2055726e')
  const ikmE = fromHex('909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b')
  const pkRm = fromHex('4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a')
  const skRm = fromHex('8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb')
  const pt = fromHex('4265617574792069732074727574682c20747275746820626561757479')
  const aad = fromHex('436f756e742d30')
  const { enc, ct } = await suite.seal(
    { recipientPublicKey: await suite.kem.deserializePublicKey(pkRm), ekm: ikmE, info },
    pt,
    aad,
  )
  assert.equal(
    toHex(new Uint8Array(enc)),
    '1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a',
  )
  assert.equal(
    toHex(new Uint8Array(ct)),
    '1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db21993c62ce81883d2dd1b51a28',
  )
  const recipientKey = await suite.kem.importKey('raw', skRm.slice().buffer, false)
  const opened = await suite.open({ recipientKey, enc, info }, ct, aad)
  assert.deepEqual(new Uint8Array(opened), pt)
})
