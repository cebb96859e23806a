/**
 * The primary's own keys renewed while it runs (issue 19, ADR 0786), with real messengers over a
 * real relay and one injected clock for Ada's two devices, Ben and the relay: 45 days on (the
 * primary's prekeys, 60 days from its start, are then due), without a restart and without any
 * call from the test, the primary renews its prekeys, publishes a list whose entry for it carries
 * them, Ben holds that list — so a first message to the primary finds valid prekeys — and an
 * invite made now hands them out. Messages still go both ways.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { decodePrekeyBundle, decodePrekeyBody } from '@hestia/core/crypto/codecs.ts'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { PREKEY_KIND } from '@hestia/core/crypto/prekeys.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { heldContactList } from '@hestia/core/messenger/devices/contact-list.ts'
import { DEVICE_ROLE } from '@hestia/core/messenger/devices/limits.ts'
import { verifyDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { startDeviceTrio, type DeviceTrio } from './support/device-trio.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'

describe('the primary’s own keys are renewed while it runs', () => {
  let trio: DeviceTrio
  let a1: TestPeer
  let offset = 0
  const platform: CryptoPlatform = {
    random: systemPlatform.random,
    clock: () => Date.now() + offset,
  }

  before(async () => {
    trio = await startDeviceTrio(platform)
    a1 = trio.a1
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  /** The expiry of the signed prekey in the primary's entry of `list`. */
  const primaryExpiry = (list: Uint8Array, identityKey: Uint8Array) => {
    const entry = verifyDeviceList(list, { identityKey }).devices.find(
      (d) => d.role === DEVICE_ROLE.primary,
    )!
    return decodePrekeyBody(decodePrekeyBundle(entry.bundle).signedPrekey.body).expiresAt
  }
  const newestSigned = async (peer: TestPeer) =>
    Math.max(
      ...decodeSecrets((await peer.store.getIdentity())!.secretKeys)
        .prekeys.filter((k) => k.kind === PREKEY_KIND.signedX25519)
        .map((k) => k.expiresAt),
    )

  test('45 days on, the primary renews its prekeys and Ben holds its renewed entry', async () => {
    const identity = (await a1.store.getIdentity())!
    const before = verifyDeviceList(identity.deviceList!, {
      identityKey: identity.identityPublicKey,
    })
    const oldExpiry = primaryExpiry(before.bytes, identity.identityPublicKey)
    assert.equal(await newestSigned(a1), oldExpiry, 'the list names the prekeys it holds')
    offset += 45 * DAY_MS
    await waitUntil('the primary renewed its prekeys', async () => {
      return (await newestSigned(a1)) > oldExpiry + 40 * DAY_MS
    })
    await waitUntil('the primary published its renewed entry', async () => {
      const list = (await a1.store.getIdentity())!.deviceList!
      return primaryExpiry(list, identity.identityPublicKey) > oldExpiry + 40 * DAY_MS
    })
    const adaOnBen = (await trio.ben.store.getConversation(trio.conv.get(trio.ben)!))!.contactId
    await waitUntil(
      'Ben holds the list with the primary’s renewed prekeys',
      async () => {
        const held = heldContactList((await trio.ben.store.getContact(adaOnBen))!)
        const entry = held?.devices.find((d) => d.role === DEVICE_ROLE.primary)
        if (entry === undefined) return false
        const signed = decodePrekeyBody(decodePrekeyBundle(entry.bundle).signedPrekey.body)
        return signed.expiresAt > platform.clock() + 30 * DAY_MS
      },
      30_000,
    )
    const secrets = decodeSecrets((await a1.store.getIdentity())!.secretKeys)
    assert.ok(
      secrets.prekeys.some((k) => k.expiresAt === oldExpiry),
      'the old prekeys kept until they expire',
    )
  })

  test('an invite made now carries the renewed prekeys; messages still go both ways', async () => {
    const invite = await a1.must({ type: 'invite.mine' })
    assert.ok(invite.link.length > 0)
    const fresh = await newestSigned(a1)
    assert.ok(fresh > platform.clock() + 30 * DAY_MS, 'the prekeys handed out are far from expiry')
    const { message } = await trio.ben.must({
      type: 'messages.send',
      conversationId: trio.conv.get(trio.ben)!,
      text: 'after the renewal',
    })
    await waitUntil(
      'Ada’s primary shows Ben’s message',
      async () =>
        (await a1.history(trio.conv.get(a1)!)).some((m) => m.messageId === message.messageId),
      30_000,
    )
  })
})
