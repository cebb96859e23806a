/**
 * A contact's key change accepted on one of Ada's devices is accepted on the other (issue 19, ADR
 * 0785), with real messengers over a real relay: Ben's identity changes (a new key writes to the
 * mailboxes of both Ada's devices), both hold the message and block the chat; Ada accepts on her
 * primary and the laptop unblocks too and shows the held message. Only for the same key: a sync
 * naming another key, or an older one (what a relay replaying a deposit hands over), changes
 * nothing, and the chat stays blocked there.
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

describe('a key change accepted on one device of ours is accepted on the others', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  let hostile: HostileClient
  const newKey = newIdentity()

  before(async () => {
    ;({ a1, a2 } = trio)
    hostile = await HostileClient.start(trio.relay.multiaddrs.map(String))
  })

  after(async () => {
    await hostile?.stop().catch(() => undefined)
  })

  const texts = async (peer: TestPeer) =>
    (await peer.history(trio.conv.get(peer)!)).flatMap((m) =>
      m.body.kind === 'text' ? [m.body.text] : [],
    )

  /** A frame from A1 to A2 sealed under their real link key (as a relay would hand it over). */
  const fromPrimary = (kind: number, body: Uint8Array) => sealUnderLink(a1, a2, kind, body)

  /** A kind 12 body: `replaced` accepted as `accepted`, at `stamp`. */
  const keyAccepted = (replaced: Uint8Array, accepted: Uint8Array, stamp: number) =>
    keyDecision(a2, replaced, accepted, stamp)

  test('Ben’s new key writes to both of Ada’s devices: both hold it and block the chat', async () => {
    await bensNewKeyOnBoth(trio, hostile, newKey, 'Ben (work)', 'from the new key')
    assert.ok(!(await texts(a2)).includes('from the new key'), 'held, not shown')
  })

  test('a sync naming another key, or an older one, changes nothing on the laptop', async () => {
    const held = await firstContactRecord(a2)
    const pinned = held.identityPublicKey
    const own = a2.service.messenger!.parts.own
    const eventsBefore = a2.events.length
    const other = newIdentity().publicKey
    await assert.rejects(
      own.receive(await fromPrimary(12, await keyAccepted(pinned, other, p.clock()))),
      (err) => isProtocolError(err, 'wrong_key'),
    )
    const stale = (held.ownSync?.stamp ?? 0) - 1
    await assert.rejects(
      own.receive(await fromPrimary(12, await keyAccepted(pinned, newKey.publicKey, stale))),
      (err) => isProtocolError(err, 'replay'),
    )
    // The new key as a plain contact state: not a second Ben, not an acceptance.
    const asState = (await keyAccepted(pinned, newKey.publicKey, p.clock())).subarray(32)
    await assert.rejects(
      own.receive(await fromPrimary(OWN_FRAME_KIND.contactState, asState)),
      (err) => isProtocolError(err, 'wrong_key'),
    )
    assert.equal((await ben(a2)).trust, 'key_changed', 'still blocked')
    assert.ok(
      bytesEqual((await firstContactRecord(a2)).identityPublicKey, pinned),
      'the old key still pinned',
    )
    assert.equal((await a2.store.listContacts()).length, 1)
    assert.ok(!(await texts(a2)).includes('from the new key'))
    const sent = await a2.req({
      type: 'messages.send',
      conversationId: trio.conv.get(a2)!,
      text: 'not yet',
    })
    assert.ok(!sent.ok && sent.error.code === 'key_changed', 'sending still blocked')
    assert.equal(
      a2.events.slice(eventsBefore).filter((e) => e.type === 'contact.updated').length,
      0,
      'nothing announced',
    )
  })

  test('accepted on the primary: the laptop unblocks and shows the held message', async () => {
    await a1.must({ type: 'contact.acceptNewKey', contactId: (await ben(a1)).contactId })
    await waitUntil('the laptop accepted the same key', async () => {
      return (await ben(a2)).trust !== 'key_changed'
    })
    assert.ok(bytesEqual((await firstContactRecord(a2)).identityPublicKey, newKey.publicKey))
    assert.ok((await texts(a2)).includes('from the new key'), 'the held message is shown')
    const lines = (await a2.history(trio.conv.get(a2)!)).flatMap((m) =>
      m.body.kind === 'system' ? [m.body.event] : [],
    )
    assert.ok(lines.includes('new_key_accepted'))
    assert.equal((await a2.store.listContacts()).length, 1, 'one Ben, under the new key')
    // The frame played again (a relay replaying it) is no change: nothing announced.
    const eventsBefore = a2.events.length
    const c = await firstContactRecord(a2)
    const again = await keyAccepted(
      newKey.publicKey.map((b) => b ^ 1),
      newKey.publicKey,
      c.ownSync!.stamp,
    )
    await a2.service.messenger!.parts.own.receive(await fromPrimary(12, again))
    assert.equal(
      a2.events.slice(eventsBefore).filter((e) => e.type === 'contact.updated').length,
      0,
    )
  })
})
