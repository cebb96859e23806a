/**
 * A contact's changed key refused ("keep the old key") on one of Ada's devices is refused on the
 * other (issue 19, ADR 0785), with real messengers over a real relay: Ben's identity changes (a
 * new key writes to the mailboxes of both Ada's devices), both hold the message and block the
 * chat; Ada keeps the old key on her primary and the laptop unblocks too, under the old key, with
 * the held message dropped and the new key refused. Only for the same key: a refusal naming a key
 * the laptop never saw, or an older one (what a relay replaying a deposit hands over), changes
 * nothing there.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { OWN_FRAME_KIND } from '@hestia/core/messenger/devices/own-frames.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import {
  bensNewKeyOnBoth,
  firstContact as ben,
  firstContactRecord,
  keyDecision,
  sealUnderLink,
} from './support/device-frames.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { HostileClient, newIdentity } from './support/hostile-client.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

const REFUSED = OWN_FRAME_KIND.keyRefused

describe('a key change refused on one device of ours is refused on the others', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  let hostile: HostileClient
  const newKey = newIdentity()
  let oldKey: Uint8Array

  before(async () => {
    ;({ a1, a2 } = trio)
    hostile = await HostileClient.start(trio.relay.multiaddrs.map(String))
  })

  after(async () => {
    await hostile?.stop().catch(() => undefined)
  })

  const history = async (peer: TestPeer) => peer.history(trio.conv.get(peer)!)
  const texts = async (peer: TestPeer) =>
    (await history(peer)).flatMap((m) => (m.body.kind === 'text' ? [m.body.text] : []))
  const lines = async (peer: TestPeer) =>
    (await history(peer)).flatMap((m) => (m.body.kind === 'system' ? [m.body.event] : []))
  const updates = (peer: TestPeer, from: number) =>
    peer.events.slice(from).filter((e) => e.type === 'contact.updated').length

  /** A frame from A1 to A2 sealed under their real link key (as a relay would hand it over). */
  const fromPrimary = (kind: number, body: Uint8Array) => sealUnderLink(a1, a2, kind, body)

  /** A kind 14 body: `refused` refused, `kept` kept, at `stamp`, with the laptop's choices. */
  const keyRefused = (refused: Uint8Array, kept: Uint8Array, stamp: number) =>
    keyDecision(a2, refused, kept, stamp)

  test('Ben’s new key writes to both of Ada’s devices: both hold it and block the chat', async () => {
    oldKey = (await firstContactRecord(a1)).identityPublicKey
    await bensNewKeyOnBoth(trio, hostile, newKey, 'Ben (home)', 'from the new key')
  })

  test('a refusal naming a key the laptop never saw, or an older one, changes nothing', async () => {
    const held = await firstContactRecord(a2)
    const own = a2.service.messenger!.parts.own
    const eventsBefore = a2.events.length
    const other = newIdentity().publicKey
    await assert.rejects(
      own.receive(await fromPrimary(REFUSED, await keyRefused(other, oldKey, p.clock()))),
      (err) => isProtocolError(err, 'wrong_key'),
    )
    const stale = (held.ownSync?.stamp ?? 0) - 1
    await assert.rejects(
      own.receive(await fromPrimary(REFUSED, await keyRefused(newKey.publicKey, oldKey, stale))),
      (err) => isProtocolError(err, 'replay'),
    )
    // Naming the new key as the one kept: the laptop does not hold Ben under it.
    await assert.rejects(
      own.receive(
        await fromPrimary(REFUSED, await keyRefused(oldKey, newKey.publicKey, p.clock())),
      ),
      (err) => isProtocolError(err, 'wrong_key'),
    )
    const after = await firstContactRecord(a2)
    assert.equal((await ben(a2)).trust, 'key_changed', 'still held for the user')
    assert.ok(bytesEqual(after.keyChange!.identityPublicKey, newKey.publicKey))
    assert.deepEqual(after.refusedKeys ?? [], [], 'nothing refused')
    assert.equal(after.ownSync?.stamp, held.ownSync?.stamp, 'the agreement unchanged')
    assert.equal(updates(a2, eventsBefore), 0, 'nothing announced')
  })

  test('kept on the primary: the laptop keeps the old key too and drops the held message', async () => {
    await a1.must({ type: 'contact.keepOldKey', contactId: (await ben(a1)).contactId })
    await waitUntil('the laptop refused the same key', async () => {
      return (await ben(a2)).trust !== 'key_changed'
    })
    for (const peer of [a1, a2]) {
      const c = await firstContactRecord(peer)
      assert.ok(bytesEqual(c.identityPublicKey, oldKey), `${peer.name}: the old key pinned`)
      assert.equal(c.keyChange, null)
      assert.equal(c.refusedKeys?.length, 1, `${peer.name}: the new key refused`)
      assert.ok(bytesEqual(c.refusedKeys[0]!, newKey.publicKey))
      assert.ok(!(await texts(peer)).includes('from the new key'), `${peer.name}: not shown`)
      assert.ok((await lines(peer)).includes('new_key_refused'), `${peer.name}: the line`)
    }
    assert.equal((await a2.store.listContacts()).length, 1, 'one Ben, under the old key')
    // The laptop told nothing back: the primary's agreement is still its own decision.
    const sent = await a2.req({
      type: 'messages.send',
      conversationId: trio.conv.get(a2)!,
      text: 'to the old key',
    })
    assert.ok(sent.ok, 'sending works again on the laptop')
  })

  test('the refusal played again after a later rename loses and changes nothing', async () => {
    const refusal = await keyRefused(
      newKey.publicKey,
      oldKey,
      (await firstContactRecord(a2)).ownSync!.stamp,
    )
    const renamed = 'Ben (old key)'
    await a2.must({
      type: 'contact.rename',
      contactId: (await ben(a2)).contactId,
      displayName: renamed,
    })
    await waitUntil('the primary took the rename', async () => {
      return (await ben(a1)).displayName === renamed
    })
    const eventsBefore = a2.events.length
    const own = a2.service.messenger!.parts.own
    await assert.rejects(own.receive(await fromPrimary(REFUSED, refusal)), (err) =>
      isProtocolError(err, 'replay'),
    )
    assert.equal((await ben(a2)).displayName, renamed)
    assert.equal(updates(a2, eventsBefore), 0)
  })
})
