/**
 * A contact deleted on one of Ada's devices is deleted on the other, with its conversation (issue
 * 19, ADR 0785), with real messengers over a real relay. Last writer wins by the same stamps as a
 * rename: a state older than the delete (a stale rename a relay hands over again) does not bring
 * the contact back, an older delete does not remove a contact added again since, and a contact
 * added again after a delete reaches the other device.
 */
import { before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContactRecord } from '@hestia/core/store/records.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeContactState } from '@hestia/core/messenger/devices/sync-state.ts'
import { encodeDeletion } from '@hestia/core/messenger/devices/sync-delete.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { sealUnderLink } from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('a contact deleted on one device of ours is deleted on the others', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  /** Ben as Ada's devices held him before the first delete. */
  let benBefore: ContactRecord

  before(() => {
    ;({ a1, a2 } = trio)
  })

  const conversations = async (peer: TestPeer) =>
    (await peer.must({ type: 'conversations.list', query: null })).conversations
  const benOn = async (peer: TestPeer) => (await conversations(peer))[0]?.contact

  /** A frame sealed under the real link key of `from` and `to` (as a relay would hand it over). */
  const frame = sealUnderLink

  const stateOf = (c: ContactRecord, stamp: number, displayName: string) =>
    encodeContactState({
      stateStamp: stamp,
      routeStamp: 0,
      contact: { identityKey: c.identityPublicKey, displayName, verified: false, blocked: false },
    })

  test('a rename on the primary right after the link reaches the laptop, whatever the name', async () => {
    // Ben was added before the laptop was linked, while the primary had no device to agree with:
    // the link gives him an agreement (stamp 0, as the snapshot), so the rename is a change
    // stamped now — before, it went out at 0 and lost to the laptop's state by its bytes.
    await a1.must({
      type: 'contact.rename',
      contactId: (await benOn(a1))!.contactId,
      displayName: 'B',
    })
    await waitUntil('the laptop shows B', async () => (await benOn(a2))?.displayName === 'B')
  })

  test('deleted on the primary: the laptop deletes Ben and the conversation too', async () => {
    const onA2 = (await benOn(a2))!
    await a2.must({ type: 'contact.rename', contactId: onA2.contactId, displayName: 'Ben B.' })
    await waitUntil('A1 took the rename', async () => (await benOn(a1))?.displayName === 'Ben B.')
    benBefore = (await a2.store.getContact(onA2.contactId))!
    await a1.must({ type: 'contact.delete', contactId: (await benOn(a1))!.contactId })
    await waitUntil('the laptop no longer lists Ben', async () => {
      return (await conversations(a2)).length === 0
    })
    assert.equal((await a2.store.listContacts()).length, 0)
    assert.equal(await a2.store.getConversation(trio.conv.get(a2)!), undefined)
    assert.ok(
      a2.events.some((e) => e.type === 'conversation.removed'),
      'the laptop’s pages were told',
    )
  })

  test('a rename older than the delete does not bring Ben back', async () => {
    const stale = stateOf(benBefore, benBefore.ownSync!.stamp, 'Ben again?')
    await assert.rejects(
      a2.service.messenger!.parts.own.receive(
        await frame(a1, a2, OWN_FRAME_KIND.contactState, stale),
      ),
      (err) => isProtocolError(err, 'replay'),
    )
    assert.equal((await a2.store.listContacts()).length, 0)
    // From the laptop, about a contact the primary no longer holds: refused, nothing made.
    await assert.rejects(
      a1.service.messenger!.parts.own.receive(
        await frame(a2, a1, OWN_FRAME_KIND.contactState, stateOf(benBefore, p.clock(), 'Ben?')),
      ),
      (err) => isProtocolError(err, 'unknown_key'),
    )
    assert.equal((await a1.store.listContacts()).length, 0)
  })

  test('Ben added again on the primary reaches the laptop; an older delete does not remove him', async () => {
    const invite = await trio.ben.must({ type: 'invite.mine' })
    await a1.must({ type: 'invite.accept', invite: invite.link })
    await waitUntil('A1 holds Ben again', async () => (await conversations(a1)).length === 1)
    await waitUntil(
      'the laptop holds Ben again',
      async () => (await conversations(a2)).length === 1,
    )
    const held = (await a2.store.listContacts())[0]!
    const tombstone = decodeSecrets((await a2.store.getIdentity())!.secretKeys).deletedContacts!
    const deletedAt = tombstone.find((t) => t.stamp > 0)!.stamp
    assert.ok(held.ownSync!.stamp > deletedAt, 'stamped past the delete')
    await assert.rejects(
      a2.service.messenger!.parts.own.receive(
        await frame(
          a1,
          a2,
          OWN_FRAME_KIND.contactDeleted,
          encodeDeletion(deletedAt, held.identityPublicKey),
        ),
      ),
      (err) => isProtocolError(err, 'replay'),
    )
    assert.equal((await conversations(a2)).length, 1, 'Ben stays')
  })

  test('deleted on the laptop: the primary deletes Ben too', async () => {
    await a2.must({ type: 'contact.delete', contactId: (await benOn(a2))!.contactId })
    await waitUntil('A1 no longer lists Ben', async () => (await conversations(a1)).length === 0)
    assert.equal((await a1.store.listContacts()).length, 0)
    const told = decodeSecrets((await a2.store.getIdentity())!.secretKeys).deletedContacts!
    assert.ok(
      told.every((t) => t.pending !== true),
      'nothing left to send',
    )
  })
})
