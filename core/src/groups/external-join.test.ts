// A way around ts-mls 1.6.4's unmerged_leaves refusal (ADR 0130), checked, not yet used: members
// join by an external commit (RFC 9420 §12.4.3.2) instead of being added. The joiner's own path
// then covers all its ancestors, so the tree never holds unmerged leaves and the library's faulty
// check has nothing to trip on. The same join sequence that makes 1.6.4 refuse a welcome
// (groups.test.ts) goes through here, and every member ends with the same tree hash. What it would
// take to use it (members accepting an external commit only for a device an admin invited) is
// open; this goes straight to the library because the group layer has no external join yet.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  createGroupInfoWithExternalPubAndRatchetTree,
  encodeMlsMessage,
  joinGroupExternal,
} from 'ts-mls'
import { toHex } from '../crypto/bytes.ts'
import {
  commitChanges,
  createGroup,
  loadSuite,
  processMessage,
  treeHashOf,
  type Group,
} from './mls.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember, type TestMember } from '../../test-support/group-fixtures.ts'

const suite = await loadSuite()
const p = { random: seededRandom('external-join.test'), clock: fixedClock().clock }

class ExternalJoins {
  readonly groups = new Map<number, Group>()
  readonly members: TestMember[]
  constructor(members: TestMember[]) {
    this.members = members
  }

  async everyoneProcesses(commit: Uint8Array, except?: number): Promise<void> {
    for (const [i, g] of this.groups) {
      if (i !== except) this.groups.set(i, (await processMessage(g, commit)).group)
    }
  }

  /** `who` joins with the GroupInfo (tree inside) that member `helper` hands it. */
  async join(helper: number, who: number): Promise<void> {
    const state = this.groups.get(helper)!.state
    const info = await createGroupInfoWithExternalPubAndRatchetTree(state, [], suite.impl)
    const own = await this.members[who]!.keyPackage()
    const checker = this.members[who]!.checker
    const config = {
      ...state.clientConfig,
      authService: {
        validateCredential: (
          c: { credentialType: string; identity?: Uint8Array },
          key: Uint8Array,
        ) =>
          Promise.resolve(
            c.credentialType === 'basic' && checker.check(c.identity, key) !== undefined,
          ),
      },
    }
    const r = await joinGroupExternal(
      info,
      own.publicPackage,
      own.privatePackage,
      false,
      suite.impl,
      undefined,
      config,
    )
    const commit = encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_public_message',
      publicMessage: r.publicMessage,
    })
    await this.everyoneProcesses(commit)
    this.groups.set(who, { suite, checker, state: r.newState })
  }
}

test('external joins: the sequence 1.6.4 refuses as welcomes goes through, no unmerged leaves', async () => {
  const members = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7'].map((n) =>
    makeMember(p, suite, n),
  )
  const sim = new ExternalJoins(members)
  sim.groups.set(
    0,
    await createGroup(suite, members[0]!.checker, p.random(32), await members[0]!.keyPackage()),
  )
  for (const who of [1, 2, 3, 4, 5]) await sim.join(0, who)
  const removal = await commitChanges(sim.groups.get(2)!, { remove: [0] }) // leaf 0 goes blank
  sim.groups.delete(0)
  sim.groups.set(2, removal.group)
  await sim.everyoneProcesses(removal.commit, 2)
  await sim.join(1, 6)
  await sim.join(1, 7)
  const hashes = new Set([...sim.groups.values()].map((g) => toHex(treeHashOf(g))))
  assert.equal(sim.groups.size, 7)
  assert.equal(hashes.size, 1, 'every member has the same tree')
  const unmerged = sim.groups
    .get(7)!
    .state.ratchetTree.filter((n) => n?.nodeType === 'parent' && n.parent.unmergedLeaves.length > 0)
  assert.equal(unmerged.length, 0)
})
