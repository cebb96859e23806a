// Linking a device (ADR 0110, 0760) end to end in memory: the new device shows an offer, the
// primary answers, both show the same 6-digit code, the primary grants after confirmation, and a
// contact can then open a session with the new device from the list alone. And what an attacker
// tries: a swapped link, a wrong reveal, a tampered grant, a reused or expired offer, a sixth device.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixedClock, seededRandom } from '../../../test-support/deterministic.ts'
import { makeDevice } from '../../../test-support/crypto-fixtures.ts'
import { makeIdentityWithDevices, testLinkGrant } from '../../../test-support/device-fixtures.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { acceptSession, initiateSession } from '../../crypto/pqxdh.ts'
import { verifyPrekeyBundle } from '../../crypto/prekeys.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { acceptDeviceList, issueDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { companionPrekeySecrets, createCompanionKeys } from './companion.ts'
import { ExistingDeviceLink, NewDeviceLink } from './link.ts'
import type { buildLinkGrant } from './link-grant.ts'
import { acceptLinkGrant } from './link-grant.ts'
import {
  LINK_OFFER_LIFETIME_MS,
  MAX_DEVICES_PER_IDENTITY,
  TOO_MANY_DEVICES_MESSAGE,
} from './limits.ts'

const time = fixedClock(Date.UTC(2026, 11, 6))
const p: CryptoPlatform = { random: seededRandom('device-link'), clock: time.clock }
const enc = (s: string) => new TextEncoder().encode(s)

function aliceWith(companions: number): {
  alice: ReturnType<typeof makeIdentityWithDevices>
  list: VerifiedDeviceList
} {
  const alice = makeIdentityWithDevices(p, companions)
  const list = issueDeviceList(alice.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: alice.devices.map((d) => d.entry),
  })
  return { alice, list }
}

function grantFor(
  alice: ReturnType<typeof makeIdentityWithDevices>,
  list: VerifiedDeviceList,
  request: Parameters<typeof buildLinkGrant>[0]['request'],
) {
  return testLinkGrant(p, { identity: alice.identity, request, currentList: list })
}

test('link: both sides show one code; the new device gets a certificate and is listed', () => {
  const { alice, list } = aliceWith(0)
  const peerId = enc('peer:laptop')
  const keys = createCompanionKeys(p.random, peerId, 'Firefox on laptop')
  const n = new NewDeviceLink({ platform: p, peerId, relay: '/ip4/127.0.0.1/tcp/1/ws' })
  const e = new ExistingDeviceLink(n.offer, p)
  const { reveal, code: codeOnNew } = n.answerHello(e.hello, keys.request)
  const { code: codeOnExisting, request } = e.receiveReveal(reveal)
  assert.match(codeOnNew, /^\d{6}$/)
  assert.equal(codeOnNew, codeOnExisting)
  assert.equal(request.name, 'Firefox on laptop')

  const built = grantFor(alice, list, request)
  const accepted = acceptLinkGrant(n.openGrant(e.sealGrant(built.grant)), keys.request, p.clock())
  assert.deepEqual(accepted.identityKey, alice.identity.publicKey, 'same identity, no secret')
  assert.equal(accepted.list.devices.length, 2)
  assert.equal(accepted.list.listVersion > list.listVersion, true)

  // A contact that held the old list accepts the new one and reaches the new device from it.
  const held = acceptDeviceList(list, built.list.bytes, { identityKey: alice.identity.publicKey })
  const listed = held.devices.find((d) => d.name === 'Firefox on laptop')!
  const bob = makeDevice(p, 'bob')
  const start = initiateSession({
    local: bob,
    bundle: verifyPrekeyBundle(listed.bundle, {
      now: p.clock(),
      identityKey: alice.identity.publicKey,
    }),
    body: enc('hi laptop'),
    platform: p,
  })
  const prekeys = companionPrekeySecrets(keys, built.grant)
  const got = acceptSession({
    local: { cert: accepted.cert, keys: keys.device },
    frame: start.frame,
    prekeys: (kind, id) => prekeys.find((k) => k.kind === kind && k.id === id),
    platform: p,
  })
  assert.equal(new TextDecoder().decode(got.message.body), 'hi laptop')
})

test('a swapped link (attacker in the middle) is caught: the codes differ or the reveal fails', () => {
  const peerId = enc('peer:new')
  const keys = createCompanionKeys(p.random, peerId, 'new')
  const real = new NewDeviceLink({ platform: p, peerId, relay: 'r' })
  const mallory = new NewDeviceLink({ platform: p, peerId, relay: 'r' })
  // The primary scans mallory's offer; mallory relays its own hello to the real new device.
  const e = new ExistingDeviceLink(mallory.offer, p)
  const malloryToReal = new ExistingDeviceLink(real.offer, p)
  const realSide = real.answerHello(malloryToReal.hello, keys.request)
  const malloryCode = malloryToReal.receiveReveal(realSide.reveal).code
  assert.equal(malloryCode, realSide.code, 'mallory can talk to each side alone')
  const toPrimary = mallory.answerHello(e.hello, { ...keys.request, name: 'mallory' })
  const primaryCode = e.receiveReveal(toPrimary.reveal).code
  assert.notEqual(primaryCode, realSide.code, 'the user sees two different codes')
  // Forwarding the real reveal to the primary instead fails the commitment of the offer it scanned.
  const e2 = new ExistingDeviceLink(mallory.offer, p)
  assert.throws(
    () => e2.receiveReveal(realSide.reveal),
    (err) => isProtocolError(err, 'bad_signature'),
  )
})

test('a tampered grant, a reused offer and an expired offer are refused', () => {
  const { alice, list } = aliceWith(0)
  const peerId = enc('peer:tab')
  const keys = createCompanionKeys(p.random, peerId, 'tab')
  const n = new NewDeviceLink({ platform: p, peerId, relay: 'r' })
  const e = new ExistingDeviceLink(n.offer, p)
  const { reveal } = n.answerHello(e.hello, keys.request)
  assert.throws(
    () => n.answerHello(e.hello, keys.request),
    (err) => isProtocolError(err, 'replay'),
  )
  e.receiveReveal(reveal)
  const sealed = e.sealGrant(grantFor(alice, list, keys.request).grant)
  const bad = sealed.slice()
  bad[bad.length - 1]! ^= 1
  assert.throws(
    () => n.openGrant(bad),
    (err) => isProtocolError(err, 'decrypt_failed'),
  )
  assert.equal(n.openGrant(sealed).deviceList.length > 0, true, 'the real grant still opens')

  const late = new NewDeviceLink({ platform: p, peerId, relay: 'r' })
  time.advance(LINK_OFFER_LIFETIME_MS)
  assert.throws(
    () => new ExistingDeviceLink(late.offer, p),
    (err) => isProtocolError(err, 'expired'),
  )
})

test('a grant for another device or with swapped prekeys is refused by the new device', () => {
  const { alice, list } = aliceWith(0)
  const mine = createCompanionKeys(p.random, enc('peer:mine'), 'mine')
  const other = createCompanionKeys(p.random, enc('peer:other'), 'other')
  const forOther = grantFor(alice, list, other.request).grant
  assert.throws(
    () => acceptLinkGrant(forOther, mine.request, p.clock()),
    (err) => isProtocolError(err, 'wrong_key'),
  )
  const mixed = { ...grantFor(alice, list, mine.request).grant, pqPrekey: forOther.pqPrekey }
  assert.throws(
    () => acceptLinkGrant(mixed, mine.request, p.clock()),
    (err) => isProtocolError(err),
  )
})

test('a sixth device is refused with the sentence before anything is signed', () => {
  const { alice, list } = aliceWith(MAX_DEVICES_PER_IDENTITY - 1)
  const keys = createCompanionKeys(p.random, enc('peer:sixth'), 'sixth')
  assert.throws(
    () => grantFor(alice, list, keys.request),
    (err) => isProtocolError(err, 'limit_exceeded') && err.message === TOO_MANY_DEVICES_MESSAGE,
  )
  const two = aliceWith(1)
  const samePeer = createCompanionKeys(p.random, two.list.devices[1]!.peerId, 'same peer')
  assert.throws(
    () => grantFor(two.alice, two.list, samePeer.request),
    (err) => isProtocolError(err, 'malformed'),
    'a device already listed is not added twice',
  )
})
