// A list the primary passes on late (issue 19, review 11 F2): a refresh answer or a key renewal
// sends its list to our devices after it left the list lock, so a device linked meanwhile can
// stand in a newer list than the one being sent. The late, older list must not count the newly
// linked device as removed: the primary would tell it and then forget its link (own-channel.ts
// tellRemoved), leaving a listed companion it no longer talks to.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { currentOwnList } from '@hestia/core/messenger/devices/own-devices.ts'
import type { VerifiedDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { linkTablet } from './support/device-tablet.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import type { TestPeer } from './support/messenger-harness.ts'

describe('a late, older list leaves a device linked after it alone', () => {
  const trio = useDeviceTrio()
  let a3: TestPeer | undefined
  /** A1's list before the tablet was linked (what a refresh answer in flight still holds). */
  let older: VerifiedDeviceList

  before(async () => {
    older = await currentOwnList(trio.a1.service.messenger!.ctx)
    a3 = await linkTablet(trio)
  })

  after(async () => {
    await a3?.stop().catch(() => undefined)
  })

  test('the primary keeps the tablet’s link and the tablet is not told it was removed', async () => {
    const { a1 } = trio
    const tablet = a3!.service.node!.peerId.toString()
    const removedBefore = a3!.events.filter((e) => e.type === 'device.removed').length
    await a1.service.messenger!.parts.own.listPublished(older)
    const links = decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks ?? []
    const link = links.find((l) => l.deviceId === tablet)
    assert.ok(link !== undefined, 'the primary still holds a link to the tablet')
    assert.notEqual(link.removed, true, 'not marked removed')
    const listed = (await a1.must({ type: 'devices.list' })).devices.map((d) => d.deviceId)
    assert.ok(listed.includes(tablet), 'the tablet is still on the published list')
    assert.equal(
      a3!.events.filter((e) => e.type === 'device.removed').length,
      removedBefore,
      'the tablet did not erase itself',
    )
  })
})
