/**
 * The three people of the group integration tests, on real messengers and a real relay: alice and
 * bob are contacts (WebRTC allowed); carol runs without WebRTC, so the group mailbox is her only
 * way in, and she is a contact of alice only (bob and carol reach each other through the group).
 * Also the reads and waits those tests share.
 */
import assert from 'node:assert/strict'
import type { RelayHandle } from '@hestia/relay-node'
import type { GroupMessage } from '@hestia/core/client/api.ts'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  tempDir,
  waitUntil,
} from './messenger-harness.ts'

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
