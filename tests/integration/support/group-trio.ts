/**
 * The three people of the group integration tests, on real messengers and a real relay: alice and
 * bob are contacts (WebRTC allowed); carol runs without WebRTC, so the group mailbox is her only
 * way in, and she is a contact of alice only (bob and carol reach each other through the group).
 * Also the reads and waits those tests share.
 */
import assert from 'node:assert/strict'
import type { Libp2p } from '@libp2p/interface'
import type { RelayHandle } from '@hestia/relay-node'
import { publicKeyFromSecret } from '@hestia/core/mailbox/index.ts'
import { groupEntryKey, sealEntry } from '@hestia/core/groups/entry-seal.ts'
import { encodeGroupFrame, type FrameKind } from '@hestia/core/groups/framing.ts'
import { cutIntoPieces } from '@hestia/core/groups/mailbox-pieces.ts'
import { groupMailboxPort } from '@hestia/core/messenger/group-mailbox.ts'
import type { GroupMessage } from '@hestia/core/client/api.ts'
import { epochOf } from '@hestia/core/groups/mls.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  tempDir,
  waitUntil,
} from './messenger-harness.ts'
import { mailboxClientFor } from '../relay-helpers.ts'

export interface GroupTrio {
  relay: RelayHandle
  alice: TestPeer
  bob: TestPeer
  carol: TestPeer
  /** Stops the three and the relay, and lets node-datachannel go (call last). */
  stop(): Promise<void>
}

/** Starts the relay (on disk) and the three, contacts as described above. */
export async function startGroupTrio(
  /** Relay mailbox settings other than the loopback defaults (startTestRelay). */
  mailbox?: Parameters<typeof startTestRelay>[2],
): Promise<GroupTrio> {
  const relay = await startTestRelay(tempDir(), 0, mailbox)
  const alice = new TestPeer('alice', relay.multiaddrs)
  const bob = new TestPeer('bob', relay.multiaddrs)
  const carol = new TestPeer('carol', relay.multiaddrs)
  carol.direct = false // no WebRTC: carol is reached through mailboxes only
  const stop = async (): Promise<void> => {
    for (const p of [alice, bob, carol]) await p.stop().catch(() => undefined)
    await relay.stop().catch(() => undefined)
    releaseWebRTC()
  }
  try {
    for (const p of [alice, bob, carol]) await p.start()
    await connectPeers(alice, bob)
    // carol accepts alice's next invite (alice's identity exists already).
    await carol.must({ type: 'identity.create', displayName: 'carol' })
    const invite = await alice.must({ type: 'invite.mine' })
    await carol.must({ type: 'invite.accept', invite: invite.link })
    await waitUntil('alice sees carol', async () => (await alice.store.listContacts()).length === 2)
    return { relay, alice, bob, carol, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * One more person on the trio's relay, a contact of alice only and reached through mailboxes (as
 * carol). The caller stops it.
 */
export async function startAliceContact(trio: GroupTrio, name: string): Promise<TestPeer> {
  const p = new TestPeer(name, trio.relay.multiaddrs)
  p.direct = false
  await p.start()
  const before = (await trio.alice.store.listContacts()).length
  await p.must({ type: 'identity.create', displayName: name })
  const invite = await trio.alice.must({ type: 'invite.mine' })
  await p.must({ type: 'invite.accept', invite: invite.link })
  await waitUntil(
    `alice sees ${name}`,
    async () => (await trio.alice.store.listContacts()).length === before + 1,
  )
  return p
}

/**
 * `admin` creates a group and adds its contacts `members` one at a time, so the join order (and
 * the leaves) follow the list; resolves with the group id once everyone is at one epoch.
 */
export async function makeGroup(
  admin: TestPeer,
  members: readonly TestPeer[],
  name = 'Team',
): Promise<string> {
  const groupId = (await admin.must({ type: 'groups.create', name })).groupId
  for (const p of members) {
    const contactIds = [await contactIdOf(admin, p.name)]
    await admin.must({ type: 'groups.addMembers', groupId, contactIds })
    await waitUntil(
      `${p.name} joined`,
      async () => (await p.store.getGroup(groupId)) !== undefined,
      60_000,
    )
  }
  const groupsOf = (p: TestPeer) => p.service.messenger!.groups
  await waitUntil(
    'everyone at the same epoch',
    async () => {
      const everyone = [admin, ...members]
      const states = await Promise.all(everyone.map((p) => groupsOf(p).state(groupId)))
      await Promise.all(members.map((p) => groupsOf(p).catchUp(groupId)))
      return new Set(states.map((s) => epochOf(s))).size === 1
    },
    30_000,
  )
  return groupId
}

/**
 * alice creates a group named `name` and adds bob and carol in one request; resolves with its id
 * once both were told they joined (a `group.changed` event, not a read of their stores).
 */
export async function groupOfThree(trio: GroupTrio, name: string): Promise<string> {
  const { alice } = trio
  const { groupId } = await alice.must({ type: 'groups.create', name })
  const contacts = [await contactIdOf(alice, 'bob'), await contactIdOf(alice, 'carol')]
  await alice.must({ type: 'groups.addMembers', groupId, contactIds: contacts })
  for (const p of [trio.bob, trio.carol]) {
    await waitUntil(
      `${p.name} joined`,
      () =>
        p.events.some(
          (e) => e.type === 'group.changed' && e.change === 'joined' && e.group.groupId === groupId,
        ),
      60_000,
    )
  }
  return groupId
}

/** The contact id `of` has for the contact named `name`. */
export async function contactIdOf(of: TestPeer, name: string): Promise<string> {
  const c = (await of.store.listContacts()).find((x) => x.displayName === name)
  assert.ok(c !== undefined, `${of.name} knows ${name}`)
  return c.contactId
}

/**
 * The members' messages this peer was told for `groupId` since its (re)start: group.message
 * events that are not system lines (joins, renames, removals: ADR 0782).
 */
export function toldGroupMessages(p: TestPeer, groupId: string): GroupMessage[] {
  return p.events.flatMap((e) =>
    e.type === 'group.message' && e.message.groupId === groupId && e.message.system === undefined
      ? [e.message]
      : [],
  )
}

export function toldGroupTexts(p: TestPeer, groupId: string): string[] {
  return toldGroupMessages(p, groupId).map((m) => m.text)
}

/** Waits (30 s at most) until `p` was told `text` in the group. */
export async function waitTold(
  p: TestPeer,
  groupId: string,
  text: string,
  what = `${p.name} is told "${text}"`,
): Promise<void> {
  await waitUntil(what, () => toldGroupTexts(p, groupId).includes(text), 30_000)
}

/**
 * A modified client's hands on a group mailbox: its own libp2p node, and the mailbox credentials
 * and entry key a member (`member`) holds for `groupId`. Read to the end first: `last` is the id
 * of the newest entry. `append` seals a frame as members do and appends it at `expectedId`
 * (compare-and-append), resolving with its id.
 */
export async function forgerIn(
  node: Libp2p,
  trio: GroupTrio,
  member: TestPeer,
  groupId: string,
): Promise<{
  last: bigint
  append(kind: FrameKind, mls: Uint8Array, expectedId: bigint): Promise<bigint>
}> {
  const home = (await member.store.getGroup(groupId))!.mailbox
  const port = groupMailboxPort(mailboxClientFor(node, trio.relay.multiaddrs[0]!), {
    mailboxId: home.mailboxId,
    authSecretKey: home.authSecret,
    authPublicKey: publicKeyFromSecret(home.authSecret),
    capability: home.capability,
  })
  let last = 0n
  for (let more = true; more;) {
    const page = await port.read(last)
    for (const e of page.entries) last = e.id
    more = page.more && page.entries.length > 0
  }
  const random = (n: number) => crypto.getRandomValues(new Uint8Array(n))
  return {
    last,
    append: (kind, mls, expectedId) => {
      const sealed = sealEntry(groupEntryKey(home.authSecret), encodeGroupFrame(kind, mls), random)
      return port.append(cutIntoPieces(sealed, new Uint8Array(8))[0]!, expectedId)
    },
  }
}
