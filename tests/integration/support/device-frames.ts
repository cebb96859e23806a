/**
 * What the device tests (issue 19) do with a trio's devices beyond the client API: read the one
 * contact a device lists, seal an own-device frame under the real link key between two of Ada's
 * devices (what a relay replaying a deposit, or a device of ours, would hand over), change
 * Ben's key on both of Ada's devices, and put the primary back to before its companions announced
 * their mailboxes.
 */
import type { ContactSummary } from '@hestia/core/client/api.ts'
import { concatBytes } from '@hestia/core/crypto/bytes.ts'
import type { IdentityKeyPair } from '@hestia/core/crypto/identity.ts'
import { systemPlatform as p } from '@hestia/core/crypto/platform.ts'
import { verifyPrekeyBundle } from '@hestia/core/crypto/prekeys.ts'
import { changeSecrets } from '@hestia/core/messenger/context.ts'
import { decodeOutbound, decodeSecrets } from '@hestia/core/messenger/index.ts'
import { loadLocalIdentity, prekeyBundle } from '@hestia/core/messenger/identity.ts'
import { peerIdBytes } from '@hestia/core/messenger/net.ts'
import { sealOwnFrame, type OwnFrameKind } from '@hestia/core/messenger/devices/own-frames.ts'
import { encodeContactState } from '@hestia/core/messenger/devices/sync-state.ts'
import type { ContactRecord } from '@hestia/core/store/records.ts'
import type { DeviceTrio } from './device-trio.ts'
import {
  HostileSession,
  newDevice,
  targetOf,
  text,
  type HostileClient,
  type Target,
} from './hostile-client.ts'
import { waitUntil, type TestPeer } from './messenger-harness.ts'

/** The contact `peer` lists first (Ben on Ada's devices), as its client API shows it. */
export async function firstContact(peer: TestPeer): Promise<ContactSummary> {
  return (await peer.must({ type: 'conversations.list', query: null })).conversations[0]!.contact
}

/** The record of the contact `peer` lists first, as its store holds it. */
export async function firstContactRecord(peer: TestPeer): Promise<ContactRecord> {
  return (await peer.store.getContact((await firstContact(peer)).contactId))!
}

/**
 * A kind 12 or 14 body (a key change accepted or refused, devices.md): `key` (the replaced or the
 * refused one) || a kind 7 state naming `named` at `stamp`, with the name `peer` holds for Ben,
 * unverified and unblocked.
 */
export async function keyDecision(
  peer: TestPeer,
  key: Uint8Array,
  named: Uint8Array,
  stamp: number,
): Promise<Uint8Array> {
  const c = await firstContactRecord(peer)
  const state = encodeContactState({
    stateStamp: stamp,
    routeStamp: 0,
    contact: { identityKey: named, displayName: c.displayName, verified: false, blocked: false },
  })
  return concatBytes(key, state)
}

/**
 * Ben's identity changes (ADR 0720) on both of Ada's devices: the laptop renames him first (the
 * primary takes it: both then hold a stamp an older frame can be below), then `newKey` writes
 * `message` to each device; returns once both hold the key change and block the chat.
 */
export async function bensNewKeyOnBoth(
  trio: DeviceTrio,
  hostile: HostileClient,
  newKey: IdentityKeyPair,
  renamed: string,
  message: string,
): Promise<void> {
  const { a1, a2 } = trio
  await a2.must({
    type: 'contact.rename',
    contactId: (await firstContact(a2)).contactId,
    displayName: renamed,
  })
  await waitUntil('the primary took the rename', async () => {
    return (await firstContact(a1)).displayName === renamed
  })
  const device = await newDevice(newKey)
  for (const target of [await targetOf(a1, trio.ben), await laptopTarget(trio)])
    await hostile.send(target, new HostileSession(device, target), text(message))
  for (const peer of [a1, a2])
    await waitUntil(`${peer.name} holds Ben’s new key`, async () => {
      return (await firstContact(peer)).trust === 'key_changed'
    })
}

/** A frame of `kind` from `from` to `to`, sealed under the link key `from` holds for `to`. */
export async function sealUnderLink(
  from: TestPeer,
  to: TestPeer,
  kind: number,
  body: Uint8Array,
): Promise<Uint8Array> {
  const secrets = decodeSecrets((await from.store.getIdentity())!.secretKeys)
  const toId = to.service.node!.peerId.toString()
  const link = secrets.ownLinks!.find((l) => l.deviceId === toId)!
  const ids = [from, to].map((peer) => peerIdBytes(peer.service.node!.peerId))
  return sealOwnFrame(link.key, ids[0]!, ids[1]!, { kind: kind as OwnFrameKind, body }, p.random)
}

/**
 * Where Ben deposits for Ada's laptop, and the laptop's bundle: a hostile client's Target, so a
 * new key of Ben's can write to the laptop as it does to the primary.
 */
export async function laptopTarget(trio: DeviceTrio): Promise<Target> {
  const adaOnBen = (await trio.ben.store.getConversation(trio.conv.get(trio.ben)!))!.contactId
  const laptop = trio.a2.service.node!.peerId.toString()
  const route = (await trio.ben.store.getDevice(adaOnBen, laptop))!.route!
  const { local, secrets } = loadLocalIdentity((await trio.a2.store.getIdentity())!, p)
  const bundle = verifyPrekeyBundle(prekeyBundle(local, secrets), { now: p.clock() })
  return { deposit: decodeOutbound(route)!, bundle }
}

/**
 * `primary` as right after its links, before a companion's kind 1 came: it forgets the
 * own-devices mailbox each linked device announced (stored, and in the running messenger).
 */
export async function forgetAnnouncedRoutes(primary: TestPeer): Promise<void> {
  await changeSecrets(primary.service.messenger!.ctx, (secrets) => {
    secrets.ownLinks = (secrets.ownLinks ?? []).map(({ route: _route, ...l }) => l)
  })
}
