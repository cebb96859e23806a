import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../test-support/deterministic.ts'
import { DAY, makeDevice, makePrekeys } from '../../test-support/crypto-fixtures.ts'
import {
  createIdentity,
  issueDeviceCert,
  rotateDeviceKey,
  supersedes,
  verifyDeviceCert,
} from './identity.ts'
import { checkKeyChange, markVerified, repinIdentity } from './key-change.ts'
import { createPrekey, PREKEY_KIND, verifyPrekeyBundle, buildPrekeyBundle } from './prekeys.ts'
import { decodePrekeyBundle, encodePrekeyBundle } from './codecs.ts'

void test('a device certificate verifies, binds key + PeerId + expiry, and only for its identity', () => {
  const p = testPlatform('cert')
  const d = makeDevice(p, 'laptop')
  const now = p.clock()
  const v = verifyDeviceCert(d.cert.bytes, { now, identityKey: d.identity.publicKey })
  assert.deepEqual(v.deviceKey, d.keys.publicKey)
  assert.deepEqual(new TextDecoder().decode(v.peerId), 'peer:laptop')
  assert.equal(v.expiresAt, now + 30 * DAY)
  const other = createIdentity(p.random)
  assert.throws(() => verifyDeviceCert(d.cert.bytes, { now, identityKey: other.publicKey }), {
    code: 'wrong_key',
  })
})

void test('any flipped bit in a certificate is rejected with a ProtocolError', () => {
  const p = testPlatform('cert-flip')
  const d = makeDevice(p, 'phone')
  for (let bit = 0; bit < d.cert.bytes.length * 8; bit++) {
    const bad = d.cert.bytes.slice()
    bad[bit >> 3]! ^= 1 << (bit & 7)
    assert.throws(() => verifyDeviceCert(bad, { now: p.clock() }), { name: 'ProtocolError' })
  }
})

void test('certificates outside their validity window are refused', () => {
  const p = testPlatform('cert-time')
  const d = makeDevice(p, 'x')
  assert.throws(() => verifyDeviceCert(d.cert.bytes, { now: p.clock() + 31 * DAY }), {
    code: 'expired',
  })
  assert.throws(() => verifyDeviceCert(d.cert.bytes, { now: p.clock() - DAY }), {
    code: 'not_yet_valid',
  })
  assert.throws(
    () =>
      issueDeviceCert(d.identity, {
        deviceKey: d.keys.publicKey,
        peerId: new Uint8Array([1]),
        issuedAt: 0,
        expiresAt: 500 * DAY,
      }),
    RangeError,
  )
})

void test('rotating a device key keeps the identity; contacts see device_rotated, not a key change', () => {
  const p = testPlatform('rotate')
  const d = makeDevice(p, 'desk')
  const first = checkKeyChange(undefined, d.cert)
  assert.equal(first.status, 'first_use')
  const { keys, cert } = rotateDeviceKey(d.identity, d.cert, {
    random: p.random,
    now: p.clock(),
    lifetimeMs: 10 * DAY,
  })
  assert.notDeepEqual(keys.publicKey, d.keys.publicKey)
  assert.equal(cert.serial, d.cert.serial + 1)
  assert.ok(supersedes(cert, d.cert))
  assert.ok(!supersedes(d.cert, cert))
  const verified = verifyDeviceCert(cert.bytes, {
    now: p.clock(),
    identityKey: d.identity.publicKey,
  })
  const rotated = checkKeyChange(first.pinned, verified)
  assert.equal(rotated.status, 'device_rotated')
  // Replaying the old certificate afterwards must not bring back the old key: it is stale.
  const replay = checkKeyChange(rotated.pinned, d.cert)
  assert.equal(replay.status, 'stale')
  assert.equal(replay.pinned!.devices[Object.keys(replay.pinned!.devices)[0]!]!.serial, 1)
  assert.equal(checkKeyChange(rotated.pinned, verified).status, 'unchanged')
})

void test('key-change detector: same identity new device is not a change; new identity blocks', () => {
  const p = testPlatform('kc')
  const phone = makeDevice(p, 'phone')
  const laptop = makeDevice(p, 'laptop', phone.identity)
  const pinned = checkKeyChange(undefined, phone.cert).pinned!
  assert.equal(checkKeyChange(pinned, phone.cert).status, 'unchanged')
  const added = checkKeyChange(pinned, laptop.cert)
  assert.equal(added.status, 'new_device')
  assert.equal(Object.keys(added.pinned!.devices).length, 2)
  const impostor = makeDevice(p, 'phone') // same PeerId label, different identity
  const blocked = checkKeyChange(markVerified(added.pinned!), impostor.cert)
  assert.equal(blocked.status, 'blocked')
  assert.equal(blocked.pinned!.verified, true, 'a blocked check leaves the pinned record alone')
  const repinned = repinIdentity(impostor.cert, true)
  assert.equal(checkKeyChange(repinned, impostor.cert).status, 'unchanged')
})

void test('prekey bundles verify; tampering, foreign device binding, wrong kinds and expiry are refused', () => {
  const p = testPlatform('bundle')
  const bob = makeDevice(p, 'bob')
  const pre = makePrekeys(p, bob)
  const now = p.clock()
  const v = verifyPrekeyBundle(pre.bundle, { now, identityKey: bob.identity.publicKey })
  assert.equal(v.signedPrekey.id, 1)
  assert.equal(v.pqPrekey.kind, PREKEY_KIND.lastResortMlkem)
  assert.equal(v.oneTimePrekey?.id, 3)
  assert.equal(v.expiresAt, now + 7 * DAY)
  assert.throws(() => verifyPrekeyBundle(pre.bundle, { now: now + 8 * DAY }), { code: 'expired' })

  // A prekey signed for another device of the same identity is refused.
  const laptop = makeDevice(p, 'laptop', bob.identity)
  const foreign = createPrekey(bob.identity, {
    kind: PREKEY_KIND.signedX25519,
    id: 9,
    deviceKey: laptop.keys.publicKey,
    expiresAt: now + DAY,
    random: p.random,
  })
  const mixed = buildPrekeyBundle({ deviceCert: bob.cert, signedPrekey: foreign, pqPrekey: pre.pq })
  assert.throws(() => verifyPrekeyBundle(mixed, { now }), { code: 'wrong_key' })

  // Swapping the signed and one-time prekeys (both X25519) is caught by the signed kind.
  const parts = decodePrekeyBundle(pre.bundle)
  const swapped = encodePrekeyBundle({
    ...parts,
    signedPrekey: parts.oneTimePrekey!,
    oneTimePrekey: parts.signedPrekey,
  })
  assert.throws(() => verifyPrekeyBundle(swapped, { now }), { code: 'malformed' })

  // A prekey signed by someone else.
  const mallory = makeDevice(p, 'mallory')
  const forged = createPrekey(mallory.identity, {
    kind: PREKEY_KIND.signedX25519,
    id: 1,
    deviceKey: bob.keys.publicKey,
    expiresAt: now + DAY,
    random: p.random,
  })
  const forgedBundle = encodePrekeyBundle({ ...parts, signedPrekey: forged.signed })
  assert.throws(() => verifyPrekeyBundle(forgedBundle, { now }), { code: 'bad_signature' })
})
