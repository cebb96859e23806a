/**
 * Store-and-forward through the relay mailbox with real nodes: offline delivery, recipient and
 * sender restarts (new node, same store), a relay restart mid-conversation, and the latency of a
 * mailbox message with both peers online (one of them without WebRTC, so the mailbox is the route).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  median,
  releaseWebRTC,
  startTestRelay,
  tempDir,
  waitUntil,
} from './support/messenger-harness.ts'

describe('messenger: mailbox delivery and restarts', () => {
  const relayDir = tempDir()
  let relay: RelayHandle
  let relayPort: number
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string

  async function restart(peer: TestPeer, options: { direct?: boolean } = {}): Promise<TestPeer> {
    await peer.stop().catch(() => undefined)
    const next = new TestPeer(peer.name, peer.relays, peer.backing)
    next.direct = options.direct ?? true
    return next.start()
  }

  async function restartRelay(): Promise<void> {
    await relay.stop()
    relay = await startTestRelay(relayDir, relayPort)
  }

  async function deliveryOf(peer: TestPeer, conv: string, id: string) {
    return (await peer.history(conv)).find((m) => m.messageId === id)?.delivery
  }

  before(async () => {
    relay = await startTestRelay(relayDir)
    relayPort = Number(/\/tcp\/(\d+)\//.exec(relay.multiaddrs[0]!)![1])
    a = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    ;({ convA, convB } = await connectPeers(a, b))
    const { message } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'hello from bob',
    })
    await waitUntil('alice has bob’s first message', () => a.addedAt.has(message.messageId))
  })

  after(async () => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('offline recipient: sent to the mailbox, delivered in order after restart, history and unread kept', async () => {
    const { message: early } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'before',
    })
    await waitUntil('bob shows it', () => b.addedAt.has(early.messageId))
    await b.stop()
    const ids: string[] = []
    for (const text of ['offline 1', 'offline 2', 'offline 3']) {
      ids.push(
        (await a.must({ type: 'messages.send', conversationId: convA, text })).message.messageId,
      )
    }
    await waitUntil('all three sent to bob’s mailbox', async () => {
      for (const id of ids) if ((await deliveryOf(a, convA, id)) !== 'sent') return false
      return true
    })
    await waitUntil('alice recorded the sends', () =>
      ids.every((id) => a.sent.some((s) => s.messageId === id)),
    )
    assert.deepEqual(
      a.sent.filter((s) => s.messageId !== null && ids.includes(s.messageId)).map((s) => s.route),
      ['mailbox', 'mailbox', 'mailbox'],
    )
    b = await restart(b)
    await waitUntil('bob shows the three', () => ids.every((id) => b.addedAt.has(id)))
    const texts = await b.texts(convB)
    assert.deepEqual(texts.slice(-4), ['before', 'offline 1', 'offline 2', 'offline 3'])
    const summary = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(summary.unreadCount, 4, 'unread survives the restart and counts the new ones')
    await waitUntil('alice sees delivered', async () => {
      for (const id of ids) if ((await deliveryOf(a, convA, id)) !== 'delivered') return false
      return true
    })
    // Read state survives a restart too.
    await b.must({ type: 'messages.markRead', conversationId: convB, upTo: ids[2]! })
    b = await restart(b)
    const after = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(after.unreadCount, 0)
    assert.deepEqual((await b.texts(convB)).slice(-4), [
      'before',
      'offline 1',
      'offline 2',
      'offline 3',
    ])
  })

  test('mailbox latency with both online (bob without WebRTC), both directions', async () => {
    b = await restart(b, { direct: false })
    const latencies: number[] = []
    const ids: string[] = []
    for (let i = 0; i < 8; i++) {
      const t0 = performance.now()
      const { message } = await a.must({
        type: 'messages.send',
        conversationId: convA,
        text: `via mailbox ${i}`,
      })
      ids.push(message.messageId)
      await waitUntil(`bob shows mailbox ${i}`, () => b.addedAt.has(message.messageId))
      latencies.push(b.addedAt.get(message.messageId)! - t0)
    }
    const { message: back } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'mailbox reply',
    })
    await waitUntil('alice shows the reply', () => a.addedAt.has(back.messageId))
    await waitUntil('alice recorded the sends', () =>
      ids.every((id) => a.sent.some((s) => s.messageId === id)),
    )
    const routes = a.sent
      .filter((s) => s.messageId !== null && ids.includes(s.messageId))
      .map((s) => s.route)
    assert.deepEqual(routes, Array(8).fill('mailbox'))
    await waitUntil('bob recorded its send', () =>
      b.sent.some((s) => s.messageId === back.messageId),
    )
    assert.equal(b.sent.find((s) => s.messageId === back.messageId)!.route, 'mailbox')
    console.log(
      `latency mailbox p50=${median(latencies).toFixed(1)} ms (n=${latencies.length}, send request → shown, live push)`,
    )
    b = await restart(b)
  })

  test('sender restarts with a pending outbox (relay down while sending) and still delivers', async () => {
    await b.stop()
    await relay.stop()
    const ids: string[] = []
    for (const text of ['queued 1', 'queued 2']) {
      ids.push(
        (await a.must({ type: 'messages.send', conversationId: convA, text })).message.messageId,
      )
    }
    // Nothing can leave: bob is offline, the relay is down.
    await waitUntil('a failed attempt is recorded', async () => {
      const heads = await a.store.outboxHeads()
      return heads.some((h) => h.attempts > 0)
    })
    assert.equal(await deliveryOf(a, convA, ids[0]!), 'queued')
    await a.stop()
    relay = await startTestRelay(relayDir, relayPort)
    a = await new TestPeer('alice', a.relays, a.backing).start()
    await waitUntil(
      'both sent after alice’s restart',
      async () => {
        for (const id of ids) if ((await deliveryOf(a, convA, id)) !== 'sent') return false
        return true
      },
      20_000,
    )
    b = await restart(b)
    await waitUntil('bob shows both', () => ids.every((id) => b.addedAt.has(id)))
    assert.deepEqual((await b.texts(convB)).slice(-2), ['queued 1', 'queued 2'])
    await waitUntil(
      'alice sees delivered',
      async () => (await deliveryOf(a, convA, ids[1]!)) === 'delivered',
    )
  })

  test('relay restart mid-conversation: both reconnect, mailbox and live push work again', async () => {
    const { message: m0 } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'before relay restart',
    })
    await waitUntil('bob shows it', () => b.addedAt.has(m0.messageId))
    await restartRelay()
    await waitUntil(
      'both reconnected to the relay',
      async () => {
        const ca = await a.must({ type: 'connectivity.status' })
        const cb = await b.must({ type: 'connectivity.status' })
        return ca.relays[0]!.state === 'connected' && cb.relays[0]!.state === 'connected'
      },
      20_000,
    )
    // Bob goes offline: alice's message must go through the restarted relay's mailbox.
    await b.stop()
    const { message: m1 } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'after relay restart',
    })
    await waitUntil(
      'sent to the mailbox',
      async () => (await deliveryOf(a, convA, m1.messageId)) === 'sent',
      20_000,
    )
    b = await restart(b)
    await waitUntil('bob shows it', () => b.addedAt.has(m1.messageId))
    // And back: alice receives it (directly or by live push).
    const { message: m2 } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'answer',
    })
    await waitUntil('alice shows the answer', () => a.addedAt.has(m2.messageId), 20_000)
    assert.deepEqual((await a.texts(convA)).slice(-1), ['answer'])
    // Alice's reservation came back with the relay: a new WebRTC connection to her can be signalled.
    await ensureDirect(b, a, relay.multiaddrs[0]!)
    assert.equal((await a.history(convA)).filter((m) => m.messageId === m2.messageId).length, 1)
  })

  test('a message nobody can take becomes failed after its retries; messages.retry delivers it', async () => {
    await b.stop()
    await relay.stop()
    const { message } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'doomed',
    })
    const attempts = async () => (await a.store.outboxHeads())[0]?.attempts ?? -1
    // Skip the backoff waits: each flush is one more attempt (direct and mailbox both refused).
    for (let i = 0; i < 30 && (await deliveryOf(a, convA, message.messageId)) !== 'failed'; i++) {
      const before = await attempts()
      await a.service.messenger!.flushOutbox()
      await waitUntil('one more attempt', async () => (await attempts()) !== before)
    }
    const failed = (await a.history(convA)).find((m) => m.messageId === message.messageId)!
    assert.equal(failed.delivery, 'failed')
    assert.equal(failed.failure?.code, 'peer_unreachable')
    assert.equal((await a.store.outboxHeads()).length, 0, 'a failed message leaves the outbox')
    const notFailed = await a.req({ type: 'messages.retry', conversationId: convA, messageId: 'x' })
    assert.ok(!notFailed.ok && notFailed.error.code === 'not_found')

    relay = await startTestRelay(relayDir, relayPort)
    b = await restart(b)
    const retried = await a.must({
      type: 'messages.retry',
      conversationId: convA,
      messageId: message.messageId,
    })
    assert.equal(retried.message.delivery, 'queued')
    await waitUntil('bob shows it once', () => b.addedAt.has(message.messageId), 20_000)
    await waitUntil(
      'alice sees delivered',
      async () => (await deliveryOf(a, convA, message.messageId)) === 'delivered',
      20_000,
    )
    assert.equal((await b.texts(convB)).filter((t) => t === 'doomed').length, 1)
  })

  test('moving to another relay: contacts learn it and deposit there while we are offline', async () => {
    const relay2 = await startTestRelay()
    try {
      const old = relay.multiaddrs[0]!
      const next = relay2.multiaddrs[0]!
      await a.must({ type: 'settings.addRelay', address: next })
      const settings = await a.must({ type: 'settings.removeRelay', address: old })
      assert.deepEqual(settings.relays, [next])
      await waitUntil(
        'bob learned alice’s new relay',
        async () => {
          const contact = (await b.store.listContacts())[0]!
          return contact.relays.length === 1 && contact.relays[0] === next
        },
        20_000,
      )
      // The host rebuilds the node for the new relays; then alice goes offline.
      a = await restart(a)
      await waitUntil(
        'alice’s mailbox is live on the new relay',
        async () => (await a.must({ type: 'connectivity.status' })).relays[0]!.mailboxReady,
        20_000,
      )
      await a.stop()
      const { message } = await b.must({
        type: 'messages.send',
        conversationId: convB,
        text: 'to your new relay',
      })
      await waitUntil(
        'sent to alice’s mailbox on the new relay',
        async () => (await deliveryOf(b, convB, message.messageId)) === 'sent',
        20_000,
      )
      assert.ok((await relay2.stats()).storedMessages >= 1, 'the deposit waits on the new relay')
      a = await restart(a)
      await waitUntil('alice shows it', () => a.addedAt.has(message.messageId), 20_000)
    } finally {
      await a.stop().catch(() => undefined)
      await relay2.stop()
    }
  })
})
