/**
 * Contacts and trust with real nodes: verification by QR payload and safety number, an identity
 * key change (the contact reinstalled and restored their contacts) that holds the new key's
 * messages and blocks sending until the user re-verifies or accepts the new key (ADR 0720; keeping
 * the old key is in hostile-peer.test.ts), notification privacy, rename, block and delete.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_LIMITS } from '@hestia/core/client/api.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { PREKEY_KIND } from '@hestia/core/crypto/prekeys.ts'
import { createLocalIdentity, decodeSecrets } from '@hestia/core/messenger/index.ts'
import { openMemoryStore } from '@hestia/core/store/index.ts'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

describe('messenger: contacts and trust', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  let bobId: string
  let aliceId: string

  /** Bob reinstalls: a new identity, device and PeerId; contacts restored, sessions gone. */
  async function reinstall(peer: TestPeer): Promise<TestPeer> {
    await peer.stop()
    const store = openMemoryStore(peer.backing)
    const { record } = await createLocalIdentity(systemPlatform, peer.name)
    await store.transaction(async (tx) => {
      await tx.putIdentity(record)
      for (const c of await tx.listContacts()) {
        for (const s of await tx.listSessions(c.contactId))
          await tx.deleteSession(c.contactId, s.deviceId)
        await tx.putContact({ ...c, inboundMailboxId: null })
      }
    })
    return new TestPeer(peer.name, peer.relays, peer.backing).start()
  }

  async function oneTimePrekeys(peer: TestPeer): Promise<number> {
    const identity = await peer.store.getIdentity()
    return decodeSecrets(identity!.secretKeys).prekeys.filter(
      (p) => p.kind === PREKEY_KIND.oneTimeX25519,
    ).length
  }

  async function send(peer: TestPeer, conversationId: string, text: string) {
    return peer.req({ type: 'messages.send', conversationId, text })
  }

  async function trustOf(peer: TestPeer, contactId: string) {
    return (await peer.must({ type: 'contact.info', contactId })).contact
  }

  before(async () => {
    relay = await startTestRelay()
    a = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    ;({ convA, convB } = await connectPeers(a, b))
    bobId = (await a.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
      .contactId
    aliceId = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
      .contactId
  })

  after(async () => {
    await a.stop().catch(() => undefined)
    await b.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('before an identity exists: no_identity; malformed requests: invalid_request', async () => {
    const fresh = await new TestPeer('carol', relay.multiaddrs).start()
    try {
      assert.deepEqual(await fresh.must({ type: 'identity.status' }), { state: 'none' })
      const res = await fresh.req({ type: 'conversations.list', query: null })
      assert.ok(!res.ok && res.error.code === 'no_identity')
      // Over the API's cap in UTF-16 units (names are cut to 64 graphemes, not refused, below it).
      const bad = await fresh.req({
        type: 'identity.create',
        displayName: 'x'.repeat(CLIENT_LIMITS.displayNameMaxChars + 1),
      })
      assert.ok(!bad.ok && bad.error.code === 'invalid_request')
      const blank = await fresh.req({ type: 'identity.create', displayName: '\u200b\u202e' })
      assert.ok(!blank.ok && blank.error.code === 'invalid_request', 'no visible character')
      const created = await fresh.must({ type: 'identity.create', displayName: 'carol' })
      assert.equal(created.state, 'ready')
      const again = await fresh.req({ type: 'identity.create', displayName: 'carol' })
      assert.ok(!again.ok && again.error.code === 'identity_exists')
      const junk = await fresh.req({
        type: 'messages.send',
        conversationId: convA,
        text: 'x'.repeat(16_001),
      })
      assert.ok(!junk.ok && junk.error.code === 'invalid_request')
      const unknown = await fresh.req({ type: 'messages.send', conversationId: 'nope', text: 'hi' })
      assert.ok(!unknown.ok && unknown.error.code === 'not_found')
    } finally {
      await fresh.stop()
    }
  })

  test('verification: a wrong QR is refused, the contact’s QR or compared digits verify', async () => {
    const aliceInfo = await a.must({ type: 'contact.info', contactId: bobId })
    const bobInfo = await b.must({ type: 'contact.info', contactId: aliceId })
    for (const wrong of [bobInfo.myVerificationQr, 'AAAA', 'not base64!']) {
      const res = await b.req({
        type: 'contact.verify',
        contactId: aliceId,
        method: 'qr',
        scannedPayload: wrong,
      })
      assert.ok(!res.ok && res.error.code === 'verification_mismatch', wrong)
    }
    assert.equal((await trustOf(b, aliceId)).trust, 'unverified')
    const ok = await b.must({
      type: 'contact.verify',
      contactId: aliceId,
      method: 'qr',
      scannedPayload: aliceInfo.myVerificationQr,
    })
    assert.equal(ok.contact.trust, 'verified')
    const digits = await a.must({
      type: 'contact.verify',
      contactId: bobId,
      method: 'safety_number',
      scannedPayload: null,
    })
    assert.equal(digits.contact.trust, 'verified')
  })

  test('identity key change holds everything until re-verified; a later one until accepted', async () => {
    const oldQr = (await b.must({ type: 'contact.info', contactId: aliceId })).myVerificationQr
    await waitUntil(
      'alice topped her mailbox for bob up with one-time prekeys',
      async () => (await oneTimePrekeys(a)) > 0,
    )
    const oneTimeBefore = await oneTimePrekeys(a)
    const unreadBefore = (await a.must({ type: 'conversations.list', query: null }))
      .conversations[0]!.unreadCount
    const notifiedBefore = a.notifications.length
    b = await reinstall(b)
    const r1 = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'new phone, who dis',
    })
    await waitUntil(
      'alice holds the message under the new key',
      async () => (await trustOf(a, bobId)).heldCount === 1,
      20_000,
    )
    const info = await a.must({ type: 'contact.info', contactId: bobId })
    assert.equal(info.contact.trust, 'key_changed')
    assert.notEqual(info.keyChangedAt, null)
    // Held: not in the thread, not unread, not notified.
    assert.equal(a.addedAt.has(r1.message.messageId), false)
    assert.ok(!(await a.texts(convA)).includes('new phone, who dis'))
    const listed = (await a.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(listed.unreadCount, unreadBefore)
    assert.equal(listed.contact.heldCount, 1)
    assert.equal(a.notifications.length, notifiedBefore)
    // The new session used (and alice deleted) a one-time prekey fetched from her mailbox.
    assert.equal(await oneTimePrekeys(a), oneTimeBefore - 1)
    assert.equal(
      info.contact.verified,
      true,
      'the old key stays the verified one until the user acts',
    )

    const blocked = await send(a, convA, 'are you still bob?')
    assert.ok(!blocked.ok && blocked.error.code === 'key_changed')
    // The QR bob showed before the reinstall no longer matches.
    const stale = await a.req({
      type: 'contact.verify',
      contactId: bobId,
      method: 'qr',
      scannedPayload: oldQr,
    })
    assert.ok(!stale.ok && stale.error.code === 'verification_mismatch')
    // Re-verification with bob's new QR releases the held message and unblocks.
    const newQr = (await b.must({ type: 'contact.info', contactId: aliceId })).myVerificationQr
    const verified = await a.must({
      type: 'contact.verify',
      contactId: bobId,
      method: 'qr',
      scannedPayload: newQr,
    })
    assert.equal(verified.contact.trust, 'verified')
    assert.equal(verified.contact.heldCount, 0)
    assert.ok(a.addedAt.has(r1.message.messageId), 'released into the thread')
    assert.equal(
      (await a.must({ type: 'conversations.list', query: null })).conversations[0]!.unreadCount,
      unreadBefore + 1,
    )
    await waitUntil(
      'bob sees his held message delivered',
      async () =>
        (await b.history(convB)).find((m) => m.messageId === r1.message.messageId)?.delivery ===
        'delivered',
      20_000,
    )
    const m = await a.must({ type: 'messages.send', conversationId: convA, text: 'welcome back' })
    await waitUntil('bob (new key) gets it', () => b.addedAt.has(m.message.messageId), 20_000)
    const history = await a.history(convA)
    assert.ok(history.some((x) => x.body.kind === 'system' && x.body.event === 'key_changed'))

    // A second reinstall, settled by accepting the new key unverified.
    b = await reinstall(b)
    await b.must({ type: 'messages.send', conversationId: convB, text: 'again' })
    await waitUntil(
      'key change again',
      async () => (await trustOf(a, bobId)).heldCount === 1,
      20_000,
    )
    assert.ok(!(await send(a, convA, 'blocked')).ok)
    const accepted = await a.must({ type: 'contact.acceptNewKey', contactId: bobId })
    assert.equal(accepted.contact.trust, 'unverified')
    assert.equal(accepted.contact.verified, false)
    assert.ok((await a.texts(convA)).includes('again'))
    const m2 = await a.must({ type: 'messages.send', conversationId: convA, text: 'accepted' })
    await waitUntil('bob gets it', () => b.addedAt.has(m2.message.messageId), 20_000)
    const notAgain = await a.req({ type: 'contact.acceptNewKey', contactId: bobId })
    assert.ok(!notAgain.ok && notAgain.error.code === 'invalid_state')
  })

  test('notifications carry no text and no name unless names are turned on', async () => {
    a.notifications.length = 0
    const m1 = await b.must({ type: 'messages.send', conversationId: convB, text: 'secret text' })
    await waitUntil('alice shows it', () => a.addedAt.has(m1.message.messageId))
    await a.must({ type: 'settings.update', patch: { notifications: { showNames: true } } })
    const m2 = await b.must({ type: 'messages.send', conversationId: convB, text: 'secret text 2' })
    await waitUntil('alice shows it', () => a.addedAt.has(m2.message.messageId))
    assert.deepEqual(
      a.notifications.map((n) => n.title),
      ['New message', 'New message from bob'],
    )
    assert.ok(a.notifications.every((n) => !n.title.includes('secret')))
  })

  test('read receipts: sent only when the reader enabled them, shown only when the sender did', async () => {
    const lastIn = async (peer: TestPeer, conv: string) =>
      (await peer.history(conv)).filter((m) => m.direction === 'in').at(-1)!
    await a.must({ type: 'settings.update', patch: { readReceipts: true } })
    const m1 = await b.must({ type: 'messages.send', conversationId: convB, text: 'read me' })
    await waitUntil('alice shows it', () => a.addedAt.has(m1.message.messageId))
    await a.must({
      type: 'messages.markRead',
      conversationId: convA,
      upTo: (await lastIn(a, convA)).messageId,
    })
    await waitUntil(
      'alice’s read receipt left',
      async () => (await a.store.outboxHeads()).length === 0,
    )
    await new Promise((r) => setTimeout(r, 200))
    const seen1 = (await b.history(convB)).find((m) => m.messageId === m1.message.messageId)!
    assert.equal(seen1.delivery, 'delivered', 'bob does not send read receipts, so he sees none')

    await b.must({ type: 'settings.update', patch: { readReceipts: true } })
    const m2 = await b.must({ type: 'messages.send', conversationId: convB, text: 'read me too' })
    await waitUntil('alice shows it', () => a.addedAt.has(m2.message.messageId))
    const { unreadCount } = await a.must({
      type: 'messages.markRead',
      conversationId: convA,
      upTo: (await lastIn(a, convA)).messageId,
    })
    assert.equal(unreadCount, 0)
    await waitUntil(
      'bob sees read',
      async () =>
        (await b.history(convB)).find((m) => m.messageId === m2.message.messageId)?.delivery ===
        'read',
    )
  })

  test('rename, block (nothing sent or shown), unblock, delete', async () => {
    const renamed = await a.must({ type: 'contact.rename', contactId: bobId, displayName: 'Bobby' })
    assert.equal(renamed.contact.displayName, 'Bobby')
    assert.equal(
      (await a.must({ type: 'conversations.list', query: 'bobb' })).conversations.length,
      1,
    )

    await a.must({ type: 'contact.setBlocked', contactId: bobId, blocked: true })
    const refused = await send(a, convA, 'nope')
    assert.ok(!refused.ok && refused.error.code === 'contact_blocked')
    const before = (await a.texts(convA)).length
    const hidden = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'while blocked',
    })
    await waitUntil('bob sent it', () =>
      b.sent.some((s) => s.messageId === hidden.message.messageId),
    )
    await new Promise((r) => setTimeout(r, 300))
    assert.equal((await a.texts(convA)).length, before, 'nothing from a blocked contact is shown')
    assert.equal(a.addedAt.has(hidden.message.messageId), false)

    await a.must({ type: 'contact.setBlocked', contactId: bobId, blocked: false })
    const back = await a.must({ type: 'messages.send', conversationId: convA, text: 'unblocked' })
    await waitUntil('bob gets it', () => b.addedAt.has(back.message.messageId))

    await a.must({ type: 'contact.delete', contactId: bobId })
    assert.equal(
      (await a.must({ type: 'conversations.list', query: null })).conversations.length,
      0,
    )
    assert.ok(a.events.some((e) => e.type === 'conversation.removed' && e.conversationId === convA))
    const gone = await a.req({
      type: 'messages.page',
      conversationId: convA,
      before: null,
      limit: 10,
    })
    assert.ok(!gone.ok && gone.error.code === 'not_found')

    // Re-adding: alice accepts a new invite from bob, who still has her. Bob keeps one contact and
    // one conversation; both directions work again.
    const invite = (await b.must({ type: 'invite.mine' })).link
    const readded = await a.must({ type: 'invite.accept', invite })
    assert.equal(readded.created, true)
    const convA2 = readded.contact.conversationId
    const hi = await a.must({ type: 'messages.send', conversationId: convA2, text: 'hi again' })
    await waitUntil('bob shows it', () => b.addedAt.has(hi.message.messageId), 20_000)
    const bobConvs = (await b.must({ type: 'conversations.list', query: null })).conversations
    assert.equal(bobConvs.length, 1)
    assert.equal(bobConvs[0]!.conversationId, convB)
    const answer = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: 'welcome back',
    })
    await waitUntil('alice shows it', () => a.addedAt.has(answer.message.messageId), 20_000)
  })
})
