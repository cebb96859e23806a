/**
 * A key decision made on one companion reaches the other companions even when the primary cannot
 * take it itself (issue 19, ADR 0785, review 10 F7). Links are a star: a companion's kind 14
 * ("keep the old key") or kind 12 ("key accepted") goes to the primary, which passed it on only
 * when it applied it — a primary that has not seen the contact's key change (its frame still in a
 * mailbox, or never sent there) refused it (`wrong_key`) and the second companion, which did see
 * the change, stayed blocked asking the user. With real messengers over a real relay: Ada's
 * primary, her laptop and a tablet; a new key of Ben's writes to the laptop and the tablet only.
 * A stale decision (a relay replaying an old deposit) is refused by the primary and not passed on.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual } from '@hestia/core/crypto/bytes.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { OWN_FRAME_KIND, openOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import {
  firstContact as ben,
  firstContactRecord,
  keyDecision,
  sealUnderLink,
} from './support/device-frames.ts'
import { companionTarget, linkTablet } from './support/device-tablet.ts'
import { watchOwnSends } from './support/own-sends.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import {
  HostileClient,
  HostileSession,
  newDevice,
  newIdentity,
  text,
} from './support/hostile-client.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('a key decision on one companion reaches the other when the primary did not see the change', () => {
  const trio = useDeviceTrio()
  let a1: TestPeer
  let a2: TestPeer
  let a3: TestPeer
  let hostile: HostileClient
  let oldKey: Uint8Array
  /** The kinds of the own-device frames the tablet took in, in order (opened with its link key). */
  const tabletKinds: number[] = []

  before(async () => {
    ;({ a1, a2 } = trio)
    a3 = await linkTablet(trio)
    hostile = await HostileClient.start(trio.relay.multiaddrs.map(String))
    oldKey = (await firstContactRecord(a1)).identityPublicKey
    const own = a3.service.messenger!.parts.own
    const take = own.receive.bind(own)
    const link = decodeSecrets((await a3.store.getIdentity())!.secretKeys).ownLinks![0]!
    const me = peerIdBytes(a3.service.node!.peerId)
    own.receive = async (bytes: Uint8Array) => {
      tabletKinds.push(openOwnFrame(link.key, me, bytes).kind)
      return take(bytes)
    }
  })

  after(async () => {
    await hostile?.stop().catch(() => undefined)
    await a3?.stop().catch(() => undefined)
  })

  const texts = async (peer: TestPeer) =>
    (await peer.history((await ben(peer)).conversationId)).flatMap((m) =>
      m.body.kind === 'text' ? [m.body.text] : [],
    )

  /** A new key of Ben's writes `message` to the laptop and the tablet, not to the primary. */
  async function newKeyOnCompanions(message: string) {
    const key = newIdentity()
    const device = await newDevice(key)
    for (const peer of [a2, a3]) {
      const target = await companionTarget(trio, peer)
      await hostile.send(target, new HostileSession(device, target), text(message))
    }
    for (const peer of [a2, a3])
      await waitUntil(`${peer.name} holds Ben’s new key`, async () => {
        return (await ben(peer)).trust === 'key_changed'
      })
    return key
  }

  test('kept on the laptop: the tablet keeps the old key too; the primary, which saw nothing, is unchanged', async () => {
    const newKey = await newKeyOnCompanions('from the new key')
    const onA1 = await firstContactRecord(a1)
    assert.equal(onA1.keyChange, null, 'the primary never saw the new key')
    await a2.must({ type: 'contact.keepOldKey', contactId: (await ben(a2)).contactId })
    await waitUntil('the tablet refused the same key', async () => {
      return (await ben(a3)).trust !== 'key_changed'
    })
    const c = await firstContactRecord(a3)
    assert.ok(bytesEqual(c.identityPublicKey, oldKey), 'the old key pinned on the tablet')
    assert.equal(c.keyChange, null)
    assert.equal(c.refusedKeys?.length, 1)
    assert.ok(bytesEqual(c.refusedKeys[0]!, newKey.publicKey), 'the new key refused there')
    assert.ok(!(await texts(a3)).includes('from the new key'), 'the held message dropped')
    const after = await firstContactRecord(a1)
    assert.ok(bytesEqual(after.identityPublicKey, oldKey), 'the primary keeps its key')
    assert.deepEqual(after.refusedKeys ?? [], [], 'and refused nothing it never saw')
    assert.deepEqual(after.ownSync, onA1.ownSync, 'its agreement unchanged')
  })

  test('a stale refusal from the laptop is refused by the primary and not passed on', async () => {
    // A rename on the primary first: every device then holds a stamp a stale frame is below.
    await a1.must({
      type: 'contact.rename',
      contactId: (await ben(a1)).contactId,
      displayName: 'Ben (before)',
    })
    await waitUntil('the tablet took the rename', async () => {
      return (await ben(a3)).displayName === 'Ben (before)'
    })
    const held = (await firstContactRecord(a1)).ownSync!.stamp
    const stale = await keyDecision(a2, newIdentity().publicKey, oldKey, held - 1)
    const own = a1.service.messenger!.parts.own
    // Judged at A1, as it sends (its receive awaits what it passes on): a later frame reaching the
    // tablet first proves nothing when the earlier one fell back to the mailbox (review 11 F7).
    const sends = await watchOwnSends(a1, a3)
    try {
      await assert.rejects(
        own.receive(await sealUnderLink(a2, a1, OWN_FRAME_KIND.keyRefused, stale)),
        (err) => isProtocolError(err, 'replay'),
      )
      assert.equal(sends.count(OWN_FRAME_KIND.keyRefused), 0, `sent ${sends.kinds.join(', ')}`)
    } finally {
      sends.stop()
    }
  })

  test('a decision the primary passed on, played to it again, is not passed on again', async () => {
    // review 11 F5: a decision newer than A1's agreement for a key change A1 does not hold goes on
    // to the tablet once; the same frame again (a relay replaying the deposit) stops at A1.
    const held = (await firstContactRecord(a1)).ownSync!.stamp
    const body = await keyDecision(a2, newIdentity().publicKey, oldKey, held + 60_000)
    const sealed = await sealUnderLink(a2, a1, OWN_FRAME_KIND.keyRefused, body)
    const own = a1.service.messenger!.parts.own
    const before = tabletKinds.length
    const refusals = () =>
      tabletKinds.slice(before).filter((k) => k === OWN_FRAME_KIND.keyRefused).length
    // Counted as A1 sends them (see the test above): the tablet's intake is no barrier.
    const sends = await watchOwnSends(a1, a3)
    try {
      await assert.rejects(own.receive(sealed), (err) => isProtocolError(err, 'wrong_key'))
      assert.equal(sends.count(OWN_FRAME_KIND.keyRefused), 1, 'passed on')
      await waitUntil('the tablet got it', () => refusals() === 1)
      await assert.rejects(own.receive(sealed), (err) => isProtocolError(err, 'wrong_key'))
      assert.equal(
        sends.count(OWN_FRAME_KIND.keyRefused),
        1,
        `passed on once (${sends.kinds.join(', ')})`,
      )
    } finally {
      sends.stop()
    }
  })

  test('accepted on the laptop: the tablet accepts the same key; the primary stays as it was', async () => {
    const newKey = await newKeyOnCompanions('from the accepted key')
    await a2.must({ type: 'contact.acceptNewKey', contactId: (await ben(a2)).contactId })
    await waitUntil('the tablet accepted the same key', async () => {
      return (await ben(a3)).trust !== 'key_changed'
    })
    const c = await firstContactRecord(a3)
    assert.ok(bytesEqual(c.identityPublicKey, newKey.publicKey), 'the new key pinned on the tablet')
    assert.ok((await texts(a3)).includes('from the accepted key'), 'the held message released')
    const onA1 = await firstContactRecord(a1)
    assert.ok(bytesEqual(onA1.identityPublicKey, oldKey), 'the primary decides when it sees it')
    assert.equal(onA1.keyChange, null)
  })
})
