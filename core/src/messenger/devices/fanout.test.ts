// Multi-device fan-out in memory (issue 19), with devices linked through the real handshake:
// Alice has a primary and companions, Bob a primary and a companion. Every message reaches every
// listed device of the contact and, as a sent copy, the sender's other devices; the safety number
// stays; a replayed old list changes nothing; revoking a device or logging out all others stops
// everything new for the removed devices at once, and what they still send is refused.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fixedClock, seededRandom } from '../../../test-support/deterministic.ts'
import {
  deviceSessionsFor,
  linkCompanion,
  makeListedDevice,
  simPrimary,
  type SimDevice,
} from '../../../test-support/device-fixtures.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import { createIdentity, type IdentityKeyPair } from '../../crypto/identity.ts'
import type { CryptoPlatform } from '../../crypto/platform.ts'
import { safetyNumber } from '../../crypto/safety-number.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { issueDeviceList, type VerifiedDeviceList } from './device-list.ts'
import type { DeviceSessions } from './fanout.ts'
import { DEVICE_ROLE } from './limits.ts'
import {
  addedDeviceNotice,
  logoutOtherDevices,
  receiveContactList,
  receiveOwnList,
  removeDevice,
} from './list-updates.ts'
import { acceptSentCopy, encodeSentCopy } from './sync.ts'
import { createCompanionKeys } from './companion.ts'
import { buildLinkGrant } from './link-grant.ts'
import { DAY_MS } from '../../crypto/limits.ts'

const time = fixedClock(Date.UTC(2026, 11, 6, 10))
const p: CryptoPlatform = { random: seededRandom('fan-out'), clock: time.clock }
const text = (s: string) => new TextEncoder().encode(s)
const read = (b: Uint8Array) => new TextDecoder().decode(b)

interface Node {
  sim: SimDevice
  own: DeviceSessions
  contact: DeviceSessions
  /** What the user sees on this device: "from <who>: text" or "me → <contact>: text". */
  seen: string[]
}

interface Person {
  name: string
  identity: IdentityKeyPair
  list: VerifiedDeviceList
  devices: SimDevice[]
}

function person(name: string, companions: string[]): Person {
  const identity = createIdentity(p.random)
  const primary = makeListedDevice(p, identity, `${name} primary`, DEVICE_ROLE.primary)
  let list = issueDeviceList(identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: [primary.entry],
  })
  const devices = [simPrimary(p, identity, primary)]
  for (const c of companions) {
    time.advance(1000)
    const linked = linkCompanion(p, identity, list, c)
    list = linked.list
    devices.push(linked.device)
  }
  return { name, identity, list, devices }
}

function node(sim: SimDevice, ownList: VerifiedDeviceList, contactList: VerifiedDeviceList): Node {
  return {
    sim,
    own: deviceSessionsFor(p, sim, ownList),
    contact: deviceSessionsFor(p, sim, contactList),
    seen: [],
  }
}

function nodesOf(me: Person, other: Person): Node[] {
  return me.devices.map((d) => node(d, me.list, other.list))
}

/** Sends `message` from `from` to the contact; the "network" hands each frame to its device. */
function send(from: Node, fromPerson: Person, to: Person, all: Node[], message: string) {
  const contactFrames = from.contact.encryptToAll(text(message))
  const copy = encodeSentCopy({ peerIdentityKey: to.identity.publicKey, payload: text(message) })
  const ownFrames = from.own.encryptToAll(copy)
  const at = (deviceKey: Uint8Array) =>
    all.find((n) => bytesEqual(n.sim.local.cert.deviceKey, deviceKey))
  for (const f of contactFrames) {
    const n = at(f.deviceKey)
    if (n === undefined) continue // a device that is gone (removed, offline): the frame waits in vain
    n.seen.push(`from ${fromPerson.name}: ${read(n.contact.decrypt(f.frame).body)}`)
  }
  for (const f of ownFrames) {
    const n = at(f.deviceKey)!
    const got = n.own.decrypt(f.frame)
    const c = acceptSentCopy(got.body, n.own.list.identityKey, n.sim.identityKey)
    assert.ok(bytesEqual(c.peerIdentityKey, to.identity.publicKey))
    n.seen.push(`me → ${to.name}: ${read(c.payload)}`)
  }
  return { contactFrames, ownFrames }
}

test('fan-out both ways and own-device sync, with devices linked through the handshake', () => {
  const alice = person('Alice', ['A2', 'A3'])
  const bob = person('Bob', ['B2'])
  const a = nodesOf(alice, bob)
  const b = nodesOf(bob, alice)
  const all = [...a, ...b]

  const sent = send(a[0]!, alice, bob, all, 'hi Bob')
  assert.equal(sent.contactFrames.length, 2, "one frame per Bob's device")
  assert.equal(sent.ownFrames.length, 2, "one copy per Alice's other device")
  assert.deepEqual(b[0]!.seen, ['from Alice: hi Bob'])
  assert.deepEqual(b[1]!.seen, ['from Alice: hi Bob'])
  assert.deepEqual(a[1]!.seen, ['me → Bob: hi Bob'])
  assert.deepEqual(a[2]!.seen, ['me → Bob: hi Bob'])

  send(b[1]!, bob, alice, all, 'hello from B2')
  for (const n of a) assert.equal(n.seen.at(-1), 'from Bob: hello from B2')
  assert.deepEqual(b[0]!.seen.at(-1), 'me → Alice: hello from B2')

  send(a[2]!, alice, bob, all, 'and from A3')
  assert.equal(b[0]!.seen.at(-1), 'from Alice: and from A3')
  assert.equal(a[0]!.seen.at(-1), 'me → Bob: and from A3')

  // Same identity on every device: the safety number each of Alice's devices shows is the same.
  const numbers = alice.devices.map(
    (d) => safetyNumber(d.identityKey, bob.identity.publicKey).digits,
  )
  assert.equal(new Set(numbers).size, 1)
})

test('a contact takes in a new device with a notice and no block; a replayed list is refused', () => {
  const alice = person('Alice', [])
  const bob = person('Bob', [])
  const [b1] = nodesOf(bob, alice)
  time.advance(1000)
  const linked = linkCompanion(p, alice.identity, alice.list, 'A2')
  const update = receiveContactList(b1!.contact.list, linked.list.bytes, alice.identity.publicKey)
  assert.equal(addedDeviceNotice('Alice', update.added), 'Alice added a device')
  b1!.contact.useList(update.list)
  assert.equal(b1!.contact.encryptToAll(text('x')).length, 2)

  time.advance(1000)
  const revoked = removeDevice(
    alice.identity,
    linked.list,
    linked.device.local.cert.deviceKey,
    p.clock(),
  )
  b1!.contact.useList(
    receiveContactList(b1!.contact.list, revoked.list.bytes, alice.identity.publicKey).list,
  )
  // A relay replays the list that still named A2: refused, and B1 keeps sending to A1 only.
  assert.throws(
    () => receiveContactList(b1!.contact.list, linked.list.bytes, alice.identity.publicKey),
    (err) => isProtocolError(err, 'replay'),
  )
  assert.equal(b1!.contact.encryptToAll(text('y')).length, 1)
})

test('revoke: contacts stop at once, the removed device is told, reads and sends nothing new', () => {
  const alice = person('Alice', ['A2'])
  const bob = person('Bob', [])
  const a = nodesOf(alice, bob)
  const b = nodesOf(bob, alice)
  const all = [...a, ...b]
  send(b[0]!, bob, alice, all, 'before')
  send(a[1]!, alice, bob, all, 'A2 says hi')
  assert.equal(a[1]!.seen.at(-1), 'from Bob: before')

  time.advance(1000)
  const a2Key = alice.devices[1]!.local.cert.deviceKey
  const revoked = removeDevice(alice.identity, alice.list, a2Key, p.clock())
  // Bob's device takes in the list (inside the end-to-end channel); A2, online, is told.
  const onBob = receiveContactList(b[0]!.contact.list, revoked.list.bytes, alice.identity.publicKey)
  assert.deepEqual(
    onBob.removed.map((d) => d.name),
    ['A2'],
  )
  assert.equal(b[0]!.contact.useList(onBob.list), 1, 'the session with A2 ended')
  const onA2 = receiveOwnList(a[1]!.own.list, revoked.list.bytes, alice.identity.publicKey, a2Key)
  assert.equal(onA2.thisDeviceRemoved, true, 'A2 learns it was removed and erases itself')
  const onA1 = receiveOwnList(
    a[0]!.own.list,
    revoked.list.bytes,
    alice.identity.publicKey,
    a[0]!.sim.local.cert.deviceKey,
  )
  assert.equal(onA1.thisDeviceRemoved, false)
  a[0]!.own.useList(onA1.list)

  // Bob's next message: one frame, for A1; A2 (even one that ignored the notice) opens none of it.
  const a2SeenBefore = a[1]!.seen.length
  const next = send(b[0]!, bob, alice, all, 'after')
  assert.equal(next.contactFrames.length, 1)
  assert.ok(bytesEqual(next.contactFrames[0]!.deviceKey, a[0]!.sim.local.cert.deviceKey))
  assert.equal(a[1]!.seen.length, a2SeenBefore)
  for (const f of next.contactFrames) {
    assert.throws(
      () => a[1]!.contact.decrypt(f.frame),
      (err) => isProtocolError(err),
    )
  }
  // A2 keeps writing with its old session: Bob refuses it, nothing reaches his thread.
  const stale = a[1]!.contact.encryptToAll(text('still here'))
  assert.throws(
    () => b[0]!.contact.decrypt(stale[0]!.frame),
    (err) => isProtocolError(err, 'unknown_key'),
  )
  // And A1 no longer copies its messages to A2.
  assert.equal(send(a[0]!, alice, bob, all, 'to Bob').ownFrames.length, 0)
})

test('log out all other devices leaves only the primary everywhere', () => {
  const alice = person('Alice', ['A2', 'A3', 'A4'])
  const bob = person('Bob', [])
  const [b1] = nodesOf(bob, alice)
  assert.equal(b1!.contact.encryptToAll(text('x')).length, 4)
  time.advance(1000)
  const out = logoutOtherDevices(alice.identity, alice.list, p.clock())
  assert.deepEqual(
    out.removed.map((d) => d.name),
    ['A2', 'A3', 'A4'],
  )
  b1!.contact.useList(
    receiveContactList(b1!.contact.list, out.list.bytes, alice.identity.publicKey).list,
  )
  const frames = b1!.contact.encryptToAll(text('y'))
  assert.equal(frames.length, 1)
  assert.ok(bytesEqual(frames[0]!.deviceKey, alice.devices[0]!.local.cert.deviceKey))
  for (const d of alice.devices.slice(1)) {
    assert.equal(
      receiveOwnList(alice.list, out.list.bytes, alice.identity.publicKey, d.local.cert.deviceKey)
        .thisDeviceRemoved,
      true,
    )
  }
  assert.throws(
    () => removeDevice(alice.identity, out.list, alice.devices[0]!.local.cert.deviceKey, p.clock()),
    (err) => isProtocolError(err),
    'the primary cannot remove itself',
  )
})

test('a contact cannot pass a message off as sent by me', () => {
  const alice = person('Alice', [])
  const bob = person('Bob', [])
  const copy = encodeSentCopy({ peerIdentityKey: bob.identity.publicKey, payload: text('forged') })
  assert.throws(
    () => acceptSentCopy(copy, bob.identity.publicKey, alice.identity.publicKey),
    (err) => isProtocolError(err, 'wrong_key'),
  )
})

test('a device whose prekeys expired is skipped and reported; the others still get the message', () => {
  const alice = person('Alice', [])
  const bob = person('Bob', [])
  const [b1] = nodesOf(bob, alice)
  // A companion linked with prekeys that expire in one day, then the day passes.
  const peerId = text('peer:short-lived')
  const keys = createCompanionKeys(p.random, peerId, 'short-lived')
  const { list } = buildLinkGrant({
    identity: alice.identity,
    request: keys.request,
    currentList: alice.list,
    now: p.clock(),
    certLifetimeMs: 300 * DAY_MS,
    prekeyLifetimeMs: DAY_MS,
  })
  b1!.contact.useList(
    receiveContactList(b1!.contact.list, list.bytes, alice.identity.publicKey).list,
  )
  time.advance(DAY_MS + 1)
  const skipped: string[] = []
  const frames = b1!.contact.encryptToAll(text('hello'), (d, err) =>
    skipped.push(`${d.name}: ${err.code}`),
  )
  assert.equal(frames.length, 1, 'the primary still gets it')
  assert.deepEqual(skipped, ['short-lived: expired'])
})

test('both devices start a session at once: they settle on one and keep talking both ways', () => {
  const alice = person('Alice', [])
  const bob = person('Bob', [])
  const [a1] = nodesOf(alice, bob)
  const [b1] = nodesOf(bob, alice)
  // Neither has heard from the other: both send a first (PQXDH) message before either arrives.
  const [fromA] = a1!.contact.encryptToAll(text('a first'))
  const [fromB] = b1!.contact.encryptToAll(text('b first'))
  assert.equal(read(b1!.contact.decrypt(fromA!.frame).body), 'a first')
  assert.equal(read(a1!.contact.decrypt(fromB!.frame).body), 'b first')
  // Whatever each kept, the next messages in both directions open on the other side.
  for (let i = 0; i < 3; i++) {
    const [x] = a1!.contact.encryptToAll(text(`a ${i}`))
    assert.equal(read(b1!.contact.decrypt(x!.frame).body), `a ${i}`)
    const [y] = b1!.contact.encryptToAll(text(`b ${i}`))
    assert.equal(read(a1!.contact.decrypt(y!.frame).body), `b ${i}`)
  }
  assert.equal(a1!.contact.sessionKeys.length, 1)
  assert.equal(b1!.contact.sessionKeys.length, 1)
})
