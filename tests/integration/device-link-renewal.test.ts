/**
 * A device link on the primary that meets its background key renewal (issue 19, ADR 0786), with
 * real messengers over a real relay and one injected clock: Ada already has A1 and a laptop (the
 * device trio); 45 days on (the primary's prekeys are due), a tablet's link is accepted on A1 and,
 * while the user compares the codes, the renewal publishes a new list. Both confirm: the link ends
 * `done` on A1 and the tablet holds the identity, and the list A1 publishes (and Ben receives)
 * names the tablet and carries the renewed prekeys.
 * Before the link built its grant under the list lock, it built on the list read at accept, its
 * publish failed 'a newer device list was published meanwhile' and A1 said the link failed while
 * the tablet had taken the grant (half-linked).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { renewPrimaryKeys } from '@hestia/core/messenger/devices/primary-keys.ts'
import { TestPeer, releaseWebRTC, waitUntil } from './support/messenger-harness.ts'
import {
  PREKEYS_DUE_MS,
  primaryExpiry,
  startRenewalTrio,
  type RenewalTrio,
} from './support/renewal-trio.ts'

describe('a device link meeting the background key renewal', () => {
  let trio: RenewalTrio
  let a1: TestPeer
  let tablet: TestPeer

  before(async () => {
    trio = await startRenewalTrio()
    a1 = trio.a1
    tablet = new TestPeer('ada-tablet', trio.relay.multiaddrs)
    tablet.platform = trio.platform
    await tablet.start()
  })

  after(async () => {
    await tablet?.stop().catch(() => undefined)
    await trio?.stop()
    releaseWebRTC()
  })

  test('the link completes on both and its list carries the renewal', async () => {
    const oldExpiry = primaryExpiry(await trio.ownList())
    trio.advance(PREKEYS_DUE_MS)
    const offer = await tablet.must({ type: 'devices.linkStart', deviceName: 'Tablet' })
    const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await waitUntil('the tablet shows the code', () =>
      tablet.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
    )
    // While the user compares the codes, the keeper's renewal publishes a new list.
    const ctx = a1.service.messenger!.parts.ctx
    const renewed = await renewPrimaryKeys(ctx, { listToCheck: false }, () => undefined)
    assert.ok(renewed !== null, 'the renewal published a list between accept and confirm')
    assert.ok(primaryExpiry(renewed) > oldExpiry + 40 * DAY_MS)
    await tablet.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
    const settled = () =>
      a1.events.find(
        (e) =>
          e.type === 'device.link' &&
          e.link.linkId === onA1.linkId &&
          (e.link.state === 'done' || e.link.state === 'failed'),
      )
    await waitUntil('the link settles on A1', () => settled() !== undefined, 30_000)
    const end = settled()
    assert.ok(end?.type === 'device.link')
    assert.equal(end.link.state, 'done', `A1's link: ${end.link.reason ?? ''}`)
    await waitUntil(
      'the tablet holds the identity',
      async () => (await tablet.must({ type: 'identity.status' })).state === 'ready',
      30_000,
    )
    const tabletId = tablet.service.node!.peerId.toString()
    const after = await trio.ownList()
    assert.ok(after.listVersion > renewed.listVersion, 'the link built on the renewed list')
    assert.ok(after.devices.some((d) => d.peerId.length > 0 && d.name === 'Tablet'))
    assert.equal(after.devices.length, 3)
    assert.ok(primaryExpiry(after) > oldExpiry + 40 * DAY_MS, 'and keeps the renewed prekeys')
    const adaOnBen = (await trio.ben.store.getConversation(trio.conv.get(trio.ben)!))!.contactId
    await waitUntil(
      'Ben holds the list naming the tablet, with the renewal',
      async () => {
        const held = await trio.heldByBen()
        return (
          held?.listVersion === after.listVersion &&
          held.devices.length === 3 &&
          primaryExpiry(held) > oldExpiry + 40 * DAY_MS &&
          (await trio.ben.store.getDevice(adaOnBen, tabletId)) !== undefined
        )
      },
      30_000,
    )
  })
})
