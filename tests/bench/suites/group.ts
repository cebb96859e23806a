// MLS group commits in Node (issue 20): group.commit_ms.<add|remove>_<n> is the median time one
// member takes to create a commit that removes one member from a group of n devices, or adds one
// back so it has n again (50 and 200), ciphersuite 0x0001, through core/src/groups/mls.ts. A remove
// carries a fresh path for the committer (HPKE to the copath: the cost grows with blank parents, as
// right after the bulk add that builds the group); an add-only commit carries none (ADR 0130).
import type { BenchMode, BenchSuite, Metric } from '../types.ts'
import { percentile } from '../lib/stats.ts'
import { systemPlatform as p } from '../../../core/src/crypto/platform.ts'
import {
  commitChanges,
  createGroup,
  loadSuite,
  membersOf,
  type Group,
} from '../../../core/src/groups/mls.ts'
import { makeMember } from '../../../core/test-support/group-fixtures.ts'
import { groupSendP50 } from '../lib/group-send.ts'

const SIZES = [50, 200] as const
const ROUNDS: Record<BenchMode, number> = { smoke: 2, quick: 5, full: 20 }

async function groupOf(n: number): Promise<{ group: Group; spare: Uint8Array[] }> {
  const suite = await loadSuite()
  const owner = makeMember(p, suite, 'owner')
  const group = await createGroup(suite, owner.checker, p.random(32), await owner.keyPackage())
  const kps = await Promise.all(
    Array.from({ length: n - 1 }, (_, i) => makeMember(p, suite, `m${i}`).keyPackage()),
  )
  const r = await commitChanges(group, { add: kps.map((k) => k.bytes) })
  const spare = await Promise.all(
    Array.from({ length: 25 }, (_, i) => makeMember(p, suite, `s${i}`).keyPackage()),
  )
  return { group: r.group, spare: spare.map((k) => k.bytes) }
}

async function measure(
  n: number,
  rounds: number,
  log: (m: string) => void,
): Promise<{ add: number; remove: number }> {
  const { group, spare } = await groupOf(n)
  let g = group
  const adds: number[] = []
  const removes: number[] = []
  for (let i = 0; i < rounds; i++) {
    // Remove the last leaf (n → n - 1), then add a new member back (→ n): the group never goes
    // over the 200-member cap, and each add commit ends at n members.
    const last = membersOf(g).at(-1)!.leaf
    let t = performance.now()
    const removed = await commitChanges(g, { remove: [last] })
    removes.push(performance.now() - t)
    g = removed.group
    t = performance.now()
    const added = await commitChanges(g, { add: [spare[i % spare.length]!] })
    adds.push(performance.now() - t)
    g = added.group
  }
  log(
    `group of ${n}: add p50 ${percentile(adds, 50).toFixed(1)} ms, remove p50 ${percentile(removes, 50).toFixed(1)} ms`,
  )
  return { add: percentile(adds, 50), remove: percentile(removes, 50) }
}

const suite: BenchSuite = {
  prefix: 'group',
  metrics: [
    ...SIZES.flatMap((n) => [`group.commit_ms.add_${n}`, `group.commit_ms.remove_${n}`]),
    'group.send_p50_ms',
  ],
  async run(ctx) {
    const metrics: Record<string, Metric> = {}
    for (const n of SIZES) {
      if (ctx.signal?.aborted === true) break
      const r = await measure(n, ROUNDS[ctx.mode], ctx.log)
      metrics[`group.commit_ms.add_${n}`] = { value: r.add, unit: 'ms' }
      metrics[`group.commit_ms.remove_${n}`] = { value: r.remove, unit: 'ms' }
    }
    if (ctx.signal?.aborted !== true) {
      const send = await groupSendP50(50, ROUNDS[ctx.mode] * 4, ctx.log)
      metrics['group.send_p50_ms'] = { value: send, unit: 'ms' }
    }
    return metrics
  },
}

export default suite
