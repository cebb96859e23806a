/**
 * Who commits a leave (issue 20, ADR 0138 "Who commits"), with real messengers and a loopback
 * relay: alice creates the group with bob, carol and dave (leaves 0-3, in that order). The members
 * who stay take turns by leaf, so one member commits each leave — seen at the relay: every deposit
 * into the group mailbox, opened with the members' entry key, refused compare-and-appends
 * included, each commit's sender read with the leaver's state. (The first in turn can lose its
 * place once to the leaver's own `leave` text, deposited right after the proposal, and make its
 * commit again: still one member.)
 *
 * - alice (the first in turn) is offline; carol leaves: bob, next in turn, commits; dave, online
 *   too, finds it done. bob and dave say "carol left" once, alice too when back.
 * - Everyone online; dave leaves: alice commits at once, bob finds it done; all say "dave left".
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { toBase64Url, toHex } from '@hestia/core/crypto/bytes.ts'
import { groupEntryKey, openEntry } from '@hestia/core/groups/entry-seal.ts'
import { FRAME_KIND, decodeGroupFrame } from '@hestia/core/groups/framing.ts'
import { readPiece } from '@hestia/core/groups/mailbox-pieces.ts'
import { membersOf, senderLeafOf } from '@hestia/core/groups/mls.ts'
import { recordRelay, type RelayRecorder } from '../../relay-node/test-support/relay-recorder.ts'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import {
  makeGroup,
  startAliceContact,
  startGroupTrio,
  type GroupTrio,
} from './support/group-trio.ts'

describe('one commit per leave: members take turns', () => {
  let trio: GroupTrio
  let alice: TestPeer
  let bob: TestPeer
  let carol: TestPeer
  let dave: TestPeer
  let recorder: RelayRecorder
  let groupId: string
  /** Identity key ids as alice knows them (what system lines name people by). */
  const keyIds = new Map<string, string>()

  const groupsOf = (p: TestPeer) => p.service.messenger!.groups
  const memberCount = async (p: TestPeer) => membersOf(await groupsOf(p).state(groupId)).length
  /** How many "left" lines `p` stores for the person `name`. */
  async function leftLines(p: TestPeer, name: string) {
    const key = keyIds.get(name)
    const { messages } = await p.must({ type: 'groups.messages', groupId })
    return messages.filter((m) => m.system?.kind === 'left' && m.system.member.keyId === key).length
  }
  /**
   * The group frames deposited into the mailbox `leaver` knew, from request `from` on: proposals
   * counted, and the leaf of each commit's committer, read with the leaver's state (it stopped
   * reading at its leave, so its state is of the epoch the commits were made in).
   */
  async function deposited(leaver: TestPeer, from: number) {
    const home = (await leaver.store.getGroup(groupId))!.mailbox
    const state = await groupsOf(leaver).state(groupId)
    const key = groupEntryKey(home.authSecret)
    const frames = (await recorder.record()).requests
      .slice(from)
      .filter((r) => r.op === 'deposit' && r.mailboxId === toHex(home.mailboxId))
      .map((r) => decodeGroupFrame(openEntry(key, readPiece(r.sealed!).chunk)))
    const commits = frames.filter((f) => f.kind === FRAME_KIND.commit)
    return {
      proposals: frames.filter((f) => f.kind === FRAME_KIND.proposal).length,
      committers: [...new Set(await Promise.all(commits.map((f) => senderLeafOf(state, f.mls))))],
    }
  }
  const requestCount = async () => (await recorder.record()).requests.length
  /** Waits until no member waits for its turn any more (so a late commit would be counted). */
  async function turnsOver(peers: TestPeer[]) {
    await waitUntil(
      'no member waits for its turn',
      async () => {
        for (const p of peers) if ((await groupsOf(p).waitingLeaves()).length > 0) return false
        return true
      },
      30_000,
    )
  }

  before(async () => {
    trio = await startGroupTrio()
    ;({ alice, bob, carol } = trio)
    dave = await startAliceContact(trio, 'dave')
    recorder = recordRelay(trio.relay)
    groupId = await makeGroup(alice, [bob, carol, dave])
    for (const c of await alice.store.listContacts())
      keyIds.set(c.displayName, toBase64Url(c.identityPublicKey))
  })

  after(async () => {
    recorder.stop()
    await dave.stop().catch(() => undefined)
    await trio.stop()
  })

  test('the first in turn offline: the next one commits, once; all say "carol left" once', async () => {
    await alice.stop()
    const from = await requestCount()
    await carol.must({ type: 'groups.leave', groupId })
    await waitUntil(
      'bob and dave without carol',
      async () => {
        for (const p of [bob, dave]) await p.must({ type: 'groups.messages', groupId })
        return (await memberCount(bob)) === 3 && (await memberCount(dave)) === 3
      },
      60_000,
    )
    await turnsOver([bob, dave])
    const seen = await deposited(carol, from)
    assert.equal(seen.proposals, 1, "carol's proposal is seen at the relay")
    assert.deepEqual(seen.committers, [1], 'bob (leaf 1) alone committed')
    for (const p of [bob, dave]) assert.equal(await leftLines(p, 'carol'), 1, `${p.name}`)

    await alice.start()
    await waitUntil(
      'alice, back, applies the leave',
      async () => {
        await alice.must({ type: 'groups.messages', groupId })
        return (await memberCount(alice)) === 3
      },
      60_000,
    )
    await turnsOver([alice])
    assert.deepEqual((await deposited(carol, from)).committers, [1], 'alice, back, commits nothing')
    assert.equal(await leftLines(alice, 'carol'), 1)
  })

  test('everyone online: the first in turn commits, once; all say "dave left" once', async () => {
    const from = await requestCount()
    await dave.must({ type: 'groups.leave', groupId })
    await waitUntil(
      'alice and bob without dave',
      async () => {
        for (const p of [alice, bob]) await p.must({ type: 'groups.messages', groupId })
        return (await memberCount(alice)) === 2 && (await memberCount(bob)) === 2
      },
      60_000,
    )
    await turnsOver([alice, bob])
    const seen = await deposited(dave, from)
    assert.equal(seen.proposals, 1)
    assert.deepEqual(seen.committers, [0], 'alice (leaf 0) alone committed')
    for (const p of [alice, bob]) assert.equal(await leftLines(p, 'dave'), 1, `${p.name}`)
  })
})
