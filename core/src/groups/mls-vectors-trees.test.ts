// Official MLS interop vectors, part 2: ratchet trees (validation, operations; TreeKEM has its own file). The
// group layer exposes no tree surgery, so these run through ts-mls's tree primitives, which are
// the same functions mls.ts reaches through createCommit/processMessage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../crypto/bytes.ts'
import {
  addLeafNode,
  decodeRatchetTree,
  encodeRatchetTree,
  removeLeafNode,
  resolution,
  updateLeafNode,
  type RatchetTree,
} from 'ts-mls/ratchetTree.js'
import { treeHash, treeHashRoot } from 'ts-mls/treeHash.js'
import { verifyParentHashes } from 'ts-mls/parentHash.js'
import { verifyLeafNodeSignature } from 'ts-mls/leafNode.js'
import { nodeToLeafIndex, toLeafIndex, toNodeIndex } from 'ts-mls/treemath.js'
import { decodeProposal } from 'ts-mls/proposal.js'
import { hex, runVectors, suiteFor } from '../../test-support/mls-vectors.ts'

function tree(bytes: string): RatchetTree {
  const decoded = decodeRatchetTree(hex(bytes), 0)
  assert.ok(decoded !== undefined, 'ratchet tree decodes')
  return decoded[0]
}

interface TreeValidation {
  cipher_suite: number
  tree: string
  group_id: string
  resolutions: number[][]
  tree_hashes: string[]
}

void test('MLS vectors tree-validation.json', async (t) => {
  await runVectors<TreeValidation>(t, 'tree-validation.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const tr = tree(v.tree)
    for (const [i, expected] of v.resolutions.entries()) {
      assert.deepEqual(resolution(tr, toNodeIndex(i)), expected, `resolution(${i})`)
    }
    for (const [i, expected] of v.tree_hashes.entries()) {
      assert.equal(
        toHex(await treeHash(tr, toNodeIndex(i), impl.hash)),
        expected,
        `tree hash(${i})`,
      )
    }
    assert.ok(await verifyParentHashes(tr, impl.hash), 'parent hashes')
    for (const [i, node] of tr.entries()) {
      if (node?.nodeType !== 'leaf') continue
      const ok = await verifyLeafNodeSignature(
        node.leaf,
        hex(v.group_id),
        nodeToLeafIndex(toNodeIndex(i)),
        impl.signature,
      )
      assert.ok(ok, `leaf signature at node ${i}`)
    }
  })
})

interface TreeOperation {
  cipher_suite: number
  tree_before: string
  proposal: string
  proposal_sender: number
  tree_hash_before: string
  tree_after: string
  tree_hash_after: string
}

void test('MLS vectors tree-operations.json', async (t) => {
  await runVectors<TreeOperation>(t, 'tree-operations.json', async (v) => {
    const { impl } = await suiteFor(v.cipher_suite)
    const before = tree(v.tree_before)
    assert.equal(
      toHex(await treeHashRoot(before, impl.hash)),
      v.tree_hash_before,
      'tree hash before',
    )
    const decoded = decodeProposal(hex(v.proposal), 0)
    assert.ok(decoded !== undefined, 'proposal decodes')
    const p = decoded[0]
    let after: RatchetTree
    if (p.proposalType === 'add') after = addLeafNode(before, p.add.keyPackage.leafNode)[0]
    else if (p.proposalType === 'update')
      after = updateLeafNode(before, p.update.leafNode, toLeafIndex(v.proposal_sender))
    else if (p.proposalType === 'remove')
      after = removeLeafNode(before, toLeafIndex(p.remove.removed))
    else throw new Error(`unexpected proposal ${p.proposalType}`)
    assert.equal(toHex(encodeRatchetTree(after)), v.tree_after, 'tree after')
    assert.equal(toHex(await treeHashRoot(after, impl.hash)), v.tree_hash_after, 'tree hash after')
  })
})
