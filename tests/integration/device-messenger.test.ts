/**
 * Multi-device wired into the messenger (issue 19), with real messengers over a real relay: Alice
 * (primary, a TestPeer) links a new device through the client API (`devices.linkAccept` /
 * `devices.linkConfirm`; the new device runs the link protocol on its own libp2p node); her new
 * signed device list reaches Bob inside the end-to-end channel, where it shows as a notice and
 * leaves the safety number unchanged. An older list sent again is refused; removing the device and
 * "log out all other devices" reach Bob as newer lists, and Bob forgets the removed devices.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import type { RelayHandle } from '@hestia/relay-node'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { peerIdBytes, deviceIdOf } from '@hestia/core/messenger/net.ts'
import { createCompanionKeys } from '@hestia/core/messenger/devices/companion.ts'
import { NewDeviceLink } from '@hestia/core/messenger/devices/link.ts'
import { awaitLink } from '@hestia/core/messenger/devices/link-stream.ts'
import { acceptLinkGrant } from '@hestia/core/messenger/devices/link-grant.ts'
import { encodeLinkText } from '@hestia/core/messenger/devices/link-text.ts'
import { verifyDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { issueDeviceList } from '@hestia/core/messenger/devices/device-list.ts'
import { DEVICE_ROLE } from '@hestia/core/messenger/devices/limits.ts'
import { publishOwnList, currentOwnList } from '@hestia/core/messenger/devices/own-devices.ts'
import { queueControl } from '@hestia/core/messenger/outbox-rows.ts'
import { makeListedDevice } from '../../core/test-support/device-fixtures.ts'
import type { ClientEvent, DeviceLinkStatus } from '@hestia/core/client/api.ts'
import { startClientNode, waitFor } from './relay-helpers.ts'
import { chatByMailboxOnly } from './support/chat-by-mailbox.ts'
import {
  HostileClient,
  HostileSession,
  hello as hostileHello,
  identityOf,
  newDevice as hostileDevice,
  targetOf,
  text as hostileText,
} from './support/hostile-client.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

const LINK_MS = 30_000

describe('multi-device in the messenger', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  let aliceOnB: string
  const nodes: Libp2p[] = []

  before(async () => {
    relay = await startTestRelay()
    a = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    ;({ convA, convB } = await connectPeers(a, b))
    aliceOnB = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
      .contactId
  })

  after(async () => {
    for (const n of nodes) await Promise.resolve(n.stop()).catch(() => undefined)
    await a?.stop().catch(() => undefined)
    await b?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  /** A new install: its own node on the relay, showing an offer; resolves once it took a grant. */
  async function newDevice(name: string, timeoutMs = LINK_MS) {
    const node = await startClientNode({ relayAddr: relay.multiaddrs[0] })
    nodes.push(node)
    await waitFor(
      () => node.getMultiaddrs().some((m) => m.toString().includes('/p2p-circuit')),
      10_000,
    )
    const peerId = peerIdBytes(node.peerId)
    const keys = createCompanionKeys(p.random, peerId, name)
    const link = new NewDeviceLink({ platform: p, peerId, relay: relay.multiaddrs[0]! })
    let code: string | undefined
    const taken = awaitLink(
      node,
      link,
      keys.request,
      {
        showCode: (c) => (code = c),
        takeGrant: (grant) => {
          acceptLinkGrant(grant, keys.request, p.clock())
          return Promise.resolve(true)
        },
      },
      timeoutMs,
    )
    // An offer nobody completes (the refused sixth device) ends by its timeout after the test.
    taken.catch(() => undefined)
    return {
      node,
      deviceId: node.peerId.toString(),
      text: encodeLinkText(link.offer),
      code: () => code,
      taken,
    }
  }

  /** Links a new device from Alice through the client API; returns its device id. */
  async function linkThroughApi(name: string): Promise<string> {
    const n = await newDevice(name)
    const status = await a.must({ type: 'devices.linkAccept', link: n.text })
    assert.equal(status.state, 'compare')
    assert.equal(status.deviceName, name)
    await waitUntil('the new device shows its code', () => n.code() !== undefined)
    assert.equal(status.code, n.code(), 'both devices show the same six digits')
    const confirmed = await a.must({ type: 'devices.linkConfirm', linkId: status.linkId })
    assert.equal(confirmed.state, 'confirmed')
    await n.taken
    await waitUntil('Alice sees the link done', () =>
      a.events.some(
        (e) =>
          e.type === 'device.link' && e.link.linkId === status.linkId && e.link.state === 'done',
      ),
    )
    return n.deviceId
  }

  async function bobsListOfAlice() {
    const contact = await b.store.getContact(aliceOnB)
    if (contact?.deviceList === undefined) return undefined
    return verifyDeviceList(contact.deviceList, { identityKey: contact.identityPublicKey })
  }

  async function notices(event: string): Promise<number> {
    return (await b.history(convB)).filter(
      (m) => m.body.kind === 'system' && m.body.event === event,
    ).length
  }

  test('link through the API: the list reaches Bob, a notice shows, the safety number stays', async () => {
    const before = await b.must({ type: 'contact.info', contactId: aliceOnB })
    const single = await a.must({ type: 'devices.list' })
    assert.equal(single.devices.length, 1)
    assert.equal(single.canManage, true)
    assert.equal(single.devices[0]!.thisDevice, true)
    const again = await a.must({ type: 'devices.list' })
    assert.equal(again.listVersion, single.listVersion, 'nothing changed, same version')

    const laptop = await linkThroughApi('Firefox on the laptop')
    const view = await a.must({ type: 'devices.list' })
    assert.deepEqual(
      view.devices.map((d) => [d.name, d.primary, d.thisDevice]),
      [
        ['First device', true, true],
        ['Firefox on the laptop', false, false],
      ],
    )
    assert.equal(view.devices[1]!.deviceId, laptop)
    assert.ok(a.events.some((e) => e.type === 'devices.changed' && e.devices.devices.length === 2))

    await waitUntil(
      'Bob holds Alice’s list with the laptop',
      async () =>
        (await bobsListOfAlice())?.devices.some((d) => deviceIdOf(d.peerId) === laptop) === true,
    )
    await waitUntil(
      'Bob sees "Alice added a device"',
      async () => (await notices('device_added')) === 1,
    )
    const after = await b.must({ type: 'contact.info', contactId: aliceOnB })
    assert.deepEqual(after.safetyNumber, before.safetyNumber, 'same identity, same safety number')
    assert.equal(after.contact.trust, before.contact.trust, 'nothing is blocked')
    assert.ok(
      after.devices.some((d) => d.deviceId === laptop),
      'Bob records the new device',
    )
    // Chat goes on as before.
    await a.must({ type: 'messages.send', conversationId: convA, text: 'after linking' })
    await waitUntil('Bob reads it', async () => (await b.texts(convB)).includes('after linking'))
  })

  test('an older list sent again is refused and changes nothing', async () => {
    const held = (await bobsListOfAlice())!
    // Alice's own messenger sends the list she held before the link (v1: only herself), inside
    // the real end-to-end channel: the frame is authentic, only the list is old.
    const old = issueDeviceList(a.service.messenger!.ctx.local.identity, {
      previousVersion: 0,
      now: held.listVersion - 10,
      devices: [held.devices.find((d) => d.role === DEVICE_ROLE.primary)!],
    })
    assert.ok(old.listVersion < held.listVersion)
    const ctx = a.service.messenger!.ctx
    // The old list and the marker in Bob's mailbox, in that order: once Bob shows the marker, he
    // has judged the list (the marker going direct could overtake a list that went by the mailbox).
    const restore = chatByMailboxOnly()
    try {
      await a.store.transaction((tx) =>
        queueControl(
          tx,
          convA,
          {
            messageId: p.random(16),
            sentAt: p.clock(),
            body: { kind: 'device_list', list: old.bytes },
          },
          ctx.platform.clock(),
        ),
      )
      a.service.messenger!.parts.kickOutbox()
      await a.must({
        type: 'messages.send',
        conversationId: convA,
        text: 'marker after the old list',
      })
      await waitUntil('Bob reads the marker', async () =>
        (await b.texts(convB)).includes('marker after the old list'),
      )
    } finally {
      restore()
    }
    const still = (await bobsListOfAlice())!
    assert.equal(still.listVersion, held.listVersion, 'the held list is kept')
    assert.equal(still.devices.length, 2)
    assert.equal(await notices('device_removed'), 0, 'the old list removed nothing')
  })

  test('remove one device: Bob takes the newer list and forgets the device', async () => {
    const view = await a.must({ type: 'devices.list' })
    const laptop = view.devices.find((d) => !d.primary)!.deviceId
    const selfRemoval = await a.req({ type: 'devices.remove', deviceId: view.devices[0]!.deviceId })
    assert.ok(!selfRemoval.ok && selfRemoval.error.code === 'invalid_state')
    const unknown = await a.req({ type: 'devices.remove', deviceId: '12D3KooWNoSuchDevice' })
    assert.ok(!unknown.ok && unknown.error.code === 'not_found')

    const after = await a.must({ type: 'devices.remove', deviceId: laptop })
    assert.deepEqual(
      after.devices.map((d) => d.deviceId),
      [view.devices[0]!.deviceId],
    )
    assert.ok(after.listVersion > view.listVersion)
    await waitUntil('Bob holds the list without the laptop', async () => {
      const list = await bobsListOfAlice()
      return list?.listVersion === after.listVersion
    })
    const info = await b.must({ type: 'contact.info', contactId: aliceOnB })
    assert.ok(!info.devices.some((d) => d.deviceId === laptop), 'Bob forgot the removed device')
    assert.equal(await notices('device_removed'), 1)
    assert.equal(
      (await b.store.listSessions(aliceOnB)).some((s) => s.deviceId === laptop),
      false,
    )
  })

  test('a device Alice’s list does not name (a removed one) is refused at Bob, even posing as her restore', async () => {
    const held = (await bobsListOfAlice())!
    // Certified by Alice's identity key before her current list, like the laptop she removed.
    const removed = await hostileDevice(await identityOf(a))
    assert.ok(!held.devices.some((d) => deviceIdOf(d.peerId) === removed.deviceId))
    const attacker = await HostileClient.start(relay.multiaddrs)
    try {
      const target = await targetOf(b, a)
      const session = new HostileSession(removed, target)
      await attacker.send(target, session, hostileText('from the removed device'))
      // Its Hello claims to replace Alice's listed primary (a restore): it would re-route Bob.
      const second = new HostileSession(removed, target)
      const primaryId = deviceIdOf(held.devices.find((d) => d.role === DEVICE_ROLE.primary)!.peerId)
      await attacker.send(
        target,
        second,
        hostileHello({
          displayName: 'Alice',
          relays: relay.multiaddrs,
          mailboxId: p.random(32),
          mailboxCapability: p.random(32),
          mailboxSealKey: p.random(32),
          replacesDevice: primaryId,
        }),
      )
      const routeBefore = (await b.store.getContact(aliceOnB))!.outboundMailbox
      // Alice's real message goes into the same mailbox after them (not direct, where it could
      // come first): once Bob shows it, he has taken the two frames above, and refused them.
      const restore = chatByMailboxOnly()
      try {
        await a.must({
          type: 'messages.send',
          conversationId: convA,
          text: 'marker after the attacker',
        })
        await waitUntil('Bob reads Alice’s marker', async () =>
          (await b.texts(convB)).includes('marker after the attacker'),
        )
      } finally {
        restore()
      }
      assert.ok(!(await b.texts(convB)).includes('from the removed device'))
      const after = (await b.store.getContact(aliceOnB))!
      assert.deepEqual(after.outboundMailbox, routeBefore, 'the route to Alice is unchanged')
      assert.ok(
        !(await b.store.listSessions(aliceOnB)).some((s) => s.deviceId === removed.deviceId),
      )
      await b.must({
        type: 'messages.send',
        conversationId: convB,
        text: 'Bob still reaches Alice',
      })
      await waitUntil('Alice reads Bob', async () =>
        (await a.texts(convA)).includes('Bob still reaches Alice'),
      )
    } finally {
      await attacker.stop()
    }
  })

  test('log out all other devices: one list naming only this device', async () => {
    const one = await linkThroughApi('Work browser')
    const two = await linkThroughApi('Old tablet')
    const renamed = await a.must({ type: 'devices.rename', deviceId: two, name: 'Kitchen tablet' })
    assert.ok(renamed.devices.some((d) => d.deviceId === two && d.name === 'Kitchen tablet'))
    const three = (await a.must({ type: 'devices.list' })).devices.length
    assert.equal(three, 3)
    const left = await a.must({ type: 'devices.logoutOthers' })
    assert.equal(left.devices.length, 1)
    assert.equal(left.devices[0]!.thisDevice, true)
    await waitUntil('Bob holds the one-device list', async () => {
      const list = await bobsListOfAlice()
      return list?.listVersion === left.listVersion
    })
    const info = await b.must({ type: 'contact.info', contactId: aliceOnB })
    for (const gone of [one, two]) assert.ok(!info.devices.some((d) => d.deviceId === gone))
  })

  test('the sixth device is refused with the cap sentence before anything is dialled', async () => {
    const ctx = a.service.messenger!.ctx
    const current = await currentOwnList(ctx)
    const companions = [1, 2, 3, 4].map(
      (i) => makeListedDevice(p, ctx.local.identity, `companion ${i}`).entry,
    )
    const full = issueDeviceList(ctx.local.identity, {
      previousVersion: current.listVersion,
      now: p.clock(),
      devices: [...current.devices, ...companions],
    })
    await publishOwnList(ctx, full)
    assert.equal((await a.must({ type: 'devices.list' })).devices.length, 5)
    const n = await newDevice('one too many', 1_000)
    const res = await a.req({ type: 'devices.linkAccept', link: n.text })
    assert.ok(!res.ok && res.error.code === 'device_limit')
    assert.match(res.ok ? '' : res.error.message, /5 devices, the most Hestia allows/)
    const junk = await a.req({ type: 'devices.linkAccept', link: 'hestia:i/not-a-device-link' })
    assert.ok(!junk.ok && junk.error.code === 'link_invalid')
    await a.must({ type: 'devices.logoutOthers' })
  })

  test('a new install links through the API: both show one code and whose identity it joins', async () => {
    const n = await new TestPeer('alice-laptop', relay.multiaddrs).start()
    try {
      const none = await n.req({ type: 'devices.list' })
      assert.ok(!none.ok && none.error.code === 'no_identity')
      const offer = await n.must({ type: 'devices.linkStart', deviceName: 'Laptop' })
      assert.match(offer.link, /^hestia:link\//)
      const onA = await a.must({ type: 'devices.linkAccept', link: offer.link })
      const linkEvents = () =>
        n.events.flatMap((e) =>
          e.type === 'device.link' && e.link.linkId === offer.linkId ? [e.link] : [],
        )
      await waitUntil('the new install shows its code', () =>
        linkEvents().some((l) => l.state === 'compare'),
      )
      const shown = linkEvents().find((l) => l.state === 'compare')!
      assert.equal(shown.code, onA.code, 'one code on both devices')
      // The new install confirms first; the grant is taken once the primary confirmed too.
      const early = await n.must({ type: 'devices.linkConfirm', linkId: offer.linkId })
      assert.equal(early.state, 'confirmed')
      await a.must({ type: 'devices.linkConfirm', linkId: onA.linkId })
      await waitUntil('both ends done', () => linkEvents().some((l) => l.state === 'done'))
      const mine = await a.must({ type: 'identity.status' })
      const joined = linkEvents().find((l) => l.identity !== null)!
      assert.equal(joined.identity!.fingerprint, mine.state === 'ready' ? mine.fingerprint : '')
      await waitUntil('Alice lists the laptop', async () =>
        (await a.must({ type: 'devices.list' })).devices.some((d) => d.name === 'Laptop'),
      )
      const again = await n.req({ type: 'devices.linkConfirm', linkId: offer.linkId })
      assert.ok(!again.ok)
    } finally {
      await n.stop()
    }
  })

  test('a new install that cancels: the primary sees it declined and signs nothing', async () => {
    const n = await new TestPeer('alice-tablet', relay.multiaddrs).start()
    try {
      const before = await a.must({ type: 'devices.list' })
      const offer = await n.must({ type: 'devices.linkStart', deviceName: 'Tablet' })
      const onA = await a.must({ type: 'devices.linkAccept', link: offer.link })
      const cancelled = await n.must({ type: 'devices.linkCancel', linkId: offer.linkId })
      assert.equal(cancelled.failure, 'cancelled')
      await a.req({ type: 'devices.linkConfirm', linkId: onA.linkId })
      await waitUntil('the primary sees the link fail', () =>
        a.events.some(
          (e) =>
            e.type === 'device.link' && e.link.linkId === onA.linkId && e.link.state === 'failed',
        ),
      )
      const after = await a.must({ type: 'devices.list' })
      assert.equal(after.listVersion, before.listVersion, 'no new list was issued')
    } finally {
      await n.stop()
    }
  })

  test('an expired offer, an odd relay and an offer nobody answers fail typed, and sign nothing', async () => {
    const before = await a.must({ type: 'devices.list' })
    const storedBefore = (await a.store.getIdentity())!.deviceList
    // Shown eleven minutes ago: past its ten.
    const past = { ...p, clock: () => p.clock() - 11 * 60_000 }
    const node = await startClientNode()
    nodes.push(node)
    const stale = new NewDeviceLink({
      platform: past,
      peerId: peerIdBytes(node.peerId),
      relay: relay.multiaddrs[0]!,
    })
    const expired = await a.req({ type: 'devices.linkAccept', link: encodeLinkText(stale.offer) })
    assert.ok(!expired.ok && expired.error.code === 'link_expired')
    // A fresh offer for a device that holds no reservation on the relay: nobody to dial.
    const absent = new NewDeviceLink({
      platform: p,
      peerId: peerIdBytes(node.peerId),
      relay: relay.multiaddrs[0]!,
    })
    const unreachable = await a.req({
      type: 'devices.linkAccept',
      link: encodeLinkText(absent.offer),
    })
    assert.ok(!unreachable.ok && unreachable.error.code === 'peer_unreachable')
    // An offer whose relay is not a relay address (here a web server's): refused before a dial.
    const odd = new NewDeviceLink({
      platform: p,
      peerId: peerIdBytes(node.peerId),
      relay: '/dns4/intranet.example/tcp/80/http',
    })
    const oddRelay = await a.req({ type: 'devices.linkAccept', link: encodeLinkText(odd.offer) })
    assert.ok(!oddRelay.ok && oddRelay.error.code === 'link_invalid')
    const after = await a.must({ type: 'devices.list' })
    assert.deepEqual(
      after.devices.map((d) => d.deviceId),
      before.devices.map((d) => d.deviceId),
    )
    assert.deepEqual((await a.store.getIdentity())!.deviceList, storedBefore, 'no list was issued')
  })

  test('the primary saw every link go compare → confirmed → done', () => {
    const links = a.events.filter(
      (e): e is Extract<ClientEvent, { type: 'device.link' }> => e.type === 'device.link',
    )
    const states = new Set(links.map((e: { link: DeviceLinkStatus }) => e.link.state))
    for (const s of ['compare', 'confirmed', 'done'] as const) assert.ok(states.has(s))
  })
})
