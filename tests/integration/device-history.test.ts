/**
 * History between our own devices (issue 19, ADR 0790), with real messengers over a loopback
 * relay: Ada chats with Ben and Cleo on her primary A1, then links a laptop A2. A1 sends A2 its
 * history on the user's word (size first); A2 stores every text under the right conversation with
 * the original id, times, direction and delivery state, and a second run stores nothing twice.
 * What another device (not linked, removed) or a broken chunk tries stores nothing. A message Ben
 * sends before he knows A2 reaches A2 once, forwarded by A1.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { HistoryTransfer } from '@hestia/core/client/api.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes, peerIdOf } from '@hestia/core/messenger/net.ts'
import { sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeHistoryChunk, HISTORY_CAPS } from '@hestia/core/messenger/devices/history-codec.ts'
import { HISTORY_FRAME_KIND } from '@hestia/core/messenger/devices/history.ts'
import { encodeSentCopy } from '@hestia/core/messenger/devices/sync.ts'
import { encodePayload } from '@hestia/core/messenger/payload.ts'
import { toBase64Url } from '@hestia/core/crypto/bytes.ts'
import type { MessageRecord } from '@hestia/core/store/records.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { allMessages, historyTexts } from './support/history-texts.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

/** Texts stored on A1 before the link, besides the ones really exchanged (several chunks). */
const SEEDED = 450

describe('history from an existing device to a newly linked one', () => {
  let relay: RelayHandle
  let a1: TestPeer
  let a2: TestPeer
  let ben: TestPeer
  let cleo: TestPeer
  let laptop: string

  const convWith = async (peer: TestPeer, name: string) =>
    (await peer.must({ type: 'conversations.list', query: null })).conversations.find(
      (x) => x.contact.displayName === name,
    )!
  const ownLinkKey = async (peer: TestPeer) =>
    decodeSecrets((await peer.store.getIdentity())!.secretKeys).ownLinks![0]!.key

  before(async () => {
    relay = await startTestRelay()
    a1 = await new TestPeer('ada', relay.multiaddrs).start()
    ben = await new TestPeer('ben', relay.multiaddrs).start()
    cleo = await new TestPeer('cleo', relay.multiaddrs).start()
    const { convB } = await connectPeers(a1, ben)
    await cleo.must({ type: 'identity.create', displayName: 'cleo' })
    await cleo.must({
      type: 'invite.accept',
      invite: (await a1.must({ type: 'invite.mine' })).link,
    })
    await waitUntil('ada sees cleo', async () => (await convWith(a1, 'cleo')) !== undefined)
    // A real exchange with Ben, each way, delivered.
    const adaBen = (await convWith(a1, 'ben')).conversationId
    const mine = await a1.must({ type: 'messages.send', conversationId: adaBen, text: 'hi ben' })
    await ben.must({ type: 'messages.send', conversationId: convB, text: 'hi ada' })
    await waitUntil('the exchange arrived and was delivered', async () => {
      const h = await a1.history(adaBen)
      return (
        h.some((m) => m.messageId === mine.message.messageId && m.delivery === 'delivered') &&
        h.some((m) => m.direction === 'in')
      )
    })
    // Older history with Cleo, as stored on A1 (the transfer reads the store).
    const adaCleo = (await convWith(a1, 'cleo')).conversationId
    const text = (i: number) => (i === 7 ? 'x'.repeat(15_000) : `old ${i}`)
    await a1.store.addMessages(historyTexts(adaCleo, SEEDED, { text, read: true }))
    // Link the laptop through the client API.
    a2 = await new TestPeer('ada-laptop', relay.multiaddrs).start()
    const offer = await a2.must({ type: 'devices.linkStart', deviceName: 'Laptop' })
    const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await waitUntil('the laptop shows its code', () =>
      a2.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
    )
    await a2.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
    await waitUntil(
      'the laptop holds the identity',
      async () => (await a2.must({ type: 'identity.status' })).state === 'ready',
      30_000,
    )
    laptop = a2.service.node!.peerId.toString()
    for (const [peer, name] of [
      [ben, 'ben'],
      [cleo, 'cleo'],
    ] as const) {
      const adaThere = (await convWith(peer, 'ada')).contact.contactId
      await waitUntil(
        `${name} holds a route to the laptop`,
        async () => (await peer.store.getDevice(adaThere, laptop))?.route !== undefined,
        30_000,
      )
      void name
    }
  })

  after(async () => {
    for (const peer of [a2, cleo, ben, a1]) await peer?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('a message Ben sends before he knows the laptop reaches it once, through A1', async () => {
    // Ben has not taken the laptop's Hello yet: held by dropping what the Hello gave him (its
    // device record and session; the race between his next message and the Hello cannot be had
    // on demand).
    const adaOnBen = (await convWith(ben, 'ada')).contact.contactId
    await ben.store.deleteDevice(adaOnBen, laptop)
    await ben.store.deleteSession(adaOnBen, laptop)
    const benConv = (await convWith(ben, 'ada')).conversationId
    const onA2 = (await convWith(a2, 'ben')).conversationId
    const unreadBefore = (await convWith(a2, 'ben')).unreadCount
    const { message } = await ben.must({
      type: 'messages.send',
      conversationId: benConv,
      text: 'before you knew',
    })
    await waitUntil(
      'the laptop shows it',
      async () => (await a2.history(onA2)).some((m) => m.messageId === message.messageId),
      30_000,
    )
    const there = (await a2.history(onA2)).filter((m) => m.messageId === message.messageId)
    assert.equal(there.length, 1)
    assert.equal(there[0]!.direction, 'in', 'as received from Ben')
    assert.deepEqual(there[0]!.body, { kind: 'text', text: 'before you knew' })
    assert.equal((await convWith(a2, 'ben')).unreadCount, unreadBefore + 1, 'unread once')
  })

  test('a message Cleo sends to both devices shows once on the laptop', async () => {
    const cleoConv = (await convWith(cleo, 'ada')).conversationId
    const onA2 = (await convWith(a2, 'cleo')).conversationId
    const unreadBefore = (await convWith(a2, 'cleo')).unreadCount
    const { message } = await cleo.must({
      type: 'messages.send',
      conversationId: cleoConv,
      text: 'to both of you',
    })
    await waitUntil('the laptop shows it', async () =>
      (await a2.history(onA2)).some((m) => m.messageId === message.messageId),
    )
    // Both the direct copy and A1's forward have had time to arrive.
    await new Promise((r) => setTimeout(r, 1500))
    const there = (await allMessages(a2, onA2)).filter((m) => m.messageId === message.messageId)
    assert.equal(there.length, 1)
    assert.equal((await convWith(a2, 'cleo')).unreadCount, unreadBefore + 1)
  })

  let sizeShown = { messages: 0, chats: 0, bytes: 0 }

  test('the size is shown before anything is sent', async () => {
    sizeShown = await a1.must({ type: 'devices.historySize', deviceId: laptop })
    const cleoOnA1 = (await convWith(a1, 'cleo')).conversationId
    const benOnA1 = (await convWith(a1, 'ben')).conversationId
    const isText = (m: MessageRecord) => m.body.kind === 'text'
    const texts =
      (await allMessages(a1, cleoOnA1)).filter(isText).length +
      (await allMessages(a1, benOnA1)).filter(isText).length
    assert.equal(sizeShown.messages, texts)
    assert.ok(sizeShown.messages >= SEEDED + 2)
    assert.equal(sizeShown.chats, 2)
    assert.ok(sizeShown.bytes > 15_000 + SEEDED * 10, `about ${sizeShown.bytes} bytes`)
  })

  const transfersOn = (peer: TestPeer, direction: 'in' | 'out'): HistoryTransfer[] =>
    peer.events.flatMap((e) =>
      e.type === 'device.history' && e.transfer.direction === direction ? [e.transfer] : [],
    )

  test('sent: every text under its conversation with id, times, direction and delivery', async () => {
    const started = await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    assert.equal(started.state, 'running')
    assert.ok(started.chunks >= 3, `${started.chunks} chunks for ${sizeShown.messages} texts`)
    await waitUntil(
      'A1 says the transfer is done',
      () => transfersOn(a1, 'out').some((t) => t.state === 'done'),
      60_000,
    )
    const progress = transfersOn(a1, 'out').map((t) => t.chunksDone)
    assert.ok(progress.length >= started.chunks, 'progress as chunks are acknowledged')
    const done = transfersOn(a1, 'out').find((t) => t.state === 'done')!
    assert.equal(done.chunksDone, started.chunks)
    assert.equal(done.messages, sizeShown.messages)
    for (const name of ['ben', 'cleo']) {
      const [on1, on2] = [
        (await convWith(a1, name)).conversationId,
        (await convWith(a2, name)).conversationId,
      ]
      const there = new Map((await allMessages(a2, on2)).map((m) => [m.messageId, m]))
      for (const m of await allMessages(a1, on1)) {
        if (m.body.kind !== 'text') continue // only texts travel (ADR 0790)
        const got = there.get(m.messageId)
        assert.ok(got !== undefined, `${name}: ${m.messageId} on the laptop`)
        assert.equal(got.direction, m.direction)
        assert.equal(got.sentAt, m.sentAt)
        assert.deepEqual(got.body, m.body)
        if (m.direction === 'out') assert.equal(got.delivery, m.delivery)
      }
    }
    const received = transfersOn(a2, 'in')
    assert.equal(received.at(-1)!.state, 'done')
  })

  test('sending again stores nothing twice', async () => {
    const cleoOnA2 = (await convWith(a2, 'cleo')).conversationId
    const count = (await allMessages(a2, cleoOnA2)).length
    const before = transfersOn(a1, 'out').filter((t) => t.state === 'done').length
    await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
    await waitUntil(
      'the second run is done',
      () => transfersOn(a1, 'out').filter((t) => t.state === 'done').length > before,
      60_000,
    )
    assert.equal((await allMessages(a2, cleoOnA2)).length, count)
    assert.equal(transfersOn(a2, 'in').at(-1)!.messages, 0, 'nothing new stored')
  })

  test('no answer: the transfer fails with a sentence; back, the laptop gets the rest, nothing twice', async () => {
    const history = a1.service.messenger!.parts.own.history
    history.ackTimeoutMs = 2_000
    const cleoOnA2 = (await convWith(a2, 'cleo')).conversationId
    const count = (await allMessages(a2, cleoOnA2)).length
    // Three texts the laptop does not have yet (stored on A1 since the last run).
    const cleoOnA1 = (await convWith(a1, 'cleo')).conversationId
    const fresh = [1, 2, 3].map((i) => ({
      messageId: toBase64Url(p.random(16)),
      conversationId: cleoOnA1,
      direction: 'in' as const,
      senderDeviceId: null,
      body: { kind: 'text' as const, text: `late ${i}` },
      sentAt: Date.now() - 10_000 + i,
      receivedAt: Date.now() - 9_000 + i,
      delivery: null,
      failure: null,
      readAt: null,
    }))
    await a1.store.addMessages(fresh)
    await a2.stop()
    const failedBefore = transfersOn(a1, 'out').filter((t) => t.state === 'failed').length
    const doneBefore = transfersOn(a1, 'out').filter((t) => t.state === 'done').length
    try {
      await a1.must({ type: 'devices.sendHistory', deviceId: laptop })
      await waitUntil(
        'A1 gives up waiting',
        () => transfersOn(a1, 'out').filter((t) => t.state === 'failed').length > failedBefore,
        30_000,
      )
      const failed = transfersOn(a1, 'out')
        .filter((t) => t.state === 'failed')
        .at(-1)!
      assert.match(failed.reason ?? '', /did not answer/)
    } finally {
      history.ackTimeoutMs = 60_000
      await a2.start()
    }
    // Back, the laptop takes what waited in its mailbox and announces itself: the transfer goes on
    // where it stopped by itself (history-send.ts), no new start needed.
    await waitUntil(
      'the resumed run is done',
      () => transfersOn(a1, 'out').filter((t) => t.state === 'done').length > doneBefore,
      60_000,
    )
    const after = await allMessages(a2, cleoOnA2)
    assert.equal(after.length, count + 3, 'the three new texts, each once')
    for (const m of fresh) assert.ok(after.some((x) => x.messageId === m.messageId))
  })

  const cleoKey = async (peer: TestPeer) =>
    (await peer.store.listContacts()).find((c) => c.displayName === 'cleo')!.identityPublicKey
  const freshChunk = async (texts: string[]) =>
    encodeHistoryChunk({
      transferId: p.random(HISTORY_CAPS.transferIdBytes),
      seq: 1,
      total: 1,
      peerIdentityKey: await cleoKey(a2),
      messages: texts.map((text, i) => ({
        messageId: p.random(16),
        direction: 'in' as const,
        sentAt: 1_000 + i,
        receivedAt: 2_000 + i,
        delivery: null,
        readAt: null,
        text,
      })),
    })
  const fromA1 = async (body: Uint8Array) =>
    sealOwnFrame(
      await ownLinkKey(a2),
      peerIdBytes(a1.service.node!.peerId),
      peerIdBytes(a2.service.node!.peerId),
      { kind: HISTORY_FRAME_KIND.chunk, body },
      p.random,
    )

  test('a device that is not one of ours offering history is refused; nothing stored', async () => {
    const cleoOnA2 = (await convWith(a2, 'cleo')).conversationId
    const count = (await allMessages(a2, cleoOnA2)).length
    // Cleo's own device, naming itself, under a key it made up.
    const frame = sealOwnFrame(
      p.random(32),
      peerIdBytes(cleo.service.node!.peerId),
      peerIdBytes(a2.service.node!.peerId),
      { kind: HISTORY_FRAME_KIND.chunk, body: await freshChunk(['from a stranger']) },
      p.random,
    )
    await assert.rejects(a2.service.messenger!.parts.own.receive(frame), (err) =>
      isProtocolError(err, 'unknown_key'),
    )
    assert.equal((await allMessages(a2, cleoOnA2)).length, count)
  })

  test('a malformed or oversize chunk is a typed error and changes nothing', async () => {
    const own = a2.service.messenger!.parts.own
    const cleoOnA2 = (await convWith(a2, 'cleo')).conversationId
    const count = (await allMessages(a2, cleoOnA2)).length
    const good = await freshChunk(['one', 'two'])
    const broken = good.slice(0, good.length - 3)
    await assert.rejects(own.receive(await fromA1(broken)), (err) => isProtocolError(err))
    const big = new Uint8Array(HISTORY_CAPS.chunkBytes + 1).fill(0x0a)
    await assert.rejects(own.receive(await fromA1(big)), (err) => isProtocolError(err))
    assert.equal((await allMessages(a2, cleoOnA2)).length, count)
  })

  test('a replayed chunk stores nothing twice', async () => {
    const own = a2.service.messenger!.parts.own
    const cleoOnA2 = (await convWith(a2, 'cleo')).conversationId
    const count = (await allMessages(a2, cleoOnA2)).length
    const frame = await fromA1(await freshChunk(['replay me', 'and me']))
    await own.receive(frame)
    assert.equal((await allMessages(a2, cleoOnA2)).length, count + 2)
    await own.receive(frame)
    assert.equal((await allMessages(a2, cleoOnA2)).length, count + 2)
  })

  test('a companion passing off a message as received by the primary is refused', async () => {
    const cleoOnA1 = (await convWith(a1, 'cleo')).conversationId
    const count = (await allMessages(a1, cleoOnA1)).length
    const payload = encodePayload({
      messageId: p.random(16),
      sentAt: Date.now(),
      body: { kind: 'text', text: 'cleo never said this' },
    })
    const frame = sealOwnFrame(
      await ownLinkKey(a2),
      peerIdBytes(a2.service.node!.peerId),
      peerIdBytes(a1.service.node!.peerId),
      {
        kind: HISTORY_FRAME_KIND.receivedCopy,
        body: encodeSentCopy({ peerIdentityKey: await cleoKey(a1), payload }),
      },
      p.random,
    )
    await assert.rejects(a1.service.messenger!.parts.own.receive(frame), (err) =>
      isProtocolError(err, 'wrong_key'),
    )
    assert.equal((await allMessages(a1, cleoOnA1)).length, count)
  })

  test('a removed device can neither be sent history nor send any', async () => {
    const linkKey = await ownLinkKey(a2)
    await a1.must({ type: 'devices.remove', deviceId: laptop })
    const size = await a1.req({ type: 'devices.historySize', deviceId: laptop })
    assert.ok(!size.ok && size.error.code === 'not_found')
    const send = await a1.req({ type: 'devices.sendHistory', deviceId: laptop })
    assert.ok(!send.ok && send.error.code === 'not_found')
    // What the removed laptop still holds: the old link key. A1 refuses its chunk.
    const cleoOnA1 = (await convWith(a1, 'cleo')).conversationId
    const count = (await allMessages(a1, cleoOnA1)).length
    const body = encodeHistoryChunk({
      transferId: p.random(16),
      seq: 1,
      total: 1,
      peerIdentityKey: await cleoKey(a1),
      messages: [
        {
          messageId: p.random(16),
          direction: 'out',
          sentAt: 1,
          receivedAt: 2,
          delivery: 'read',
          readAt: null,
          text: 'you said this',
        },
      ],
    })
    const frame = sealOwnFrame(
      linkKey,
      peerIdBytes(peerIdOf(laptop)),
      peerIdBytes(a1.service.node!.peerId),
      { kind: HISTORY_FRAME_KIND.chunk, body },
      p.random,
    )
    await assert.rejects(a1.service.messenger!.parts.own.receive(frame), (err) =>
      isProtocolError(err, 'unknown_key'),
    )
    assert.equal((await allMessages(a1, cleoOnA1)).length, count)
  })
})
