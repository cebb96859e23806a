/**
 * Messenger nodes on real libp2p (WebRTC via node-datachannel on loopback) with a real relay:
 * invite and accept, direct chat both ways, exactly-once display under replays and re-encrypted
 * retries, typed rejection of malformed frames and invites, and the direct path surviving the
 * relay's shutdown. Logs the direct-message latency.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { fromBase64Url } from '@hestia/core/crypto/bytes.ts'
import { sealForMailbox } from '@hestia/core/crypto/sealed-envelope.ts'
import { MAILBOX_PROTOCOL, MailboxClient } from '@hestia/core/mailbox/index.ts'
import {
  DirectSendError,
  decodeInvite,
  decodeOutbound,
  encodePayload,
  sendDirect,
} from '@hestia/core/messenger/index.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { encodeSessionState, restoreSession } from '@hestia/core/messenger/records.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { SentRecord } from './support/messenger-harness.ts'
import {
  TestPeer,
  connectPeers,
  createTestNode,
  ensureDirect,
  median,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'
import { inviteOf } from './support/invite-of.ts'

/** The send record of a message, once the sender's outbox has recorded it. */
async function sentRecord(peer: TestPeer, messageId: string): Promise<SentRecord> {
  await waitUntil('the send is recorded', () => peer.sent.some((s) => s.messageId === messageId))
  return peer.sent.find((s) => s.messageId === messageId)!
}

describe('messenger: direct chat', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string

  before(async () => {
    relay = await startTestRelay()
    a = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    ;({ convA, convB } = await connectPeers(a, b))
  })

  after(async () => {
    await a.stop()
    await b.stop()
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  async function contactOfA() {
    const contacts = await a.store.listContacts()
    assert.equal(contacts.length, 1)
    return contacts[0]!
  }

  test('both see each other as an unverified contact with a confirmed session', async () => {
    const listA = (await a.must({ type: 'conversations.list', query: null })).conversations
    const listB = (await b.must({ type: 'conversations.list', query: null })).conversations
    assert.equal(listA[0]!.contact.displayName, 'bob')
    assert.equal(listB[0]!.contact.displayName, 'alice')
    assert.equal(listA[0]!.contact.trust, 'unverified')
    assert.equal(listB[0]!.contact.trust, 'unverified')
    const infoA = await a.must({ type: 'contact.info', contactId: listA[0]!.contact.contactId })
    const infoB = await b.must({ type: 'contact.info', contactId: listB[0]!.contact.contactId })
    assert.deepEqual(infoA.safetyNumber, infoB.safetyNumber, 'safety numbers agree on both sides')
    // B waits for A's Hello reply before it leaves the mailbox-only phase.
    await waitUntil('bob has the hello reply', () => a.sent.some((s) => s.kind === 'control'))
  })

  test('direct messages both ways, in order, marked delivered; latency logged', async () => {
    const dialMs = await ensureDirect(a, b, relay.multiaddrs[0]!)
    console.log(`webrtc connection alice→bob ready in ${dialMs.toFixed(0)} ms (0 if already open)`)
    const latencies: number[] = []
    const sentIds: string[] = []
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now()
      const { message } = await a.must({
        type: 'messages.send',
        conversationId: convA,
        text: `a→b ${i}`,
      })
      sentIds.push(message.messageId)
      assert.equal(message.delivery, 'queued')
      await waitUntil(`bob shows a→b ${i}`, () => b.addedAt.has(message.messageId))
      latencies.push(b.addedAt.get(message.messageId)! - t0)
    }
    for (let i = 0; i < 5; i++) {
      const { message } = await b.must({
        type: 'messages.send',
        conversationId: convB,
        text: `b→a ${i}`,
      })
      await waitUntil(`alice shows b→a ${i}`, () => a.addedAt.has(message.messageId))
    }
    assert.deepEqual(
      (await b.texts(convB)).filter((t) => t.startsWith('a→b')),
      Array.from({ length: 15 }, (_, i) => `a→b ${i}`),
    )
    assert.deepEqual(
      (await a.texts(convA)).filter((t) => t.startsWith('b→a')),
      Array.from({ length: 5 }, (_, i) => `b→a ${i}`),
    )
    await waitUntil('alice recorded all 15 sends', () =>
      sentIds.every((id) => a.sent.some((s) => s.messageId === id)),
    )
    const routes = a.sent.filter((s) => s.messageId !== null && sentIds.includes(s.messageId))
    assert.equal(routes.length, 15)
    assert.ok(
      routes.every((s) => s.route === 'direct'),
      'confirmed sessions with an online peer go direct',
    )
    await waitUntil('all delivered on alice', async () =>
      (await a.history(convA))
        .filter((m) => sentIds.includes(m.messageId))
        .every((m) => m.delivery === 'delivered'),
    )
    const unread = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
      .unreadCount
    assert.equal(unread, 15)
    assert.ok(b.notifications.length >= 15)
    assert.ok(
      b.notifications.every((n) => n.title === 'New message'),
      'no names or text by default',
    )
    console.log(
      `latency direct p50=${median(latencies).toFixed(1)} ms (n=${latencies.length}, send request → shown on the other node)`,
    )
  })

  test('replays and re-encrypted retries are shown exactly once, the sender still gets delivered', async () => {
    const { message } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'once only',
    })
    await waitUntil('bob shows it', () => b.addedAt.has(message.messageId))
    const sent = await sentRecord(a, message.messageId)
    const before = await b.history(convB)
    const eventsBefore = b.events.length

    // 1. The identical frame again, directly: a replay, acknowledged as a known duplicate.
    await sendDirect(a.service.node!, b.service.node!.peerId, relay.multiaddrs, sent.frame)
    // 2. The identical frame sealed into bob's mailbox (as if it also went the mailbox route).
    const outbound = decodeOutbound((await contactOfA()).outboundMailbox)!
    const mbox = new MailboxClient({
      openStream: (o) =>
        a.service.node!.dialProtocol(multiaddr(relay.multiaddrs[0]), MAILBOX_PROTOCOL, o),
    })
    await mbox.deposit(
      { mailboxId: outbound.mailboxId, capability: outbound.mailboxCapability },
      await sealForMailbox(outbound.mailboxSealKey, sent.frame),
    )
    await waitUntil(
      'bob drained the replayed deposit',
      async () => (await relay.stats()).storedMessages === 0,
    )
    // 3. A retry re-encrypted under a new ratchet key with the same message id.
    await a.store.enqueueOutbox({
      conversationId: convA,
      messageId: null,
      kind: 'message',
      payload: encodePayload({
        messageId: fromBase64Url(message.messageId),
        sentAt: message.sentAt,
        body: { kind: 'text', text: 'once only' },
      }),
      attempts: 0,
      nextAttemptAt: Date.now(),
      createdAt: Date.now(),
      lastError: null,
    })
    const { message: after } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'after the retry',
    })
    await waitUntil('bob shows the next message', () => b.addedAt.has(after.messageId))

    const history = await b.history(convB)
    assert.equal(history.filter((m) => m.messageId === message.messageId).length, 1)
    assert.equal(history.length, before.length + 1, 'only the new message was added')
    const added = b.events.slice(eventsBefore).filter((e) => e.type === 'message.added')
    assert.deepEqual(
      added.map((e) => (e.type === 'message.added' ? e.message.messageId : '')),
      [after.messageId],
    )
    await waitUntil(
      'the duplicate still got a delivered receipt',
      async () =>
        (await a.history(convA)).find((m) => m.messageId === message.messageId)?.delivery ===
        'delivered',
    )
  })

  test('a message overtaken by the next one (other route) is still shown in the sender’s order', async () => {
    // Two frames from alice's real session; the second is delivered first.
    const contact = await contactOfA()
    const record = (await a.store.listSessions(contact.contactId))[0]!
    const session = restoreSession(record, systemPlatform)
    const t = Date.now()
    const ids = [new Uint8Array(16).fill(0x31), new Uint8Array(16).fill(0x32)]
    const [first, second] = ['first', 'second'].map(
      (text, i) =>
        session.encrypt(
          encodePayload({ messageId: ids[i]!, sentAt: t + i, body: { kind: 'text', text } }),
        ).frame,
    )
    await a.store.putSession(
      { ...record, state: encodeSessionState(session), version: record.version + 1, updatedAt: t },
      record.version,
    )
    const bobPeer = b.service.node!.peerId
    await sendDirect(a.service.node!, bobPeer, relay.multiaddrs, second!)
    await new Promise((r) => setTimeout(r, 20))
    await sendDirect(a.service.node!, bobPeer, relay.multiaddrs, first!)
    assert.deepEqual((await b.texts(convB)).slice(-2), ['first', 'second'])
    const summary = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(summary.lastMessage?.text, 'second')
  })

  test('malformed and foreign chat frames are rejected with nothing changed', async () => {
    const { message } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'valid',
    })
    await waitUntil('bob shows it', () => b.addedAt.has(message.messageId))
    const frame = (await sentRecord(a, message.messageId)).frame
    const bobPeer = b.service.node!.peerId
    const snapshot = async () => ({
      history: await b.history(convB),
      sessions: (await b.store.listSessions((await b.store.listContacts())[0]!.contactId)).map(
        (s) => s.version,
      ),
      outbox: await b.store.outboxHeads(),
    })
    // Quiet first: bob's delivered receipt for 'valid' has left and alice has applied it.
    await waitUntil(
      'receipt applied',
      async () =>
        (await a.history(convA)).find((m) => m.messageId === message.messageId)?.delivery ===
          'delivered' && (await b.store.outboxHeads()).length === 0,
    )
    const before = await snapshot()
    const eventsBefore = b.events.length
    // Fresh frames from alice's real session (its state is committed afterwards, so bob later
    // just skips these message keys): a bad payload inside a valid frame, a flipped bit, a cut.
    const contact = await contactOfA()
    const record = (await a.store.listSessions(contact.contactId))[0]!
    const session = restoreSession(record, systemPlatform)
    const badPayload = session.encrypt(new Uint8Array([0xff, 0x01, 0x02])).frame
    const fresh = session.encrypt(
      encodePayload({
        messageId: new Uint8Array(16).fill(7),
        sentAt: Date.now(),
        body: { kind: 'text', text: 'never shown' },
      }),
    ).frame
    await a.store.putSession(
      {
        ...record,
        state: encodeSessionState(session),
        version: record.version + 1,
        updatedAt: Date.now(),
      },
      record.version,
    )
    const flipped = fresh.slice()
    flipped[flipped.length - 5]! ^= 0x01
    const garbage = [
      new Uint8Array([1, 2, 3]),
      new Uint8Array(512).fill(0xff),
      badPayload,
      flipped,
      fresh.subarray(0, fresh.length - 7),
    ]
    for (const g of garbage) {
      await assert.rejects(
        sendDirect(a.service.node!, bobPeer, relay.multiaddrs, g),
        (err: unknown) => {
          assert.ok(err instanceof DirectSendError)
          assert.equal(err.code, 'rejected')
          return true
        },
      )
    }
    // Over the 128 KiB frame cap: the receiver drops the stream without reading the frame.
    await assert.rejects(
      sendDirect(a.service.node!, bobPeer, relay.multiaddrs, new Uint8Array(128 * 1024 + 1)),
      (err: unknown) => isProtocolError(err, 'oversize'),
    )
    // A stranger (not a contact) replaying a valid frame is rejected too.
    const stranger = await createTestNode(await generateKeyPair('Ed25519'), relay.multiaddrs)
    await stranger.start()
    try {
      // Connect first, with retries: a cold node's first WebRTC dial can exceed both the 3 s direct
      // budget and libp2p's own negotiation timeout on a loaded machine.
      for (let i = 0; ; i++) {
        try {
          await stranger.dial(
            multiaddr(`${relay.multiaddrs[0]}/p2p-circuit/webrtc/p2p/${bobPeer.toString()}`),
            { signal: AbortSignal.timeout(15_000) },
          )
          break
        } catch (err) {
          if (i === 2) throw err
        }
      }
      // A fresh WebRTC connection on a loaded machine can miss the 5 s ack budget once: retry
      // transport failures; the answer that arrives must be a rejection.
      let code: DirectSendError['code'] | 'accepted' = 'no_ack'
      for (let i = 0; i < 3 && code !== 'rejected'; i++) {
        try {
          await sendDirect(stranger, bobPeer, relay.multiaddrs, frame)
          code = 'accepted'
          break
        } catch (err) {
          assert.ok(err instanceof DirectSendError, String(err))
          code = err.code
        }
      }
      assert.equal(code, 'rejected')
    } finally {
      await stranger.stop()
    }
    assert.deepEqual(await snapshot(), before)
    assert.deepEqual(
      b.events.slice(eventsBefore).filter((e) => e.type !== 'connectivity.changed'),
      [],
      'no events for rejected frames (the stranger connecting changes only connectivity)',
    )
  })

  test('malformed, tampered, expired and own invites get typed errors and add no contact', async () => {
    const invite = (await a.must({ type: 'invite.mine' })).link
    const contactsBefore = await b.store.listContacts()
    const cases: [string, string][] = [
      ['not a link', 'invite_invalid'],
      ['hestia:invite/', 'invite_invalid'],
      ['hestia:invite/!!!', 'invite_invalid'],
      [invite.slice(0, invite.length - 10), 'invite_invalid'],
      // One character changed in the relay's ID (the server answers with another identity) and in
      // the inviter's fingerprint (the fetched invite's key does not hash to it).
      [
        invite.slice(0, 200) + (invite[200] === 'a' ? 'b' : 'a') + invite.slice(201),
        'invite_invalid',
      ],
      [invite.slice(0, 12) + (invite[12] === 'a' ? 'b' : 'a') + invite.slice(13), 'invite_invalid'],
      // Over the client API's cap: refused by the request validator before the node sees it.
      ['hestia:invite/' + 'A'.repeat(20_000), 'invalid_request'],
    ]
    for (const [link, code] of cases) {
      const res = await b.req({ type: 'invite.accept', invite: link })
      assert.equal(res.ok, false)
      if (!res.ok) assert.equal(res.error.code, code, link.slice(0, 40))
    }
    const own = await a.req({ type: 'invite.accept', invite })
    assert.ok(!own.ok && own.error.code === 'invite_self')
    assert.throws(
      () => decodeInvite('hestia:invite/' + 'A'.repeat(20_000), Date.now()),
      (err: unknown) => isProtocolError(err, 'oversize'),
    )
    assert.ok(invite.length <= 300, `a short link (${invite.length} characters)`)
    await assert.rejects(
      inviteOf(invite, b.service.node!, Date.now() + 8 * 86_400_000),
      (err: unknown) => isProtocolError(err, 'expired'),
    )
    // Accepting the invite of someone already a contact is idempotent.
    const bobInvite = (await b.must({ type: 'invite.mine' })).link
    const again = await a.must({ type: 'invite.accept', invite: bobInvite })
    assert.equal(again.created, false)
    assert.deepEqual(await b.store.listContacts(), contactsBefore)
    assert.equal((await a.store.listContacts()).length, 1)
  })

  test('with the relay stopped, messages still flow directly both ways', async () => {
    await relay.stop()
    const { message: m1 } = await a.must({
      type: 'messages.send',
      conversationId: convA,
      text: 'relay is down',
    })
    const { message: m2 } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'still here',
    })
    await waitUntil('bob shows it', () => b.addedAt.has(m1.messageId))
    await waitUntil('alice shows it', () => a.addedAt.has(m2.messageId))
    await waitUntil(
      'both recorded the send',
      () =>
        a.sent.some((s) => s.messageId === m1.messageId) &&
        b.sent.some((s) => s.messageId === m2.messageId),
    )
    assert.equal(a.sent.find((s) => s.messageId === m1.messageId)?.route, 'direct')
    assert.equal(b.sent.find((s) => s.messageId === m2.messageId)?.route, 'direct')
  })
})
