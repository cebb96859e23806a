// Who commits a leave (ADR 0138, group-leave-order.ts): the members who stay take turns by leaf,
// so with everyone online one commit is made, and with the first member away the next one commits
// (one commit again). Counted at the group mailbox: every commit appended, refused ones too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toBase64Url } from '../../crypto/bytes.ts'
import { FRAME_KIND, decodeGroupFrame } from '../../groups/framing.ts'
import { readPiece } from '../../groups/mailbox-pieces.ts'
import { membersOf } from '../../groups/mls.ts'
import { world, type Device } from '../../../test-support/group-manager-world.ts'
import {
  LeaveCommits,
  leaveCommitDelay,
  leaveCommitRank,
  type LeaveCommitTiming,
} from './group-leave-order.ts'

const TIMING: LeaveCommitTiming = { stepMs: 300, jitterMs: 100, ranked: 5 }
/**
 * The turns of the five devices below: a step well past one commit and the catch-up after it with
 * five devices in one process on a loaded machine (300 ms failed 3 of 6 runs side by side at
 * load 10: the next in turn committed too, before the first commit had reached it).
 */
const TURNS: LeaveCommitTiming = { stepMs: 2_000, jitterMs: 100, ranked: 5 }
const tick = (ms = 20) => new Promise((r) => setTimeout(r, ms))

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++)
    if (await ok()) return
    else await tick()
  assert.fail(`not reached: ${what}`)
}

test('turns: the first member who stays commits at once, the n-th waits n steps and some jitter', () => {
  const byte = (v: number) => () => new Uint8Array(4).fill(v)
  assert.equal(leaveCommitDelay(0, TIMING, byte(255)), 0)
  assert.equal(leaveCommitDelay(1, TIMING, byte(0)), 300)
  assert.ok(leaveCommitDelay(1, TIMING, byte(255)) < 400)
  assert.ok(leaveCommitDelay(2, TIMING, byte(0)) >= 600)
  // Past the ranked places the wait stops growing and spreads over one more window.
  assert.equal(leaveCommitDelay(9, TIMING, byte(0)), 1500)
  assert.ok(leaveCommitDelay(40, TIMING, byte(255)) < 3000)
})

async function five() {
  const names = ['alice', 'bob', 'carol', 'dave', 'erin']
  const w = await world(names, { leaveCommit: TURNS })
  const d = {
    ...{ alice: w.get('alice'), bob: w.get('bob'), carol: w.get('carol') },
    ...{ dave: w.get('dave'), erin: w.get('erin') },
  }
  const gid = await d.alice.manager.create('Club')
  for (const n of names.slice(1)) {
    await d.alice.manager.addContacts(gid, [n]) // one at a time: leaves in join order
    for (const m of names.slice(1))
      await w
        .get(m)
        .manager.catchUp(gid)
        .catch(() => undefined)
  }
  for (const n of names) await w.get(n).manager.catchUp(gid)
  return { w, d, gid }
}

/** Commits appended to the group mailboxes since `from` (refused ones too). */
const commitsSince = (traffic: Uint8Array[], from: number) =>
  traffic.slice(from).filter((b) => decodeGroupFrame(readPiece(b).chunk).kind === FRAME_KIND.commit)
    .length

const leftLines = async (d: Device, gid: string, who: Device) =>
  (await d.store.pageGroupMessages(gid, 50)).filter(
    (m) =>
      m.system?.kind === 'left' && m.system.member === toBase64Url(who.member.identity.publicKey),
  ).length

test('one commit per leave: everyone online, then the first member away', async () => {
  const { w, d, gid } = await five()
  const { alice, bob, carol, dave, erin } = d
  assert.deepEqual(
    [alice, bob, dave, erin].map((x) => leaveCommitRank(x.manager.stateOf(gid))),
    [0, 1, 3, 4],
    'before anyone leaves, ranks follow the leaves',
  )

  // alice (leaf 0) away: bob is first among those who stay; dave and erin wait longer.
  alice.online = false
  let from = w.relayTraffic.length
  await carol.manager.leave(gid)
  const stayed = [bob, dave, erin]
  await until('bob, dave and erin without carol', async () => {
    for (const x of stayed) await x.manager.catchUp(gid)
    return stayed.every((x) => membersOf(x.manager.stateOf(gid)).length === 4)
  })
  await until('no wait left', () => stayed.every((x) => x.manager.waitingLeaves().length === 0))
  assert.equal(commitsSince(w.relayTraffic, from), 1, 'one commit reached the group mailbox')
  for (const x of stayed) assert.equal(await leftLines(x, gid, carol), 1, `${x.name}: carol left`)

  await w.comeBack('alice', gid)
  assert.equal(membersOf(alice.manager.stateOf(gid)).length, 4)
  assert.equal(await leftLines(alice, gid, carol), 1, 'alice, back: carol left')

  // Everyone online: alice commits dave's leave at once, bob and erin find it done.
  from = w.relayTraffic.length
  await dave.manager.leave(gid)
  const rest = [alice, bob, erin]
  await until('alice, bob and erin without dave', async () => {
    for (const x of rest) await x.manager.catchUp(gid)
    return rest.every((x) => membersOf(x.manager.stateOf(gid)).length === 3)
  })
  await until('no wait left', () => rest.every((x) => x.manager.waitingLeaves().length === 0))
  assert.equal(commitsSince(w.relayTraffic, from), 1, 'one commit for dave’s leave')
  for (const x of rest) assert.equal(await leftLines(x, gid, dave), 1, `${x.name}: dave left`)
})

test('a leave read before a stop is committed in turn after the restart', async () => {
  const { w, d, gid } = await five()
  const { alice, bob, carol } = d
  alice.online = false
  for (const x of [d.dave, d.erin]) x.online = false
  const from = w.relayTraffic.length
  await carol.manager.leave(gid)
  await bob.manager.catchUp(gid)
  assert.deepEqual(bob.manager.waitingLeaves(), [gid], 'bob waits for his turn')
  await w.restart('bob') // the wait is dropped with the stop
  await until('bob commits after the restart', async () => {
    await bob.manager.catchUp(gid)
    return membersOf(bob.manager.stateOf(gid)).length === 4
  })
  assert.equal(commitsSince(w.relayTraffic, from), 1)
})

test('a commit started by a turn counts as waiting until it settles (no late commit uncounted)', async () => {
  const { d, gid } = await five()
  const { alice, bob, carol } = d
  alice.online = false
  await carol.manager.leave(gid)
  await bob.manager.catchUp(gid)
  // bob's state with carol's leave pending; its turn comes at once with no step.
  const commits = new LeaveCommits(
    { stepMs: 0, jitterMs: 0, ranked: 5 },
    () => new Uint8Array(4),
    () => undefined,
  )
  let finish: () => void = () => undefined
  let started = false
  commits.schedule(gid, bob.manager.stateOf(gid), () => {
    started = true
    return new Promise<void>((resolve) => (finish = resolve))
  })
  await until('the turn came', () => started)
  assert.deepEqual(commits.waiting(), [gid], 'its commit still runs: the group is still waiting')
  finish()
  await until('the commit settled', () => commits.waiting().length === 0)
  commits.stop()
})
