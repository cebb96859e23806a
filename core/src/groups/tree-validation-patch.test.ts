// The patched ratchet-tree check (patches/ts-mls+1.6.4.patch, ADR 0131) from the attacker's side:
// it must accept the valid tree unpatched 1.6.4 refused, and still refuse what RFC 9420 §7.9.2 /
// §12.4.3.1 forbids — a node between an unmerged leaf and the node listing it that does not list
// the leaf, and an entry naming a leaf that is not below the listing node. A welcome's tree is
// chosen by whoever commits, so these are the trees a hostile member would hand a joiner.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ParentNode, RatchetTree } from 'ts-mls'
import { validateRatchetTree } from 'ts-mls/clientState.js'
import { defaultClientConfig } from 'ts-mls/clientConfig.js'
import { directPath, leafToNodeIndex, leafWidth, toLeafIndex } from 'ts-mls/treemath.js'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { GroupSim } from '../../test-support/group-sim.ts'
import { loadSuite, type Group } from './mls.ts'

const suite = await loadSuite()
const p = { random: seededRandom('tree-validation-patch.test'), clock: fixedClock().clock }

/** After a remove and two adds the root lists leaves 0 and 6 and its left child lists 0. */
async function treeWithTwoUnmergedUnderRoot(): Promise<Group> {
  const sim = await GroupSim.start(suite, p, ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7'])
  for (const who of ['d1', 'd2', 'd3', 'd4', 'd5']) {
    await sim.commit('d0', { op: 'add', who })
    await sim.settle()
  }
  await sim.commit('d2', { op: 'remove', who: 'd0' })
  await sim.settle()
  await sim.commit('d1', { op: 'add', who: 'd6' })
  await sim.settle()
  await sim.commit('d1', { op: 'add', who: 'd7' })
  await sim.settle()
  return sim.device('d1').group!
}

const group = await treeWithTwoUnmergedUnderRoot()

async function validate(tree: RatchetTree): Promise<string | undefined> {
  const s = group.state
  const err = await validateRatchetTree(
    tree,
    s.groupContext,
    defaultClientConfig.lifetimeConfig,
    { validateCredential: () => Promise.resolve(true) },
    s.groupContext.treeHash,
    suite.impl,
  )
  return err?.message
}

/** A parent node listing leaf `leaf`, with a non-blank node between the two (index pairs). */
function listingWithIntermediate(tree: RatchetTree) {
  const width = leafWidth(tree.length)
  for (const [i, n] of tree.entries()) {
    if (n?.nodeType !== 'parent') continue
    for (const leaf of n.parent.unmergedLeaves) {
      const path = directPath(leafToNodeIndex(toLeafIndex(leaf)), width)
      const between = path.slice(0, path.indexOf(i as never)).filter((x) => tree[x] !== undefined)
      if (between.length > 0) return { listing: i, leaf, between: between[0]! }
    }
  }
  return undefined
}

function withParent(tree: RatchetTree, index: number, change: (p: ParentNode) => ParentNode) {
  const copy = [...tree]
  const node = copy[index]
  assert.ok(node?.nodeType === 'parent')
  copy[index] = { nodeType: 'parent', parent: change(node.parent) }
  return copy
}

test('the valid tree with two unmerged leaves under the root passes the patched check', async () => {
  const found = listingWithIntermediate(group.state.ratchetTree)
  assert.ok(found !== undefined, 'the fixture has a listed leaf with a listing node in between')
  assert.equal(await validate(group.state.ratchetTree), undefined)
})

test('refused: a node between the unmerged leaf and the listing node that does not list it', async () => {
  const tree = group.state.ratchetTree
  const { leaf, between } = listingWithIntermediate(tree)!
  const forged = withParent(tree, between, (p) => ({
    ...p,
    unmergedLeaves: p.unmergedLeaves.filter((l) => l !== leaf),
  }))
  assert.match((await validate(forged)) ?? '', /must list leaf node in its unmerged_leaves/)
})

test('refused: an unmerged entry naming a non-blank leaf that is not below the listing node', async () => {
  const tree = group.state.ratchetTree
  const { between } = listingWithIntermediate(tree)!
  const width = leafWidth(tree.length)
  // A non-blank leaf whose direct path does not pass through `between`.
  const stranger = tree.findIndex(
    (n, i) =>
      n?.nodeType === 'leaf' &&
      !directPath(leafToNodeIndex(toLeafIndex(i / 2)), width).includes(between),
  )
  assert.ok(stranger >= 0)
  const forged = withParent(tree, between, (p) => ({
    ...p,
    unmergedLeaves: [...p.unmergedLeaves, toLeafIndex(stranger / 2)],
  }))
  assert.match((await validate(forged)) ?? '', /non-blank descendant leaf node/)
})
