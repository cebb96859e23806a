/**
 * The sending device restarts in the middle of a history transfer (issue 19, ADR 0790), with real
 * messengers over a loopback relay: Ada's primary A1 sends 2,400 texts with Ben to her laptop A2
 * and its messenger stops after the third chunk was acknowledged. Started again, sending the
 * history goes on from the place A1 kept in its store (not from the first chunk): the laptop takes
 * no chunk of the new run before that place, says done once, and holds every text once.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { toHex } from '@hestia/core/crypto/bytes.ts'
import { decodeHistoryChunk } from '@hestia/core/messenger/devices/history-codec.ts'
import { HISTORY_FRAME_KIND } from '@hestia/core/messenger/devices/history.ts'
import { HISTORY_DIRECT_WINDOW } from '@hestia/core/messenger/devices/history-send.ts'
import { startDeviceTrio, type DeviceTrio } from './support/device-trio.ts'
import { historyTexts, storeTexts } from './support/history-texts.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'

// More chunks (200 texts each) than can be in flight when A1 stops: the 3 acknowledged plus the
// direct window (16). With 12 chunks the first run could send them all before its stop, and the
// resumed run then had only the end to send (no chunk of it reached the laptop).
const TEXTS = 8000

describe('the sending device restarts mid-way through a history transfer', () => {
  let trio: DeviceTrio
  let a1: TestPeer
  let a2: TestPeer
  let laptop: string
  const ids: string[] = []

  before(async () => {
    trio = await startDeviceTrio()
    ;({ a1, a2 } = trio)
    laptop = a2.service.node!.peerId.toString()
    ids.push(...(await storeTexts(a1, historyTexts(trio.conv.get(a1)!, TEXTS))))
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  const transfers = (peer: TestPeer, direction: 'in' | 'out', from = 0): HistoryTransfer[] =>
    peer.events
      .slice(from)
      .flatMap((e) =>
        e.type === 'device.history' && e.transfer.direction === direction ? [e.transfer] : [],
      )

  test('started again after a restart, the transfer goes on from the place A1 kept', async () => {
    // Every chunk the laptop takes, by run (transfer id) and seq.
    const seen: { run: string; seq: number }[] = []
    const own = a2.service.messenger!.parts.own
    const take = own.history.receive.bind(own.history)
    own.history.receive = (link, kind, body) => {
      if (kind === HISTORY_FRAME_KIND.chunk) {
        const { transferId, seq } = decodeHistoryChunk(body)
        seen.push({ run: toHex(transferId), seq })
      }
      return take(link, kind, body)
    }
    // A1's messenger stops once three chunks are acknowledged (its process ends there).
    let stopping: Promise<void> | undefined
    let kept = 0
    const off = a1.service.client.subscribe((e) => {
      if (stopping !== undefined || e.type !== 'device.history') return
      if (e.transfer.direction !== 'out' || e.transfer.chunksDone < 3) return
      kept = e.transfer.chunksDone
      stopping = a1.stop()
    })
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.ok(
      started.chunks > 3 + HISTORY_DIRECT_WINDOW + 5,
      `${started.chunks} chunks, more than can be in flight`,
    )
    await waitUntil('A1 stopped mid-way', () => stopping !== undefined, 60_000)
    off()
    await stopping
    const first = new Set(seen.map((c) => c.run))
    assert.equal(first.size, 1)
    const notDone = transfers(a1, 'out').every((t) => t.state !== 'done')
    assert.ok(notDone, 'stopped before the end')
    // Started again: sending the history goes on where A1 was.
    const from1 = a1.events.length
    const from2 = a2.events.length
    await a1.start()
    const resumed = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.equal(resumed.state, 'running')
    assert.ok(resumed.chunksDone >= kept, `resumed at ${resumed.chunksDone}, kept ${kept}`)
    await waitUntil(
      'done on both devices',
      () =>
        transfers(a1, 'out', from1).some((t) => t.state === 'done') &&
        transfers(a2, 'in', from2).some((t) => t.state === 'done'),
      90_000,
    )
    const again = seen.filter((c) => !first.has(c.run))
    assert.ok(again.length > 0, 'the new run reached the laptop')
    const lowest = Math.min(...again.map((c) => c.seq))
    assert.ok(lowest > kept, `the new run starts after the kept place: seq ${lowest} > ${kept}`)
    const done = transfers(a1, 'out', from1).find((t) => t.state === 'done')!
    assert.equal(done.messages, TEXTS, 'every text counted once')
    let there = 0
    for (const id of ids) if ((await a2.store.getMessage(id)) !== undefined) there++
    assert.equal(there, TEXTS, 'every text on the laptop')
    assert.equal(
      transfers(a2, 'in', from2).filter((t) => t.state === 'done').length,
      1,
      'done once on the laptop',
    )
  })
})
