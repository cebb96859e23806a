/**
 * The companion runtime (issue 19, ADR 0762), with real messengers over a real relay: a new
 * install linked to Alice through the client API stores what the grant gave it as a companion
 * identity — `identity.status` ready with role `companion` and Alice's fingerprint, Alice's
 * contacts with the verification and block state they had on her primary, our devices listed —
 * and runs as a messenger under the PeerId its certificate names, before and after a restart. What
 * needs the identity key (invites, adding a contact, changing the device list) is refused there
 * with a sentence.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import type { ClientEvent, IdentityStatus } from '@hestia/core/client/api.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { encodePayload } from '@hestia/core/messenger/payload.ts'
import { OWN_FRAME_KIND, sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeSentCopy } from '@hestia/core/messenger/devices/sync.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

describe('a linked install runs as a companion messenger', () => {
  let relay: RelayHandle
  let a1: TestPeer
  let a2: TestPeer
  let b: TestPeer
  let c: TestPeer
  let convB: string
  let aliceOnB: string
  let routeBefore: Uint8Array | null

  before(async () => {
    relay = await startTestRelay()
    a1 = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    c = await new TestPeer('carol', relay.multiaddrs).start()
    ;({ convB } = await connectPeers(a1, b))
    aliceOnB = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
      .contactId
    routeBefore = (await b.store.getContact(aliceOnB))!.outboundMailbox
    await c.must({ type: 'identity.create', displayName: 'carol' })
    const invite = await a1.must({ type: 'invite.mine' })
    await c.must({ type: 'invite.accept', invite: invite.link })
    await waitUntil('alice sees carol', async () => {
      const list = (await a1.must({ type: 'conversations.list', query: null })).conversations
      return list.length === 2
    })
    // Alice verifies Bob and blocks Carol on her primary before linking.
    const contacts = (await a1.must({ type: 'conversations.list', query: null })).conversations
    const bob = contacts.find((x) => x.contact.displayName === 'bob')!.contact
    const carol = contacts.find((x) => x.contact.displayName === 'carol')!.contact
    await a1.must({
      type: 'contact.verify',
      contactId: bob.contactId,
      method: 'safety_number',
      scannedPayload: null,
    })
    await a1.must({ type: 'contact.setBlocked', contactId: carol.contactId, blocked: true })
    a2 = await new TestPeer('alice-laptop', relay.multiaddrs).start()
  })

  after(async () => {
    for (const peer of [a2, c, b, a1]) await peer?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  const statusOf = (e: ClientEvent): IdentityStatus | null =>
    e.type === 'identity.changed' ? e.identity : null

  test('linking through the API leaves a stored companion identity, running', async () => {
    const offer = await a2.must({ type: 'devices.linkStart', deviceName: 'Laptop' })
    const onA = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await waitUntil('the laptop shows its code', () =>
      a2.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
    )
    await a2.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA.linkId })
    await waitUntil(
      'the laptop is told it has an identity now',
      () => a2.events.some((e) => statusOf(e)?.state === 'ready'),
      30_000,
    )
    const done = a2.events.some(
      (e) => e.type === 'device.link' && e.link.linkId === offer.linkId && e.link.state === 'done',
    )
    assert.ok(done, 'the link shows done once the identity is stored')
    const mine = await a1.must({ type: 'identity.status' })
    const status = await a2.must({ type: 'identity.status' })
    assert.equal(status.state, 'ready')
    assert.equal(mine.state, 'ready')
    if (status.state !== 'ready' || mine.state !== 'ready') return
    assert.equal(status.role, 'companion')
    assert.equal(mine.role, 'primary')
    assert.equal(status.fingerprint, mine.fingerprint, 'one identity on both devices')
    assert.equal(status.displayName, mine.displayName, 'our Hellos carry the same name')
    // The stored secrets hold no identity key: only the primary has it (ADR 0760).
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    assert.equal(secrets.companion, true)
    assert.equal(secrets.identitySecret.length, 0)
    assert.ok(a2.service.messenger !== null, 'the messenger runs')
  })

  test('the companion holds the contacts with the trust they had on the primary', async () => {
    const list = (await a2.must({ type: 'conversations.list', query: null })).conversations
    const byName = new Map(list.map((x) => [x.contact.displayName, x.contact]))
    assert.deepEqual([...byName.keys()].sort(), ['bob', 'carol'])
    assert.equal(byName.get('bob')!.trust, 'verified')
    assert.equal(byName.get('bob')!.verified, true)
    assert.equal(byName.get('carol')!.trust, 'blocked')
    assert.equal(byName.get('carol')!.verified, false)
  })

  test('devices.list on the companion: itself and the primary, nothing to manage', async () => {
    const view = await a2.must({ type: 'devices.list' })
    const onPrimary = await a1.must({ type: 'devices.list' })
    assert.equal(view.listVersion, onPrimary.listVersion)
    assert.equal(view.canManage, false)
    assert.equal(onPrimary.canManage, true)
    const me = view.devices.find((d) => d.thisDevice)!
    assert.equal(me.name, 'Laptop')
    assert.equal(me.primary, false)
    assert.equal(me.deviceId, a2.service.node!.peerId.toString(), 'runs under the linked PeerId')
    assert.ok(view.devices.some((d) => d.primary && !d.thisDevice))
  })

  test('what needs the identity key is refused on the companion, with a sentence', async () => {
    const invite = await a2.req({ type: 'invite.mine' })
    assert.ok(!invite.ok && invite.error.code === 'invalid_state')
    assert.match(invite.error.message, /linked to your identity on another device/)
    const bobInvite = await b.must({ type: 'invite.mine' })
    const accept = await a2.req({ type: 'invite.accept', invite: bobInvite.link })
    assert.ok(!accept.ok && accept.error.code === 'invalid_state')
    const view = await a2.must({ type: 'devices.list' })
    const other = view.devices.find((d) => !d.thisDevice)!
    const removal = await a2.req({ type: 'devices.remove', deviceId: other.deviceId })
    assert.ok(!removal.ok && removal.error.code === 'invalid_state')
    const again = await a2.req({ type: 'devices.linkStart', deviceName: 'Again' })
    assert.ok(!again.ok && again.error.code === 'identity_exists')
  })

  test('after a restart the companion starts as a messenger again, same device', async () => {
    const before = (await a2.must({ type: 'devices.list' })).devices.find((d) => d.thisDevice)!
    await a2.stop()
    await a2.start()
    const status = await a2.must({ type: 'identity.status' })
    assert.ok(status.state === 'ready' && status.role === 'companion')
    assert.equal(a2.service.node!.peerId.toString(), before.deviceId)
    const conversations = (await a2.must({ type: 'conversations.list', query: null })).conversations
    assert.equal(conversations.length, 2)
    await waitUntil('the companion reaches its relay', async () => {
      const s = await a2.must({ type: 'connectivity.status' })
      return s.relays.some((r) => r.state === 'connected')
    })
  })

  const conversationWith = async (peer: TestPeer, name: string) =>
    (await peer.must({ type: 'conversations.list', query: null })).conversations.find(
      (x) => x.contact.displayName === name,
    )!.conversationId

  test('the companion greets Bob: he keeps a route for it, his route to the primary stays', async () => {
    const laptop = a2.service.node!.peerId.toString()
    await waitUntil(
      'bob holds a route for the laptop',
      async () => (await b.store.getDevice(aliceOnB, laptop))?.route !== undefined,
      30_000,
    )
    assert.deepEqual((await b.store.getContact(aliceOnB))!.outboundMailbox, routeBefore)
    const sessions = await b.store.listSessions(aliceOnB)
    assert.equal(new Set(sessions.map((s) => s.deviceId)).size, 2, 'one session per device')
    // Carol is blocked on the primary: the companion does not greet her either.
    const carolOnA2 = (await a2.store.listContacts()).find((x) => x.displayName === 'carol')!
    assert.equal((await a2.store.listSessions(carolOnA2.contactId)).length, 0)
  })

  test("Bob's message arrives on the primary and on the companion", async () => {
    const { message } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'to every alice',
    })
    const onA1 = await conversationWith(a1, 'bob')
    const onA2 = await conversationWith(a2, 'bob')
    await waitUntil('the primary shows it', async () =>
      (await a1.texts(onA1)).includes('to every alice'),
    )
    await waitUntil('the companion shows it', async () =>
      (await a2.texts(onA2)).includes('to every alice'),
    )
    const copy = (await a2.history(onA2)).find((m) => m.messageId === message.messageId)!
    assert.equal(copy.direction, 'in', 'the same message, by id, from Bob')
  })

  test('what the primary and the companion send both reach Bob', async () => {
    await a1.must({
      type: 'messages.send',
      conversationId: await conversationWith(a1, 'bob'),
      text: 'from the primary',
    })
    await a2.must({
      type: 'messages.send',
      conversationId: await conversationWith(a2, 'bob'),
      text: 'from the laptop',
    })
    await waitUntil('bob shows both', async () => {
      const texts = await b.texts(convB)
      return texts.includes('from the primary') && texts.includes('from the laptop')
    })
    const fromLaptop = (await b.history(convB)).find(
      (m) => m.body.kind === 'text' && m.body.text === 'from the laptop',
    )!
    assert.equal(fromLaptop.direction, 'in', "in Alice's one conversation, as hers")
    assert.equal(
      (await b.must({ type: 'conversations.list', query: null })).conversations.length,
      1,
    )
  })

  test('a message sent on one device shows on the other as sent by me, with its delivery', async () => {
    const onA1 = await conversationWith(a1, 'bob')
    const onA2 = await conversationWith(a2, 'bob')
    const sent = (await a1.must({ type: 'messages.send', conversationId: onA1, text: 'copy me' }))
      .message
    await waitUntil('the companion shows it as sent', async () =>
      (await a2.history(onA2)).some((m) => m.messageId === sent.messageId),
    )
    const copy = (await a2.history(onA2)).find((m) => m.messageId === sent.messageId)!
    assert.equal(copy.direction, 'out')
    assert.deepEqual(copy.body, { kind: 'text', text: 'copy me' })
    await waitUntil(
      "Bob's delivery receipt reaches the copy too",
      async () =>
        (await a2.history(onA2)).find((m) => m.messageId === sent.messageId)!.delivery ===
        'delivered',
      40_000,
    )
    const back = (await a2.must({ type: 'messages.send', conversationId: onA2, text: 'copy back' }))
      .message
    await waitUntil('the primary shows the companion’s message as sent', async () =>
      (await a1.history(onA1)).some((m) => m.messageId === back.messageId && m.direction === 'out'),
    )
  })

  test('a sent copy sealed under another key is refused and shows nothing', async () => {
    const onA2 = await conversationWith(a2, 'bob')
    const before = (await a2.history(onA2)).length
    const bob = (await a2.store.listContacts()).find((x) => x.displayName === 'bob')!
    const payload = encodePayload({
      messageId: p.random(16),
      sentAt: p.clock(),
      body: { kind: 'text', text: 'you said this' },
    })
    // Named as coming from the primary, sealed under a key the attacker made up.
    const forged = sealOwnFrame(
      p.random(32),
      peerIdBytes(a1.service.node!.peerId),
      peerIdBytes(a2.service.node!.peerId),
      {
        kind: OWN_FRAME_KIND.sentCopy,
        body: encodeSentCopy({ peerIdentityKey: bob.identityPublicKey, payload }),
      },
      p.random,
    )
    await assert.rejects(a2.service.messenger!.parts.own.receive(forged), (err) =>
      isProtocolError(err, 'decrypt_failed'),
    )
    assert.equal((await a2.history(onA2)).length, before)
  })

  test('read on the primary is read on the companion', async () => {
    const onA1 = await conversationWith(a1, 'bob')
    const onA2 = await conversationWith(a2, 'bob')
    const { message } = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'read me',
    })
    const unread = async (peer: TestPeer) =>
      (await peer.must({ type: 'conversations.list', query: null })).conversations.find(
        (x) => x.contact.displayName === 'bob',
      )!.unreadCount
    await waitUntil('both show it unread', async () => {
      const [h1, h2] = [await a1.history(onA1), await a2.history(onA2)]
      return (
        h1.some((m) => m.messageId === message.messageId) &&
        h2.some((m) => m.messageId === message.messageId)
      )
    })
    assert.ok((await unread(a2)) > 0)
    await a1.must({ type: 'messages.markRead', conversationId: onA1, upTo: message.messageId })
    await waitUntil('the companion shows it read', async () => (await unread(a2)) === 0)
    const there = (await a2.history(onA2)).find((m) => m.messageId === message.messageId)!
    assert.notEqual(there.readAt, null)
  })

  test('contacts after the link: changed or added on the primary, the companion follows', async () => {
    const carolOnA1 = (await a1.store.listContacts()).find((x) => x.displayName === 'carol')!
    await a1.must({ type: 'contact.setBlocked', contactId: carolOnA1.contactId, blocked: false })
    await a1.must({
      type: 'contact.verify',
      contactId: carolOnA1.contactId,
      method: 'safety_number',
      scannedPayload: null,
    })
    const carolOn = async (peer: TestPeer) =>
      (await peer.must({ type: 'conversations.list', query: null })).conversations.find(
        (x) => x.contact.displayName === 'carol',
      )!.contact
    await waitUntil('the companion shows carol unblocked and verified', async () => {
      const carol = await carolOn(a2)
      return carol.trust === 'verified' && carol.verified
    })
    // A new contact on the primary: the companion holds it, greets it, and reads its messages.
    const dave = await new TestPeer('dave', relay.multiaddrs).start()
    try {
      await dave.must({ type: 'identity.create', displayName: 'dave' })
      const invite = await dave.must({ type: 'invite.mine' })
      await a1.must({ type: 'invite.accept', invite: invite.link })
      await waitUntil('the companion holds dave', async () =>
        (await a2.store.listContacts()).some((x) => x.displayName === 'dave'),
      )
      await waitUntil(
        'dave sees alice',
        async () =>
          (await dave.must({ type: 'conversations.list', query: null })).conversations.length === 1,
      )
      const aliceOnDave = await dave.onlyConversation()
      const laptop = a2.service.node!.peerId.toString()
      const aliceId = (await dave.store.listContacts())[0]!.contactId
      await waitUntil(
        'dave holds a route for the laptop',
        async () => (await dave.store.getDevice(aliceId, laptop))?.route !== undefined,
        30_000,
      )
      await dave.must({ type: 'messages.send', conversationId: aliceOnDave, text: 'hi both' })
      const onA2 = await conversationWith(a2, 'dave')
      await waitUntil('the companion shows dave’s message', async () =>
        (await a2.texts(onA2)).includes('hi both'),
      )
    } finally {
      await dave.stop().catch(() => undefined)
    }
  })

  test('removing the companion: Bob reaches the primary only, the companion erases itself', async () => {
    const laptop = a2.service.node!.peerId.toString()
    await a1.must({ type: 'devices.remove', deviceId: laptop })
    await waitUntil('the laptop is told', () => a2.events.some((e) => e.type === 'device.removed'))
    await waitUntil('the laptop shows no identity', async () => {
      const s = await a2.req({ type: 'identity.status' })
      return s.ok && s.value.state === 'none'
    })
    assert.ok(a2.events.some((e) => statusOf(e)?.state === 'none'))
    assert.equal(await a2.store.getIdentity(), undefined, 'keys erased')
    assert.deepEqual(await a2.store.listContacts(), [], 'contacts erased')
    await waitUntil('bob takes the new list', async () =>
      (await b.store.listSessions(aliceOnB)).every((s) => s.deviceId !== laptop),
    )
    const after = (
      await b.must({ type: 'messages.send', conversationId: convB, text: 'after removal' })
    ).message
    await waitUntil('the primary shows it', async () =>
      (await a1.texts(await conversationWith(a1, 'bob'))).includes('after removal'),
    )
    assert.equal(await b.store.getDevice(aliceOnB, laptop), undefined, 'no route to it is kept')
    assert.ok(after.messageId.length > 0)
  })

  test('log out all others while a companion is offline: back, it reads nothing new and erases itself', async () => {
    const a3 = await new TestPeer('alice-tablet', relay.multiaddrs).start()
    try {
      const offer = await a3.must({ type: 'devices.linkStart', deviceName: 'Tablet' })
      const onA = await a1.must({ type: 'devices.linkAccept', link: offer.link })
      await waitUntil('the tablet shows its code', () =>
        a3.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
      )
      await a3.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
      await a1.must({ type: 'devices.linkConfirm', linkId: onA.linkId })
      const tablet = await (async () => {
        await waitUntil('the tablet runs', () => a3.service.messenger !== null, 30_000)
        return a3.service.node!.peerId.toString()
      })()
      await waitUntil(
        'bob holds a route for the tablet',
        async () => (await b.store.getDevice(aliceOnB, tablet))?.route !== undefined,
        30_000,
      )
      await waitUntil('the primary knows where the tablet reads', async () =>
        (decodeSecrets((await a1.store.getIdentity())!.secretKeys).ownLinks ?? []).some(
          (l) => l.deviceId === tablet && l.route !== undefined,
        ),
      )
      await a3.stop()
      const view = await a1.must({ type: 'devices.logoutOthers' })
      assert.deepEqual(
        view.devices.map((d) => d.thisDevice),
        [true],
      )
      await waitUntil('bob takes the one-device list', async () =>
        (await b.store.listSessions(aliceOnB)).every((x) => x.deviceId !== tablet),
      )
      await b.must({ type: 'messages.send', conversationId: convB, text: 'while you were away' })
      await waitUntil('the primary shows it', async () =>
        (await a1.texts(await conversationWith(a1, 'bob'))).includes('while you were away'),
      )
      const seen = a3.events.length
      await a3.start()
      await waitUntil(
        'the tablet finds it was removed',
        () => a3.events.slice(seen).some((e) => e.type === 'device.removed'),
        30_000,
      )
      await waitUntil(
        'the tablet erased itself',
        async () => (await a3.store.getIdentity()) === undefined,
      )
      const read = a3.events
        .slice(seen)
        .some(
          (e) =>
            e.type === 'message.added' &&
            e.message.body.kind === 'text' &&
            e.message.body.text === 'while you were away',
        )
      assert.equal(read, false, 'nothing sent after the removal reached the tablet')
      assert.deepEqual(await a3.store.listContacts(), [])
    } finally {
      await a3.stop().catch(() => undefined)
    }
  })
})
