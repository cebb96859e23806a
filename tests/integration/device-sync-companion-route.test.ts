// A companion's contact state carries no route (issue 19, ADR 0785, review 11 F4): only the
// primary says where to deposit for a contact. The primary passes a companion's frame on to its
// other companions, which take it as the primary's (route and route stamp included), so a frame
// from a hostile or broken laptop that names a route is passed on without it: the tablet takes
// the choice and keeps Ben's route and its route stamp (a stamp at the maximum would make it
// ignore every later route the primary sends).
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeContactState } from '@hestia/core/messenger/devices/sync-state.ts'
import { firstContactRecord, sealUnderLink } from './support/device-frames.ts'
import { linkTablet } from './support/device-tablet.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('a companion’s contact frame naming a route', () => {
  const trio = useDeviceTrio()
  let a3: TestPeer | undefined

  before(async () => {
    a3 = await linkTablet(trio)
  })

  after(async () => {
    await a3?.stop().catch(() => undefined)
  })

  test('is passed on without its route: the tablet takes the name, keeps Ben’s route', async () => {
    const { a1, a2 } = trio
    const onTablet = await firstContactRecord(a3!)
    const onA1 = await firstContactRecord(a1)
    const held = onA1.ownSync?.stamp ?? 0
    // Somewhere else to deposit (a valid deposit address: A1's own-devices mailbox).
    const elsewhere = await a1.service.messenger!.parts.own.route()
    const state = encodeContactState({
      stateStamp: Math.max(held, Date.now()) + 60_000,
      routeStamp: Number.MAX_SAFE_INTEGER,
      contact: {
        identityKey: onA1.identityPublicKey,
        displayName: 'Ben (renamed on the laptop)',
        verified: onA1.verified,
        blocked: onA1.blocked,
        route: elsewhere,
      },
    })
    const own = a1.service.messenger!.parts.own
    await own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.contactState, state))
    await waitUntil('the tablet took the name', async () => {
      return (await firstContactRecord(a3!)).displayName === 'Ben (renamed on the laptop)'
    })
    const after = await firstContactRecord(a3!)
    assert.deepEqual(after.outboundMailbox, onTablet.outboundMailbox, 'the tablet’s route for Ben')
    assert.equal(after.ownSync?.routeStamp, onTablet.ownSync?.routeStamp, 'and its route stamp')
  })
})
