/**
 * Own-device sync both ways (issue 19, ADR 0785), with real messengers over a real relay: Ada's
 * primary A1 and her linked laptop A2, and her contact Ben. A rename, a block and its undoing, a
 * verification and the person-wide settings made on either device show on the other; settings
 * that belong to the device (notifications) stay where they were made. Last writer wins by stamp:
 * an older frame under the real link key (what a relay replaying a deposit hands over) is refused
 * and changes nothing, and a companion cannot do what only the primary may (the device list, a
 * contact's route, a contact the primary does not hold). Last, a companion removed before its
 * mailbox reached the primary (the bench's quick run: logoutOthers right after the link) is still
 * told when it announces itself, and erases itself.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import {
  encodeContactState,
  encodeSettingsState,
} from '@hestia/core/messenger/devices/sync-state.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import {
  firstContact as ben,
  forgetAnnouncedRoutes,
  sealUnderLink,
} from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('own-device sync of contacts and settings, both ways', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer

  before(() => {
    ;({ a1, a2 } = trio)
  })

  const settingsOf = async (peer: TestPeer) => peer.must({ type: 'settings.get' })

  test('a rename on the companion shows on the primary, and one on the primary on the companion', async () => {
    const onA2 = await ben(a2)
    await a2.must({ type: 'contact.rename', contactId: onA2.contactId, displayName: 'Ben (work)' })
    await waitUntil('A1 shows the laptop’s name for Ben', async () => {
      return (await ben(a1)).displayName === 'Ben (work)'
    })
    await a1.must({
      type: 'contact.rename',
      contactId: (await ben(a1)).contactId,
      displayName: 'Benjamin',
    })
    await waitUntil('A2 shows the primary’s name for Ben', async () => {
      return (await ben(a2)).displayName === 'Benjamin'
    })
    assert.equal((await ben(a1)).displayName, 'Benjamin', 'the primary kept its own rename')
  })

  test('a block on the companion blocks on the primary; unblocking on the primary unblocks both', async () => {
    await a2.must({
      type: 'contact.setBlocked',
      contactId: (await ben(a2)).contactId,
      blocked: true,
    })
    await waitUntil('A1 shows Ben blocked', async () => (await ben(a1)).trust === 'blocked')
    await a1.must({
      type: 'contact.setBlocked',
      contactId: (await ben(a1)).contactId,
      blocked: false,
    })
    await waitUntil('A2 shows Ben unblocked', async () => (await ben(a2)).trust !== 'blocked')
    assert.notEqual((await ben(a1)).trust, 'blocked')
  })

  test('verified on the companion is verified on the primary', async () => {
    assert.equal((await ben(a1)).verified, false)
    await a2.must({
      type: 'contact.verify',
      contactId: (await ben(a2)).contactId,
      method: 'safety_number',
      scannedPayload: null,
    })
    await waitUntil('A1 shows Ben verified', async () => (await ben(a1)).trust === 'verified')
    assert.equal((await ben(a1)).verified, true)
  })

  test('person-wide settings follow both ways; notifications stay with the device', async () => {
    assert.equal((await settingsOf(a1)).readReceipts, false)
    await a2.must({
      type: 'settings.update',
      patch: { readReceipts: true, notifications: { showNames: true } },
    })
    await waitUntil('A1 sends read receipts too', async () => (await settingsOf(a1)).readReceipts)
    assert.equal((await settingsOf(a1)).notifications.showNames, false, 'per device')
    await a1.must({ type: 'settings.update', patch: { relayOnly: true, delayReceipts: false } })
    await waitUntil('A2 is relay-only too', async () => (await settingsOf(a2)).relayOnly)
    const onA2 = await settingsOf(a2)
    assert.equal(onA2.delayReceipts, false)
    assert.equal(onA2.readReceipts, true, 'the laptop’s own change stands')
    assert.equal(onA2.notifications.showNames, true)
    await a1.must({ type: 'settings.update', patch: { relayOnly: false } })
    await waitUntil('A2 allows direct again', async () => !(await settingsOf(a2)).relayOnly)
  })

  test('an older contact state or settings frame (a replay) is refused and changes nothing', async () => {
    const before = await ben(a1)
    const benOnA1 = (await a1.store.getContact(before.contactId))!
    const stale = encodeContactState({
      stateStamp: benOnA1.ownSync!.stamp - 1,
      routeStamp: 0,
      contact: {
        identityKey: benOnA1.identityPublicKey,
        displayName: 'Ben (work)',
        verified: false,
        blocked: true,
      },
    })
    const own = a1.service.messenger!.parts.own
    await assert.rejects(
      own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.contactState, stale)),
      (err) => isProtocolError(err, 'replay'),
    )
    const oldSettings = encodeSettingsState(1, {
      readReceipts: false,
      delayReceipts: true,
      relayOnly: true,
    })
    await assert.rejects(
      own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.settings, oldSettings)),
      (err) => isProtocolError(err, 'replay'),
    )
    assert.deepEqual(await ben(a1), before)
    const s = await settingsOf(a1)
    assert.deepEqual([s.readReceipts, s.delayReceipts, s.relayOnly], [true, false, false])
    // The same frame the companion sent, played again, is no change either.
    const current = encodeContactState({
      stateStamp: benOnA1.ownSync!.stamp,
      routeStamp: 0,
      contact: {
        identityKey: benOnA1.identityPublicKey,
        displayName: benOnA1.displayName,
        verified: benOnA1.verified,
        blocked: benOnA1.blocked,
      },
    })
    const eventsBefore = a1.events.length
    await own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.contactState, current))
    assert.equal(
      a1.events.slice(eventsBefore).filter((e) => e.type === 'contact.updated').length,
      0,
      'nothing changed, nothing announced',
    )
  })

  test('a companion cannot change the device list, a contact’s route, or add a contact', async () => {
    const laptop = a2.service.node!.peerId.toString()
    const refused = await a2.req({
      type: 'devices.remove',
      deviceId: a1.service.node!.peerId.toString(),
    })
    assert.equal(refused.ok, false)
    if (!refused.ok) assert.equal(refused.error.code, 'invalid_state')
    // The list it holds, sent back to the primary as if it were new: the primary takes no list
    // from a companion (only it issues lists), refused before any version is compared.
    const heldList = (await a2.store.getIdentity())!.deviceList!
    const own = a1.service.messenger!.parts.own
    await assert.rejects(
      own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.deviceList, heldList)),
      (err) => isProtocolError(err, 'wrong_key'),
    )
    const devices = await a1.must({ type: 'devices.list' })
    assert.ok(
      devices.devices.some((d) => d.deviceId === laptop),
      'the laptop is still listed',
    )
    assert.equal(devices.devices.length, 2)

    // A route from a companion is not taken (only the primary knows where it deposits).
    const benOnA1 = (await a1.store.getContact((await ben(a1)).contactId))!
    const routeBefore = benOnA1.outboundMailbox
    const withRoute = encodeContactState({
      stateStamp: benOnA1.ownSync!.stamp + 10_000,
      routeStamp: benOnA1.ownSync!.routeStamp + 10_000,
      contact: {
        identityKey: benOnA1.identityPublicKey,
        displayName: 'Ben via laptop',
        verified: benOnA1.verified,
        blocked: false,
        route: (await a2.store.getContact((await ben(a2)).contactId))!.outboundMailbox!,
      },
    })
    await own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.contactState, withRoute))
    const after = (await a1.store.getContact(benOnA1.contactId))!
    assert.equal(after.displayName, 'Ben via laptop', 'the choice is taken')
    assert.deepEqual(after.outboundMailbox, routeBefore, 'the route is not')

    // A contact the primary does not hold: refused, nothing created.
    const stranger = encodeContactState({
      stateStamp: Date.now(),
      routeStamp: 0,
      contact: {
        identityKey: p.random(32),
        displayName: 'Mallory',
        verified: true,
        blocked: false,
      },
    })
    await assert.rejects(
      own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.contactState, stranger)),
      (err) => isProtocolError(err, 'unknown_key'),
    )
    assert.equal((await a1.store.listContacts()).length, 1)
  })

  test('a companion removed before its mailbox reached the primary is told later and erases itself', async () => {
    // The primary forgets the laptop's announced mailbox: as right after a link, before kind 1 came.
    await forgetAnnouncedRoutes(a1)
    await a1.must({ type: 'devices.logoutOthers' })
    assert.equal((await a1.must({ type: 'devices.list' })).devices.length, 1)
    const waiting = decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks!
    assert.deepEqual(
      waiting.map((l) => l.removed),
      [true],
      'kept until told, nothing else sent over it',
    )
    // The laptop starts again and announces its mailbox (kind 1), as a companion does each start.
    await a2.stop()
    await a2.start()
    await waitUntil(
      'the removed laptop erased itself',
      async () => (await a2.must({ type: 'identity.status' })).state === 'none',
      30_000,
    )
    await waitUntil('the primary forgot the link once it was told', async () => {
      const s = decodeSecrets((await a1.store.getIdentity())!.secretKeys)
      return (s.ownLinks ?? []).length === 0
    })
  })
})
