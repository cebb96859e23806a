/**
 * Short invite links (issue 23, ADR 0734) with real messengers and real relays on loopback: the
 * link Alice shows is at most 300 characters; Bob binds with it and they chat both ways through
 * the mailboxes. Then the attacks on the link itself: the fingerprint bits flipped, the secret
 * changed, the relay swapped to Mallory's relay that serves her own signed invite for the same
 * mailbox. Each is refused with the "not valid" sentence, and nothing is stored on either side;
 * the genuine link still works afterwards.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { PREKEY_KIND } from '@hestia/core/crypto/prekeys.ts'
import { newMailboxCredentials } from '@hestia/core/mailbox/index.ts'
import {
  addPrekey,
  createLocalIdentity,
  loadLocalIdentity,
  prekeyBundle,
} from '@hestia/core/messenger/identity.ts'
import { INVITE_USED_MARKER, createInviteCard } from '@hestia/core/messenger/invite.ts'
import {
  SHORT_INVITE,
  SHORT_INVITE_PREFIX,
  decodeShortInvite,
  encodeShortInvite,
} from '@hestia/core/messenger/invite-link.ts'
import { decodeSecrets } from '@hestia/core/messenger/secrets.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { mailboxClientFor, startClientNode } from './relay-helpers.ts'
import { inviteOf } from './support/invite-of.ts'
import { TestPeer, releaseWebRTC, startTestRelay, waitUntil } from './support/messenger-harness.ts'

describe('short invites: real messengers, real relays', () => {
  let relay: RelayHandle
  let evilRelay: RelayHandle
  let malloryNode: Libp2p
  const peers: TestPeer[] = []

  async function user(name: string): Promise<TestPeer> {
    const p = new TestPeer(name, relay.multiaddrs)
    // Mailboxes only: the invite mailbox, the fresh mailbox and the sealed invite are all used.
    p.direct = false
    peers.push(p)
    await p.start()
    await p.must({ type: 'identity.create', displayName: name })
    return p
  }

  async function texts(p: TestPeer, conversationId: string): Promise<string[]> {
    return (await p.history(conversationId)).flatMap((m) =>
      m.direction === 'in' && m.body.kind === 'text' ? [m.body.text] : [],
    )
  }

  before(async () => {
    relay = await startTestRelay()
    evilRelay = await startTestRelay()
    malloryNode = await startClientNode()
  })

  after(async () => {
    for (const p of peers) await p.stop().catch(() => undefined)
    await malloryNode.stop()
    await relay.stop()
    await evilRelay.stop()
    releaseWebRTC()
  })

  test('invite by short link, bind, chat both ways', async () => {
    const alice = await user('alice')
    const bob = await user('bob')
    const invite = await alice.must({ type: 'invite.mine' })
    assert.ok(invite.link.startsWith(SHORT_INVITE_PREFIX))
    assert.ok(invite.link.length <= SHORT_INVITE.maxChars, `${invite.link.length} characters`)
    assert.equal(invite.qrPayload, invite.link.toUpperCase())
    assert.equal(decodeShortInvite(invite.link).relay, relay.multiaddrs[0])

    // Bob scans the QR code (the uppercase payload): the same invite.
    const started = performance.now()
    const accepted = await bob.must({ type: 'invite.accept', invite: invite.qrPayload })
    // A figure, not a limit: accepting now fetches the sealed invite from the inviter's relay.
    console.log(`invite.accept with the fetch: ${(performance.now() - started).toFixed(0)} ms`)
    assert.equal(accepted.created, true)
    assert.equal(accepted.contact.displayName, 'alice')
    const convB = accepted.contact.conversationId
    await waitUntil('alice sees bob', async () => {
      const list = (await alice.must({ type: 'conversations.list', query: null })).conversations
      return list.length === 1
    })
    const convA = await alice.onlyConversation()
    await bob.must({ type: 'messages.send', conversationId: convB, text: 'hi alice' })
    await waitUntil('alice shows bob’s text', async () => (await texts(alice, convA)).length === 1)
    await alice.must({ type: 'messages.send', conversationId: convA, text: 'hi bob' })
    await waitUntil('bob shows alice’s text', async () => (await texts(bob, convB)).length === 1)
    assert.deepEqual(await texts(alice, convA), ['hi alice'])
    assert.deepEqual(await texts(bob, convB), ['hi bob'])
    // Bound and moved: the invite mailbox is closed and forgotten.
    await waitUntil('alice forgot the used invite', async () => {
      const s = decodeSecrets((await alice.store.getIdentity())!.secretKeys)
      return s.invites.length === 0
    })
  })

  test('a replay while the used invite’s mailbox is still open reads "already used" at once', async () => {
    const alice = await user('alice3')
    const bob = await user('bob3')
    const dave = await user('dave3')
    const link = (await alice.must({ type: 'invite.mine' })).link
    const short = decodeShortInvite(link)
    const convB = (await bob.must({ type: 'invite.accept', invite: link })).contact.conversationId
    await waitUntil('bob deposited his hello', () => bob.sent.length >= 1)
    // Bob goes away before reading Alice's reply: the invite is bound, its mailbox stays open.
    await bob.stop()
    await waitUntil('alice bound the invite', async () => {
      const s = decodeSecrets((await alice.store.getIdentity())!.secretKeys)
      return s.invites.some((i) => i.boundContactId !== undefined)
    })
    const reader = mailboxClientFor(malloryNode, relay.multiaddrs[0]!)
    await waitUntil('the invite mailbox holds the used mark', async () => {
      const { signedBundle } = await reader.fetchPrekeys(short)
      return bytesEqual(signedBundle, INVITE_USED_MARKER)
    })
    const replay = await dave.req({ type: 'invite.accept', invite: link })
    assert.equal(replay.ok ? 'accepted' : replay.error.code, 'invite_closed')
    assert.deepEqual(await dave.store.listContacts(), [])
    // Bob comes back, reads the reply, moves; the invite is closed and forgotten; they chat.
    await bob.start()
    await bob.must({ type: 'messages.send', conversationId: convB, text: 'back again' })
    const convA = await alice.onlyConversation()
    await waitUntil('alice shows bob’s text', async () => (await texts(alice, convA)).length === 1)
    await waitUntil('alice forgot the used invite', async () => {
      const s = decodeSecrets((await alice.store.getIdentity())!.secretKeys)
      return s.invites.length === 0
    })
    await assert.rejects(reader.fetchPrekeys(short), /unknown_mailbox|no such mailbox/i)
  })

  test('tampered links are refused with the sentence and store nothing', async () => {
    const alice = await user('alice2')
    const carol = await user('carol2')
    const link = (await alice.must({ type: 'invite.mine' })).link
    const short = decodeShortInvite(link)

    // Mallory read the link: she knows its mailbox id and capability. On her own relay she opens
    // a mailbox with the same id and capability and publishes her own signed invite for it.
    const mallory = loadLocalIdentity(
      (await createLocalIdentity(systemPlatform, 'mallory')).record,
      systemPlatform,
    )
    const evilAddr = evilRelay.multiaddrs[0]!
    const creds = {
      ...newMailboxCredentials(),
      mailboxId: short.mailboxId,
      capability: short.capability,
    }
    const evil = mailboxClientFor(malloryNode, evilAddr)
    await evil.create(creds)
    const forged = createInviteCard(mallory.local.identity, {
      displayName: 'alice2',
      prekeyBundle: prekeyBundle(
        mallory.local,
        mallory.secrets,
        addPrekey(mallory.secrets, systemPlatform, PREKEY_KIND.oneTimeX25519),
      ),
      relays: [evilAddr],
      mailboxId: short.mailboxId,
      mailboxCapability: short.capability,
      mailboxSealKey: systemPlatform.random(32),
      expiresAt: Date.now() + 86_400_000,
    })
    await evil.publishPrekeys(creds, forged, [])

    const flipped = short.fingerprint.slice()
    flipped[0]! ^= 0x80
    const cases: [string, string][] = [
      ['fingerprint bits flipped', encodeShortInvite({ ...short, fingerprint: flipped }).link],
      [
        'secret changed',
        encodeShortInvite({ ...short, capability: systemPlatform.random(32) }).link,
      ],
      ['relay swapped to Mallory’s', encodeShortInvite({ ...short, relay: evilAddr }).link],
    ]
    const aliceBefore = await alice.store.listContacts()
    const aliceSecretsBefore = (await alice.store.getIdentity())!.secretKeys
    for (const [what, tampered] of cases) {
      assert.ok(tampered.length <= SHORT_INVITE.maxChars)
      const eventsBefore = carol.events.length
      const res = await carol.req({ type: 'invite.accept', invite: tampered })
      assert.equal(res.ok ? 'accepted' : res.error.code, 'invite_invalid', what)
      assert.deepEqual(await carol.store.listContacts(), [], `${what}: no contact stored`)
      assert.deepEqual(
        (await carol.must({ type: 'conversations.list', query: null })).conversations,
        [],
        `${what}: no conversation`,
      )
      assert.deepEqual(
        carol.events.slice(eventsBefore).filter((e) => e.type !== 'connectivity.changed'),
        [],
        `${what}: no events`,
      )
    }
    // A relay that does not answer (nothing listens there): "not reachable", with the reason.
    const away = `/ip4/127.0.0.1/tcp/1/ws/p2p/${decodeShortInvite(link).relay.split('/p2p/')[1]!}`
    const unreachable = await carol.req({
      type: 'invite.accept',
      invite: encodeShortInvite({ ...short, relay: away }).link,
    })
    assert.equal(unreachable.ok ? 'accepted' : unreachable.error.code, 'peer_unreachable')
    if (!unreachable.ok) assert.match(unreachable.error.message, /unreachable|refused|timed out/)
    assert.deepEqual(await carol.store.listContacts(), [])
    assert.equal(
      CLIENT_ERROR_TEXT.invite_invalid,
      'This invite is not valid. Ask your contact for a new one.',
    )
    // What Mallory's relay served really was her invite (the refusal was not a fetch failure).
    const served = await inviteOf(
      encodeShortInvite({ ...short, relay: evilAddr }).link,
      malloryNode,
    ).catch((e: unknown) => e)
    assert.ok(served instanceof Error && /not from this link/.test(served.message))
    // Alice saw nothing of it, and the genuine link still works.
    assert.deepEqual(await alice.store.listContacts(), aliceBefore)
    assert.deepEqual((await alice.store.getIdentity())!.secretKeys, aliceSecretsBefore)
    const ok = await carol.must({ type: 'invite.accept', invite: link })
    assert.equal(ok.created, true)
    await carol.must({
      type: 'messages.send',
      conversationId: ok.contact.conversationId,
      text: 'the real one',
    })
    await waitUntil('alice shows carol’s text', async () => {
      const list = (await alice.must({ type: 'conversations.list', query: null })).conversations
      return list.length === 1 && (await texts(alice, list[0]!.conversationId)).length === 1
    })
  })
})
