// Property: random sequences of add, remove, update and send across 10 simulated devices, with
// commits made concurrently and by devices that are behind, ordered by an in-memory home relay
// (first commit for an epoch wins, the losers propose again; core/test-support/group-sim.ts).
// Afterwards every member is at the same epoch with the same tree hash, epoch authenticator and
// member list; every epoch had exactly one commit applied by all who saw it; a removed device read
// nothing sent after its removal (the simulator fails at once if it does).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { toHex } from '../crypto/bytes.ts'
import { epochAuthenticatorOf, epochOf, loadSuite, treeHashOf } from './mls.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { GroupSim, type Change } from '../../test-support/group-sim.ts'

const NAMES = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7', 'd8', 'd9']
const suite = await loadSuite()

/** One step: a send, or a batch of commits made at once (before anyone syncs). */
type Step =
  | { kind: 'send'; by: number; offline: number[] }
  | {
      kind: 'commits'
      ops: { by: number; op: 'add' | 'remove' | 'update'; target: number }[]
      offline: number[]
    }

const index = fc.nat({ max: 9 })
const offline = fc.uniqueArray(index, { maxLength: 3 })
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), by: index, offline }),
  fc.record({
    kind: fc.constant('commits' as const),
    ops: fc.array(
      fc.record({
        by: index,
        op: fc.constantFrom('add' as const, 'remove' as const, 'update' as const),
        target: index,
      }),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    offline,
  }),
)

/** Picks the `i`-th of a list, wrapping (fast-check draws indexes, the list changes as we go). */
const pick = <T>(list: T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length]

async function runSteps(sim: GroupSim, steps: Step[]): Promise<void> {
  for (const s of steps) {
    const active = sim.active()
    if (s.kind === 'send') {
      const by = pick(active, s.by)
      if (by !== undefined) await sim.send(by)
    } else {
      const committed = new Set<string>()
      for (const o of s.ops) {
        const by = pick(active, o.by)
        if (by === undefined || committed.has(by) || sim.device(by).pending !== undefined) continue
        let change: Change | undefined
        if (o.op === 'update') change = { op: 'update' }
        else if (o.op === 'add') {
          const who = pick(sim.outside(), o.target)
          if (who !== undefined) change = { op: 'add', who }
        } else {
          const who = pick(
            active.filter((n) => n !== by),
            o.target,
          )
          if (who !== undefined && active.length > 2) change = { op: 'remove', who }
        }
        if (change === undefined) continue
        committed.add(by)
        await sim.commit(by, change)
      }
    }
    // Devices not offline this step catch up; losers propose again.
    const away = new Set(s.offline.map((i) => NAMES[i]))
    for (const name of NAMES) if (!away.has(name)) await sim.sync(name)
    await sim.retryLosers()
  }
  await sim.settle()
}

function checkAgreement(sim: GroupSim): void {
  const active = sim.active()
  assert.ok(active.length >= 1)
  const first = sim.device(active[0]!).group!
  for (const name of active) {
    const g = sim.device(name).group!
    assert.equal(epochOf(g), epochOf(first), `${name} epoch`)
    assert.equal(toHex(treeHashOf(g)), toHex(treeHashOf(first)), `${name} tree hash`)
    assert.equal(
      toHex(epochAuthenticatorOf(g)),
      toHex(epochAuthenticatorOf(first)),
      `${name} epoch authenticator`,
    )
    assert.deepEqual(sim.namesIn(g).sort(), [...active].sort(), `${name} member list`)
  }
  // Every welcome was accepted (unpatched ts-mls 1.6.4 refused some, ADR 0131).
  assert.deepEqual([...sim.ghosts], [], 'joiners refused by the library')
  // One winner per epoch: every device that left an epoch left it by the same commit.
  const winner = new Map<bigint, number>()
  for (const d of sim.devices.values()) {
    for (const [epoch, seq] of d.applied) {
      assert.equal(winner.get(epoch) ?? seq, seq, `epoch ${epoch} resolved to one commit`)
      winner.set(epoch, seq)
    }
  }
}

void test('group ordering property: 10 devices, random add/remove/update/send with concurrent and stale commits', async (t) => {
  const totals = { runs: 0, commits: 0, lost: 0, removedTries: 0, messages: 0, ghosts: 0 }
  await fc.assert(
    fc.asyncProperty(
      fc.array(step, { minLength: 4, maxLength: 10 }),
      fc.string({ maxLength: 8 }),
      async (steps, seed) => {
        const time = fixedClock()
        const sim = await GroupSim.start(
          suite,
          { random: seededRandom(`ordering/${seed}`), clock: time.clock },
          NAMES,
        )
        // Start with four members so removes and concurrency happen from the first step.
        await sim.commit('d0', { op: 'add', who: 'd1' })
        await sim.settle()
        await sim.commit('d0', { op: 'add', who: 'd2' })
        await sim.commit('d1', { op: 'add', who: 'd3' }) // concurrent with d0's: one of them wins
        await runSteps(sim, steps)
        checkAgreement(sim)
        totals.runs++
        totals.commits += sim.log.filter((e) => e.kind === 'commit').length
        totals.lost += sim.lostCommits
        totals.removedTries += sim.attemptsAfterRemoval
        totals.messages += sim.sentTo.size
        totals.ghosts += sim.ghosts.size
      },
    ),
    { numRuns: 12, seed: 20261206 },
  )
  t.diagnostic(
    `${totals.runs} runs: ${totals.commits} commits (${totals.lost} lost to an earlier commit for their epoch and proposed again), ` +
      `${totals.messages} messages, ${totals.removedTries} read attempts by removed devices (all failed), ` +
      `${totals.ghosts} welcomes refused (ts-mls patched, ADR 0131)`,
  )
  // The run must have exercised what it claims to prove.
  assert.ok(totals.lost > 0, 'some commits raced for an epoch')
  assert.ok(totals.removedTries > 0, 'some removed devices tried to read later messages')
})
