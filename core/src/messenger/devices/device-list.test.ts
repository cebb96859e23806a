// The signed device list (ADR 0760): what a contact or the user's other devices accept, and that
// everything else — an old version, an unsigned or wrongly signed list, another identity's, more
// than five devices — is refused with a typed error and leaves the held list as it was.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { makeIdentityWithDevices, makeListedDevice } from '../../../test-support/device-fixtures.ts'
import { createIdentity } from '../../crypto/identity.ts'
import { ed25519Sign } from '../../crypto/primitives.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { domainSeparated } from '../../wire/labels.ts'
import {
  acceptDeviceList,
  addedDevices,
  issueDeviceList,
  nextListVersion,
  removedDevices,
  verifyDeviceList,
  type VerifiedDeviceList,
} from './device-list.ts'
import {
  decodeDeviceList,
  encodeDeviceList,
  encodeDeviceListBody,
  type DeviceListFields,
} from './list-codec.ts'
import {
  DEVICE_ROLE,
  DEVICES_DOMAIN,
  MAX_DEVICES_PER_IDENTITY,
  TOO_MANY_DEVICES_MESSAGE,
} from './limits.ts'

const p = testPlatform('device-list')
const alice = makeIdentityWithDevices(p, 2)
const entries = alice.devices.map((d) => d.entry)

function issue(previousVersion: number, list = entries, now = p.clock()): VerifiedDeviceList {
  return issueDeviceList(alice.identity, { previousVersion, now, devices: list })
}

/** Signs arbitrary fields with alice's key, bypassing the issuer's checks (a hostile encoder). */
function forge(fields: Partial<DeviceListFields>, key = alice.identity): Uint8Array {
  const body = encodeDeviceListBody({
    identityKey: alice.identity.publicKey,
    listVersion: 10,
    issuedAt: p.clock(),
    devices: entries,
    ...fields,
  })
  const signature = ed25519Sign(key.secretKey, domainSeparated(DEVICES_DOMAIN.deviceList, body))
  return encodeDeviceList({ body, signature })
}

function refusedWith(code: string, fn: () => unknown): void {
  assert.throws(fn, (err: unknown) => isProtocolError(err) && err.code === code)
}

test('a list issued by the primary verifies with what each certificate says', () => {
  const list = issue(0)
  assert.equal(list.devices.length, 3)
  assert.equal(list.listVersion, p.clock(), 'the first version is the issue time in ms')
  const again = verifyDeviceList(list.bytes, { identityKey: alice.identity.publicKey })
  assert.deepEqual(
    again.devices.map((d) => [d.name, d.role]),
    [
      ['alice primary', DEVICE_ROLE.primary],
      ['alice companion 1', DEVICE_ROLE.companion],
      ['alice companion 2', DEVICE_ROLE.companion],
    ],
  )
  assert.deepEqual(again.devices[1]!.deviceKey, alice.devices[1]!.device.keys.publicKey)
  assert.deepEqual(again.devices[2]!.peerId, alice.devices[2]!.device.cert.peerId)
})

test('a sixth device is refused with the sentence, before anything is signed', () => {
  const five = makeIdentityWithDevices(p, MAX_DEVICES_PER_IDENTITY - 1)
  const sixth = makeListedDevice(p, five.identity, 'one too many')
  const all = [...five.devices.map((d) => d.entry), sixth.entry]
  assert.throws(
    () => issueDeviceList(five.identity, { previousVersion: 0, now: p.clock(), devices: all }),
    (err: unknown) =>
      isProtocolError(err, 'limit_exceeded') && err.message === TOO_MANY_DEVICES_MESSAGE,
  )
  const ok = issueDeviceList(five.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: all.slice(0, 5),
  })
  assert.equal(ok.devices.length, 5, 'five is allowed')
})

test('a received list over the cap is refused even when correctly signed', () => {
  const six = makeIdentityWithDevices(p, MAX_DEVICES_PER_IDENTITY)
  const body = encodeDeviceListBody({
    identityKey: six.identity.publicKey,
    listVersion: 5,
    issuedAt: p.clock(),
    devices: six.devices.map((d) => d.entry),
  })
  const sig = ed25519Sign(six.identity.secretKey, domainSeparated(DEVICES_DOMAIN.deviceList, body))
  const bytes = encodeDeviceList({ body, signature: sig })
  refusedWith('limit_exceeded', () =>
    verifyDeviceList(bytes, { identityKey: six.identity.publicKey }),
  )
})

test('an older or equal version (a replayed list) is refused and the held list stays', () => {
  const v1 = issue(0)
  const v2 = issue(v1.listVersion, entries.slice(0, 2))
  let held = acceptDeviceList(undefined, v1.bytes, { identityKey: alice.identity.publicKey })
  held = acceptDeviceList(held, v2.bytes, { identityKey: alice.identity.publicKey })
  assert.equal(held.devices.length, 2, 'the removal took effect')
  const heldBefore = held
  refusedWith('replay', () =>
    acceptDeviceList(held, v1.bytes, { identityKey: alice.identity.publicKey }),
  )
  refusedWith('replay', () =>
    acceptDeviceList(held, v2.bytes, { identityKey: alice.identity.publicKey }),
  )
  assert.equal(held, heldBefore)
  assert.equal(held.devices.length, 2, 'the removed device was not re-added by the replay')
})

test('an unsigned, wrongly signed or foreign list is refused', () => {
  const good = decodeDeviceList(issue(0).bytes)
  const zeroSig = encodeDeviceList({ body: good.body, signature: new Uint8Array(64) })
  refusedWith('bad_signature', () =>
    verifyDeviceList(zeroSig, { identityKey: alice.identity.publicKey }),
  )
  const mallory = createIdentity(p.random)
  refusedWith('bad_signature', () =>
    verifyDeviceList(forge({}, mallory), { identityKey: alice.identity.publicKey }),
  )
  refusedWith('wrong_key', () =>
    verifyDeviceList(issue(0).bytes, { identityKey: mallory.publicKey }),
  )
  const unsigned = encodeDeviceList({ body: good.body, signature: new Uint8Array(0) })
  refusedWith('malformed', () =>
    verifyDeviceList(unsigned, { identityKey: alice.identity.publicKey }),
  )
})

test('a device certified by another identity cannot be slipped into a list', () => {
  const mallory = createIdentity(p.random)
  const intruder = makeListedDevice(p, mallory, 'intruder')
  refusedWith('wrong_key', () =>
    verifyDeviceList(forge({ devices: [...entries, intruder.entry] }), {
      identityKey: alice.identity.publicKey,
    }),
  )
})

test('two primaries, no primary, a repeated device or no device are refused', () => {
  const id = { identityKey: alice.identity.publicKey }
  const second = { ...entries[1]!, role: DEVICE_ROLE.primary }
  refusedWith('malformed', () => verifyDeviceList(forge({ devices: [entries[0]!, second] }), id))
  refusedWith('malformed', () => verifyDeviceList(forge({ devices: entries.slice(1) }), id))
  refusedWith('malformed', () =>
    verifyDeviceList(forge({ devices: [...entries, entries[1]!] }), id),
  )
  refusedWith('malformed', () => verifyDeviceList(forge({ devices: [] }), id))
  refusedWith('malformed', () => verifyDeviceList(forge({ listVersion: 0 }), id))
})

test('names are 1..64 graphemes', () => {
  const id = { identityKey: alice.identity.publicKey }
  const named = (name: string) => forge({ devices: [{ ...entries[0]!, name }] })
  refusedWith('malformed', () => verifyDeviceList(named(''), id))
  refusedWith('malformed', () => verifyDeviceList(named('x'.repeat(65)), id))
  refusedWith('oversize', () => verifyDeviceList(named('👩🏽‍💻'.repeat(64)), id))
  const thumbs = '👍🏽'.repeat(64)
  assert.equal(verifyDeviceList(named(thumbs), id).devices[0]!.name, thumbs, '64 graphemes pass')
})

test('any flipped bit in a list is refused', () => {
  const bytes = issue(0).bytes
  for (let i = 0; i < bytes.length; i += Math.max(1, Math.floor(bytes.length / 150))) {
    const bad = bytes.slice()
    bad[i]! ^= 1 << (i % 8)
    assert.throws(
      () => verifyDeviceList(bad, { identityKey: alice.identity.publicKey }),
      (err: unknown) => isProtocolError(err),
      `flip at byte ${i}`,
    )
  }
})

test('a primary restored from an old backup still issues a newer version', () => {
  const old = issue(0, entries, p.clock())
  const later = p.clock() + 60_000
  assert.equal(nextListVersion(0, later) > old.listVersion, true)
  assert.equal(nextListVersion(old.listVersion, old.listVersion), old.listVersion + 1)
  const restored = issue(0, entries.slice(0, 1), later)
  const held = acceptDeviceList(old, restored.bytes, { identityKey: alice.identity.publicKey })
  assert.equal(held.devices.length, 1)
})

test('added and removed devices between two lists', () => {
  const v1 = issue(0, entries.slice(0, 2))
  const v2 = issue(v1.listVersion, [entries[0]!, entries[2]!])
  assert.deepEqual(
    addedDevices(v1, v2).map((d) => d.name),
    ['alice companion 2'],
  )
  assert.deepEqual(
    removedDevices(v1, v2).map((d) => d.name),
    ['alice companion 1'],
  )
  assert.deepEqual(addedDevices(undefined, v2), [], 'the first list announces nothing')
})
