import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { randomBytes } from '@noble/hashes/utils.js'
import { authSigningBytes, bodyHash, checkAuthTimestamp, signAuth, verifyAuth } from './auth.ts'
import {
  decodeRequest,
  encodeErrorResponse,
  decodeResponse,
  encodeRequest,
  signedBodyOf,
} from './codec.ts'
import { AUTH_WINDOW_MS, MAX_ACK_IDS, MAX_REQUEST_FRAME_BYTES } from './constants.ts'
import { MailboxError } from './errors.ts'
import { newMailboxCredentials } from './client.ts'

const creds = newMailboxCredentials()
const now = 1_800_000_000_000

function signedFetch(limit = 5) {
  const body = { limit }
  const auth = signAuth({
    op: 'fetch',
    mailboxId: creds.mailboxId,
    secretKey: creds.authSecretKey,
    encodedBody: signedBodyOf('fetch', body),
    nowMs: now,
    randomBytes,
  })
  return { body, auth }
}

void test('a signed fetch decodes and verifies; any other op, body or key fails', () => {
  const { body, auth } = signedFetch()
  const parsed = decodeRequest(encodeRequest({ fetch: { ...body, auth } }))
  assert.equal(parsed.kind, 'fetch')
  if (parsed.kind !== 'fetch') return
  verifyAuth('fetch', parsed.auth, creds.authPublicKey, parsed.signedBody)
  assert.throws(() => verifyAuth('ack', parsed.auth, creds.authPublicKey, parsed.signedBody), {
    code: 'bad_signature',
  })
  assert.throws(
    () =>
      verifyAuth('fetch', parsed.auth, creds.authPublicKey, signedBodyOf('fetch', { limit: 6 })),
    {
      code: 'bad_signature',
    },
  )
  assert.throws(
    () =>
      verifyAuth('fetch', parsed.auth, newMailboxCredentials().authPublicKey, parsed.signedBody),
    {
      code: 'bad_signature',
    },
  )
})

void test('strict verification: a signature with S + L (malleable under ZIP-215 rules) is refused', () => {
  const { body, auth } = signedFetch()
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  const sig = auth.signature
  let s = 0n
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!)
  s += L
  const forged = new Uint8Array(sig)
  for (let i = 32; i < 64; i++) {
    forged[i] = Number(s & 0xffn)
    s >>= 8n
  }
  if (s !== 0n) return // S + L overflowed 256 bits: nothing to test for this signature
  assert.throws(
    () =>
      verifyAuth(
        'fetch',
        { ...auth, signature: forged },
        creds.authPublicKey,
        signedBodyOf('fetch', body),
      ),
    { code: 'bad_signature' },
  )
})

void test('timestamps outside ±5 minutes are refused, inside are accepted', () => {
  const { auth } = signedFetch()
  checkAuthTimestamp(auth, now + AUTH_WINDOW_MS)
  checkAuthTimestamp(auth, now - AUTH_WINDOW_MS)
  assert.throws(() => checkAuthTimestamp(auth, now + AUTH_WINDOW_MS + 1), {
    code: 'timestamp_out_of_window',
  })
  assert.throws(() => checkAuthTimestamp(auth, now - AUTH_WINDOW_MS - 1), {
    code: 'timestamp_out_of_window',
  })
})

void test('the signed bytes carry the domain label and every field', () => {
  const bytes = authSigningBytes(
    'fetch',
    new Uint8Array(32),
    new Uint8Array(16),
    1n,
    bodyHash(new Uint8Array()),
  )
  assert.ok(new TextDecoder().decode(bytes).includes('hestia/v1/mailbox-fetch'))
  assert.equal(bytes.length, 1 + 'hestia/v1/mailbox-fetch'.length + 1 + 32 + 16 + 8 + 32)
})

void test('caps: too many ack ids, oversize frames and two bodies are typed errors', () => {
  const { auth } = signedFetch()
  const ids = Array.from({ length: MAX_ACK_IDS + 1 }, (_, i) => BigInt(i))
  assert.throws(
    () => decodeRequest(encodeRequest({ ack: { ids, auth } })),
    (e: unknown) => e instanceof MailboxError,
  )
  assert.throws(() => decodeRequest(new Uint8Array(MAX_REQUEST_FRAME_BYTES + 1)), {
    code: 'oversize',
  })
  assert.throws(() => decodeRequest(encodeRequest({ info: {}, fetch: { limit: 1, auth } })), {
    code: 'malformed',
  })
  assert.throws(() => decodeRequest(encodeRequest({})), { code: 'malformed' })
})

void test('error responses round-trip to MailboxError with the same code', () => {
  assert.throws(() => decodeResponse(encodeErrorResponse(new MailboxError('mailbox_full'))), {
    name: 'MailboxError',
    code: 'mailbox_full',
  })
})

void test('storage_full reaches the client as a retryable MailboxError; permanent codes are not retryable', () => {
  const decoded = (code: 'storage_full' | 'bad_capability') => {
    try {
      decodeResponse(encodeErrorResponse(new MailboxError(code)))
    } catch (err) {
      return err
    }
    return undefined
  }
  const full = decoded('storage_full')
  assert.ok(full instanceof MailboxError)
  assert.equal(full.code, 'storage_full')
  assert.equal(full.retryable, true)
  assert.match(full.message, /disk space/)
  const permanent = decoded('bad_capability')
  assert.ok(permanent instanceof MailboxError)
  assert.equal(permanent.retryable, false)
})

void test('decodeRequest returns a value or throws MailboxError for any bytes (fuzz, 100,000 inputs)', () => {
  const seeds = [
    encodeRequest({ info: {} }),
    encodeRequest({ fetch: { ...signedFetch().body, auth: signedFetch().auth } }),
  ]
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc
          .tuple(fc.constantFrom(...seeds), fc.nat(), fc.integer({ min: 0, max: 255 }))
          .map(([s, at, v]) => {
            const out = new Uint8Array(s)
            if (out.length > 0) out[at % out.length] = v
            return out
          }),
      ),
      (bytes) => {
        try {
          decodeRequest(bytes)
        } catch (err) {
          assert.ok(err instanceof MailboxError, `non-typed error: ${String(err)}`)
        }
      },
    ),
    { numRuns: 100_000 },
  )
})
