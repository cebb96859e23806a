// Fan-out both ways and own-device sync over a real relay (issue 19): Alice (A1 primary, A2
// linked) and Bob (B1 primary, B2 linked); every device has its own mailbox (ADR 0760). A message
// from A1 lands in B1's and B2's mailboxes and, as a sent copy, in A2's, which shows it as sent by
// Alice herself; B2's answer reaches A1 and A2 and shows on B1 as sent by Bob. Every device drains
// its own mailbox and opens only what was sealed for it.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DeviceMailboxes, type DeviceMailbox } from './support/device-mailboxes.ts'
import { systemPlatform as p } from '../../core/src/crypto/platform.ts'
import { bytesEqual } from '../../core/src/crypto/bytes.ts'
import { createIdentity, type IdentityKeyPair } from '../../core/src/crypto/identity.ts'
import type { MailboxClient } from '../../core/src/mailbox/index.ts'
import {
  acceptSentCopy,
  DEVICE_ROLE,
  type DeviceSessions,
  encodeSentCopy,
  issueDeviceList,
  type VerifiedDeviceList,
} from '../../core/src/messenger/devices/index.ts'
import {
  deviceSessionsFor,
  linkCompanion,
  makeListedDevice,
  simPrimary,
  type SimDevice,
} from '../../core/test-support/device-fixtures.ts'

let net: DeviceMailboxes

before(async () => {
  net = await DeviceMailboxes.start()
})

after(async () => {
  await net?.stop()
})

interface Device {
  sim: SimDevice
  client: MailboxClient
  box: DeviceMailbox
  own?: DeviceSessions
  contact?: DeviceSessions
}

interface Person {
  name: string
  identity: IdentityKeyPair
  list: VerifiedDeviceList
  devices: Device[]
}

async function device(sim: SimDevice): Promise<Device> {
  const { client } = await net.online()
  return { sim, client, box: await net.open(client) }
}

async function person(name: string): Promise<Person> {
  const identity = createIdentity(p.random)
  const primary = makeListedDevice(p, identity, `${name}1`, DEVICE_ROLE.primary)
  const first = issueDeviceList(identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: [primary.entry],
  })
  const linked = linkCompanion(p, identity, first, `${name}2`)
  const devices = [await device(simPrimary(p, identity, primary)), await device(linked.device)]
  return { name, identity, list: linked.list, devices }
}

function sessionsWith(d: Device, list: VerifiedDeviceList): DeviceSessions {
  return deviceSessionsFor(p, d.sim, list)
}

const text = (s: string) => new TextEncoder().encode(s)
const read = (b: Uint8Array) => new TextDecoder().decode(b)

/** Encrypts per device and deposits each frame into the mailbox of the device it is for. */
async function send(from: Device, to: Person, everyone: Device[], message: string): Promise<void> {
  const deliveries = [
    ...from.contact!.encryptToAll(text(message)),
    ...from.own!.encryptToAll(
      encodeSentCopy({ peerIdentityKey: to.identity.publicKey, payload: text(message) }),
    ),
  ]
  for (const f of deliveries) {
    const target = everyone.find((d) => bytesEqual(d.sim.local.cert.deviceKey, f.deviceKey))!
    await net.deposit(from.client, target.box, f.frame)
  }
}

/** What a device shows after draining its mailbox. */
async function inbox(d: Device, contactName: string): Promise<string[]> {
  const shown: string[] = []
  for (const frame of await net.drain(d.client, d.box)) {
    try {
      shown.push(`${contactName}: ${read(d.contact!.decrypt(frame).body)}`)
    } catch {
      const got = d.own!.decrypt(frame)
      const copy = acceptSentCopy(got.body, d.own!.list.identityKey, d.sim.identityKey)
      shown.push(`me: ${read(copy.payload)}`)
    }
  }
  return shown
}

test('fan-out both ways and sent copies through per-device mailboxes on a real relay', async () => {
  const alice = await person('A')
  const bob = await person('B')
  for (const d of alice.devices) {
    d.own = sessionsWith(d, alice.list)
    d.contact = sessionsWith(d, bob.list)
  }
  for (const d of bob.devices) {
    d.own = sessionsWith(d, bob.list)
    d.contact = sessionsWith(d, alice.list)
  }
  const everyone = [...alice.devices, ...bob.devices]
  const [a1, a2] = alice.devices as [Device, Device]
  const [b1, b2] = bob.devices as [Device, Device]

  await send(a1, bob, everyone, 'hi Bob, from my laptop')
  assert.deepEqual(await inbox(b1, 'Alice'), ['Alice: hi Bob, from my laptop'])
  assert.deepEqual(await inbox(b2, 'Alice'), ['Alice: hi Bob, from my laptop'])
  assert.deepEqual(await inbox(a2, 'Bob'), ['me: hi Bob, from my laptop'])
  assert.deepEqual(await inbox(a1, 'Bob'), [], 'the sender gets no copy of its own')

  await send(b2, alice, everyone, 'hello Alice')
  assert.deepEqual(await inbox(a1, 'Bob'), ['Bob: hello Alice'])
  assert.deepEqual(await inbox(a2, 'Bob'), ['Bob: hello Alice'])
  assert.deepEqual(await inbox(b1, 'Alice'), ['me: hello Alice'])
})
