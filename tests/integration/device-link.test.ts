// Linking a device over a real relay (issue 19, ADR 0110): the new device N reserves a slot on the
// relay and shows its offer; the existing device E dials N through the relay with the address in
// the offer and runs /hestia/device-link/1.0.0. Both show one code; after the user confirms on E,
// N holds a certificate and a device list of the same identity. A declined code signs nothing, and
// a swapped offer is caught before anything is signed.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import { startClientNode, waitFor } from './relay-helpers.ts'
import { startLinkNodes } from './support/device-mailboxes.ts'
import { startLoopbackRelay, type TestRelay } from './support/loopback-relay.ts'
import { systemPlatform as p } from '../../core/src/crypto/platform.ts'
import { peerIdBytes } from '../../core/src/messenger/net.ts'
import { isProtocolError } from '../../core/src/wire/errors.ts'
import { issueDeviceList } from '../../core/src/messenger/devices/device-list.ts'
import { createCompanionKeys } from '../../core/src/messenger/devices/companion.ts'
import { NewDeviceLink } from '../../core/src/messenger/devices/link.ts'
import type { buildLinkGrant } from '../../core/src/messenger/devices/link-grant.ts'
import { acceptLinkGrant } from '../../core/src/messenger/devices/link-grant.ts'
import {
  awaitLink,
  LinkError,
  linkNewDevice,
} from '../../core/src/messenger/devices/link-stream.ts'
import { makeIdentityWithDevices, testLinkGrant } from '../../core/test-support/device-fixtures.ts'
import { decodeSyncSnapshot, encodeSyncSnapshot } from '../../core/src/messenger/devices/sync.ts'
import { createIdentity } from '../../core/src/crypto/identity.ts'

let relay: TestRelay
let relayAddr: string
let existing: Libp2p
let fresh: Libp2p
const alice = makeIdentityWithDevices(p, 0)
const list = issueDeviceList(alice.identity, {
  previousVersion: 0,
  now: p.clock(),
  devices: alice.devices.map((d) => d.entry),
})
const LINK_MS = 20_000
/** A contact of Alice's, handed to the new device in the grant. */
const bob = {
  identityKey: createIdentity(p.random).publicKey,
  displayName: 'Bob',
  verified: true,
  blocked: false,
}

before(async () => {
  relay = await startLoopbackRelay()
  relayAddr = relay.multiaddrs[0]!
  ;({ existing, fresh } = await startLinkNodes(relayAddr))
})

after(async () => {
  await existing?.stop()
  await fresh?.stop()
  await relay?.stop()
})

function grantFor(request: Parameters<typeof buildLinkGrant>[0]['request']) {
  return testLinkGrant(p, {
    identity: alice.identity,
    request,
    currentList: list,
    sync: encodeSyncSnapshot([bob]),
  }).grant
}

test('link over the relay: one code on both devices, the new device ends up certified', async () => {
  const peerId = peerIdBytes(fresh.peerId)
  const keys = createCompanionKeys(p.random, peerId, 'Firefox on the laptop')
  const link = new NewDeviceLink({ platform: p, peerId, relay: relayAddr })
  let codeOnNew: string | undefined
  let taken: ReturnType<typeof acceptLinkGrant> | undefined
  const started = performance.now()
  const onNew = awaitLink(
    fresh,
    link,
    keys.request,
    {
      showCode: (code) => (codeOnNew = code),
      takeGrant: async (grant) => {
        taken = acceptLinkGrant(grant, keys.request, p.clock())
        return Promise.resolve(true)
      },
    },
    LINK_MS,
  )
  const request = await linkNewDevice(
    existing,
    link.offer,
    p,
    {
      confirm: async (code) => {
        await waitFor(() => codeOnNew !== undefined, 5_000)
        return code === codeOnNew // what the user checks by eye
      },
      grant: grantFor,
    },
    LINK_MS,
  )
  await onNew
  console.log(`# device link over the relay: ${(performance.now() - started).toFixed(0)} ms`)
  assert.equal(request.name, 'Firefox on the laptop')
  assert.ok(taken !== undefined)
  assert.deepEqual(taken.identityKey, alice.identity.publicKey)
  assert.equal(taken.list.devices.length, 2)
  assert.equal(taken.list.listVersion > list.listVersion, true)
  assert.deepEqual(decodeSyncSnapshot(taken.sync), [bob], 'the address book came along')
})

test('codes that do not match: nothing is signed and the new device gets nothing', async () => {
  const peerId = peerIdBytes(fresh.peerId)
  const keys = createCompanionKeys(p.random, peerId, 'tab')
  const link = new NewDeviceLink({ platform: p, peerId, relay: relayAddr })
  let tookGrant = false
  let signed = false
  const onNew = awaitLink(
    fresh,
    link,
    keys.request,
    { showCode: () => undefined, takeGrant: () => ((tookGrant = true), Promise.resolve(true)) },
    LINK_MS,
  )
  const onExisting = linkNewDevice(
    existing,
    link.offer,
    p,
    {
      confirm: () => Promise.resolve(false),
      grant: (r) => ((signed = true), grantFor(r)),
    },
    LINK_MS,
  )
  // Both sides end, in either order: settle both before looking.
  const [existingSide, newSide] = await Promise.allSettled([onExisting, onNew])
  for (const r of [existingSide, newSide]) {
    assert.ok(r.status === 'rejected' && r.reason instanceof LinkError)
    assert.equal(r.reason.code, 'declined')
  }
  assert.equal(signed, false)
  assert.equal(tookGrant, false)
})

test('an offer that is not the one the new device showed is caught before anything is signed', async () => {
  const peerId = peerIdBytes(fresh.peerId)
  const keys = createCompanionKeys(p.random, peerId, 'real')
  const real = new NewDeviceLink({ platform: p, peerId, relay: relayAddr })
  // Mallory's offer names the real device's address but commits to a key of its own.
  const swapped = new NewDeviceLink({ platform: p, peerId, relay: relayAddr })
  let signed = false
  const onNew = awaitLink(
    fresh,
    real,
    keys.request,
    { showCode: () => undefined, takeGrant: () => Promise.resolve(true) },
    LINK_MS,
  )
  const newSide = onNew.then(
    () => 'linked',
    () => 'failed',
  )
  await assert.rejects(
    linkNewDevice(
      existing,
      swapped.offer,
      p,
      { confirm: () => Promise.resolve(true), grant: (r) => ((signed = true), grantFor(r)) },
      LINK_MS,
    ),
    (err) => isProtocolError(err, 'bad_signature'),
  )
  assert.equal(await newSide, 'failed')
  assert.equal(signed, false)
})

test('someone who saw the link races the real device: the new device, asked too, refuses the grant', async () => {
  const peerId = peerIdBytes(fresh.peerId)
  const keys = createCompanionKeys(p.random, peerId, 'new tab')
  const link = new NewDeviceLink({ platform: p, peerId, relay: relayAddr })
  const mallory = makeIdentityWithDevices(p, 0, 'mallory')
  const malloryList = issueDeviceList(mallory.identity, {
    previousVersion: 0,
    now: p.clock(),
    devices: mallory.devices.map((d) => d.entry),
  })
  const malloryNode = await startClientNode()
  try {
    let codeOnNew: string | undefined
    // The user is asked on the new device too: it shows the code and whose identity this is, and
    // the user compares with the existing device's screen — which shows no code (no link started).
    const codeOnRealExisting: string | undefined = undefined
    const onNew = awaitLink(
      fresh,
      link,
      keys.request,
      {
        showCode: (code) => (codeOnNew = code),
        takeGrant: () => Promise.resolve(codeOnNew === codeOnRealExisting),
      },
      LINK_MS,
    )
    const byMallory = linkNewDevice(
      malloryNode,
      link.offer,
      p,
      {
        confirm: () => Promise.resolve(true),
        grant: (request) =>
          testLinkGrant(p, { identity: mallory.identity, request, currentList: malloryList }).grant,
      },
      LINK_MS,
    )
    const [mine, theirs] = await Promise.allSettled([onNew, byMallory])
    for (const r of [mine, theirs]) {
      assert.ok(r.status === 'rejected' && r.reason instanceof LinkError)
      assert.equal(r.reason.code, 'refused')
    }
    // The offer is spent: the real existing device cannot use it any more; a new code is shown.
    await assert.rejects(
      linkNewDevice(
        existing,
        link.offer,
        p,
        { confirm: () => Promise.resolve(true), grant: grantFor },
        5_000,
      ),
    )
  } finally {
    await malloryNode.stop()
  }
})
