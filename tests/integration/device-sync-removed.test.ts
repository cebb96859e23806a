/**
 * A companion removed before the primary could tell it (its mailbox not announced yet) keeps its
 * link key, and the primary keeps the link marked removed until it is told (ADR 0785, devices.md).
 * Over that link only the companion's route (kind 1) is taken: a rename, block, verification,
 * settings change or "declined" it sends under the real key is refused and changes nothing on
 * the primary (real messengers over a real relay).
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import type { OwnFrameKind } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeDeclined } from '@hestia/core/messenger/devices/sync-declines.ts'
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
import type { TestPeer } from './support/messenger-harness.ts'

describe('a removed companion not told yet', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer

  before(() => {
    ;({ a1, a2 } = trio)
  })

  /** A frame from the laptop to the primary under their real link key (the laptop still has it). */
  const fromLaptop = (kind: OwnFrameKind, body: Uint8Array) => sealUnderLink(a2, a1, kind, body)

  /** Ben's contact state as the laptop would send it, `stamp` and name chosen. */
  async function benState(stamp: number, displayName: string, flags: boolean) {
    const summary = await ben(a1)
    const record = (await a1.store.getContact(summary.contactId))!
    return encodeContactState({
      stateStamp: stamp,
      routeStamp: 0,
      contact: {
        identityKey: record.identityPublicKey,
        displayName,
        verified: flags,
        blocked: flags,
      },
    })
  }

  test('control: while linked, the same kind of frame under that key renames Ben', async () => {
    const own = a1.service.messenger!.parts.own
    const frame = await fromLaptop(
      OWN_FRAME_KIND.contactState,
      await benState(Date.now() + 1_000, 'Ben (laptop)', false),
    )
    await own.receive(frame)
    assert.equal((await ben(a1)).displayName, 'Ben (laptop)')
  })

  test('its rename, block, settings and declines are refused and change nothing', async () => {
    // The primary forgets the laptop's mailbox (as right after a link), then logs out the others:
    // the link stays, marked removed, until the laptop announces itself.
    await forgetAnnouncedRoutes(a1)
    await a1.must({ type: 'devices.logoutOthers' })
    const links = decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks!
    assert.deepEqual(
      links.map((l) => l.removed),
      [true],
    )

    const benBefore = await ben(a1)
    const settingsBefore = await a1.must({ type: 'settings.get' })
    const newer = Date.now() + 60_000
    const rename = await benState(newer, 'Not Ben', true)
    const settings = encodeSettingsState(newer, {
      readReceipts: !settingsBefore.readReceipts,
      delayReceipts: !settingsBefore.delayReceipts,
      relayOnly: !settingsBefore.relayOnly,
    })
    const declined = encodeDeclined({
      subject: 'call',
      id: 'AAAAAAAAAAAAAAAAAAAAAA',
      deviceId: a2.service.node!.peerId.toString(),
    })
    const own = a1.service.messenger!.parts.own
    const eventsBefore = a1.events.length
    for (const [kind, body] of [
      [OWN_FRAME_KIND.contactState, rename],
      [OWN_FRAME_KIND.settings, settings],
      [OWN_FRAME_KIND.declined, declined],
    ] as const) {
      await assert.rejects(own.receive(await fromLaptop(kind, body)), (err) =>
        isProtocolError(err, 'unknown_key'),
      )
    }

    assert.deepEqual(await ben(a1), benBefore, 'Ben is still Ben, unblocked, as verified as before')
    assert.deepEqual(await a1.must({ type: 'settings.get' }), settingsBefore)
    assert.deepEqual(
      a1.events
        .slice(eventsBefore)
        .filter((e) => e.type === 'contact.updated' || e.type === 'settings.changed'),
      [],
      'nothing announced',
    )
  })
})
