import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from '@noble/hashes/utils.js'
import { MailboxError } from './errors.ts'
import { PREKEY_SEAL_OVERHEAD, openPrekey, sealPrekey } from './prekey-seal.ts'

const box = { mailboxId: randomBytes(32), capability: randomBytes(32) }
const bundle = randomBytes(1500)
bundle[0] = 0x0a // a protobuf message starts with a field tag, never 0x01

void test('a sealed bundle opens for the capability holder and differs on every publish', () => {
  const a = sealPrekey(box, 'bundle', bundle, randomBytes)
  const b = sealPrekey(box, 'bundle', bundle, randomBytes)
  assert.equal(a.length, bundle.length + PREKEY_SEAL_OVERHEAD)
  assert.notDeepEqual(a, b, 'no two publishes look alike')
  assert.ok(!Buffer.from(a).includes(Buffer.from(bundle.subarray(0, 16))), 'no plaintext inside')
  assert.deepEqual(openPrekey(box, 'bundle', a), bundle)
  assert.deepEqual(openPrekey(box, 'bundle', b), bundle)
})

void test('another mailbox, another capability, another kind or a flipped bit does not open', () => {
  const sealed = sealPrekey(box, 'bundle', bundle, randomBytes)
  const malformed = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof MailboxError && e.code === 'malformed')
  malformed(() => openPrekey({ ...box, mailboxId: randomBytes(32) }, 'bundle', sealed))
  malformed(() => openPrekey({ ...box, capability: randomBytes(32) }, 'bundle', sealed))
  malformed(() => openPrekey(box, 'oneTime', sealed))
  const flipped = sealed.slice()
  flipped[40]! ^= 1
  malformed(() => openPrekey(box, 'bundle', flipped))
  malformed(() => openPrekey(box, 'bundle', sealed.subarray(0, PREKEY_SEAL_OVERHEAD - 1)))
})

void test('a bundle published before sealing (a protobuf message) is passed through', () => {
  assert.deepEqual(openPrekey(box, 'bundle', bundle), bundle)
})
