/**
 * The quick bench's sequence in Node (issue 19): a new install links to Ada's primary, the primary
 * logs out all others as soon as both sides report the link done — before the new device's
 * mailbox announcement may have reached it — and the new device must erase itself (identity none)
 * and link again; three rounds, as `npm run bench -- --quick --only device.link` does in Chromium.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import { TestPeer, releaseWebRTC, startTestRelay, waitUntil } from './support/messenger-harness.ts'

describe('link, log out all others at once, link again', () => {
  let relay: RelayHandle
  let a1: TestPeer
  let fresh: TestPeer

  before(async () => {
    relay = await startTestRelay()
    a1 = await new TestPeer('ada', relay.multiaddrs).start()
    await a1.must({ type: 'identity.create', displayName: 'ada' })
    fresh = await new TestPeer('new', relay.multiaddrs).start()
  })

  after(async () => {
    for (const p of [fresh, a1]) await p?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  const done = (peer: TestPeer, linkId: string) =>
    peer.events.some(
      (e) => e.type === 'device.link' && e.link.linkId === linkId && e.link.state === 'done',
    )

  for (const round of [1, 2, 3]) {
    test(`round ${round}: linked, removed at once, erased`, async () => {
      const from = fresh.events.length
      const offer = await fresh.must({ type: 'devices.linkStart', deviceName: `bench ${round}` })
      const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
      await waitUntil('the new device shows the code', () =>
        fresh.events
          .slice(from)
          .some((e) => e.type === 'device.link' && e.link.state === 'compare'),
      )
      await Promise.all([
        fresh.must({ type: 'devices.linkConfirm', linkId: offer.linkId }),
        a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId }),
      ])
      await waitUntil(
        'both report the link done',
        () => done(fresh, offer.linkId) && done(a1, onA1.linkId),
        30_000,
      )
      assert.equal((await fresh.must({ type: 'identity.status' })).state, 'ready')
      const view = await a1.must({ type: 'devices.logoutOthers' })
      assert.equal(view.devices.length, 1)
      await waitUntil(
        'the removed device erased itself',
        async () => (await fresh.must({ type: 'identity.status' })).state === 'none',
        30_000,
      )
    })
  }
})
