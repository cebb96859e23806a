/**
 * Notifications on a companion (issue 19, ADR 0790), real messengers over a loopback relay: Ada on
 * A1 (primary) and a laptop A2, and her contact Ben. A message Ada writes on A1 shows on the laptop
 * as sent by her and raises no notification there. A message Ben sends before he knows the laptop
 * reaches it forwarded by A1 and raises one, as if it had come from Ben himself; once — a forward
 * seen again (a relay replaying A1's frame) raises none, and a contact blocked on the laptop
 * neither shows nor notifies. A message Ben sends to both devices notifies on the laptop once,
 * with A1's forward of it handed over too (no wait for a time: the forward is taken to the end).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { HISTORY_FRAME_KIND } from '@hestia/core/messenger/devices/history.ts'
import { encodeSentCopy } from '@hestia/core/messenger/devices/sync.ts'
import { encodePayload } from '@hestia/core/messenger/payload.ts'
import type { DeviceRecord, SessionRecord } from '@hestia/core/store/records.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { sealUnderLink } from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'

describe('which messages notify on a companion', () => {
  const trio = useDeviceTrio()

  const shows = (peer: TestPeer, messageId: string) => async () =>
    (await peer.history(trio.conv.get(peer)!)).some((m) => m.messageId === messageId)

  /** A forwarded copy (kind 18) as A1 seals it for the laptop, of a text "from Ben". */
  const forwardedByA1 = async (messageId: Uint8Array, text: string) => {
    const { a1, a2, ben } = trio
    const payload = encodePayload({ messageId, sentAt: Date.now(), body: { kind: 'text', text } })
    const benKey = (await ben.store.getIdentity())!.identityPublicKey
    const body = encodeSentCopy({ peerIdentityKey: benKey, payload })
    return sealUnderLink(a1, a2, HISTORY_FRAME_KIND.receivedCopy, body)
  }

  test('a message Ada sent on A1 shows on the laptop as hers, with no notification', async () => {
    const { a1, a2, conv } = trio
    const [onA1, onA2] = [a1.notifications.length, a2.notifications.length]
    const { message } = await a1.must({
      type: 'messages.send',
      conversationId: conv.get(a1)!,
      text: 'written on the phone',
    })
    await waitUntil('the laptop shows it', shows(a2, message.messageId))
    const there = (await a2.history(conv.get(a2)!)).find((m) => m.messageId === message.messageId)
    assert.equal(there!.direction, 'out', 'sent by me')
    assert.equal(a2.notifications.length, onA2, 'no notification for my own message')
    assert.equal(a1.notifications.length, onA1)
  })

  /** What Ben holds of the laptop, put back for the last test. */
  let benKnew: { device: DeviceRecord; session: SessionRecord } | null = null

  test('Ben’s message forwarded by A1 notifies on the laptop once', async () => {
    const { a2, ben, conv } = trio
    // Ben has not taken the laptop's Hello yet (as in device-history.test.ts): only A1 gets it.
    const adaOnBen = (await ben.store.getConversation(conv.get(ben)!))!.contactId
    const laptop = a2.service.node!.peerId.toString()
    const device = (await ben.store.getDevice(adaOnBen, laptop))!
    const session = (await ben.store.getSession(adaOnBen, laptop))!
    benKnew = { device, session }
    await ben.store.deleteDevice(adaOnBen, laptop)
    await ben.store.deleteSession(adaOnBen, laptop)
    const before = a2.notifications.length
    const { message } = await ben.must({
      type: 'messages.send',
      conversationId: conv.get(ben)!,
      text: 'before you knew the laptop',
    })
    await waitUntil('the laptop shows it', shows(a2, message.messageId), 30_000)
    await waitUntil('the laptop notified', () => a2.notifications.length > before)
    assert.deepEqual(a2.notifications.slice(before), [
      { title: 'New message', conversationId: conv.get(a2)! },
    ])

    // The same forward again (a relay replaying A1's frame): nothing new, no second notification.
    const own = a2.service.messenger!.parts.own
    const id = p.random(16)
    await own.receive(await forwardedByA1(id, 'once'))
    assert.equal(a2.notifications.length, before + 2, 'a new forward notifies')
    await own.receive(await forwardedByA1(id, 'once'))
    assert.equal(a2.notifications.length, before + 2, 'the same one again does not')
  })

  test('a forward from a contact blocked on the laptop neither shows nor notifies', async () => {
    const { a2, conv } = trio
    const benOnA2 = (await a2.store.getConversation(conv.get(a2)!))!.contactId
    await a2.must({ type: 'contact.setBlocked', contactId: benOnA2, blocked: true })
    try {
      const before = a2.notifications.length
      const id = p.random(16)
      await a2.service.messenger!.parts.own.receive(await forwardedByA1(id, 'blocked'))
      const texts = (await a2.history(conv.get(a2)!)).map((m) => m.body)
      assert.ok(!texts.some((b) => b.kind === 'text' && b.text === 'blocked'), 'not shown')
      assert.equal(a2.notifications.length, before, 'no notification')
    } finally {
      await a2.must({ type: 'contact.setBlocked', contactId: benOnA2, blocked: false })
    }
  })

  test('Ben’s message to both devices notifies on the laptop once', async () => {
    const { a2, ben, conv } = trio
    // Ben knows the laptop again, as he did before the forwarding test.
    await ben.store.putDevice(benKnew!.device)
    await ben.store.putSession(benKnew!.session, null)
    const before = a2.notifications.length
    const { message } = await ben.must({
      type: 'messages.send',
      conversationId: conv.get(ben)!,
      text: 'to both of you',
    })
    await waitUntil('the laptop shows it', shows(a2, message.messageId))
    await waitUntil('the laptop notified', () => a2.notifications.length > before)
    // A1's forward of the same message, taken to the end: A1 sends it unless the laptop told it
    // (kind 19) that it hears from Ben itself, which races with this very message, so the test
    // hands it over as A1 seals it rather than waiting for it or for a time.
    const id = Uint8Array.from(Buffer.from(message.messageId, 'base64url'))
    await a2.service.messenger!.parts.own.receive(await forwardedByA1(id, 'to both of you'))
    assert.equal(a2.notifications.length, before + 1, 'its forward does not notify again')
    const copies = (await a2.history(conv.get(a2)!)).filter(
      (m) => m.messageId === message.messageId,
    )
    assert.equal(copies.length, 1, 'shown once')
  })
})
