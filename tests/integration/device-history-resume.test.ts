/**
 * History to a newly linked device when things go wrong mid-way (issue 19, ADR 0790), with real
 * messengers over a loopback relay: Ada's primary A1 holds 1,200 texts with Ben and sends them to
 * her laptop A2.
 *
 * - The laptop stops after storing two chunks (its process ends while it takes a later one) and
 *   stays away until A1 gave up; started again, it announces itself and the transfer goes on from
 *   the third chunk (not from the first), and every text is on the laptop once.
 * - The history changes while the transfer waits: texts leave the plan and others join it, so
 *   the count the laptop was told is wrong both ways; the transfer still ends on both devices
 *   (the end is sent, not inferred), and the texts that joined arrive too.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { toHex } from '@hestia/core/crypto/bytes.ts'
import {
  decodeHistoryChunk,
  encodeHistoryChunk,
  encodeHistoryEnd,
} from '@hestia/core/messenger/devices/history-codec.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { sealOwnFrame, type OwnFrameKind } from '@hestia/core/messenger/devices/own-frames.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { HISTORY_FRAME_KIND, HISTORY_RESENDS } from '@hestia/core/messenger/devices/history.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { allMessages, historyTexts, storeTexts } from './support/history-texts.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

const SEEDED = 1200

describe('a history transfer interrupted or changed mid-way', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  let laptop: string

  before(async () => {
    ;({ a1, a2 } = trio)
    laptop = a2.service.node!.peerId.toString()
    await storeTexts(a1, texts(SEEDED, Date.now() - 86_400_000))
  })

  /** `n` texts with Ben as stored on A1, a second apart from `from`. */
  const texts = (n: number, from: number, label = 'old') =>
    historyTexts(trio.conv.get(a1)!, n, {
      text: (i) => `${label} ${i}`,
      from,
      delivery: 'delivered',
    })
  const textIds = async (peer: TestPeer) =>
    (await allMessages(peer, trio.conv.get(peer)!))
      .filter((m) => m.body.kind === 'text')
      .map((m) => m.messageId)
  const transfers = (peer: TestPeer, direction: 'in' | 'out', from = 0): HistoryTransfer[] =>
    peer.events
      .slice(from)
      .flatMap((e) =>
        e.type === 'device.history' && e.transfer.direction === direction ? [e.transfer] : [],
      )

  test('the laptop stops mid-way and comes back after A1 gave up: it goes on where it stopped', async () => {
    const history = a1.service.messenger!.parts.own.history
    // Long enough that a loaded machine still takes the first two acks in time (at 300 ms, rounds
    // with no ack ran out before chunk 2's ack in batch runs), short enough to give up quickly.
    history.ackTimeoutMs = 2_000
    // Every chunk the laptop takes, by run (transfer id) and seq.
    const seen: { run: string; seq: number }[] = []
    let stopping: Promise<void> | undefined
    const watch = (stopAfterTwo: boolean) => {
      const own = a2.service.messenger!.parts.own
      const take = own.history.receive.bind(own.history)
      // Chunks of the first run stored here (their ack sent).
      const stored = new Set<number>()
      own.history.receive = async (link, kind, body) => {
        if (kind !== HISTORY_FRAME_KIND.chunk) return take(link, kind, body)
        const { transferId, seq } = decodeHistoryChunk(body)
        seen.push({ run: toHex(transferId), seq })
        if (!stopAfterTwo || seq <= 2) {
          await take(link, kind, body)
          stored.add(seq)
          return
        }
        // The laptop's process ends while it takes a chunk after the first two (it stays on the
        // relay). Not simply the third chunk to come: the first go by the mailbox (window 4), and
        // once an ack crossed a direct connection the next go direct (ADR 0790), so chunk 5 may
        // come before chunk 2 does; it waits until chunks 1 and 2 are stored.
        await waitUntil('the laptop stored chunks 1 and 2', () => stored.has(1) && stored.has(2))
        stopping ??= a2.stop()
        throw new Error('the process ended')
      }
    }
    watch(true)
    const from1 = a1.events.length
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.ok(started.chunks >= 6, `${started.chunks} chunks`)
    await waitUntil('the laptop stopped', () => stopping !== undefined, 30_000)
    await stopping
    await waitUntil(
      `A1 gives up after ${HISTORY_RESENDS} rounds of deposits again`,
      () => transfers(a1, 'out', from1).some((t) => t.state === 'failed'),
      60_000,
    )
    const failed = transfers(a1, 'out', from1).find((t) => t.state === 'failed')!
    assert.match(failed.reason ?? '', /did not answer/)
    assert.equal(failed.chunksDone, 2, 'two chunks were stored and acknowledged')
    history.ackTimeoutMs = 60_000
    // Back: it announces its mailbox; A1 goes on by itself, from the third chunk.
    const from2 = a2.events.length
    const resumedAt = a1.events.length
    const first = seen[0]!.run
    await a2.start()
    watch(false)
    await waitUntil(
      'A1 says the transfer is done',
      () => transfers(a1, 'out', resumedAt).some((t) => t.state === 'done'),
      60_000,
    )
    const resumed = transfers(a1, 'out', resumedAt)
    assert.equal(resumed[0]!.state, 'running')
    assert.equal(resumed[0]!.chunksDone, 2, 'resumed with the two chunks kept, not from zero')
    // What the relay still held of the first run may come again (stored nothing twice); the run
    // that resumed sent nothing before the third chunk.
    const again = seen.filter((c) => c.run !== first)
    assert.ok(again.length > 0, 'a resumed run reached the laptop')
    assert.ok(
      again.every((c) => c.seq >= 3),
      `seqs of the resumed run: ${again.map((c) => c.seq).join(', ')}`,
    )
    await waitUntil('the laptop sees the end', () =>
      transfers(a2, 'in', from2).some((t) => t.state === 'done'),
    )
    const done = transfers(a1, 'out', resumedAt).find((t) => t.state === 'done')!
    assert.equal(done.chunksDone, done.chunks)
    const sent = await textIds(a1)
    assert.equal(done.messages, sent.length, 'every text counted once')
    const there = await textIds(a2)
    assert.equal(there.length, new Set(there).size, 'nothing twice on the laptop')
    assert.deepEqual(new Set(there), new Set(sent), 'every text on the laptop')
  })

  test('the history shrinks and grows while the laptop is away: the transfer still ends on both', async () => {
    await a2.stop()
    const fromA1 = a1.events.length
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    // The store changes under the transfer (A1 waits with four chunks in the laptop's mailbox):
    // 600 of the oldest texts leave the plan (stored again after its cut-off) and 150 older ones
    // join it (stored now with an earlier time, as history from another device would be).
    const conv = trio.conv.get(a1)!
    const oldest = (await allMessages(a1, conv)).filter((m) => m.body.kind === 'text').slice(-600)
    for (const m of oldest) await a1.store.putMessage({ ...m, receivedAt: Date.now() + 60_000 })
    const joined = texts(150, Date.now() - 3 * 86_400_000, 'joined')
    await a1.store.addMessages(joined)
    const fromA2 = a2.events.length
    await a2.start()
    await waitUntil(
      'A1 says the transfer is done',
      () => transfers(a1, 'out', fromA1).some((t) => t.state === 'done'),
      60_000,
    )
    const done = transfers(a1, 'out', fromA1).find((t) => t.state === 'done')!
    assert.notEqual(done.chunks, started.chunks, 'the count told first was wrong')
    await waitUntil('the laptop sees the end', () =>
      transfers(a2, 'in', fromA2).some((t) => t.state === 'done'),
    )
    const end = transfers(a2, 'in', fromA2).find((t) => t.state === 'done')!
    assert.equal(end.chunks, done.chunks, 'the laptop is told the real number')
    const there = new Set(await textIds(a2))
    for (const m of joined) assert.ok(there.has(m.messageId), 'a text that joined arrived')
  })

  test('an end the relay hands over again says done once; a broken one is a typed error', async () => {
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    const fromA1 = (body: Uint8Array) =>
      sealOwnFrame(
        secrets.ownLinks![0]!.key,
        peerIdBytes(a1.service.node!.peerId),
        peerIdBytes(a2.service.node!.peerId),
        { kind: HISTORY_FRAME_KIND.end, body },
        p.random,
      )
    const own = a2.service.messenger!.parts.own
    const from = a2.events.length
    const end = fromA1(encodeHistoryEnd(p.random(16), 4))
    await own.receive(end)
    await own.receive(end)
    const ends = transfers(a2, 'in', from)
    assert.equal(ends.length, 1, 'one done for one end')
    assert.deepEqual([ends[0]!.state, ends[0]!.chunks], ['done', 3])
    for (const bad of [new Uint8Array(19), encodeHistoryEnd(p.random(16), 5000)])
      await assert.rejects(own.receive(fromA1(bad)), (err) => isProtocolError(err, 'malformed'))
    assert.equal(transfers(a2, 'in', from).length, 1, 'nothing said for them')
  })

  test('a chunk and its end handed over again after the end: done once, the count kept', async () => {
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    const fromA1 = (kind: OwnFrameKind, body: Uint8Array) =>
      sealOwnFrame(
        secrets.ownLinks![0]!.key,
        peerIdBytes(a1.service.node!.peerId),
        peerIdBytes(a2.service.node!.peerId),
        { kind, body },
        p.random,
      )
    const own = a2.service.messenger!.parts.own
    const from = a2.events.length
    const transferId = p.random(16)
    const now = Date.now()
    const item = { direction: 'in', delivery: null, readAt: null } as const
    const chunk = fromA1(
      HISTORY_FRAME_KIND.chunk,
      encodeHistoryChunk({
        transferId,
        seq: 1,
        total: 1,
        peerIdentityKey: trio.ben.service.messenger!.ctx.local.identity.publicKey,
        messages: [{ ...item, messageId: p.random(16), sentAt: now, receivedAt: now, text: 'x' }],
      }),
    )
    const end = fromA1(HISTORY_FRAME_KIND.end, encodeHistoryEnd(transferId, 2))
    for (const frame of [chunk, end, chunk, end]) await own.receive(frame)
    const done = transfers(a2, 'in', from).filter((t) => t.state === 'done')
    assert.deepEqual(
      done.map((t) => [t.chunks, t.messages]),
      [[1, 1]],
      'one done, with the one message stored',
    )
  })
})
