// Published test vectors transcribed from the RFCs, run through our primitive wrappers: RFC 8032
// §7.1 (Ed25519), RFC 7748 §5.2 and §6.1 (X25519), RFC 5869 App. A (HKDF-SHA-256), RFC 8439 §2.8.2
// (ChaCha20-Poly1305). Also checks that WebCrypto and noble agree where both exist.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fromHex, toHex, utf8 } from './bytes.ts'
import {
  chachaOpen,
  chachaSeal,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  hkdfSha256,
  x25519Dh,
  x25519PublicKey,
  sha512,
} from './primitives.ts'
import { webCryptoAesGcm } from './file-encryption.ts'
import { gcm } from '@noble/ciphers/aes.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { seededRandom } from '../../test-support/deterministic.ts'

const RFC8032 = [
  {
    name: 'TEST 1',
    secret: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    name: 'TEST 2',
    secret: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    public: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    name: 'TEST 3',
    secret: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    public: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
]

void test('RFC 8032 §7.1 Ed25519 vectors: public key, signature, strict verification', () => {
  for (const v of RFC8032) {
    const sk = fromHex(v.secret)
    assert.equal(toHex(ed25519PublicKey(sk)), v.public, v.name)
    const sig = ed25519Sign(sk, fromHex(v.message))
    assert.equal(toHex(sig), v.signature, v.name)
    assert.ok(ed25519Verify(fromHex(v.public), fromHex(v.message), sig), v.name)
    const bad = sig.slice()
    bad[0]! ^= 1
    assert.equal(ed25519Verify(fromHex(v.public), fromHex(v.message), bad), false, v.name)
  }
})

void test('RFC 8032 strictness: a signature with S + L (malleable) is rejected', () => {
  const v = RFC8032[0]!
  const sig = fromHex(v.signature)
  // Add the group order L to S (little-endian) — valid under lax ZIP-215 rules, not under RFC 8032.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  let s = 0n
  for (let i = 31; i >= 0; i--) s = (s << 8n) + BigInt(sig[32 + i]!)
  s += L
  const out = sig.slice()
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(s & 0xffn)
    s >>= 8n
  }
  assert.equal(ed25519Verify(fromHex(v.public), new Uint8Array(0), out), false)
})

void test('RFC 7748 §5.2 X25519 scalar multiplication vectors', () => {
  const vectors = [
    [
      'a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4',
      'e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c',
      'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552',
    ],
    [
      '4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d',
      'e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493',
      '95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957',
    ],
  ] as const
  for (const [k, u, out] of vectors) assert.equal(toHex(x25519Dh(fromHex(k), fromHex(u))), out)
})

void test('RFC 7748 §5.2 X25519 iterated: 1 and 1,000 iterations', () => {
  let k: Uint8Array = new Uint8Array(32)
  k[0] = 9
  let u: Uint8Array = k.slice()
  for (let i = 1; i <= 1000; i++) {
    const next = x25519Dh(k, u)
    u = k
    k = next
    if (i === 1) {
      assert.equal(toHex(k), '422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079')
    }
  }
  assert.equal(toHex(k), '684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51')
})

void test('RFC 7748 §6.1 X25519 Diffie-Hellman between Alice and Bob', () => {
  const aliceSk = fromHex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')
  const bobSk = fromHex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb')
  const alicePk = x25519PublicKey(aliceSk)
  const bobPk = x25519PublicKey(bobSk)
  assert.equal(toHex(alicePk), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a')
  assert.equal(toHex(bobPk), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f')
  const shared = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742'
  assert.equal(toHex(x25519Dh(aliceSk, bobPk)), shared)
  assert.equal(toHex(x25519Dh(bobSk, alicePk)), shared)
})

void test('X25519 rejects a low-order peer key (all-zero shared secret) as wrong_key', () => {
  assert.throws(() => x25519Dh(new Uint8Array(32).fill(1), new Uint8Array(32)), {
    name: 'ProtocolError',
    code: 'wrong_key',
  })
})

void test('RFC 5869 Appendix A HKDF-SHA-256 test cases 1 and 3', () => {
  const ikm = new Uint8Array(22).fill(0x0b)
  const okm1 = hkdfSha256(
    ikm,
    fromHex('000102030405060708090a0b0c'),
    fromHex('f0f1f2f3f4f5f6f7f8f9'),
    42,
  )
  assert.equal(
    toHex(okm1),
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
  )
  const okm3 = hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)
  assert.equal(
    toHex(okm3),
    '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
  )
})

void test('RFC 8439 §2.8.2 ChaCha20-Poly1305 AEAD vector, and a flipped tag bit fails', () => {
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f')
  const nonce = fromHex('070000004041424344454647')
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7')
  const pt = utf8(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  )
  const sealed = chachaSeal(key, nonce, pt, aad)
  assert.equal(
    toHex(sealed),
    'd31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116' +
      '1ae10b594f09e26a7e902ecbd0600691',
  )
  assert.deepEqual(chachaOpen(key, nonce, sealed, aad), pt)
  const bad = sealed.slice()
  bad[bad.length - 1]! ^= 1
  assert.throws(() => chachaOpen(key, nonce, bad, aad), { code: 'decrypt_failed' })
})

void test('WebCrypto and noble agree: AES-256-GCM, SHA-512, HKDF-SHA-256, X25519, Ed25519', async () => {
  const subtle = globalThis.crypto.subtle
  const seeded = seededRandom('webcrypto-vs-noble')
  const rnd = (n: number) => seeded(n) as Uint8Array<ArrayBuffer>
  const ab = (u: Uint8Array) => u as Uint8Array<ArrayBuffer>
  const aes = webCryptoAesGcm()
  for (let i = 0; i < 20; i++) {
    const key = rnd(32)
    const iv = rnd(12)
    const msg = rnd(i * 97)
    const wc = await aes.encrypt(await aes.importKey(key), iv, msg)
    assert.deepEqual(wc, gcm(key, iv).encrypt(msg))
    assert.deepEqual(new Uint8Array(await subtle.digest('SHA-512', msg)), sha512(msg))
  }
  const ikm = rnd(32)
  const hk = await subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits'])
  // Same inputs through noble:
  const salt = rnd(32)
  const info = ab(utf8('hestia'))
  const wcOkm = new Uint8Array(
    await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, hk, 336),
  )
  assert.deepEqual(wcOkm, hkdf(sha256, ikm, salt, info, 42))
  // X25519 and Ed25519: WebCrypto verifies what noble signs and derives the same secret.
  const edSk = rnd(32)
  const msg = rnd(100)
  const sig = ed25519Sign(edSk, msg)
  const edPub = await subtle.importKey('raw', ab(ed25519PublicKey(edSk)), 'Ed25519', false, [
    'verify',
  ])
  assert.ok(await subtle.verify('Ed25519', edPub, ab(sig), msg))
  const a = rnd(32)
  const bPair = (await subtle.generateKey('X25519', true, ['deriveBits'])) as CryptoKeyPair
  const bPub = new Uint8Array(await subtle.exportKey('raw', bPair.publicKey))
  const aPubKey = await subtle.importKey('raw', ab(x25519PublicKey(a)), 'X25519', false, [])
  const wcShared = await subtle.deriveBits(
    { name: 'X25519', public: aPubKey },
    bPair.privateKey,
    256,
  )
  assert.deepEqual(new Uint8Array(wcShared), x25519Dh(a, bPub))
})
