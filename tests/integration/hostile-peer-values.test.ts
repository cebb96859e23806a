/**
 * Issue 14, findings 1 and 5: a contact with a modified client (support/hostile-client.ts) sends
 * the extreme values our decoders see: a 255-character file name, a 20,000-character text, sent_at
 * 2^53 − 1, forty devices, and (as a newcomer through an invite) a name with bidi controls that is
 * also confusable with an existing contact's. After each one the conversation list, the chat and
 * the contact page load and parse with the popup's own schema, nothing is dropped from them, and
 * what alice's store holds follows the caps in core/src/text/caps.ts.
 *
 * Mailbox only (no WebRTC): frames are handled in deposit order, and a marker text from the real
 * bob tells when everything deposited before it was handled.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { droppedListItems, parseClientResponse } from '@hestia/core/client/validate.ts'
import { CLIENT_LIMITS } from '@hestia/core/client/api.ts'
import { encodeFileShare } from '@hestia/core/crypto/codecs.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { encodeOffer } from '@hestia/core/files/codec.ts'
import type { Payload } from '@hestia/core/messenger/payload.ts'
import { PEER_TIME_WINDOW } from '@hestia/core/text/caps.ts'
import type { RelayHandle } from '@hestia/relay-node'
import { inviteOf } from './support/invite-of.ts'
import {
  HostileClient,
  HostileSession,
  hello,
  identityOf,
  newDevice,
  newIdentity,
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

const platform = systemPlatform

describe('hostile peer values: the lists always load', () => {
  let relay: RelayHandle
  let evil: HostileClient
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  let target: Target
  /** A second device of bob's own identity: frames from it are bob's as far as alice can tell. */
  let bobsOtherDevice: HostileSession
  let markers = 0

  before(async () => {
    relay = await startTestRelay()
    evil = await HostileClient.start(relay.multiaddrs)
    ;({ a, b, convA, convB } = await mailboxOnlyPair(relay.multiaddrs, ['alice', 'bob']))
    const m = await b.must({ type: 'messages.send', conversationId: convB, text: 'hi alice' })
    await waitUntil('alice shows bob’s hi', () => a.addedAt.has(m.message.messageId), 20_000)
    target = await targetOf(a, b)
    bobsOtherDevice = new HostileSession(await newDevice(await identityOf(b)), target)
  })

  after(async () => {
    await a?.stop().catch(() => undefined)
    await b?.stop().catch(() => undefined)
    await evil?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  /** The real bob sends a text; once alice shows it, every frame deposited before was handled. */
  async function marker(): Promise<void> {
    const m = await b.must({
      type: 'messages.send',
      conversationId: convB,
      text: `marker ${++markers}`,
    })
    await waitUntil(
      `alice handled marker ${markers}`,
      () => a.addedAt.has(m.message.messageId),
      20_000,
    )
  }

  /** Alice's list, bob's chat and contact page through the client API and the popup's schema. */
  async function aliceLoads() {
    const dropped = droppedListItems().count
    const list = parseClientResponse(
      'conversations.list',
      await a.req({ type: 'conversations.list', query: null }),
    )
    assert.ok(list.ok, 'the conversation list loads')
    const conv = list.value.conversations.find((c) => c.conversationId === convA)
    assert.ok(conv, 'bob’s conversation is listed')
    const page = parseClientResponse(
      'messages.page',
      await a.req({ type: 'messages.page', conversationId: convA, before: null, limit: 200 }),
    )
    assert.ok(page.ok, 'the chat loads')
    const info = parseClientResponse(
      'contact.info',
      await a.req({ type: 'contact.info', contactId: conv.contact.contactId }),
    )
    assert.ok(info.ok, 'the contact page loads')
    assert.equal(droppedListItems().count, dropped, droppedListItems().last ?? 'nothing dropped')
    for (const m of page.value.messages) {
      for (const t of [m.sentAt, m.receivedAt, m.readAt ?? m.sentAt])
        assert.ok(!Number.isNaN(new Date(t).getTime()), `${m.messageId}: ${t} is a date`)
    }
    return { list: list.value.conversations, conv, messages: page.value.messages, info: info.value }
  }

  async function send(...payloads: Payload[]): Promise<void> {
    await evil.send(target, bobsOtherDevice, ...payloads)
    await marker()
  }

  test('a 20,000-character text is refused and changes nothing', async () => {
    const before = await aliceLoads()
    await send(text('x'.repeat(20_000)))
    const after = await aliceLoads()
    assert.ok(!after.messages.some((m) => m.body.kind === 'text' && m.body.text.length > 16_000))
    assert.equal(after.messages.length, before.messages.length + 1, 'only the marker arrived')
    // The cap is the composer's: a 16,000-character text from the same device arrives whole.
    await send(text('y'.repeat(CLIENT_LIMITS.messageTextMaxChars)))
    const atCap = await aliceLoads()
    assert.ok(
      atCap.messages.some(
        (m) => m.body.kind === 'text' && m.body.text.length === CLIENT_LIMITS.messageTextMaxChars,
      ),
    )
  })

  test('a 255-character file name loads in the chat and as a shortened preview', async () => {
    const name = `${'n'.repeat(251)}.exe`
    const share = { fileId: platform.random(16), key: platform.random(32), size: 1000 }
    const offer = encodeOffer({
      transferId: share.fileId,
      name,
      size: share.size,
      mimeType: 'text/html',
      shareRecord: encodeFileShare({ ...share, ciphertextSha256: new Uint8Array(32) }),
    })
    const offerPayload: Payload = {
      messageId: platform.random(16),
      sentAt: Date.now(),
      body: { kind: 'file_offer', offer },
    }
    await evil.send(target, bobsOtherDevice, offerPayload)
    // The file card is the newest message until the marker, so read the preview first.
    await waitUntil(
      'alice shows the offer',
      async () =>
        (await a.history(convA)).some((m) => m.body.kind === 'file' && m.body.name === name),
      20_000,
    )
    const { conv, messages } = await aliceLoads()
    assert.equal(conv.lastMessage?.kind, 'file')
    assert.ok(conv.lastMessage.text.length <= CLIENT_LIMITS.previewMaxChars)
    assert.ok(conv.lastMessage.text.endsWith('.exe'), 'the preview keeps the real extension')
    assert.ok(messages.some((m) => m.body.kind === 'file' && m.body.name === name))
    await marker()
    await aliceLoads()
  })

  // After the file test: a text from 10 minutes ahead sorts after later honest messages (the
  // reorder rule, messaging.md "Order on arrival") until the clock catches up.
  test('sent_at 2^53 − 1 is clamped to a few minutes ahead; the bubble can show it', async () => {
    const sent = Date.now()
    await send(text('from the far future', Number.MAX_SAFE_INTEGER), text('from 1970', 0))
    const { messages, conv } = await aliceLoads()
    const future = messages.find(
      (m) => m.body.kind === 'text' && m.body.text === 'from the far future',
    )
    const past = messages.find((m) => m.body.kind === 'text' && m.body.text === 'from 1970')
    assert.ok(future && past)
    assert.ok(future.sentAt <= Date.now() + PEER_TIME_WINDOW.maxAheadMs)
    assert.ok(future.sentAt >= sent)
    assert.ok(past.sentAt >= sent - PEER_TIME_WINDOW.maxBehindMs - 60_000)
    assert.ok(conv.lastActivityAt <= Date.now())
  })

  test('forty devices of bob’s identity: the lists and the contact page still load', async () => {
    const bob = await identityOf(b)
    for (let i = 0; i < 40; i++) {
      const device = new HostileSession(await newDevice(bob), target)
      await evil.send(target, device, text(`device ${i}`))
    }
    await marker()
    const { info } = await aliceLoads()
    assert.ok(info.devices.length <= CLIENT_LIMITS.devicesMax)
  })

  test('a newcomer’s bidi, zero-width name is cleaned and tagged as confusable with bob', async () => {
    const invite = await inviteOf((await a.must({ type: 'invite.mine' })).link, a.service.node!)
    const newcomerTarget: Target = {
      deposit: {
        displayName: invite.displayName,
        relays: invite.relays,
        mailboxId: invite.mailboxId,
        mailboxCapability: invite.mailboxCapability,
        mailboxSealKey: invite.mailboxSealKey,
        reply: false,
      },
      bundle: invite.bundle,
    }
    const newcomer = new HostileSession(await newDevice(newIdentity()), newcomerTarget)
    // "bob" in Cyrillic о, wrapped in a right-to-left override and zero-width spaces.
    await evil.send(
      newcomerTarget,
      newcomer,
      hello({
        displayName: '\u202e\u200bb\u043eb\u200d\u2066',
        relays: relay.multiaddrs.slice(0, 1),
        mailboxId: platform.random(32),
        mailboxCapability: platform.random(32),
        mailboxSealKey: platform.random(32),
      }),
    )
    let names: { displayName: string; nameTag?: string }[] = []
    await waitUntil(
      'alice lists the newcomer',
      async () => {
        const { list } = await aliceLoads()
        names = list.map((c) => c.contact)
        return list.length === 2
      },
      20_000,
    )
    const real = names.find((n) => n.displayName === 'bob')
    const lookalike = names.find((n) => n.displayName !== 'bob')
    assert.ok(real && lookalike)
    assert.equal(lookalike.displayName, 'b\u043eb', 'no bidi or zero-width character is left')
    assert.match(lookalike.nameTag ?? '', /^[A-Z0-9]{4}$/, 'the look-alike carries a key tag')
    assert.equal(real.nameTag, undefined, 'the contact alice already knew keeps a clean name')
  })
})
