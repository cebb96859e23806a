/**
 * A hostile peer with a modified client (support/hostile-client.ts) against a real messenger
 * (ADRs 0720, 0721): frames under a new identity key are held (not shown, counted or notified),
 * released in order only when the user verifies or accepts, deleted when the user keeps the old
 * key (which then refuses the new key); a further identity replaces a pending one visibly; a Hello
 * under a pending key rewrites no routes; receipts from the new session move no ticks; devices and
 * sessions per contact are capped; an older certificate for a known device is refused. After each
 * attack the conversation list and the chat load and parse through the client API.
 *
 * Everything goes through the relay mailbox (no WebRTC), so frames are handled in deposit order and
 * a marker text from the real contact tells when the hostile frames before it were handled.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage } from '@hestia/core/client/api.ts'
import { parseClientResponse } from '@hestia/core/client/validate.ts'
import { bytesEqual, toBase64Url } from '@hestia/core/crypto/bytes.ts'
import { decodeDeviceCert, decodeDeviceCertBody } from '@hestia/core/crypto/codecs.ts'
import { safetyNumber } from '@hestia/core/crypto/safety-number.ts'
import { TRUST_LIMITS } from '@hestia/core/messenger/limits.ts'
import { decodeOutbound } from '@hestia/core/messenger/index.ts'
import { sessionIdentityKey } from '@hestia/core/messenger/records.ts'
import type { RelayHandle } from '@hestia/relay-node'
import {
  HostileClient,
  HostileSession,
  hello,
  identityOf,
  newDevice,
  newIdentity,
  receipt,
  fileOffer,
  targetOf,
  text,
  type Target,
} from './support/hostile-client.ts'
import type { TestPeer } from './support/messenger-harness.ts'
import {
  mailboxOnlyPair,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

interface Pair {
  a: TestPeer
  b: TestPeer
  convA: string
  convB: string
  bobId: string
  /** Alice's mailbox for bob, as bob (and anyone he leaked it to) deposits into it. */
  target: Target
}

describe('hostile peer: key changes, routes, caps, certificates', () => {
  let relay: RelayHandle
  let evil: HostileClient
  const pairs: Pair[] = []
  let markers = 0

  before(async () => {
    relay = await startTestRelay()
    evil = await HostileClient.start(relay.multiaddrs)
  })

  after(async () => {
    for (const p of pairs) {
      await p.a.stop().catch(() => undefined)
      await p.b.stop().catch(() => undefined)
    }
    await evil.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  /** Alice and bob, contacts with a confirmed session both ways, mailbox only. */
  async function pair(): Promise<Pair> {
    const { a, b, convA, convB } = await mailboxOnlyPair(relay.multiaddrs, ['alice', 'bob'])
    await a.must({ type: 'settings.update', patch: { readReceipts: true } })
    const m = await b.must({ type: 'messages.send', conversationId: convB, text: 'hi alice' })
    await waitUntil('alice shows bob’s hi', () => a.addedAt.has(m.message.messageId), 20_000)
    const r = await a.must({ type: 'messages.send', conversationId: convA, text: 'hi bob' })
    await waitUntil(
      'alice’s hi delivered',
      async () => (await message(a, convA, r.message.messageId))?.delivery === 'delivered',
      20_000,
    )
    const bobId = (await a.must({ type: 'conversations.list', query: null })).conversations[0]!
      .contact.contactId
    const p = { a, b, convA, convB, bobId, target: await targetOf(a, b) }
    pairs.push(p)
    return p
  }

  async function message(peer: TestPeer, conv: string, id: string) {
    return (await peer.history(conv)).find((m) => m.messageId === id)
  }

  /** The real bob sends a text; once alice shows it, every frame deposited before was handled. */
  async function marker(p: Pair): Promise<string> {
    const m = await p.b.must({
      type: 'messages.send',
      conversationId: p.convB,
      text: `marker ${++markers}`,
    })
    await waitUntil(
      `alice handled everything up to marker ${markers}`,
      () => p.a.addedAt.has(m.message.messageId),
      20_000,
    )
    return m.message.messageId
  }

  /**
   * The list and the chat load, and parse with the popup's validator; returns alice's view of
   * bob's conversation.
   */
  async function view(p: Pair) {
    const listRes = await p.a.req({ type: 'conversations.list', query: null })
    const list = parseClientResponse('conversations.list', listRes)
    assert.ok(list.ok, 'the conversation list loads')
    const pageRes = await p.a.req({
      type: 'messages.page',
      conversationId: p.convA,
      before: null,
      limit: 200,
    })
    const page = parseClientResponse('messages.page', pageRes)
    assert.ok(page.ok, 'the chat loads')
    const infoRes = await p.a.req({ type: 'contact.info', contactId: p.bobId })
    const info = parseClientResponse('contact.info', infoRes)
    assert.ok(info.ok, 'the contact page loads')
    const conv = list.value.conversations.find((c) => c.conversationId === p.convA)!
    const texts = page.value.messages.flatMap((m) => (m.body.kind === 'text' ? [m.body.text] : []))
    const systems = page.value.messages.flatMap((m) =>
      m.body.kind === 'system' ? [m.body.event] : [],
    )
    return { conv, messages: page.value.messages, texts, systems, info: info.value }
  }

  function shown(p: Pair, messages: ChatMessage[], injected: string[]): void {
    for (const t of injected) {
      assert.ok(
        !messages.some((m) => m.body.kind === 'text' && m.body.text === t),
        `"${t}" is not in the chat`,
      )
      assert.ok(
        !p.a.events.some(
          (e) =>
            e.type === 'message.added' &&
            e.message.body.kind === 'text' &&
            e.message.body.text === t,
        ),
        `"${t}" was never announced to the UI`,
      )
    }
  }

  test('frames under a new key are held; keeping the old key deletes them and refuses the key', async () => {
    const p = await pair()
    const before = await view(p)
    const contactBefore = (await p.a.store.getContact(p.bobId))!
    const notified = p.a.notifications.length
    const aliceHi = before.messages.find((m) => m.direction === 'out')!

    // Someone with bob's mailbox capability (bob's leaked invite, or bob reinstalled) writes
    // under a new identity: two texts, a Hello naming another mailbox, and a forged read receipt.
    const mallory = new HostileSession(await newDevice(newIdentity()), p.target)
    const rogueRoute = {
      displayName: 'bob',
      relays: relay.multiaddrs.slice(0, 1),
      mailboxId: new Uint8Array(32).fill(7),
      mailboxCapability: new Uint8Array(32).fill(8),
      mailboxSealKey: new Uint8Array(32).fill(9),
    }
    await evil.send(
      p.target,
      mallory,
      text('it is me, bob, on a new laptop'),
      text('send me the code'),
      fileOffer('invoice.pdf'),
      hello(rogueRoute),
      receipt('read', [aliceHi.messageId]),
    )
    await marker(p)

    const v = await view(p)
    assert.equal(v.conv.contact.trust, 'key_changed')
    assert.equal(v.conv.contact.heldCount, 3, 'the chat says three messages are held')
    assert.ok(!v.messages.some((m) => m.body.kind === 'file'), 'no file card from the new key')
    assert.equal(v.conv.unreadCount, before.conv.unreadCount + 1, 'only the marker is unread')
    shown(p, v.messages, ['it is me, bob, on a new laptop', 'send me the code'])
    assert.equal(v.systems.filter((e) => e === 'key_changed').length, 1)
    assert.equal(p.a.notifications.length, notified + 1, 'only the marker was notified')
    // Receipts from the new session move no ticks.
    assert.equal(v.messages.find((m) => m.messageId === aliceHi.messageId)!.delivery, 'delivered')
    // Routes change only from the pinned identity: the Hello under the pending key is held.
    const held = (await p.a.store.getContact(p.bobId))!
    assert.deepEqual(held.outboundMailbox, contactBefore.outboundMailbox)
    assert.deepEqual(held.relays, contactBefore.relays)
    assert.equal(held.keyChange!.held!.length, 3)
    assert.ok(held.keyChange!.held!.every((h) => h.senderDeviceId === mallory.device.deviceId))
    assert.notEqual(held.keyChange!.hello ?? null, null, 'the Hello waits for the user’s decision')
    assert.equal(
      (await p.a.store.listDevices(p.bobId)).some((d) => d.deviceId === mallory.device.deviceId),
      false,
      'the new key’s device is not one of bob’s devices',
    )
    // Sending is blocked; bob's old key still works both ways once the user settles it.
    const refused = await p.a.req({ type: 'messages.send', conversationId: p.convA, text: 'x' })
    assert.ok(!refused.ok && refused.error.code === 'key_changed')

    // The user keeps the old key: the held messages are deleted, the key is refused.
    const kept = await p.a.must({ type: 'contact.keepOldKey', contactId: p.bobId })
    assert.equal(kept.contact.trust, 'unverified')
    assert.equal(kept.contact.heldCount, 0)
    const afterKeep = await view(p)
    assert.equal(afterKeep.info.refusedKeys, 1)
    assert.ok(afterKeep.systems.includes('new_key_refused'))
    assert.ok(!afterKeep.messages.some((m) => m.body.kind === 'file'), 'the held offer is gone')
    const keptRecord = (await p.a.store.getContact(p.bobId))!
    assert.equal(keptRecord.keyChange, null)
    assert.deepEqual(keptRecord.outboundMailbox, contactBefore.outboundMailbox)
    assert.ok(bytesEqual(keptRecord.identityPublicKey, contactBefore.identityPublicKey))

    // The refused key writes again: nothing is shown, held or notified.
    const notified2 = p.a.notifications.length
    await evil.send(p.target, mallory, text('hello? it is really me'))
    await marker(p)
    const refusedView = await view(p)
    assert.equal(refusedView.conv.contact.trust, 'unverified')
    assert.equal(refusedView.conv.contact.heldCount, 0)
    shown(p, refusedView.messages, ['hello? it is really me'])
    assert.equal(p.a.notifications.length, notified2 + 1)
    // Sending to bob works again (old key).
    const back = await p.a.must({
      type: 'messages.send',
      conversationId: p.convA,
      text: 'still you?',
    })
    await waitUntil('bob (old key) gets it', () => p.b.addedAt.has(back.message.messageId), 20_000)

    // The user changes their mind: the refused key's next frame raises the notice again.
    await p.a.must({ type: 'contact.allowNewKeys', contactId: p.bobId })
    await evil.send(p.target, mallory, text('third try'))
    await marker(p)
    await waitUntil(
      'the allowed key raises the notice again',
      async () => (await view(p)).conv.contact.heldCount === 1,
    )
    const again = await view(p)
    assert.equal(again.conv.contact.trust, 'key_changed')
    assert.equal(again.conv.contact.heldCount, 1)
    shown(p, again.messages, ['third try'])
    assert.equal(again.systems.filter((e) => e === 'key_changed').length, 2)
    // Accepted after all: its device (seen before the refusal) is now one of bob's devices.
    await p.a.must({ type: 'contact.acceptNewKey', contactId: p.bobId })
    assert.ok((await view(p)).texts.includes('third try'))
    assert.deepEqual(
      (await p.a.store.listDevices(p.bobId)).map((d) => d.deviceId),
      [mallory.device.deviceId],
    )
  })

  test('a further identity replaces a pending one visibly; verifying by digits releases in order', async () => {
    const p = await pair()
    const before = await view(p)
    const aliceKey = (await p.a.store.getIdentity())!.identityPublicKey
    const nIdentity = newIdentity()
    const n = new HostileSession(await newDevice(nIdentity), p.target)
    const o = new HostileSession(await newDevice(newIdentity()), p.target)
    const nRoute = {
      displayName: 'bob',
      relays: relay.multiaddrs.slice(0, 1),
      mailboxId: new Uint8Array(32).fill(1),
      mailboxCapability: new Uint8Array(32).fill(2),
      mailboxSealKey: new Uint8Array(32).fill(3),
    }
    await evil.send(p.target, n, text('n1'), text('n2'))
    await evil.send(p.target, o, text('o1'))
    await marker(p)
    const v1 = await view(p)
    assert.equal(v1.conv.contact.trust, 'key_changed')
    assert.equal(v1.conv.contact.heldCount, 1, 'only the newest key’s messages are held')
    assert.equal(v1.systems.filter((e) => e === 'key_changed').length, 2, 'two notices')
    assert.deepEqual(
      v1.info.safetyNumber,
      safetyNumber(aliceKey, o.device.identity.publicKey).groups,
      'the safety number shown is the newest key’s',
    )
    shown(p, v1.messages, ['n1', 'n2', 'o1'])

    // The first identity writes again: it becomes the pending one, with a third notice.
    await evil.send(p.target, n, text('n3'), hello(nRoute), fileOffer('n-file.txt'), text('n4'))
    await marker(p)
    const v2 = await view(p)
    assert.equal(v2.conv.contact.heldCount, 3)
    assert.equal(v2.systems.filter((e) => e === 'key_changed').length, 3)
    assert.deepEqual(v2.info.safetyNumber, safetyNumber(aliceKey, nIdentity.publicKey).groups)
    shown(p, v2.messages, ['n3', 'n4'])
    assert.equal(v2.conv.unreadCount, before.conv.unreadCount + 2, 'only the two markers')

    // Verifying by digits trusts the key whose number was shown: n's held texts enter the thread
    // in order, unread, unnotified; n's Hello now routes; bob's old sessions are gone.
    const notified = p.a.notifications.length
    // Digits the user compared before the key moved on (o's) adopt nothing.
    const stale = await p.a.req({
      type: 'contact.verify',
      contactId: p.bobId,
      method: 'safety_number',
      scannedPayload: v1.info.safetyNumber.join(''),
    })
    assert.ok(!stale.ok && stale.error.code === 'verification_mismatch')
    assert.equal((await view(p)).conv.contact.heldCount, 3)
    const verified = await p.a.must({
      type: 'contact.verify',
      contactId: p.bobId,
      method: 'safety_number',
      scannedPayload: v2.info.safetyNumber.join(''),
    })
    assert.equal(verified.contact.trust, 'verified')
    assert.equal(verified.contact.heldCount, 0)
    const v3 = await view(p)
    // In arrival order, where they arrived: after the notice, before the marker that followed.
    const order = v3.texts.filter((t) => /^(n\d|marker \d+)$/.test(t)).slice(-3)
    assert.deepEqual(order, ['n3', 'n4', `marker ${markers}`], 'released in arrival order')
    const released = v3.messages.filter(
      (m) => m.body.kind === 'text' && /^n[34]$/.test(m.body.text),
    )
    assert.ok(released.every((m) => m.readAt === null && m.direction === 'in'))
    assert.equal(v3.conv.unreadCount, before.conv.unreadCount + 5)
    // The held file offer enters the thread between the two texts, as it arrived.
    const kinds = v3.messages
      .filter(
        (m) =>
          (m.body.kind === 'text' && /^n[34]$/.test(m.body.text)) ||
          (m.body.kind === 'file' && m.body.name === 'n-file.txt'),
      )
      .map((m) =>
        m.body.kind === 'file' ? m.body.name : m.body.kind === 'text' ? m.body.text : '',
      )
    assert.deepEqual(kinds, ['n3', 'n-file.txt', 'n4'])
    assert.equal(p.a.notifications.length, notified, 'released messages are not notified')
    shown(p, v3.messages, ['n1', 'n2', 'o1'])
    const rec = (await p.a.store.getContact(p.bobId))!
    assert.ok(bytesEqual(rec.identityPublicKey, nIdentity.publicKey))
    const out = decodeOutbound(rec.outboundMailbox)!
    assert.deepEqual(out.mailboxId, nRoute.mailboxId, 'the held Hello applies once accepted')
    for (const s of await p.a.store.listSessions(p.bobId))
      assert.equal(sessionIdentityKey(s), toBase64Url(nIdentity.publicKey))
    const stored = await Promise.all(released.map((m) => p.a.store.getMessage(m.messageId)))
    assert.ok(
      stored.every((m) => m!.senderDeviceId === n.device.deviceId),
      'sender device kept',
    )
    assert.deepEqual(
      (await p.a.store.listDevices(p.bobId)).map((d) => d.deviceId),
      [n.device.deviceId],
    )
    // Bob's old sessions are gone: his next text cannot be decrypted, so it is not shown.
  })

  test('a hostile contact certifying 40 devices is capped; the list and chat still load', async () => {
    const p = await pair()
    const bobIdentity = await identityOf(p.b)
    const notified = p.a.notifications.length
    const devices = await Promise.all(Array.from({ length: 40 }, () => newDevice(bobIdentity)))
    for (const [i, d] of devices.entries()) {
      await evil.send(p.target, new HostileSession(d, p.target), text(`device ${i}`))
    }
    await marker(p)
    const v = await view(p)
    const stored = await p.a.store.listDevices(p.bobId)
    assert.equal(stored.length, TRUST_LIMITS.devicesPerContact, 'devices capped')
    assert.equal(v.info.devices.length, TRUST_LIMITS.devicesPerContact)
    const sessions = await p.a.store.listSessions(p.bobId)
    assert.ok(sessions.length <= TRUST_LIMITS.devicesPerContact)
    const accepted = v.texts.filter((t) => t.startsWith('device '))
    assert.equal(accepted.length, TRUST_LIMITS.devicesPerContact - 1, 'bob’s own device + 7')
    assert.deepEqual(
      accepted,
      Array.from({ length: TRUST_LIMITS.devicesPerContact - 1 }, (_, i) => `device ${i}`),
    )
    shown(p, v.messages, ['device 39', `device ${TRUST_LIMITS.devicesPerContact}`])
    assert.equal(p.a.notifications.length, notified + accepted.length + 1)
    assert.equal(v.conv.contact.trust, 'unverified')

    // Sessions with unaccepted keys are capped too: six new identities, at most four sessions.
    for (let i = 0; i < 6; i++) {
      const s = new HostileSession(await newDevice(newIdentity()), p.target)
      await evil.send(p.target, s, text(`identity ${i}`))
    }
    await marker(p)
    const others = (await p.a.store.listSessions(p.bobId)).filter(
      (s) => sessionIdentityKey(s) !== toBase64Url(bobIdentity.publicKey),
    )
    assert.equal(others.length, TRUST_LIMITS.otherKeySessionsPerContact)
    const v2 = await view(p)
    assert.equal(v2.conv.contact.heldCount, 1)
    shown(
      p,
      v2.messages,
      Array.from({ length: 6 }, (_, i) => `identity ${i}`),
    )
    // The real bob still gets through (his session is among the tried ones).
    await marker(p)
  })

  test('a new identity naming bob’s own PeerId cannot take over his session', async () => {
    const p = await pair()
    const bobDevice = (await p.b.store.getIdentity())!.deviceId
    const before = (await p.a.store.getSession(p.bobId, bobDevice))!
    const squatter = new HostileSession(
      await newDevice(newIdentity(), { peerId: bobDevice }),
      p.target,
    )
    await evil.send(p.target, squatter, text('I am bob’s device now'))
    await marker(p)
    const v = await view(p)
    shown(p, v.messages, ['I am bob’s device now'])
    assert.equal(v.conv.contact.trust, 'unverified', 'refused outright: not even a notice')
    const after = (await p.a.store.getSession(p.bobId, bobDevice))!
    assert.equal(sessionIdentityKey(after), sessionIdentityKey(before))
    // Both directions still work over bob's real session.
    const m = await p.a.must({ type: 'messages.send', conversationId: p.convA, text: 'still bob?' })
    await waitUntil('bob gets it', () => p.b.addedAt.has(m.message.messageId), 20_000)
  })

  test('an older certificate replayed for a known device is refused', async () => {
    const p = await pair()
    const bobIdentity = await identityOf(p.b)
    const seed = new Uint8Array(32).fill(42)
    const current = await newDevice(bobIdentity, { serial: 3, peerSeed: seed })
    await evil.send(p.target, new HostileSession(current, p.target), text('serial 3'))
    await marker(p)
    assert.ok((await view(p)).texts.includes('serial 3'))
    const stored = await p.a.store.getDevice(p.bobId, current.deviceId)
    const serialOf = (bytes: Uint8Array) =>
      decodeDeviceCertBody(decodeDeviceCert(bytes).body).serial
    assert.equal(serialOf(stored!.certificate), 3)

    // The same device (same PeerId) under an older certificate with another device key.
    const older = await newDevice(bobIdentity, { serial: 1, peerSeed: seed })
    assert.equal(older.deviceId, current.deviceId)
    await evil.send(p.target, new HostileSession(older, p.target), text('serial 1 replayed'))
    // The same serial with another device key is refused too.
    const twin = await newDevice(bobIdentity, { serial: 3, peerSeed: seed })
    await evil.send(p.target, new HostileSession(twin, p.target), text('serial 3 twin'))
    // A newer certificate is a rotation: accepted.
    const rotated = await newDevice(bobIdentity, { serial: 4, peerSeed: seed })
    await evil.send(p.target, new HostileSession(rotated, p.target), text('serial 4'))
    await marker(p)
    const v = await view(p)
    shown(p, v.messages, ['serial 1 replayed', 'serial 3 twin'])
    assert.ok(v.texts.includes('serial 4'))
    const after = await p.a.store.getDevice(p.bobId, current.deviceId)
    assert.equal(serialOf(after!.certificate), 4)
    assert.equal(v.conv.contact.trust, 'unverified')
  })
})
