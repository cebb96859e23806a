import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ClientEvent } from '../../client/api.ts'
import { systemPlatform as p } from '../../crypto/platform.ts'
import { openMemoryStore } from '../../store/memory-store.ts'
import type { ContactRecord, DeviceRecord } from '../../store/records.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { makeIdentityWithDevices } from '../../../test-support/device-fixtures.ts'
import { deviceIdOf } from '../net.ts'
import type { Payload } from '../payload.ts'
import { toBase64Url } from '../records.ts'
import { applyContactDeviceList, heldContactList, refuseUnlistedDevice } from './contact-list.ts'
import { issueDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { removeDevice } from './list-updates.ts'

const alice = makeIdentityWithDevices(p, 2, 'alice')
const [primary, laptop, tablet] = alice.devices.map((d) => d.device.cert)
const idOf = (cert: typeof primary) => deviceIdOf(cert!.peerId)

function list(entries: number[], previousVersion = 0, now = p.clock()): VerifiedDeviceList {
  return issueDeviceList(alice.identity, {
    previousVersion,
    now,
    devices: entries.map((i) => alice.devices[i]!.entry),
  })
}

function contact(deviceList?: Uint8Array): ContactRecord {
  return {
    contactId: 'ct-alice',
    displayName: 'Alice',
    identityPublicKey: alice.identity.publicKey,
    identityKeyId: toBase64Url(alice.identity.publicKey),
    verified: false,
    blocked: false,
    keyChange: null,
    relays: ['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay'],
    inboundMailboxId: null,
    outboundMailbox: null,
    ...(deviceList === undefined ? {} : { deviceList }),
    addedAt: 1,
    updatedAt: 1,
  }
}

const text = (t: string): Payload => ({
  messageId: new Uint8Array(16),
  sentAt: 1,
  body: { kind: 'text', text: t },
})

function refusedAs(run: () => void): string {
  try {
    run()
    return 'accepted'
  } catch (err) {
    return isProtocolError(err) ? err.code : 'other'
  }
}

test('frames from devices the held list does not name are refused; no list, no check', () => {
  const held = list([0, 1])
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(contact(), idOf(tablet), text('x'))),
    'accepted',
  )
  const c = contact(held.bytes)
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(primary), text('x'))),
    'accepted',
  )
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(laptop), text('x'))),
    'accepted',
  )
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), text('x'))),
    'unknown_key',
  )
  // The tablet may announce itself only with a newer list the identity key signed naming it.
  const newer = list([0, 1, 2], held.listVersion)
  const carrying = (l: VerifiedDeviceList): Payload => ({
    ...text('x'),
    body: { kind: 'device_list', list: l.bytes },
  })
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), carrying(newer))),
    'accepted',
  )
  const older = list([0, 2], 0, held.listVersion - 5)
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), carrying(older))),
    'unknown_key',
    'an old list naming it does not help',
  )
})

test('a Hello replacing a listed device lets a new session in only with a certificate newer than the list', () => {
  const held = list([0, 1])
  const hello = (replacesDevice: string): Payload => ({
    ...text('x'),
    body: {
      kind: 'hello',
      hello: {
        displayName: 'Alice',
        relays: ['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay'],
        mailboxId: new Uint8Array(32),
        mailboxCapability: new Uint8Array(32),
        mailboxSealKey: new Uint8Array(32),
        reply: false,
        replacesDevice,
      },
    },
  })
  const c = contact(held.bytes)
  const replacing = hello(idOf(primary))
  // A device restored from a backup (ADR 0524): certified after the list was issued.
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), replacing, held.issuedAt + 1)),
    'accepted',
  )
  // A removed companion posing as the replacement: its certificate predates the list.
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), replacing, held.issuedAt - 1)),
    'unknown_key',
  )
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), replacing)),
    'unknown_key',
    'not on an existing session',
  )
  const unlistedTarget = hello('12D3KooWNotListedAnywhere1111111111')
  assert.equal(
    refusedAs(() => refuseUnlistedDevice(c, idOf(tablet), unlistedTarget, held.issuedAt + 1)),
    'unknown_key',
  )
})

async function storeWithAlice(knownDevices: string[]) {
  const store = openMemoryStore()
  await store.transaction(async (tx) => {
    await tx.putContact(contact())
    await tx.putConversation({
      conversationId: 'cv-alice',
      contactId: 'ct-alice',
      lastMessageId: null,
      lastActivityAt: 1,
      unreadCount: 0,
    })
    for (const deviceId of knownDevices) {
      const d: DeviceRecord = {
        ownerId: 'ct-alice',
        deviceId,
        certificate: new Uint8Array(1),
        addedAt: 1,
        expiresAt: Number.MAX_SAFE_INTEGER,
        lastSeenAt: null,
      }
      await tx.putDevice(d)
      await tx.putSession(
        { contactId: 'ct-alice', deviceId, state: new Uint8Array(1), version: 1, updatedAt: 1 },
        null,
      )
    }
  })
  return store
}

async function apply(store: ReturnType<typeof openMemoryStore>, bytes: Uint8Array) {
  const events: ClientEvent[] = []
  const outcome = await store.transaction(async (tx) => {
    const c = (await tx.getContact('ct-alice'))!
    return applyContactDeviceList(tx, c, 'cv-alice', bytes, p, events)
  })
  const notices = events.flatMap((e) =>
    e.type === 'message.added' && e.message.body.kind === 'system' ? [e.message.body.event] : [],
  )
  return { outcome, notices }
}

test('lists in: added devices noticed (not the known primary), replays refused, removals end sessions', async () => {
  const store = await storeWithAlice([idOf(primary)])
  const v1 = list([0, 1])
  assert.deepEqual(await apply(store, v1.bytes), { outcome: 'accepted', notices: ['device_added'] })
  assert.deepEqual(
    (await store.listDevices('ct-alice')).map((d) => d.deviceId).sort(),
    [idOf(primary), idOf(laptop)].sort(),
  )
  // The same list again, or an older one: refused, nothing changes.
  assert.deepEqual(await apply(store, v1.bytes), { outcome: 'refused', notices: [] })
  const older = list([0], 0, v1.listVersion - 10)
  assert.deepEqual(await apply(store, older.bytes), { outcome: 'refused', notices: [] })
  // A list signed by another identity: refused.
  const mallory = makeIdentityWithDevices(p, 0, 'mallory')
  const foreign = issueDeviceList(mallory.identity, {
    previousVersion: v1.listVersion,
    now: p.clock(),
    devices: [mallory.devices[0]!.entry],
  })
  assert.deepEqual(await apply(store, foreign.bytes), { outcome: 'refused', notices: [] })
  assert.equal(heldContactList((await store.getContact('ct-alice'))!)?.listVersion, v1.listVersion)

  await store.transaction((tx) =>
    tx.putSession(
      {
        contactId: 'ct-alice',
        deviceId: idOf(laptop),
        state: new Uint8Array(1),
        version: 1,
        updatedAt: 1,
      },
      null,
    ),
  )
  const v2 = removeDevice(alice.identity, v1, laptop!.deviceKey, p.clock()).list
  assert.deepEqual(await apply(store, v2.bytes), {
    outcome: 'accepted',
    notices: ['device_removed'],
  })
  assert.deepEqual(
    (await store.listDevices('ct-alice')).map((d) => d.deviceId),
    [idOf(primary)],
  )
  assert.deepEqual(
    (await store.listSessions('ct-alice')).map((s) => s.deviceId),
    [idOf(primary)],
    'the removed device’s session ended',
  )
})
