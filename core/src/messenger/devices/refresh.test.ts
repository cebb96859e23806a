// Refreshing a companion's keys (and renaming it) through the primary: the new grant is taken by
// the companion, the list carries the new bundle and name, a contact can start a session from it;
// a device cannot refresh another one or change its device key.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixedClock, seededRandom } from '../../../test-support/deterministic.ts'
import {
  linkCompanion,
  makeListedDevice,
  makeIdentityWithDevices,
} from '../../../test-support/device-fixtures.ts'
import { makeDevice } from '../../../test-support/crypto-fixtures.ts'
import { DAY_MS } from '../../crypto/limits.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { acceptSession, initiateSession } from '../../crypto/pqxdh.ts'
import { verifyPrekeyBundle } from '../../crypto/prekeys.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { acceptDeviceList, issueDeviceList } from './device-list.ts'
import { companionPrekeySecrets, createCompanionKeys } from './companion.ts'
import { acceptLinkGrant } from './link-grant.ts'
import { DEVICE_ROLE } from './limits.ts'
import { buildRefreshGrant } from './refresh.ts'

const time = fixedClock(Date.UTC(2026, 11, 6))
const p: CryptoPlatform = { random: seededRandom('refresh'), clock: time.clock }
const lifetimes = { certLifetimeMs: 300 * DAY_MS, prekeyLifetimeMs: 60 * DAY_MS }

function setup() {
  const alice = makeIdentityWithDevices(p, 0)
  const first = issueDeviceList(alice.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: alice.devices.map((d) => d.entry),
  })
  const linked = linkCompanion(p, alice.identity, first, 'old name')
  return { alice, linked }
}

test('a companion refreshes its prekeys and renames itself; contacts reach it with the new keys', () => {
  const { alice, linked } = setup()
  time.advance(50 * DAY_MS)
  const fresh = createCompanionKeys(p.random, linked.device.local.cert.peerId, 'Laptop')
  const request = { ...fresh.request, deviceKey: linked.device.local.cert.deviceKey }
  const { grant, list } = buildRefreshGrant({
    identity: alice.identity,
    currentList: linked.list,
    fromDeviceKey: linked.device.local.cert.deviceKey,
    request,
    now: p.clock(),
    ...lifetimes,
  })
  const taken = acceptLinkGrant(grant, request, p.clock())
  assert.equal(taken.cert.serial, 1, 'the certificate moved on')
  assert.equal(taken.signedPrekey.id, 3)
  const entry = list.devices.find((d) => d.role === DEVICE_ROLE.companion)!
  assert.equal(entry.name, 'Laptop')
  const held = acceptDeviceList(linked.list, list.bytes, { identityKey: alice.identity.publicKey })

  // Past the old prekeys' expiry, a contact still opens a session from the held list.
  time.advance(20 * DAY_MS)
  const bob = makeDevice(p, 'bob')
  const start = initiateSession({
    local: bob,
    bundle: verifyPrekeyBundle(held.devices[1]!.bundle, { now: p.clock() }),
    body: new TextEncoder().encode('still there?'),
    platform: p,
  })
  const secrets = companionPrekeySecrets(fresh, grant)
  const got = acceptSession({
    local: { cert: taken.cert, keys: linked.device.local.keys },
    frame: start.frame,
    prekeys: (kind, id) => secrets.find((k) => k.kind === kind && k.id === id),
    platform: p,
  })
  assert.equal(new TextDecoder().decode(got.message.body), 'still there?')
})

test('a device cannot refresh another one, change its key, or refresh the primary', () => {
  const { alice, linked } = setup()
  const other = makeListedDevice(p, alice.identity, 'stranger')
  const fresh = createCompanionKeys(p.random, linked.device.local.cert.peerId, 'x')
  const base = {
    identity: alice.identity,
    currentList: linked.list,
    now: p.clock(),
    ...lifetimes,
  }
  assert.throws(
    () =>
      buildRefreshGrant({
        ...base,
        fromDeviceKey: other.device.keys.publicKey,
        request: { ...fresh.request, deviceKey: other.device.keys.publicKey },
      }),
    (err) => isProtocolError(err, 'unknown_key'),
  )
  assert.throws(
    () =>
      buildRefreshGrant({
        ...base,
        fromDeviceKey: linked.device.local.cert.deviceKey,
        request: fresh.request, // a new device key
      }),
    (err) => isProtocolError(err, 'wrong_key'),
  )
  assert.throws(
    () =>
      buildRefreshGrant({
        ...base,
        fromDeviceKey: alice.devices[0]!.device.keys.publicKey,
        request: { ...fresh.request, deviceKey: alice.devices[0]!.device.keys.publicKey },
      }),
    (err) => isProtocolError(err, 'unknown_key'),
  )
})
