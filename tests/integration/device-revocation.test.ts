// Multi-device over a real relay (issue 19): Alice's primary A1 and her companion A2 (linked
// through the handshake) each have their own mailbox on the relay (ADR 0760: mailbox secrets are
// never shared between devices); Bob fans every message out into both. A1 revokes A2 while A2 is
// offline and sends the new list to Bob inside their end-to-end session; the relay replaying the
// frame that carried the old list changes nothing; Bob's next message goes to A1 only; when A2
// comes back and drains its mailbox it finds nothing new. And "log out all other devices": the
// online companions are told through their own mailboxes, and Bob writes to A1 alone.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { DeviceMailboxes, type DeviceMailbox } from './support/device-mailboxes.ts'
import { systemPlatform as p } from '../../core/src/crypto/platform.ts'
import { bytesEqual } from '../../core/src/crypto/bytes.ts'
import { sealForMailbox } from '../../core/src/crypto/sealed-envelope.ts'
import { depositAddressOf } from '../../core/src/mailbox/index.ts'
import { isProtocolError } from '../../core/src/wire/errors.ts'
import { issueDeviceList } from '../../core/src/messenger/devices/device-list.ts'
import type { DeviceFrame } from '../../core/src/messenger/devices/fanout.ts'
import { DEVICE_ROLE } from '../../core/src/messenger/devices/limits.ts'
import {
  logoutOtherDevices,
  receiveContactList,
  receiveOwnList,
  removeDevice,
} from '../../core/src/messenger/devices/list-updates.ts'
import { createIdentity } from '../../core/src/crypto/identity.ts'
import {
  deviceSessionsFor,
  linkCompanion,
  makeListedDevice,
  simPrimary,
  type SimDevice,
} from '../../core/test-support/device-fixtures.ts'

let mailboxes: DeviceMailboxes

before(async () => {
  mailboxes = await DeviceMailboxes.start()
})

after(async () => {
  await mailboxes?.stop()
})

function sessions(me: SimDevice, list: ReturnType<typeof issueDeviceList>) {
  return deviceSessionsFor(p, me, list)
}

test('revoke while the companion is offline: it reads nothing new; a replayed list is refused', async () => {
  const aliceId = createIdentity(p.random)
  const a1Listed = makeListedDevice(p, aliceId, 'A1', DEVICE_ROLE.primary)
  const first = issueDeviceList(aliceId, {
    previousVersion: 0,
    now: p.clock(),
    devices: [a1Listed.entry],
  })
  const linked = linkCompanion(p, aliceId, first, 'A2')
  const a1 = simPrimary(p, aliceId, a1Listed)
  const a2 = linked.device
  const bobId = createIdentity(p.random)
  const bobListed = makeListedDevice(p, bobId, 'B1', DEVICE_ROLE.primary)
  const bobList = issueDeviceList(bobId, {
    previousVersion: 0,
    now: p.clock(),
    devices: [bobListed.entry],
  })
  const b1 = simPrimary(p, bobId, bobListed)

  const a1Net = await mailboxes.online()
  let a2Net = await mailboxes.online()
  const bNet = await mailboxes.online()
  const boxes = new Map<string, DeviceMailbox>([
    ['A1', await mailboxes.open(a1Net.client)],
    ['A2', await mailboxes.open(a2Net.client)],
  ])
  const bobBox = await mailboxes.open(bNet.client)
  const boxOf = (f: DeviceFrame) =>
    bytesEqual(f.deviceKey, a1.local.cert.deviceKey) ? boxes.get('A1')! : boxes.get('A2')!

  const bobSide = sessions(b1, linked.list)
  const a1Side = sessions(a1, bobList)
  const a2Side = sessions(a2, bobList)
  const text = (s: string) => new TextEncoder().encode(s)
  const read = (b: Uint8Array) => new TextDecoder().decode(b)
  async function bobSends(message: string): Promise<number> {
    const frames = bobSide.encryptToAll(text(message))
    for (const f of frames) {
      await mailboxes.deposit(bNet.client, boxOf(f), f.frame)
    }
    return frames.length
  }

  assert.equal(await bobSends('before'), 2, 'one deposit per device of Alice')
  assert.deepEqual(
    (await mailboxes.drain(a2Net.client, boxes.get('A2')!)).map((f) =>
      read(a2Side.decrypt(f).body),
    ),
    ['before'],
  )
  assert.deepEqual(
    (await mailboxes.drain(a1Net.client, boxes.get('A1')!)).map((f) =>
      read(a1Side.decrypt(f).body),
    ),
    ['before'],
  )

  // A2 goes offline. A1 revokes it and tells Bob inside their session (through Bob's mailbox).
  await a2Net.client.close()
  await a2Net.node.stop()
  const revoked = removeDevice(aliceId, linked.list, a2.local.cert.deviceKey, p.clock())
  const [toBob] = a1Side.encryptToAll(revoked.list.bytes)
  const sealedList = await sealForMailbox(bobBox.seal.publicKey, toBob!.frame)
  await a1Net.client.deposit(depositAddressOf(bobBox.creds), sealedList)
  const [listFrame] = await mailboxes.drain(bNet.client, bobBox)
  const update = receiveContactList(
    bobSide.list,
    bobSide.decrypt(listFrame!).body,
    aliceId.publicKey,
  )
  assert.deepEqual(
    update.removed.map((d) => d.name),
    ['A2'],
  )
  assert.equal(bobSide.useList(update.list), 1, "Bob's session with A2 ends")

  // The relay replays the deposit that carried a list: the ratchet refuses the repeat, and the
  // older list itself would be refused by version.
  await a1Net.client.deposit(depositAddressOf(bobBox.creds), sealedList)
  const [again] = await mailboxes.drain(bNet.client, bobBox)
  assert.throws(
    () => bobSide.decrypt(again!),
    (err) => isProtocolError(err, 'replay'),
  )
  assert.throws(
    () => receiveContactList(bobSide.list, linked.list.bytes, aliceId.publicKey),
    (err) => isProtocolError(err, 'replay'),
  )

  assert.equal(await bobSends('after'), 1, 'only A1 is written to')
  assert.deepEqual(
    (await mailboxes.drain(a1Net.client, boxes.get('A1')!)).map((f) =>
      read(a1Side.decrypt(f).body),
    ),
    ['after'],
  )

  // A2 comes back (a new connection, the same mailbox) and finds nothing new.
  a2Net = await mailboxes.online()
  assert.deepEqual(await mailboxes.drain(a2Net.client, boxes.get('A2')!), [])
})

test('log out all other devices: the online companions are told through their mailboxes, Bob writes to A1 only', async () => {
  const aliceId = createIdentity(p.random)
  const a1Listed = makeListedDevice(p, aliceId, 'A1', DEVICE_ROLE.primary)
  let list = issueDeviceList(aliceId, {
    previousVersion: 0,
    now: p.clock(),
    devices: [a1Listed.entry],
  })
  const companions: SimDevice[] = []
  for (const name of ['A2', 'A3']) {
    const linked = linkCompanion(p, aliceId, list, name)
    list = linked.list
    companions.push(linked.device)
  }
  const a1 = simPrimary(p, aliceId, a1Listed)
  const bobId = createIdentity(p.random)
  const bobListed = makeListedDevice(p, bobId, 'B1', DEVICE_ROLE.primary)
  const b1 = simPrimary(p, bobId, bobListed)

  const net = await mailboxes.online()
  const boxes = [
    await mailboxes.open(net.client),
    ...(await Promise.all(companions.map(() => mailboxes.open(net.client)))),
  ]
  const alice = [a1, ...companions]
  const boxOf = (f: DeviceFrame) =>
    boxes[alice.findIndex((d) => bytesEqual(d.local.cert.deviceKey, f.deviceKey))]!
  const deposit = async (f: DeviceFrame) => {
    await mailboxes.deposit(net.client, boxOf(f), f.frame)
  }
  const bobSide = sessions(b1, list)
  const a1Own = sessions(a1, list)
  const ownOf = companions.map((c) => sessions(c, list))

  const out = logoutOtherDevices(aliceId, list, p.clock())
  // A1 tells its own devices inside their own sessions, through their mailboxes.
  for (const f of a1Own.encryptToAll(out.list.bytes)) await deposit(f)
  for (const [i, c] of companions.entries()) {
    const [frame] = await mailboxes.drain(net.client, boxes[i + 1]!)
    const told = receiveOwnList(
      list,
      ownOf[i]!.decrypt(frame!).body,
      aliceId.publicKey,
      c.local.cert.deviceKey,
    )
    assert.equal(told.thisDeviceRemoved, true, `${c.name} learns it was logged out`)
  }
  // Bob takes in the list; his next message goes to A1 alone.
  bobSide.useList(receiveContactList(bobSide.list, out.list.bytes, aliceId.publicKey).list)
  const frames = bobSide.encryptToAll(new TextEncoder().encode('only A1'))
  for (const f of frames) await deposit(f)
  assert.equal(frames.length, 1)
  assert.equal((await mailboxes.drain(net.client, boxes[0]!)).length, 1)
  for (const box of boxes.slice(1)) assert.deepEqual(await mailboxes.drain(net.client, box), [])
})
