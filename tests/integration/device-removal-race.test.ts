/**
 * The devices bench's failure (issue 19): a companion removed at the moment its mailbox
 * announcement (own-device kind 1) reaches the primary was never told and never erased itself.
 * The primary took the announcement with the link as it was when the frame arrived (not removed
 * yet) while logoutOthers, reading the links before the announcement was stored, marked the link
 * removed with no mailbox to tell: the removal notice went nowhere and the new device ran on as a
 * companion (in Chromium: 'New saw [], identity.status ready'). Here the two meet on purpose: the
 * primary's store holds the announcement's write until logoutOthers has answered.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { forgetAnnouncedRoutes, sealUnderLink } from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('a removal that meets the new device’s mailbox announcement', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer

  before(() => {
    ;({ a1, a2 } = trio)
  })

  test('the companion is told and erases itself; the primary then forgets the link', async () => {
    // As right after a link: the primary does not hold the laptop's mailbox yet.
    await forgetAnnouncedRoutes(a1)
    // The laptop's announcement, as it sends one at each start (under their real link key).
    const route = await a2.service.messenger!.parts.own.route()
    const announcement = await sealUnderLink(a2, a1, OWN_FRAME_KIND.route, route)
    // The primary's store holds the announcement's write (the next transaction begun) ...
    const store = a1.store
    const transaction = store.transaction.bind(store)
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let armed = true
    let held = 0
    store.transaction = (async (work: Parameters<typeof transaction>[0]) => {
      if (armed) {
        armed = false
        held++
        await gate
      }
      return transaction(work)
    }) as typeof store.transaction
    let taking: Promise<void>
    try {
      taking = a1.service.messenger!.parts.own.receive(announcement)
      armed = false
      assert.equal(held, 1, 'the announcement is being stored')
      // ... while the user logs out all other devices.
      const view = await a1.must({ type: 'devices.logoutOthers' })
      assert.equal(view.devices.length, 1)
    } finally {
      release()
      store.transaction = transaction
    }
    await taking
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
