/**
 * A companion that never announces its own-devices mailbox (review 11 F6), with real messengers
 * over a loopback relay: silent (stopped), or hostile (it keeps quiet on purpose). Until it
 * announces, A1 keeps in memory every frame for it — lists from each rename, history chunks, sent
 * copies. That memory is bounded (own-routes.ts: count and bytes per device, shown at the caps
 * in own-routes.test.ts) and freed when the user removes the device: before, the frames stayed
 * for as long as A1 ran (here 5 frames, 14 KB).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_UNROUTED, MAX_UNROUTED_BYTES } from '@hestia/core/messenger/devices/own-routes.ts'
import { OWN_FRAME_KIND, openOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { forgetAnnouncedRoutes } from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { historyTexts, storeTexts } from './support/history-texts.ts'
import { waitUntil } from './support/messenger-harness.ts'

describe('a companion that never announces its mailbox', () => {
  const trio = useDeviceTrio()

  test('A1 keeps its frames for it, and none once it is removed', async () => {
    const { a1, a2 } = trio
    const laptop = a2.service.node!.peerId.toString()
    const texts = historyTexts(trio.conv.get(a1)!, 3, { text: (i) => `old ${i}` })
    await storeTexts(
      a1,
      texts.map((m) => ({ ...m, direction: 'in', delivery: null })),
    )
    const own = a1.service.messenger!.parts.own
    // The laptop never announces: its announcement from this start (which may still be on its
    // way, and would bring the route back) does not reach A1.
    const link = decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks!.find(
      (l) => l.deviceId === laptop,
    )!
    const me = peerIdBytes(a1.service.node!.peerId)
    const take = own.receive.bind(own)
    own.receive = (bytes: Uint8Array) =>
      openOwnFrame(link.key, me, bytes).kind === OWN_FRAME_KIND.route
        ? Promise.resolve()
        : take(bytes)
    await a2.stop()
    // As right after the link: A1 does not know the laptop's mailbox, and never will.
    await forgetAnnouncedRoutes(a1)
    for (let i = 0; i < 3; i++)
      await a1.must({ type: 'devices.rename', deviceId: laptop, name: `Laptop ${i}` })
    await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    await a1.must({ type: 'messages.send', conversationId: trio.conv.get(a1)!, text: 'hi Ben' })
    await waitUntil('lists, history and a sent copy kept for the laptop', () => {
      return own.unroutedHeld(laptop).frames >= 5
    })
    const held = own.unroutedHeld(laptop)
    assert.ok(held.frames <= MAX_UNROUTED && held.bytes <= MAX_UNROUTED_BYTES, 'bounded')
    assert.ok(held.bytes > 0)
    await a1.must({ type: 'devices.remove', deviceId: laptop })
    assert.deepEqual(own.unroutedHeld(), { frames: 0, bytes: 0 }, 'freed on removal')
  })
})
