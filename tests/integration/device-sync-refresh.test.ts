/**
 * A companion's certificate and prekeys renewed while it runs (issue 19, ADR 0786), with real
 * messengers over a real relay and one injected clock for Ada's two devices and Ben: the clock
 * (the relay's too) moves 45 days on (the laptop's prekeys, 60 days from the link, are then due), and without any
 * call from the test the laptop's keeper asks the primary, the primary signs and publishes a new
 * list, Ben holds it, and a message from Ben still reaches the laptop. A request while the keys
 * are far from expiry is refused and changes no list.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import type { CryptoPlatform } from '@hestia/core/crypto/platform.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { decodePrekeyBundle, decodePrekeyBody } from '@hestia/core/crypto/codecs.ts'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { heldContactList } from '@hestia/core/messenger/devices/contact-list.ts'
import { encodeLinkRequest } from '@hestia/core/messenger/devices/link-codec.ts'
import { OWN_FRAME_KIND, sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import { verifyDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { mlkemKeyPair, x25519KeyPair } from '@hestia/core/crypto/primitives.ts'
import { verifyDeviceCert } from '@hestia/core/crypto/identity.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

describe('a companion’s keys are renewed through the primary while it runs', () => {
  let relay: RelayHandle
  let a1: TestPeer
  let a2: TestPeer
  let ben: TestPeer
  let convBen: string
  let offset = 0
  const platform: CryptoPlatform = {
    random: systemPlatform.random,
    clock: () => Date.now() + offset,
  }

  before(async () => {
    // The relay keeps the same clock (it refuses requests more than 5 minutes off); its mailboxes
    // outlive the jump (by default one silent for 30 days expires).
    relay = await startTestRelay(undefined, 0, { mailboxIdleTtlMs: 120 * DAY_MS }, platform.clock)
    a1 = new TestPeer('ada', relay.multiaddrs)
    ben = new TestPeer('ben', relay.multiaddrs)
    a2 = new TestPeer('ada-laptop', relay.multiaddrs)
    for (const p of [a1, ben, a2]) p.platform = platform
    await a1.start()
    await ben.start()
    ;({ convB: convBen } = await connectPeers(a1, ben))
    await a2.start()
    const offer = await a2.must({ type: 'devices.linkStart', deviceName: 'Laptop' })
    const onA1 = await a1.must({ type: 'devices.linkAccept', link: offer.link })
    await waitUntil('A2 shows the code', () =>
      a2.events.some((e) => e.type === 'device.link' && e.link.state === 'compare'),
    )
    await a2.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
    await a1.must({ type: 'devices.linkConfirm', linkId: onA1.linkId })
    await waitUntil(
      'A2 holds the identity',
      async () => (await a2.must({ type: 'identity.status' })).state === 'ready',
      30_000,
    )
    await waitUntil(
      'Ben reaches the laptop',
      async () => {
        const ada = (await ben.store.getConversation(convBen))!.contactId
        const laptop = a2.service.node!.peerId.toString()
        return (await ben.store.getDevice(ada, laptop))?.route !== undefined
      },
      30_000,
    )
  })

  after(async () => {
    for (const p of [a2, ben, a1]) await p?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  const laptopEntry = (list: ReturnType<typeof verifyDeviceList>) =>
    list.devices.find(
      (d) =>
        d.peerId.length > 0 && bytesOf(d.peerId) === bytesOf(peerIdBytes(a2.service.node!.peerId)),
    )!
  const bytesOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const primaryList = async () =>
    verifyDeviceList((await a1.store.getIdentity())!.deviceList!, {
      identityKey: (await a1.store.getIdentity())!.identityPublicKey,
    })
  const prekeyExpiry = (bundle: Uint8Array) =>
    decodePrekeyBody(decodePrekeyBundle(bundle).signedPrekey.body).expiresAt

  /** A refresh request from the laptop, sealed under the real link key (as the laptop sends it). */
  async function refreshRequestFromLaptop(
    keys: { signedPrekey: Uint8Array; pqPrekey: Uint8Array } = {
      signedPrekey: x25519KeyPair(platform.random).publicKey,
      pqPrekey: mlkemKeyPair(platform.random).publicKey,
    },
  ): Promise<Uint8Array> {
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    const link = secrets.ownLinks![0]!
    const cert = a2.service.messenger!.ctx.local.cert
    const body = encodeLinkRequest({
      deviceKey: cert.deviceKey,
      peerId: cert.peerId,
      ...keys,
      name: 'Laptop',
    })
    return sealOwnFrame(
      link.key,
      peerIdBytes(a2.service.node!.peerId),
      peerIdBytes(a1.service.node!.peerId),
      { kind: OWN_FRAME_KIND.refreshRequest, body },
      platform.random,
    )
  }

  test('keys far from expiry: a request is refused and the list stays', async () => {
    const before = await primaryList()
    await assert.rejects(
      a1.service.messenger!.parts.own.receive(await refreshRequestFromLaptop()),
      (err) => isProtocolError(err, 'limit_exceeded'),
    )
    assert.equal((await primaryList()).listVersion, before.listVersion)
  })

  test('45 days on, the laptop renews by itself and Ben holds the new list', async () => {
    const before = await primaryList()
    const oldExpiry = prekeyExpiry(laptopEntry(before).bundle)
    const oldSerial = a2.service.messenger!.ctx.local.cert.serial
    offset += 45 * DAY_MS
    // The primary's own keys are due too and renew on their own list (ADR 0786): wait for the
    // laptop's entry, not for any newer list.
    await waitUntil(
      'the primary published the laptop’s renewed keys',
      async () => prekeyExpiry(laptopEntry(await primaryList()).bundle) > oldExpiry,
      20_000,
    )
    const renewed = await primaryList()
    const entry = laptopEntry(renewed)
    assert.ok(prekeyExpiry(entry.bundle) > oldExpiry + 40 * DAY_MS, 'new prekeys, a new expiry')
    assert.equal(renewed.devices.length, 2, 'the same two devices')
    await waitUntil('the laptop stored its new certificate', async () => {
      const record = (await a2.store.getIdentity())!
      const cert = verifyDeviceCert(record.deviceCertificate, { now: platform.clock() })
      return cert.serial === (oldSerial ?? 0) + 1
    })
    assert.equal(a2.service.messenger!.ctx.local.cert.serial, (oldSerial ?? 0) + 1)
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    assert.equal(secrets.pendingRefresh, undefined, 'nothing left waiting')
    assert.ok(secrets.prekeys.length >= 4, 'the old prekeys kept until they expire')

    const adaOnBen = (await ben.store.getConversation(convBen))!.contactId
    await waitUntil(
      'Ben holds the renewed list',
      async () => {
        const held = heldContactList((await ben.store.getContact(adaOnBen))!)
        return held !== undefined && held.listVersion >= renewed.listVersion
      },
      30_000,
    )
    const held = heldContactList((await ben.store.getContact(adaOnBen))!)!
    assert.ok(
      held.devices.some((d) => bytesOf(d.bundle) === bytesOf(entry.bundle)),
      'Ben encrypts to the laptop under its renewed keys',
    )

    const { message } = await ben.must({
      type: 'messages.send',
      conversationId: convBen,
      text: 'after the renewal',
    })
    const onA2 = (await a2.must({ type: 'conversations.list', query: null })).conversations[0]!
    await waitUntil(
      'the laptop shows Ben’s message',
      async () =>
        (await a2.history(onA2.conversationId)).some((m) => m.messageId === message.messageId),
      30_000,
    )
  })

  test('an answer lost on the way: the same request again is answered, fresh keys still refused', async () => {
    const before = await primaryList()
    const listed = decodePrekeyBundle(laptopEntry(before).bundle)
    const same = {
      signedPrekey: decodePrekeyBody(listed.signedPrekey.body).publicKey,
      pqPrekey: decodePrekeyBody(listed.pqPrekey.body).publicKey,
    }
    // Keys far from expiry again; other fresh keys are refused as before.
    await assert.rejects(
      a1.service.messenger!.parts.own.receive(await refreshRequestFromLaptop()),
      (err) => isProtocolError(err, 'limit_exceeded'),
    )
    assert.equal((await primaryList()).listVersion, before.listVersion)
    // The request naming the listed keys is answered again (a new certificate for the same keys).
    await a1.service.messenger!.parts.own.receive(await refreshRequestFromLaptop(same))
    const again = await primaryList()
    assert.ok(again.listVersion > before.listVersion, 'answered: a new list was issued')
    const entry = decodePrekeyBundle(laptopEntry(again).bundle)
    assert.equal(
      bytesOf(decodePrekeyBody(entry.signedPrekey.body).publicKey),
      bytesOf(same.signedPrekey),
    )
    assert.equal(bytesOf(decodePrekeyBody(entry.pqPrekey.body).publicKey), bytesOf(same.pqPrekey))
  })
})
