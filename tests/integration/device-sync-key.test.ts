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
import type { ContactSummary } from '@hestia/core/client/api.ts'
import { bytesEqual, concatBytes } from '@hestia/core/crypto/bytes.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { verifyPrekeyBundle } from '@hestia/core/crypto/prekeys.ts'
import { decodeOutbound, decodeSecrets } from '@hestia/core/messenger/index.ts'
import { loadLocalIdentity, prekeyBundle } from '@hestia/core/messenger/identity.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { OWN_FRAME_KIND, sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeContactState } from '@hestia/core/messenger/devices/sync-state.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { startDeviceTrio, type DeviceTrio } from './support/device-trio.ts'
import {
  HostileClient,
  HostileSession,
  newDevice,
  newIdentity,
  targetOf,
  text,
  type Target,
} from './support/hostile-client.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('a key change accepted on one device of ours is accepted on the others', () => {
  let trio: DeviceTrio
  let a1: TestPeer
  let a2: TestPeer
  let hostile: HostileClient
  const newKey = newIdentity()

  before(async () => {
    trio = await startDeviceTrio()
    ;({ a1, a2 } = trio)
    hostile = await HostileClient.start(trio.relay.multiaddrs.map(String))
  })

  after(async () => {
    await hostile?.stop().catch(() => undefined)
    await trio?.stop()
    releaseWebRTC()
  })

  /** Ben as `peer` shows him. */
  const ben = async (peer: TestPeer): Promise<ContactSummary> =>
    (await peer.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
  const record = async (peer: TestPeer) =>
    (await peer.store.getContact((await ben(peer)).contactId))!
  const texts = async (peer: TestPeer) =>
    (await peer.history(trio.conv.get(peer)!)).flatMap((m) =>
      m.body.kind === 'text' ? [m.body.text] : [],
    )

  /** Where Ben deposits for Ada's laptop, and the laptop's bundle (a Target for the new key). */
  async function laptopTarget(): Promise<Target> {
    const adaOnBen = (await trio.ben.store.getConversation(trio.conv.get(trio.ben)!))!.contactId
    const laptop = a2.service.node!.peerId.toString()
    const route = (await trio.ben.store.getDevice(adaOnBen, laptop))!.route!
    const { local, secrets } = loadLocalIdentity((await a2.store.getIdentity())!, p)
    const bundle = verifyPrekeyBundle(prekeyBundle(local, secrets), { now: p.clock() })
    return { deposit: decodeOutbound(route)!, bundle }
  }

  /** A frame from A1 to A2 sealed under their real link key (as a relay would hand it over). */
  async function fromPrimary(kind: number, body: Uint8Array) {
    const secrets = decodeSecrets((await a1.store.getIdentity())!.secretKeys)
    const link = secrets.ownLinks!.find((l) => l.deviceId === a2.service.node!.peerId.toString())!
    const from = peerIdBytes(a1.service.node!.peerId)
    const to = peerIdBytes(a2.service.node!.peerId)
    return sealOwnFrame(link.key, from, to, { kind: kind as 12, body }, p.random)
  }

  /** A kind 12 body: `replaced` accepted as `accepted`, at `stamp`. */
  async function keyAccepted(replaced: Uint8Array, accepted: Uint8Array, stamp: number) {
    const c = await record(a2)
    const state = encodeContactState({
      stateStamp: stamp,
      routeStamp: 0,
      contact: {
        identityKey: accepted,
        displayName: c.displayName,
        verified: false,
        blocked: false,
      },
    })
    return concatBytes(replaced, state)
  }

  test('Ben’s new key writes to both of Ada’s devices: both hold it and block the chat', async () => {
    // A rename first: the laptop then holds a stamp an older frame can be below.
    const renamed = 'Ben (work)'
    await a2.must({
      type: 'contact.rename',
      contactId: (await ben(a2)).contactId,
      displayName: renamed,
    })
    await waitUntil(
      'the primary took the rename',
      async () => (await ben(a1)).displayName === renamed,
    )
    const device = await newDevice(newKey)
    const toA1 = new HostileSession(device, await targetOf(a1, trio.ben))
    const toA2 = new HostileSession(device, await laptopTarget())
    await hostile.send(await targetOf(a1, trio.ben), toA1, text('from the new key'))
    await hostile.send(await laptopTarget(), toA2, text('from the new key'))
    for (const peer of [a1, a2])
      await waitUntil(`${peer.name} holds Ben’s new key`, async () => {
        return (await ben(peer)).trust === 'key_changed'
      })
    assert.ok(!(await texts(a2)).includes('from the new key'), 'held, not shown')
  })

  test('a sync naming another key, or an older one, changes nothing on the laptop', async () => {
    const held = await record(a2)
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
    assert.ok(bytesEqual((await record(a2)).identityPublicKey, pinned), 'the old key still pinned')
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
    assert.ok(bytesEqual((await record(a2)).identityPublicKey, newKey.publicKey))
    assert.ok((await texts(a2)).includes('from the new key'), 'the held message is shown')
    const lines = (await a2.history(trio.conv.get(a2)!)).flatMap((m) =>
      m.body.kind === 'system' ? [m.body.event] : [],
    )
    assert.ok(lines.includes('new_key_accepted'))
    assert.equal((await a2.store.listContacts()).length, 1, 'one Ben, under the new key')
    // The frame played again (a relay replaying it) is no change: nothing announced.
    const eventsBefore = a2.events.length
    const c = await record(a2)
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
