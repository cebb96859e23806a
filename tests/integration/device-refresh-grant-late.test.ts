// A refresh grant that comes after a newer list (issue 19, review 11 F11): since each list the
// primary publishes also goes to its companions (kind 3, ADR 0762), a companion can hold a newer
// list than the one its refresh grant carries (a rename on the primary while the grant was on its
// way). Taking the grant stores the new certificate and prekeys but keeps the newer list: the
// laptop's devices screen does not go back to the older names.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { verifyDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { OWN_FRAME_KIND, openOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { PREKEYS_DUE_MS, startRenewalTrio, type RenewalTrio } from './support/renewal-trio.ts'

describe('a refresh grant after a newer list', () => {
  let trio: RenewalTrio
  let a1: TestPeer
  let a2: TestPeer

  before(async () => {
    trio = await startRenewalTrio()
    ;({ a1, a2 } = trio)
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  const laptopList = async () => {
    const identity = (await a2.store.getIdentity())!
    return verifyDeviceList(identity.deviceList!, { identityKey: identity.identityPublicKey })
  }

  test('the laptop takes its new keys and keeps the newer list', async () => {
    const own = a2.service.messenger!.parts.own
    const take = own.receive.bind(own)
    const link = decodeSecrets((await a2.store.getIdentity())!.secretKeys).ownLinks![0]!
    const me = peerIdBytes(a2.service.node!.peerId)
    const held: Uint8Array[] = []
    // The grant is held back (its deposit late); every other frame goes through.
    own.receive = async (bytes: Uint8Array) => {
      if (openOwnFrame(link.key, me, bytes).kind !== OWN_FRAME_KIND.refreshGrant) return take(bytes)
      held.push(bytes)
    }
    const serial = a2.service.messenger!.ctx.local.cert.serial ?? 0
    trio.advance(PREKEYS_DUE_MS)
    await waitUntil('the primary answered the laptop', () => held.length > 0, 30_000)
    const laptop = a2.service.node!.peerId.toString()
    const renamed = await a1.must({ type: 'devices.rename', deviceId: laptop, name: 'Late laptop' })
    await waitUntil('the laptop holds the rename', async () => {
      return (await laptopList()).listVersion >= renamed.listVersion
    })
    own.receive = take
    await take(held[0]!)
    assert.equal(a2.service.messenger!.ctx.local.cert.serial, serial + 1, 'the new certificate')
    const after = await laptopList()
    assert.ok(after.listVersion >= renamed.listVersion, 'the newer list kept')
    const shown = await a2.must({ type: 'devices.list' })
    assert.equal(shown.devices.find((d) => d.deviceId === laptop)?.name, 'Late laptop')
  })
})
