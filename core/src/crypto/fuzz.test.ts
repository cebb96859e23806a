// Fuzzes every crypto decoder with random and mutated inputs: each must return a value or throw a
// ProtocolError, never anything else, and never hang (the whole file runs in a few seconds).
// Decoders: >= 100,000 inputs each. Full verify/decrypt paths (signatures, AEAD, HPKE): fewer,
// because each input costs a signature check or a key agreement.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../test-support/deterministic.ts'
import { makeDevice, makePrekeys, makeSessionPair } from '../../test-support/crypto-fixtures.ts'
import { isProtocolError } from '../wire/errors.ts'
import { splice, xorshift32, type Xorshift32 } from '../../test-support/fuzz-bytes.ts'
import {
  decodeDeviceCert,
  decodeDeviceCertBody,
  decodeFileShare,
  decodeMessagePlaintext,
  decodePrekeyBody,
  decodePrekeyBundle,
  decodeSafetyQr,
  decodeSessionFrame,
  encodeMessagePlaintext,
  encodePrekeyBundle,
} from './codecs.ts'
import { verifyDeviceCert } from './identity.ts'
import { verifyPrekeyBundle } from './prekeys.ts'
import { acceptSession } from './pqxdh.ts'
import { Session } from './session.ts'
import {
  checkSealedShape,
  createMailboxKeys,
  openSealed,
  sealForMailbox,
} from './sealed-envelope.ts'
import { encryptFile, decryptFile } from './file-encryption.ts'
import { safetyNumber } from './safety-number.ts'

const DECODER_INPUTS = 100_000

function randomBytes(r: Xorshift32, max: number): Uint8Array {
  const len = r.below(4) === 0 ? r.below(max + 1) : r.below(Math.min(max, 96) + 1)
  const out = new Uint8Array(len)
  for (let i = 0; i < len; i += 4) {
    const v = r.next()
    out[i] = v
    if (i + 1 < len) out[i + 1] = v >>> 8
    if (i + 2 < len) out[i + 2] = v >>> 16
    if (i + 3 < len) out[i + 3] = v >>> 24
  }
  return out
}

function mutate(r: Xorshift32, sample: Uint8Array): Uint8Array {
  let b: Uint8Array = sample.slice()
  const n = 1 + r.below(4)
  for (let k = 0; k < n; k++) {
    const op = r.below(7)
    const at = b.length === 0 ? 0 : r.below(b.length)
    if (op === 0 && b.length) b[at]! ^= 1 << r.below(8)
    else if (op === 1 && b.length) b[at] = r.below(256)
    else if (op === 2) b = splice(b, at, 0, new Uint8Array([r.below(256)]))
    else if (op === 3 && b.length) b = splice(b, at, 1, new Uint8Array(0))
    else if (op === 4) b = b.subarray(0, at)
    else if (op === 5) b = splice(b, b.length, 0, b.slice(at, at + 1 + r.below(16)))
    else if (b.length) b[at] = [0x00, 0x7f, 0x80, 0xff][r.below(4)]!
  }
  return b
}

/** Runs `decode` on `count` inputs; returns how many decoded and how many were refused. */
function fuzz(
  name: string,
  samples: Uint8Array[],
  decode: (b: Uint8Array) => unknown,
  opts: { count?: number; maxRandom?: number; seed?: number; allowed?: Uint8Array[] } = {},
): { accepted: number; refused: number } {
  const r = xorshift32(opts.seed ?? 0x9e3779b9)
  const count = opts.count ?? DECODER_INPUTS
  let accepted = 0
  let refused = 0
  for (let i = 0; i < count; i++) {
    const input =
      i % 2 === 0
        ? randomBytes(r, opts.maxRandom ?? 2048)
        : mutate(r, samples[r.below(samples.length)]!)
    try {
      decode(input)
      accepted++
      if (opts.allowed && !opts.allowed.some((a) => Buffer.from(a).equals(input))) {
        assert.fail(`${name} accepted a forged input ${Buffer.from(input).toString('hex')}`)
      }
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err
      if (!isProtocolError(err)) {
        assert.fail(
          `${name}: input ${Buffer.from(input).toString('hex')} threw a non-ProtocolError: ${String(err)}`,
        )
      }
      refused++
    }
  }
  return { accepted, refused }
}

const p = testPlatform('fuzz')
const bob = makeDevice(p, 'bob')
const pre = makePrekeys(p, bob)
const pair = makeSessionPair(p)
const initialFrame = pair.alice.encrypt(new TextEncoder().encode('pending')).frame
pair.alice.decrypt(pair.bob.encrypt(new TextEncoder().encode('ack')).frame)
const ratchetFrame = pair.alice.encrypt(new TextEncoder().encode('fuzz me')).frame
const plaintext = encodeMessagePlaintext({
  messageId: new Uint8Array(16),
  sentAt: 1,
  body: new Uint8Array(5),
})

void test('fuzz: every crypto decoder returns or throws ProtocolError on 100,000 inputs each', async (t) => {
  const file = await encryptFile(new Uint8Array(10), { random: p.random })
  const sealed = await sealForMailbox(createMailboxKeys(p.random).publicKey, new Uint8Array(10))
  const parts = decodePrekeyBundle(pre.bundle)
  const decoders: [string, Uint8Array[], (b: Uint8Array) => unknown][] = [
    ['decodeDeviceCert', [bob.cert.bytes], decodeDeviceCert],
    ['decodeDeviceCertBody', [decodeDeviceCert(bob.cert.bytes).body], decodeDeviceCertBody],
    ['decodePrekeyBody', [parts.signedPrekey.body, parts.pqPrekey.body], decodePrekeyBody],
    ['decodePrekeyBundle', [pre.bundle], decodePrekeyBundle],
    ['decodeSessionFrame', [initialFrame, ratchetFrame], decodeSessionFrame],
    ['decodeMessagePlaintext', [plaintext], decodeMessagePlaintext],
    [
      'decodeSafetyQr',
      [safetyNumber(bob.identity.publicKey, pre.signed.publicKey).qrPayload],
      decodeSafetyQr,
    ],
    ['decodeFileShare', [file.shareRecord], decodeFileShare],
    ['checkSealedShape', [sealed], checkSealedShape],
  ]
  const started = performance.now()
  for (const [name, samples, decode] of decoders) {
    const { accepted, refused } = fuzz(name, samples, decode, { maxRandom: 1200 })
    assert.equal(accepted + refused, DECODER_INPUTS)
    t.diagnostic(`${name}: ${DECODER_INPUTS} inputs, ${accepted} decoded, ${refused} refused`)
  }
  // Oversize inputs are refused before decoding.
  assert.throws(() => decodeSessionFrame(new Uint8Array(70_000)), { code: 'oversize' })
  t.diagnostic(`decoders fuzzed in ${Math.round(performance.now() - started)} ms`)
})

void test('fuzz: verify and decrypt paths refuse mutated inputs with ProtocolError only', async (t) => {
  const now = p.clock()
  const count = 1500
  // Dropping the optional one-time prekey leaves a genuine (separately signed) bundle: allowed.
  const parts = decodePrekeyBundle(pre.bundle)
  const withoutOneTime = encodePrekeyBundle({
    deviceCert: parts.deviceCert,
    signedPrekey: parts.signedPrekey,
    pqPrekey: parts.pqPrekey,
  })
  const allowed: Record<string, Uint8Array[]> = {
    verifyDeviceCert: [bob.cert.bytes],
    verifyPrekeyBundle: [pre.bundle, withoutOneTime],
    'Session.decrypt': [ratchetFrame],
  }
  const paths: [string, Uint8Array[], (b: Uint8Array) => unknown][] = [
    ['verifyDeviceCert', [bob.cert.bytes], (b) => verifyDeviceCert(b, { now })],
    ['verifyPrekeyBundle', [pre.bundle], (b) => verifyPrekeyBundle(b, { now })],
    ['Session.decrypt', [ratchetFrame], (b) => Session.restore(pair.bob.toJSON(), p).decrypt(b)],
    [
      'acceptSession',
      [initialFrame],
      (b) =>
        acceptSession({
          local: pair.bobDevice,
          frame: b,
          prekeys: () => undefined,
          platform: p,
        }),
    ],
  ]
  for (const [name, samples, run] of paths) {
    const { accepted, refused } = fuzz(name, samples, run, {
      count,
      maxRandom: 300,
      seed: 7,
      allowed: allowed[name] ?? [],
    })
    t.diagnostic(
      `${name}: ${count} inputs, ${accepted} accepted (genuine only), ${refused} refused`,
    )
  }
  // Async paths: sealed envelopes and files.
  const keys = createMailboxKeys(p.random)
  const sealed = await sealForMailbox(keys.publicKey, new Uint8Array(100), {
    ephemeralSeed: p.random(32),
  })
  const file = await encryptFile(new Uint8Array(20_000), { random: p.random })
  const r = xorshift32(11)
  for (const [name, sample, run] of [
    ['openSealed', sealed, (b: Uint8Array) => openSealed(keys.secretKey, b)],
    ['decryptFile', file.ciphertext, (b: Uint8Array) => decryptFile(file.share.key, b)],
  ] as const) {
    let refused = 0
    for (let i = 0; i < 500; i++) {
      const input = i % 2 === 0 ? randomBytes(r, 2000) : mutate(r, sample)
      // A mutation can be a no-op (a byte set to the value it had): that is the genuine input.
      if (Buffer.from(input).equals(sample)) continue
      await assert.rejects(run(input), (e: unknown) => isProtocolError(e), name)
      refused++
    }
    t.diagnostic(`${name}: 500 inputs, ${refused} refused`)
  }
})

void test('fuzz: Session.restore takes stored state as input: damaged state is refused or still safe', (t) => {
  const r = xorshift32(23)
  const good = pair.bob.toJSON() as unknown as Record<string, unknown>
  const keys = Object.keys(good)
  const junk: unknown[] = [
    null,
    0,
    -1,
    2 ** 40,
    '',
    'AAAA',
    '!!',
    [],
    {},
    true,
    'A'.repeat(43),
    1.5,
  ]
  let refused = 0
  let restored = 0
  const count = 8_000
  for (let i = 0; i < count; i++) {
    const state = JSON.parse(JSON.stringify(good)) as Record<string, unknown>
    const key = keys[r.below(keys.length)]!
    const value = state[key]
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && r.below(2) === 0) {
      const inner = value as Record<string, unknown>
      const innerKeys = Object.keys(inner)
      if (innerKeys.length > 0)
        inner[innerKeys[r.below(innerKeys.length)]!] = junk[r.below(junk.length)]
    } else if (Array.isArray(value) && value.length > 0 && r.below(2) === 0) {
      value[r.below(value.length)] = junk[r.below(junk.length)]
    } else if (r.below(5) === 0) {
      delete state[key]
    } else {
      state[key] = junk[r.below(junk.length)]
    }
    try {
      const session = Session.restore(state, p)
      restored++
      // A state that passes the shape check must still fail safely on use.
      try {
        session.decrypt(ratchetFrame)
      } catch (err) {
        if (!isProtocolError(err)) assert.fail(`decrypt after restore threw ${String(err)}`)
      }
    } catch (err) {
      if (!isProtocolError(err)) assert.fail(`restore of ${key} threw ${String(err)}`)
      refused++
    }
  }
  t.diagnostic(
    `Session.restore: ${count} damaged states, ${refused} refused, ${restored} accepted and safe`,
  )
})
