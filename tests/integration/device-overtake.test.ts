/**
 * Own-device frames that overtake what they refer to (issue 19, review F6, ADR 0793), real
 * messengers over a loopback relay: Ada on A1 (primary) and a laptop A2, and her contact Ben. A
 * delivery or read state can come over the direct path while the frame that stores its message
 * (the sent copy, the forwarded copy) is still in the mailbox. The frames are handed to the
 * receiving device in the wrong order on purpose, sealed under the real link key as the other
 * device seals them: the state waits and is applied when the message is stored, once, never
 * moving it back. A companion naming messages that never come fills the wait only up to its cap;
 * what was dropped is not applied later, and nothing shows meanwhile.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { concatBytes } from '@hestia/core/crypto/bytes.ts'
import { createIdentity } from '@hestia/core/crypto/identity.ts'
import { HISTORY_FRAME_KIND } from '@hestia/core/messenger/devices/history.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeDelivery } from '@hestia/core/messenger/devices/own-read.ts'
import { WAITING_MAX_FRAMES } from '@hestia/core/messenger/devices/own-waiting.ts'
import { encodeContactState } from '@hestia/core/messenger/devices/sync-state.ts'
import { encodeSentCopy } from '@hestia/core/messenger/devices/sync.ts'
import { encodePayload } from '@hestia/core/messenger/payload.ts'
import { toBase64Url } from '@hestia/core/messenger/records.ts'
import type { ChatMessage } from '@hestia/core/client/api.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { sealUnderLink } from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'

describe('own-device frames that overtake the message they name', () => {
  const trio = useDeviceTrio()

  const benKey = async () => (await trio.ben.store.getIdentity())!.identityPublicKey

  /** A text to Ben with a fresh id, as the chat payload a device sends and copies. */
  const text = (words: string) => {
    const id = p.random(16)
    const payload = encodePayload({
      messageId: id,
      sentAt: Date.now(),
      body: { kind: 'text', text: words },
    })
    return { id, messageId: toBase64Url(id), payload }
  }

  /** `from` seals `kind` for `to`, and `to` takes it (as the direct path or the mailbox would). */
  const hand = async (from: TestPeer, to: TestPeer, kind: number, body: Uint8Array) =>
    to.service.messenger!.parts.own.receive(await sealUnderLink(from, to, kind, body))

  const shown = async (peer: TestPeer, messageId: string): Promise<ChatMessage | undefined> =>
    (await peer.history(trio.conv.get(peer)!)).find((m) => m.messageId === messageId)

  test('a delivery state before its sent copy: the copy shows it, not "sent"', async () => {
    const { a1, a2 } = trio
    const t = text('read before the laptop had it')
    // The primary's states for a message it sent: read, then a late "delivered" (its echo).
    await hand(a1, a2, OWN_FRAME_KIND.delivery, encodeDelivery(t.messageId, 'read'))
    await hand(a1, a2, OWN_FRAME_KIND.delivery, encodeDelivery(t.messageId, 'delivered'))
    assert.equal(await shown(a2, t.messageId), undefined, 'nothing shows before the copy')
    const updates = () =>
      a2.events.filter((e) => e.type === 'message.updated' && e.message.messageId === t.messageId)
    // The copy itself, held back until now (still in the mailbox while the states went direct).
    const copy = encodeSentCopy({ peerIdentityKey: await benKey(), payload: t.payload })
    await hand(a1, a2, OWN_FRAME_KIND.sentCopy, copy)
    await waitUntil('the laptop shows the copy read', async () => {
      return (await shown(a2, t.messageId))?.delivery === 'read'
    })
    // Taken once: a late "delivered" (a mailbox copy of the direct frame) does not undo read.
    await hand(a1, a2, OWN_FRAME_KIND.delivery, encodeDelivery(t.messageId, 'delivered'))
    const m = await shown(a2, t.messageId)
    assert.equal(m?.direction, 'out')
    assert.equal(m?.delivery, 'read', 'delivered does not undo read')
    assert.equal(updates().length, 1, 'one update: the waiting read, applied once')
  })

  test('a delivered state before its copy: the copy shows "delivered"', async () => {
    const { a1, a2 } = trio
    const t = text('delivered before the laptop had it')
    await hand(a1, a2, OWN_FRAME_KIND.delivery, encodeDelivery(t.messageId, 'delivered'))
    const copy = encodeSentCopy({ peerIdentityKey: await benKey(), payload: t.payload })
    await hand(a1, a2, OWN_FRAME_KIND.sentCopy, copy)
    await waitUntil('the laptop shows the copy delivered', async () => {
      return (await shown(a2, t.messageId))?.delivery === 'delivered'
    })
  })

  test('a read state before the forwarded message: it shows read on the laptop', async () => {
    const { a1, a2, conv } = trio
    const t = text('from Ben, read on the phone first')
    const key = await benKey()
    // The primary read Ben's message up to this one: the read state comes before the forward.
    await hand(a1, a2, OWN_FRAME_KIND.readUpTo, concatBytes(key, t.id))
    const forward = encodeSentCopy({ peerIdentityKey: key, payload: t.payload })
    await hand(a1, a2, HISTORY_FRAME_KIND.receivedCopy, forward)
    await waitUntil('the laptop shows it read', async () => {
      return (await shown(a2, t.messageId))?.readAt != null
    })
    const m = await shown(a2, t.messageId)
    assert.equal(m?.direction, 'in')
    const summary = (await a2.must({ type: 'conversations.list', query: null })).conversations
    const here = summary.find((c) => c.conversationId === conv.get(a2))
    assert.equal(here?.unreadCount, 0, 'nothing unread left')
  })

  test('a sent copy before the contact it names: filed once the contact comes', async () => {
    const { a1, a2 } = trio
    // A contact just added on the primary: its state (kind 7) goes by the mailbox only, the copy
    // of a first message to it and that message's state may go direct and come first.
    const cleo = createIdentity(p.random).publicKey
    const t = text('hello Cleo')
    const copy = encodeSentCopy({ peerIdentityKey: cleo, payload: t.payload })
    await hand(a1, a2, OWN_FRAME_KIND.sentCopy, copy)
    await hand(a1, a2, OWN_FRAME_KIND.delivery, encodeDelivery(t.messageId, 'delivered'))
    const state = encodeContactState({
      stateStamp: Date.now(),
      routeStamp: 0,
      contact: { identityKey: cleo, displayName: 'Cleo', verified: false, blocked: false },
    })
    await hand(a1, a2, OWN_FRAME_KIND.contactState, state)
    let convId = ''
    await waitUntil('the laptop lists Cleo', async () => {
      const list = await a2.must({ type: 'conversations.list', query: null })
      convId =
        list.conversations.find((c) => c.contact.displayName === 'Cleo')?.conversationId ?? ''
      return convId !== ''
    })
    await waitUntil('the copy shows in Cleo’s conversation, delivered', async () => {
      const m = (await a2.history(convId)).find((x) => x.messageId === t.messageId)
      return m?.delivery === 'delivered'
    })
    const copies = (await a2.history(convId)).filter((x) => x.messageId === t.messageId)
    assert.equal(copies.length, 1, 'filed once')
    assert.equal(copies[0]!.direction, 'out')
  })

  test('a companion naming messages that never come: the cap holds, nothing shows', async () => {
    const { a1, a2, conv } = trio
    const before = await a1.history(conv.get(a1)!)
    const eventsBefore = a1.events.length
    const never = text('never sent')
    // The laptop says "read" for a message A1 does not hold, then for more than the cap.
    await hand(a2, a1, OWN_FRAME_KIND.delivery, encodeDelivery(never.messageId, 'read'))
    for (let i = 0; i < WAITING_MAX_FRAMES; i++)
      await hand(a2, a1, OWN_FRAME_KIND.delivery, encodeDelivery(text('x').messageId, 'read'))
    assert.deepEqual(await a1.history(conv.get(a1)!), before, 'nothing changed on A1')
    const updated = a1.events.slice(eventsBefore).filter((e) => e.type === 'message.updated')
    assert.deepEqual(updated, [], 'no message changed')
    assert.ok(
      a1.logged.some((l) => l.startsWith('own-device frames waiting for a message: 1 dropped')),
      'the oldest was dropped, logged',
    )
    // The dropped one is not applied when its message comes after all: the copy shows "sent",
    // then "delivered" from a later frame (a waiting "read" would have been applied before it,
    // and read outranks delivered).
    const copy = encodeSentCopy({ peerIdentityKey: await benKey(), payload: never.payload })
    await hand(a2, a1, OWN_FRAME_KIND.sentCopy, copy)
    assert.equal((await shown(a1, never.messageId))?.delivery, 'sent')
    await hand(a2, a1, OWN_FRAME_KIND.delivery, encodeDelivery(never.messageId, 'delivered'))
    await waitUntil('A1 applied the later frame', async () => {
      return (await shown(a1, never.messageId))?.delivery !== 'sent'
    })
    assert.equal((await shown(a1, never.messageId))?.delivery, 'delivered', 'the dropped read')
  })
})
