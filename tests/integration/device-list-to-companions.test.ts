/**
 * A rename on the primary reaches our other devices (issue 19): the primary sends each list it
 * publishes to its linked devices (own-device kind 3), and a companion that stores a newer list
 * shows it (`devices.changed`, as on the primary). With real messengers over a real relay: Ada's
 * primary, her laptop and a tablet linked after it. What a relay or a device of ours could hand
 * over instead — the older list played again, a list our identity did not sign, a list sent to the
 * primary — is refused and changes nothing.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ClientEvent } from '@hestia/core/client/api.ts'
import { ed25519Sign } from '@hestia/core/crypto/primitives.ts'
import { DEVICES_DOMAIN } from '@hestia/core/messenger/devices/limits.ts'
import {
  decodeDeviceList,
  decodeDeviceListBody,
  encodeDeviceList,
  encodeDeviceListBody,
} from '@hestia/core/messenger/devices/list-codec.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { domainSeparated } from '@hestia/core/wire/labels.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { sealUnderLink } from './support/device-frames.ts'
import { linkTablet } from './support/device-tablet.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { newIdentity } from './support/hostile-client.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

const LIST = OWN_FRAME_KIND.deviceList

describe('a list the primary publishes reaches its companions', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  let a3: TestPeer
  let laptop: string
  /** The tablet's list from before the rename (what a relay could play again). */
  let older: Uint8Array

  before(async () => {
    ;({ a1, a2 } = trio)
    a3 = await linkTablet(trio)
    laptop = a2.service.node!.peerId.toString()
  })

  after(async () => {
    await a3?.stop().catch(() => undefined)
  })

  const nameOn = async (peer: TestPeer, deviceId: string) =>
    (await peer.must({ type: 'devices.list' })).devices.find((d) => d.deviceId === deviceId)?.name
  const changed = (peer: TestPeer, from: number): ClientEvent[] =>
    peer.events.slice(from).filter((e) => e.type === 'devices.changed')
  const heldList = async (peer: TestPeer) => (await peer.store.getIdentity())!.deviceList!

  test('the laptop knows the tablet: the list naming it was sent to the laptop too', async () => {
    const tablet = a3.service.node!.peerId.toString()
    await waitUntil('the laptop lists the tablet', async () => {
      return (await nameOn(a2, tablet)) === 'Tablet'
    })
  })

  test('the laptop renamed on the primary: the tablet and the laptop show the new name', async () => {
    older = await heldList(a3)
    const seen = new Map([a2, a3].map((peer) => [peer, peer.events.length]))
    const view = await a1.must({ type: 'devices.rename', deviceId: laptop, name: 'Work laptop' })
    for (const peer of [a3, a2]) {
      await waitUntil(`${peer.name} announces the new list`, () =>
        changed(peer, seen.get(peer)!).some(
          (e) =>
            e.type === 'devices.changed' &&
            e.devices.devices.some((d) => d.deviceId === laptop && d.name === 'Work laptop'),
        ),
      )
      assert.equal(await nameOn(peer, laptop), 'Work laptop', `${peer.name}: devices.list`)
      const shown = await peer.must({ type: 'devices.list' })
      assert.equal(shown.listVersion, view.listVersion, `${peer.name}: the primary's version`)
      assert.equal(shown.canManage, false, `${peer.name}: still nothing to manage`)
    }
  })

  test('the older list played again to the tablet is refused and leaves the new name', async () => {
    const seen = a3.events.length
    const held = await heldList(a3)
    const own = a3.service.messenger!.parts.own
    await assert.rejects(own.receive(await sealUnderLink(a1, a3, LIST, older)), (err) =>
      isProtocolError(err, 'replay'),
    )
    assert.equal(await nameOn(a3, laptop), 'Work laptop')
    assert.deepEqual(await heldList(a3), held, 'the held list unchanged')
    assert.equal(changed(a3, seen).length, 0, 'nothing announced')
  })

  test('a newer list our identity did not sign is refused and changes nothing', async () => {
    const seen = a3.events.length
    const held = await heldList(a3)
    const body = decodeDeviceListBody(decodeDeviceList(held).body)
    const renamed = {
      ...body,
      listVersion: body.listVersion + 1,
      devices: body.devices.map((d) => ({ ...d, name: 'Not yours' })),
    }
    const forged = encodeDeviceListBody(renamed)
    const signature = ed25519Sign(
      newIdentity().secretKey,
      domainSeparated(DEVICES_DOMAIN.deviceList, forged),
    )
    const bytes = encodeDeviceList({ body: forged, signature })
    const own = a3.service.messenger!.parts.own
    await assert.rejects(own.receive(await sealUnderLink(a1, a3, LIST, bytes)), (err) =>
      isProtocolError(err, 'bad_signature'),
    )
    assert.equal(await nameOn(a3, laptop), 'Work laptop')
    assert.deepEqual(await heldList(a3), held, 'the held list unchanged')
    assert.equal(changed(a3, seen).length, 0, 'nothing announced')
  })

  test('a list a companion sends to the primary is refused: only the primary issues lists', async () => {
    const held = await heldList(a1)
    const own = a1.service.messenger!.parts.own
    await assert.rejects(own.receive(await sealUnderLink(a3, a1, LIST, held)), (err) =>
      isProtocolError(err, 'wrong_key'),
    )
    assert.deepEqual(await heldList(a1), held)
  })
})
