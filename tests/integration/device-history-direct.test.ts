/**
 * History between our own devices over `/hestia/own/1.0.0` when both are online (issue 19,
 * ADR 0790), with real messengers and real libp2p nodes over a loopback relay: Ada's primary A1
 * holds long texts with Ben (each history chunk fills the 64 KiB size class in a mailbox) and
 * sends them to her laptop A2.
 *
 * - Both online: no 64 KiB deposit reaches the relay during the transfer; every text arrives
 *   once; done on both devices.
 * - The direct link drops mid-way (A2's connection cut and the protocol gone): the rest arrives
 *   through the mailbox, every text once, done on both.
 * - A peer that is not one of Ada's devices (Ben's own node), a frame over the cap or malformed, a
 *   thousand streams at once from the laptop, and the laptop after its removal: refused, nothing
 *   stored.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { toBase64Url } from '@hestia/core/crypto/bytes.ts'
import { encodeHistoryChunk } from '@hestia/core/messenger/devices/history-codec.ts'
import { HISTORY_FRAME_KIND } from '@hestia/core/messenger/devices/history.ts'
import { sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { OWN_DIRECT_LIMITS, OWN_PROTOCOL } from '@hestia/core/messenger/devices/own-direct.ts'
import { decodeSecrets, loadLocalIdentity } from '@hestia/core/messenger/index.ts'
import type { MessengerNode } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { startDeviceTrio, type DeviceTrio } from './support/device-trio.ts'
import { historyTexts, storeTexts } from './support/history-texts.ts'
import {
  createTestNode,
  ensureDirect,
  releaseWebRTC,
  waitUntil,
  type TestPeer,
} from './support/messenger-harness.ts'
import { recordDeposits, type DepositRecorder } from './support/relay-deposits.ts'

/** Texts per run: 900 characters each, so a chunk holds ~50 and fills the 64 KiB size class. */
const TEXTS = 600
const CHUNK_CLASS = 65_536

describe('history over a direct stream between our own devices', () => {
  let trio: DeviceTrio
  let a1: TestPeer
  let a2: TestPeer
  let ben: TestPeer
  let deposits: DepositRecorder
  let laptop: string

  before(async () => {
    trio = await startDeviceTrio()
    ;({ a1, a2, ben } = trio)
    laptop = a2.service.node!.peerId.toString()
    deposits = recordDeposits(trio.relay.dataDir)
  })

  after(async () => {
    deposits?.close()
    await trio?.stop()
    releaseWebRTC()
  })

  /** `n` long texts with Ben as stored on A1 (the transfer reads the store). */
  async function seed(n: number, label: string): Promise<string[]> {
    const text = (i: number) => `${label} ${i} `.padEnd(900, 'x')
    return storeTexts(a1, historyTexts(trio.conv.get(a1)!, n, { text, read: true }))
  }

  const transfers = (peer: TestPeer, direction: 'in' | 'out'): HistoryTransfer[] =>
    peer.events.flatMap((e) =>
      e.type === 'device.history' && e.transfer.direction === direction ? [e.transfer] : [],
    )
  const doneCount = (peer: TestPeer, direction: 'in' | 'out') =>
    transfers(peer, direction).filter((t) => t.state === 'done').length
  /** How often each id was shown on the laptop (message.added). */
  const shownOnLaptop = (ids: string[]) => {
    const want = new Set(ids)
    const seen = new Map<string, number>()
    for (const e of a2.events)
      if (e.type === 'message.added' && want.has(e.message.messageId))
        seen.set(e.message.messageId, (seen.get(e.message.messageId) ?? 0) + 1)
    return seen
  }
  async function storedOnLaptop(ids: string[]): Promise<number> {
    let n = 0
    for (const id of ids) if ((await a2.store.getMessage(id)) !== undefined) n++
    return n
  }

  /** Sends the history and waits until both devices said done; the deposits made meanwhile. */
  async function transfer(): Promise<{ sizes: number[]; ms: number }> {
    const from = deposits.sizes().length
    const [out, into] = [doneCount(a1, 'out'), doneCount(a2, 'in')]
    const t0 = performance.now()
    await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    await waitUntil(
      'done on both devices',
      () => doneCount(a1, 'out') > out && doneCount(a2, 'in') > into,
      90_000,
    )
    return { sizes: deposits.sizes().slice(from), ms: performance.now() - t0 }
  }

  test('both online: the history goes direct — no chunk deposit at the relay, every text once, done on both', async () => {
    const ids = await seed(TEXTS, 'direct')
    await ensureDirect(a1, a2, trio.relay.multiaddrs[0]!)
    const { sizes, ms } = await transfer()
    const done = transfers(a1, 'out').at(-1)!
    console.log(
      `direct: ${done.messages} texts, ${done.chunks} chunks in ${ms.toFixed(0)} ms; deposits meanwhile: ${JSON.stringify(sizes)}`,
    )
    assert.ok(done.chunks >= 8, `${done.chunks} chunks`)
    assert.deepEqual(
      sizes.filter((s) => s >= CHUNK_CLASS),
      [],
      'no 64 KiB deposit while both are online',
    )
    assert.equal(await storedOnLaptop(ids), TEXTS)
    const shown = shownOnLaptop(ids)
    assert.equal(shown.size, TEXTS)
    assert.ok(
      [...shown.values()].every((n) => n === 1),
      'each text shown once',
    )
    assert.equal(transfers(a2, 'in').filter((t) => t.state === 'done').length, 1, 'done once')
  })

  test('the direct link drops mid-way: the rest arrives through the mailbox, every text once', async () => {
    const ids = await seed(TEXTS, 'dropped')
    await ensureDirect(a1, a2, trio.relay.multiaddrs[0]!)
    const node = a2.service.node!
    const primary = a1.service.node!.peerId
    // After the third chunk stored on the laptop: its connections to A1 go, and its handler of
    // the protocol with them (a re-dial finds no handler), so the rest cannot go direct.
    const before = transfers(a2, 'in').length
    let cut = false
    const off = a2.service.client.subscribe((e) => {
      if (cut || e.type !== 'device.history' || e.transfer.direction !== 'in') return
      if (transfers(a2, 'in').length - before < 3) return
      cut = true
      void node.unhandle(OWN_PROTOCOL)
      for (const c of node.getConnections(primary)) c.abort(new Error('test: the link drops'))
    })
    try {
      const { sizes } = await transfer()
      console.log(`dropped: deposits meanwhile ${JSON.stringify(sizes)}`)
      assert.ok(cut, 'the link was cut during the transfer')
      const chunkDeposits = sizes.filter((s) => s >= CHUNK_CLASS).length
      const done = transfers(a1, 'out').at(-1)!
      assert.ok(chunkDeposits >= 1, 'chunks after the cut went through the mailbox')
      assert.ok(chunkDeposits < done.chunks, `only the rest: ${chunkDeposits} of ${done.chunks}`)
    } finally {
      off()
    }
    assert.equal(await storedOnLaptop(ids), TEXTS)
    const shown = shownOnLaptop(ids)
    assert.equal(shown.size, TEXTS)
    assert.ok(
      [...shown.values()].every((n) => n === 1),
      'each text shown once',
    )
  })

  /** One frame on a fresh stream of `connection`: the ack byte, or null when the stream ended. */
  async function exchange(connection: Connection, frame: Uint8Array): Promise<number | null> {
    let stream: Stream
    try {
      stream = await connection.newStream(OWN_PROTOCOL, { signal: AbortSignal.timeout(5000) })
    } catch {
      return null // reset while the protocol was being selected
    }
    const lp = lpStream(stream)
    try {
      await lp.write(frame, { signal: AbortSignal.timeout(5000) })
      const ack = (await lp.read({ signal: AbortSignal.timeout(5000) })).subarray()
      return ack[0] ?? null
    } catch {
      return null
    } finally {
      stream.abort(new Error('test done'))
    }
  }

  const benKey = async (peer: TestPeer) =>
    (await peer.store.listContacts()).find((c) => c.displayName === 'ben')!.identityPublicKey
  /** Texts put in chunks by the tests below, by text: the message id. */
  const made = new Map<string, Uint8Array>()
  const chunk = async (text: string) =>
    encodeHistoryChunk({
      transferId: p.random(16),
      seq: 1,
      total: 1,
      peerIdentityKey: await benKey(a1),
      messages: [
        {
          messageId: made.set(text, p.random(16)).get(text)!,
          direction: 'out',
          sentAt: 1,
          receivedAt: 2,
          delivery: 'read',
          readAt: null,
          text,
        },
      ],
    })
  const linkKey = async () =>
    decodeSecrets((await a2.store.getIdentity())!.secretKeys).ownLinks![0]!.key
  const fromLaptop = async (kind: number, body: Uint8Array) =>
    sealOwnFrame(
      await linkKey(),
      peerIdBytes(a2.service.node!.peerId),
      peerIdBytes(a1.service.node!.peerId),
      { kind: kind as 16, body },
      p.random,
    )
  const textOnA1 = async (text: string) =>
    (await a1.store.getMessage(toBase64Url(made.get(text)!))) !== undefined
  /**
   * A chunk holding `text`, sealed under `key` as from `sender`, offered to A1 on `connection`:
   * A1 resets the stream before reading a byte (`sender` is not a linked device of its), logs
   * the refusal and stores nothing.
   */
  async function refusedAsNotLinked(
    connection: Connection,
    key: Uint8Array,
    sender: PeerId,
    text: string,
  ): Promise<void> {
    const frame = sealOwnFrame(
      key,
      peerIdBytes(sender),
      peerIdBytes(a1.service.node!.peerId),
      { kind: HISTORY_FRAME_KIND.chunk, body: await chunk(text) },
      p.random,
    )
    const logged = a1.logged.length
    assert.equal(await exchange(connection, frame), null, 'no ack: the stream was reset')
    await waitUntil('A1 logged the refusal', () =>
      a1.logged.slice(logged).some((m) => /refused: not a linked device/.test(m)),
    )
    assert.equal(await textOnA1(text), false)
  }

  test('a peer that is not one of our devices is refused before a byte is read; nothing stored', async () => {
    // Ben's own node, connected directly to A1, offers a chunk naming the laptop as its sender.
    await ensureDirect(ben, a1, trio.relay.multiaddrs[0]!)
    const connection = ben.service.node!.getConnections(a1.service.node!.peerId).find(isDirect)!
    const laptopId = a2.service.node!.peerId
    await refusedAsNotLinked(connection, p.random(32), laptopId, 'ben says you said this')
  })

  test('from the laptop: a frame over the cap ends the stream, a malformed one is refused (0x02)', async () => {
    await ensureDirect(a2, a1, trio.relay.multiaddrs[0]!)
    const connection = a2.service.node!.getConnections(a1.service.node!.peerId).find(isDirect)!
    const logged = a1.logged.length
    const big = new Uint8Array(OWN_DIRECT_LIMITS.frameBytes + 1).fill(1)
    assert.equal(await exchange(connection, big), null, 'over the cap: no ack')
    await waitUntil('A1 logged the oversize frame', () =>
      a1.logged.slice(logged).some((m) => /refused: oversize/.test(m)),
    )
    // Sealed under the link key, but the chunk inside is cut short.
    const good = await chunk('cut short')
    const broken = await fromLaptop(HISTORY_FRAME_KIND.chunk, good.slice(0, good.length - 3))
    assert.equal(await exchange(connection, broken), 0x02, 'malformed: refused')
    // Garbage under the laptop's name: refused too.
    const garbage = new Uint8Array(200)
    garbage.set([1, peerIdBytes(a2.service.node!.peerId).length])
    garbage.set(peerIdBytes(a2.service.node!.peerId), 2)
    assert.equal(await exchange(connection, garbage), 0x02, 'undecryptable: refused')
    assert.equal(await textOnA1('cut short'), false)
    // A good one on the same kind of stream is taken: the refusals were about the frames.
    const fine = await fromLaptop(HISTORY_FRAME_KIND.chunk, await chunk('a fine chunk'))
    assert.equal(await exchange(connection, fine), 0x01)
    assert.equal(await textOnA1('a fine chunk'), true)
  })

  test('a thousand streams opened at once by the laptop: A1 holds a bounded number', async () => {
    await ensureDirect(a2, a1, trio.relay.multiaddrs[0]!)
    const connection = a2.service.node!.getConnections(a1.service.node!.peerId).find(isDirect)!
    const opened: Stream[] = []
    await Promise.allSettled(
      Array.from({ length: 1000 }, async () => {
        const s = await connection.newStream(OWN_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
        opened.push(s)
      }),
    )
    // A1 resets what is over its cap at once; without a cap each stream would stay open for A1's
    // 30 s frame wait. So: the laptop's open ones come down to the cap (no fixed wait).
    const cap = OWN_DIRECT_LIMITS.maxInboundStreams + 1
    assert.ok(opened.length > cap, `${opened.length} streams opened: more than A1 takes`)
    const stillOpen = () => opened.filter((s) => s.status === 'open').length
    await waitUntil(`A1 reset all but ${cap} streams`, () => stillOpen() <= cap, 10_000)
    const onA1 = a1.service
      .node!.getConnections(a2.service.node!.peerId)
      .flatMap((c) => c.streams.filter((s) => s.protocol === OWN_PROTOCOL && s.status === 'open'))
    console.log(`1000 streams asked: ${opened.length} opened on the laptop, ${onA1.length} on A1`)
    assert.ok(onA1.length <= cap, `${onA1.length} open on A1`)
    for (const s of opened) s.abort(new Error('test done'))
  })

  test('the laptop after its removal cannot use the protocol: refused, nothing stored', async () => {
    const key = await linkKey()
    const record = (await a2.store.getIdentity())!
    const { libp2pKey } = loadLocalIdentity(record, p)
    await a2.stop()
    await a1.must({ type: 'devices.remove', deviceId: laptop })
    // The removed laptop's key on a node of its own, connected directly to A1.
    const node: MessengerNode = await createTestNode(libp2pKey, trio.relay.multiaddrs)
    await node.start()
    try {
      const target = a1.service.node!.peerId.toString()
      let connection: Connection | undefined
      for (let i = 0; i < 3 && connection === undefined; i++)
        connection = await node
          .dial(multiaddr(`${trio.relay.multiaddrs[0]}/p2p-circuit/webrtc/p2p/${target}`), {
            signal: AbortSignal.timeout(20_000),
          })
          .catch(() => undefined)
      assert.ok(connection !== undefined, 'a direct connection to A1')
      await refusedAsNotLinked(connection, key, node.peerId, 'from a removed laptop')
    } finally {
      await node.stop()
    }
  })
})

function isDirect(c: Connection): boolean {
  return c.status === 'open' && c.limits === undefined
}
