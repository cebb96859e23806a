// Wycheproof vectors (C2SP/wycheproof testvectors_v1, copied unchanged to ../shared/vectors) run
// through the primitives Hestia uses. Each test reports "<file>: passed/total" as a diagnostic and
// skips, saying so, when ../shared is not beside the checkout (a fresh clone has none).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { inflateSync } from 'node:zlib'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { gcm } from '@noble/ciphers/aes.js'
import { fromHex, toHex } from './bytes.ts'
import {
  chachaOpen,
  chachaSeal,
  ed25519Verify,
  hkdfSha256,
  hmacSha256,
  mlkemDecapsulate,
  mlkemEncapsulate,
  mlkemKeyPair,
  sha512,
  x25519Dh,
} from './primitives.ts'
import {
  COBBLESTONE_256,
  FileChunkReader,
  FileDecryptor,
  FileEncryptor,
  chunkOffset,
  decryptFile,
  finalChunkIndex,
  webCryptoAesGcm,
} from './file-encryption.ts'
import { concatBytes } from './bytes.ts'
import { seededRandom } from '../../test-support/deterministic.ts'

const ROOT = resolve(import.meta.dirname, '..', '..', '..')
const DIR = join(ROOT, '..', 'shared', 'vectors', 'wycheproof')

interface WycheproofFile<G> {
  testGroups: (G & { tests: Record<string, unknown>[] })[]
}

type Case = Record<string, unknown> & { tcId: number; result: string; flags: string[] }

/** Loads a vector file or returns undefined (the caller skips with a message). */
function load<G = Record<string, unknown>>(name: string): WycheproofFile<G> | undefined {
  const path = join(DIR, name)
  if (!existsSync(path)) return undefined
  return JSON.parse(readFileSync(path, 'utf8')) as WycheproofFile<G>
}

function hex(c: Case, field: string): Uint8Array {
  return fromHex(c[field] as string)
}

function throwsAny(fn: () => unknown): boolean {
  try {
    fn()
    return false
  } catch {
    return true
  }
}

/** Runs every case of a file; fails the test on the first mismatch; reports counts. */
async function runFile<G>(
  t: { skip: (m: string) => void; diagnostic: (m: string) => void },
  name: string,
  check: (c: Case, group: G) => boolean | 'skip' | Promise<boolean | 'skip'>,
): Promise<void> {
  const file = load<G>(name)
  if (file === undefined) {
    t.skip(`${name} not found in ../shared/vectors/wycheproof (fresh clone without ../shared)`)
    return
  }
  let total = 0
  let passed = 0
  let skipped = 0
  const failures: number[] = []
  for (const group of file.testGroups) {
    for (const c of group.tests as Case[]) {
      total++
      const r = await check(c, group)
      if (r === 'skip') skipped++
      else if (r) passed++
      else failures.push(c.tcId)
    }
  }
  t.diagnostic(`${name}: ${passed}/${total} passed${skipped ? `, ${skipped} not applicable` : ''}`)
  assert.deepEqual(failures, [], `${name}: failing tcIds`)
  assert.ok(total > 0)
}

void test('Wycheproof ed25519_test.json: strict verification', async (t) => {
  await runFile<{ publicKey: { pk: string } }>(t, 'ed25519_test.json', (c, g) => {
    const ok = ed25519Verify(fromHex(g.publicKey.pk), hex(c, 'msg'), hex(c, 'sig'))
    return ok === (c.result === 'valid')
  })
})

void test('Wycheproof x25519_test.json: shared secrets, low-order keys rejected', async (t) => {
  await runFile(t, 'x25519_test.json', (c) => {
    const shared = c.shared as string
    const zero = /^0*$/.test(shared)
    let out: string
    try {
      out = toHex(x25519Dh(hex(c, 'private'), hex(c, 'public')))
    } catch {
      // We reject exactly the all-zero outputs (RFC 7748 §6.1), which Wycheproof marks acceptable.
      return zero && c.result === 'acceptable'
    }
    return !zero && out === shared && c.result !== 'invalid'
  })
})

function aeadCase(
  c: Case,
  seal: (k: Uint8Array, n: Uint8Array, m: Uint8Array, a: Uint8Array) => Uint8Array,
  open: (k: Uint8Array, n: Uint8Array, ct: Uint8Array, a: Uint8Array) => Uint8Array,
): boolean {
  const [key, iv, aad, msg] = [hex(c, 'key'), hex(c, 'iv'), hex(c, 'aad'), hex(c, 'msg')]
  const ct = concatBytes(hex(c, 'ct'), hex(c, 'tag'))
  if (c.result === 'valid') {
    return (
      toHex(seal(key, iv, msg, aad)) === toHex(ct) && toHex(open(key, iv, ct, aad)) === toHex(msg)
    )
  }
  return throwsAny(() => open(key, iv, ct, aad))
}

void test('Wycheproof chacha20_poly1305_test.json', async (t) => {
  await runFile(t, 'chacha20_poly1305_test.json', (c) => aeadCase(c, chachaSeal, chachaOpen))
})

void test('Wycheproof xchacha20_poly1305_test.json (noble, same library family)', async (t) => {
  await runFile(t, 'xchacha20_poly1305_test.json', (c) =>
    aeadCase(
      c,
      (k, n, m, a) => xchacha20poly1305(k, n, a).encrypt(m),
      (k, n, ct, a) => xchacha20poly1305(k, n, a).decrypt(ct),
    ),
  )
})

void test('Wycheproof aes_gcm_test.json: 96-bit IVs through WebCrypto (the file layer), all through noble', async (t) => {
  const subtle = globalThis.crypto.subtle
  let webCryptoCases = 0
  let unsupportedIv = 0
  await runFile<{ ivSize: number }>(t, 'aes_gcm_test.json', async (c, g) => {
    const [key, iv, aad, msg] = [hex(c, 'key'), hex(c, 'iv'), hex(c, 'aad'), hex(c, 'msg')]
    const ct = concatBytes(hex(c, 'ct'), hex(c, 'tag'))
    let nobleOk: boolean
    try {
      nobleOk = aeadCase(
        c,
        (k, n, m, a) => gcm(k, n, a).encrypt(m),
        (k, n, x, a) => gcm(k, n, a).decrypt(x),
      )
    } catch {
      // noble refuses some unusual IV sizes outright; never the 96-bit size we use.
      if (g.ivSize === 96) return false
      unsupportedIv++
      return 'skip'
    }
    if (!nobleOk) return false
    // Cobblestone only ever uses 96-bit nonces; Node's WebCrypto refuses other IV sizes.
    if (g.ivSize !== 96) return true
    webCryptoCases++
    const params = {
      name: 'AES-GCM',
      iv: iv as Uint8Array<ArrayBuffer>,
      additionalData: aad as Uint8Array<ArrayBuffer>,
      tagLength: 128,
    }
    const k = await subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
      'encrypt',
      'decrypt',
    ])
    try {
      const opened = new Uint8Array(await subtle.decrypt(params, k, ct as Uint8Array<ArrayBuffer>))
      if (c.result !== 'valid') return false
      const sealed = new Uint8Array(await subtle.encrypt(params, k, msg as Uint8Array<ArrayBuffer>))
      return toHex(opened) === toHex(msg) && toHex(sealed) === toHex(ct)
    } catch {
      return c.result === 'invalid'
    }
  })
  t.diagnostic(
    `aes_gcm_test.json: ${webCryptoCases} cases with 96-bit IVs also through WebCrypto; ${unsupportedIv} valid cases with IV sizes noble refuses (not used by Hestia)`,
  )
  // The provider the file layer uses is the same WebCrypto call with empty AAD.
  const aes = webCryptoAesGcm()
  const ck = await aes.importKey(seededRandom('gcm')(32))
  const ct = await aes.encrypt(ck, new Uint8Array(12), new Uint8Array(5))
  assert.deepEqual(await aes.decrypt(ck, new Uint8Array(12), ct), new Uint8Array(5))
})

void test('Wycheproof hkdf_sha256_test.json', async (t) => {
  await runFile(t, 'hkdf_sha256_test.json', (c) => {
    const size = Number(c.size)
    if (c.result !== 'valid')
      return throwsAny(() => hkdfSha256(hex(c, 'ikm'), hex(c, 'salt'), hex(c, 'info'), size))
    return toHex(hkdfSha256(hex(c, 'ikm'), hex(c, 'salt'), hex(c, 'info'), size)) === c.okm
  })
})

void test('Wycheproof hmac_sha256_test.json (truncated tags compared on their length)', async (t) => {
  await runFile<{ tagSize: number }>(t, 'hmac_sha256_test.json', (c, g) => {
    const full = hmacSha256(hex(c, 'key'), hex(c, 'msg'))
    const match = toHex(full.subarray(0, g.tagSize / 8)) === c.tag
    return match === (c.result === 'valid')
  })
})

void test('Wycheproof mlkem_768_test.json: keygen from seed, decapsulation, bad sizes rejected', async (t) => {
  await runFile(t, 'mlkem_768_test.json', (c) => {
    const seed = hex(c, 'seed')
    const ct = hex(c, 'c')
    if (c.result !== 'valid') {
      return throwsAny(() => {
        const kp = mlkemKeyPair(() => seed)
        if (c.ek !== undefined && toHex(kp.publicKey) !== c.ek) throw new Error('ek mismatch')
        mlkemDecapsulate(ct, kp.secretKey)
      })
    }
    const kp = mlkemKeyPair(() => seed)
    return toHex(kp.publicKey) === c.ek && toHex(mlkemDecapsulate(ct, kp.secretKey)) === c.K
  })
})

void test('Wycheproof mlkem_768_encaps_test.json: encapsulation, modulus check', async (t) => {
  await runFile(t, 'mlkem_768_encaps_test.json', (c) => {
    const m = hex(c, 'm')
    if (c.result !== 'valid') return throwsAny(() => mlkemEncapsulate(hex(c, 'ek'), () => m))
    const out = mlkemEncapsulate(hex(c, 'ek'), () => m)
    return toHex(out.ciphertext) === c.c && toHex(out.sharedSecret) === c.K
  })
})

// --- Cobblestone-256 (doc/c2sp_chunked_encryption.md in C2SP/wycheproof) ---

interface CobbleCase extends Case {
  key: string
  ctx: string
  ct: string
  msgLength?: number
  msgSha512?: string
}

async function attempt<T>(fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await fn() }
  } catch {
    return { ok: false }
  }
}

/** Streams `ct` in pieces of varying size; returns the plaintext emitted and whether it failed. */
async function streamDecrypt(key: Uint8Array, context: Uint8Array, ct: Uint8Array, step: number) {
  const out: Uint8Array[] = []
  let failed = false
  try {
    const dec = new FileDecryptor(key, { context })
    for (let i = 0; i < ct.length; i += step)
      out.push(...(await dec.push(ct.subarray(i, i + step))))
    out.push(await dec.finish())
  } catch {
    failed = true
  }
  return { plaintext: concatBytes(...out), failed }
}

void test('Wycheproof c2sp_chunked_encryption_aes_256_gcm_test.json: whole, streaming, random access, encryption', async (t) => {
  const stats = { whole: 0, streaming: 0, randomAccess: 0, lengthAuth: 0, reencrypt: 0 }
  await runFile<{ aead: string }>(
    t,
    'c2sp_chunked_encryption_aes_256_gcm_test.json',
    async (raw, g) => {
      const c = raw as CobbleCase
      assert.equal(g.aead, COBBLESTONE_256.aead)
      const key = fromHex(c.key)
      const context = fromHex(c.ctx)
      const ct = new Uint8Array(inflateSync(fromHex(c.ct)))
      const valid = c.result === 'valid'
      const flags = c.flags

      // 1. Whole-message decryption.
      const whole = await attempt(() => decryptFile(key, ct, { context }))
      if (whole.ok !== valid) return false
      if (
        whole.ok &&
        (whole.value.length !== Number(c.msgLength) || toHex(sha512(whole.value)) !== c.msgSha512)
      ) {
        return false
      }
      stats.whole++

      // 2. Streaming with two piece sizes: never more than the valid prefix, and sticky errors.
      for (const step of [1000, 40_000]) {
        const s = await streamDecrypt(key, context, ct, step)
        if (s.failed === valid) return false
        if (valid && toHex(sha512(s.plaintext)) !== c.msgSha512) return false
        if (!valid && flags.includes('PartialPlaintext')) {
          const prefixLen = Number(c.msgLength)
          if (s.plaintext.length > prefixLen) return false
          if (s.plaintext.length === prefixLen && toHex(sha512(s.plaintext)) !== c.msgSha512)
            return false
        }
        if (!valid && !flags.includes('PartialPlaintext') && s.plaintext.length > 0) return false
      }
      const sticky = new FileDecryptor(key, { context })
      if (!valid) {
        let first = await attempt(async () => {
          await sticky.push(ct)
          return sticky.finish()
        })
        if (first.ok) return false
        first = await attempt(() => sticky.finish())
        if (first.ok) return false
      }
      stats.streaming++

      // 3. Random access: open the header, read every chunk by index, authenticate the length.
      const ra = await attempt(async () => {
        const reader = await FileChunkReader.open(
          key,
          ct.subarray(0, COBBLESTONE_256.headerBytes),
          { context },
        )
        const last = finalChunkIndex(ct.length)
        const parts: Uint8Array[] = []
        for (let i = last; i >= 0; i--) {
          const start = chunkOffset(i)
          const end = i === last ? ct.length : start + COBBLESTONE_256.chunkCiphertextBytes
          parts[i] = await reader.decryptChunk(i, ct.subarray(start, end), i === last)
        }
        return concatBytes(...parts)
      })
      if (ra.ok !== valid) return false
      if (ra.ok && toHex(sha512(ra.value)) !== c.msgSha512) return false
      stats.randomAccess++

      const auth = await attempt(async () => {
        const reader = await FileChunkReader.open(
          key,
          ct.subarray(0, COBBLESTONE_256.headerBytes),
          { context },
        )
        const last = finalChunkIndex(ct.length)
        return reader.authenticateLength(ct.length, ct.subarray(chunkOffset(last)))
      })
      if (valid && (!auth.ok || auth.value !== Number(c.msgLength))) return false
      if (!valid && auth.ok && !flags.includes('ValidFinalChunk')) return false
      stats.lengthAuth++

      // 4. Encryption with the vector's salt injected must reproduce the ciphertext exactly.
      if (valid && whole.ok) {
        const enc = await FileEncryptor.create({
          key,
          context,
          salt: ct.subarray(0, COBBLESTONE_256.saltBytes),
          random: () => {
            throw new Error('no randomness needed')
          },
        })
        const pieces = [...(await enc.push(whole.value)), ...(await enc.finish()).pieces]
        if (toHex(sha512(concatBytes(...pieces))) !== toHex(sha512(ct))) return false
        stats.reencrypt++
      }
      return true
    },
  )
  t.diagnostic(`cobblestone paths: ${JSON.stringify(stats)}`)
})
