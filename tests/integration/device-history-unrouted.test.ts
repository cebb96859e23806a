/**
 * History sent to a laptop whose own-devices mailbox A1 does not know yet (issue 19, ADR 0790),
 * with real messengers over a loopback relay. A user who presses "Send history" right after a
 * link can get there before the laptop's announcement (kind 1): the first chunk waits in memory
 * until the announcement comes. The transfer held the link as it was when it started, so every
 * later frame (the end) also waited for an announcement that had already come: "Sending… 0 of 1"
 * for good. Now each frame goes by the link as stored when it is sent.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { OWN_PROTOCOL } from '@hestia/core/messenger/devices/own-direct.ts'
import { OWN_FRAME_KIND, openOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { forgetAnnouncedRoutes } from './support/device-frames.ts'
import { startDeviceTrio, type DeviceTrio } from './support/device-trio.ts'
import { historyTexts, storeTexts } from './support/history-texts.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'

const TEXTS = ['old one', 'old two', 'old three']

describe('history to a laptop whose mailbox is announced after the transfer started', () => {
  let trio: DeviceTrio
  let a1: TestPeer
  let a2: TestPeer
  let laptop: string

  before(async () => {
    trio = await startDeviceTrio()
    ;({ a1, a2 } = trio)
    laptop = a2.service.node!.peerId.toString()
    // Stored on A1 only (sent copies would reach the laptop without the history).
    const texts = historyTexts(trio.conv.get(a1)!, TEXTS.length, { text: (i) => TEXTS[i]! })
    await storeTexts(
      a1,
      texts.map((m) => ({ ...m, direction: 'in', delivery: null })),
    )
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  const transfers = (peer: TestPeer, direction: 'in' | 'out'): HistoryTransfer[] =>
    peer.events.flatMap((e) =>
      e.type === 'device.history' && e.transfer.direction === direction ? [e.transfer] : [],
    )

  test('the laptop announces its mailbox after the start: done on both, every text there', async () => {
    // Until the laptop is back, no announcement of it reaches A1: one from its first start still
    // on its way would bring the route back, and the transfer would not wait for it at all.
    const own = a1.service.messenger!.parts.own
    const link = decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks!.find(
      (l) => l.deviceId === laptop,
    )!
    const me = peerIdBytes(a1.service.node!.peerId)
    const take = own.receive.bind(own)
    let back = false
    own.receive = (bytes: Uint8Array) =>
      !back && openOwnFrame(link.key, me, bytes).kind === OWN_FRAME_KIND.route
        ? Promise.resolve()
        : take(bytes)
    await a2.stop()
    // A1 as right after the link: the laptop's own-devices mailbox not announced yet.
    await forgetAnnouncedRoutes(a1)
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.equal(started.state, 'running')
    await waitUntil('the first chunk waits for the laptop’s mailbox', () => {
      return own.unroutedHeld(laptop).frames > 0
    })
    // Back: the laptop announces its mailbox at start; the waiting chunk goes, then the end —
    // through the mailbox: the laptop takes no own-device stream (a direct one needs no route).
    a2.instrument.node = (node) => {
      const handle = node.handle.bind(node)
      node.handle = async (protocol, ...rest) => {
        if (protocol !== OWN_PROTOCOL) await handle(protocol, ...rest)
      }
    }
    back = true
    await a2.start()
    await waitUntil(
      'done on both devices',
      () =>
        transfers(a1, 'out').some((t) => t.state === 'done') &&
        transfers(a2, 'in').some((t) => t.state === 'done'),
      60_000,
    )
    const page = await a2.must({
      type: 'messages.page',
      conversationId: trio.conv.get(a2)!,
      before: null,
      limit: 50,
    })
    const onA2 = page.messages.flatMap((m) => (m.body.kind === 'text' ? [m.body.text] : []))
    for (const text of TEXTS) assert.ok(onA2.includes(text), `${text} on the laptop`)
  })
})
