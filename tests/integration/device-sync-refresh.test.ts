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
import { decodePrekeyBundle, decodePrekeyBody } from '@hestia/core/crypto/codecs.ts'
import { DAY_MS } from '@hestia/core/crypto/limits.ts'
import { decodeSecrets } from '@hestia/core/messenger/index.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { decodeLinkGrant, encodeLinkRequest } from '@hestia/core/messenger/devices/link-codec.ts'
import { acceptLinkGrant } from '@hestia/core/messenger/devices/link-grant.ts'
import { answerRefresh } from '@hestia/core/messenger/devices/refresh-link.ts'
import { OWN_FRAME_KIND, sealOwnFrame } from '@hestia/core/messenger/devices/own-frames.ts'
import type { VerifiedDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { mlkemKeyPair, x25519KeyPair } from '@hestia/core/crypto/primitives.ts'
import { verifyDeviceCert } from '@hestia/core/crypto/identity.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import { releaseWebRTC, waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { PREKEYS_DUE_MS, startRenewalTrio, type RenewalTrio } from './support/renewal-trio.ts'

describe('a companion’s keys are renewed through the primary while it runs', () => {
  let trio: RenewalTrio
  let a1: TestPeer
  let a2: TestPeer
  let ben: TestPeer
  let convBen: string

  before(async () => {
    trio = await startRenewalTrio()
    ;({ a1, a2, ben } = trio)
    convBen = trio.conv.get(ben)!
  })

  after(async () => {
    await trio?.stop()
    releaseWebRTC()
  })

  const laptopEntry = (list: VerifiedDeviceList) =>
    list.devices.find(
      (d) =>
        d.peerId.length > 0 && bytesOf(d.peerId) === bytesOf(peerIdBytes(a2.service.node!.peerId)),
    )!
  const bytesOf = (b: Uint8Array) => Buffer.from(b).toString('hex')
  const primaryList = () => trio.ownList()
  const prekeyExpiry = (bundle: Uint8Array) =>
    decodePrekeyBody(decodePrekeyBundle(bundle).signedPrekey.body).expiresAt

  /** A refresh request from the laptop, sealed under the real link key (as the laptop sends it). */
  async function refreshRequestFromLaptop(
    keys: { signedPrekey: Uint8Array; pqPrekey: Uint8Array } = {
      signedPrekey: x25519KeyPair(trio.platform.random).publicKey,
      pqPrekey: mlkemKeyPair(trio.platform.random).publicKey,
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
      trio.platform.random,
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
    trio.advance(PREKEYS_DUE_MS)
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
      const cert = verifyDeviceCert(record.deviceCertificate, { now: trio.platform.clock() })
      return cert.serial === (oldSerial ?? 0) + 1
    })
    assert.equal(a2.service.messenger!.ctx.local.cert.serial, (oldSerial ?? 0) + 1)
    const secrets = decodeSecrets((await a2.store.getIdentity())!.secretKeys)
    assert.equal(secrets.pendingRefresh, undefined, 'nothing left waiting')
    assert.ok(secrets.prekeys.length >= 4, 'the old prekeys kept until they expire')

    await waitUntil(
      'Ben holds the renewed list',
      async () => ((await trio.heldByBen())?.listVersion ?? 0) >= renewed.listVersion,
      30_000,
    )
    const held = (await trio.heldByBen())!
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
    // The request naming the listed keys is answered again (not refused as not due), with the
    // answer already published: the same list, the same certificate and prekey ids. Twice, as a
    // relay playing it again would: nothing new is issued (review 11 F1).
    const own = a1.service.messenger!.parts.own
    await own.receive(await refreshRequestFromLaptop(same))
    await own.receive(await refreshRequestFromLaptop(same))
    const again = await primaryList()
    assert.equal(again.listVersion, before.listVersion, 'no new list for the same keys')
    assert.equal(bytesOf(laptopEntry(again).bundle), bytesOf(laptopEntry(before).bundle))
    // A laptop whose answer was really lost (still asking for those keys) can take it.
    const request = {
      deviceKey: a2.service.messenger!.ctx.local.cert.deviceKey,
      peerId: a2.service.messenger!.ctx.local.cert.peerId,
      ...same,
      name: 'Laptop',
    }
    const laptopId = a2.service.node!.peerId.toString()
    const answer = await answerRefresh(
      a1.service.messenger!.ctx,
      laptopId,
      encodeLinkRequest(request),
    )
    assert.equal(answer.again, true)
    const accepted = acceptLinkGrant(decodeLinkGrant(answer.grant), request, trio.platform.clock())
    assert.equal(accepted.list.listVersion, before.listVersion, 'the grant carries the held list')
    // The laptop took the first answer long ago: every prekey its listed entry names, it holds.
    const held = decodeSecrets((await a2.store.getIdentity())!.secretKeys).prekeys
    const entry = decodePrekeyBundle(laptopEntry(again).bundle)
    for (const signed of [entry.signedPrekey, entry.pqPrekey]) {
      const { id, kind } = decodePrekeyBody(signed.body)
      const names = held.map((h) => `${h.kind}/${h.id}`).join(' ')
      assert.ok(
        held.some((h) => h.id === id && h.kind === kind),
        `the laptop holds the listed prekey ${kind}/${id} (holds ${names})`,
      )
    }
  })
})
