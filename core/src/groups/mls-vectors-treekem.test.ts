// Official MLS interop vectors, part 3: TreeKEM (RFC 9420 §7.4-7.6), in a file of its own because
// it is the slowest (seven suites, P-521 and X448 in pure JS): node:test runs files in parallel.
// The group layer exposes no UpdatePath surgery, so this runs through ts-mls's TreeKEM functions,
// the same ones mls.ts reaches through createCommit/processMessage.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../crypto/bytes.ts'
import { decodeRatchetTree, getHpkePublicKey, type RatchetTree } from 'ts-mls/ratchetTree.js'
import { treeHashRoot } from 'ts-mls/treeHash.js'
import { verifyParentHashes } from 'ts-mls/parentHash.js'
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js'
import { applyUpdatePath, createUpdatePath, decodeUpdatePath } from 'ts-mls/updatePath.js'
import { applyUpdatePathSecret } from 'ts-mls/createCommit.js'
import { getCommitSecret } from 'ts-mls/pathSecrets.js'
import { toPrivateKeyPath, type PrivateKeyPath } from 'ts-mls/privateKeyPath.js'
import { deriveSecret } from 'ts-mls/crypto/kdf.js'
import { getCiphersuiteNameFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js'
import type { GroupContext } from 'ts-mls/groupContext.js'
import type { GroupSuite } from './mls.ts'
import { hex, runVectors, suiteFor } from '../../test-support/mls-vectors.ts'

function tree(bytes: string): RatchetTree {
  const decoded = decodeRatchetTree(hex(bytes), 0)
  assert.ok(decoded !== undefined, 'ratchet tree decodes')
  return decoded[0]
}

interface TreeKem {
  cipher_suite: number
  group_id: string
  epoch: number
  confirmed_transcript_hash: string
  ratchet_tree: string
  leaves_private: {
    index: number
    encryption_priv: string
    signature_priv: string
    path_secrets: { node: number; path_secret: string }[]
  }[]
  update_paths: {
    sender: number
    update_path: string
    path_secrets: (string | null)[]
    commit_secret: string
    tree_hash_after: string
  }[]
}

/** leaf_private[index] of the spec: the leaf's HPKE key plus the node keys from its path secrets. */
async function privateState(
  suite: GroupSuite,
  leaf: TreeKem['leaves_private'][number],
  tr: RatchetTree,
): Promise<PrivateKeyPath> {
  const secrets: Record<number, Uint8Array> = {}
  for (const ps of leaf.path_secrets) secrets[ps.node] = hex(ps.path_secret)
  const path = await toPrivateKeyPath(secrets, leaf.index, suite.impl)
  // Consistency with the public tree: every private node key matches a non-blank public node.
  for (const ps of leaf.path_secrets) {
    const node = tr[ps.node]
    assert.ok(node !== undefined, `node ${ps.node} is not blank`)
    const kp = await suite.impl.hpke.deriveKeyPair(
      await deriveSecret(hex(ps.path_secret), 'node', suite.impl.kdf),
    )
    assert.equal(
      toHex(await suite.impl.hpke.exportPublicKey(kp.publicKey)),
      toHex(getHpkePublicKey(node)),
      `node ${ps.node} key`,
    )
  }
  const leafNode = leafToNodeIndex(toLeafIndex(leaf.index))
  return { ...path, privateKeys: { ...path.privateKeys, [leafNode]: hex(leaf.encryption_priv) } }
}

void test('MLS vectors treekem.json', async (t) => {
  await runVectors<TreeKem>(t, 'treekem.json', async (v) => {
    const suite = await suiteFor(v.cipher_suite)
    const { impl } = suite
    const tr = tree(v.ratchet_tree)
    const base: GroupContext = {
      version: 'mls10',
      cipherSuite: getCiphersuiteNameFromId(v.cipher_suite as CiphersuiteId),
      groupId: hex(v.group_id),
      epoch: BigInt(v.epoch),
      treeHash: await treeHashRoot(tr, impl.hash),
      confirmedTranscriptHash: hex(v.confirmed_transcript_hash),
      extensions: [],
    }
    const privates = await Promise.all(v.leaves_private.map((l) => privateState(suite, l, tr)))
    for (const up of v.update_paths) {
      const decoded = decodeUpdatePath(hex(up.update_path), 0)
      assert.ok(decoded !== undefined, 'UpdatePath decodes')
      const sender = toLeafIndex(up.sender)
      const merged = await applyUpdatePath(tr, sender, decoded[0], impl.hash)
      assert.ok(await verifyParentHashes(merged, impl.hash), 'parent-hash valid')
      const mergedHash = await treeHashRoot(merged, impl.hash)
      assert.equal(toHex(mergedHash), up.tree_hash_after, 'tree hash after')
      const gc = { ...base, treeHash: mergedHash }
      for (const p of privates) {
        if (p.leafIndex === up.sender) continue
        const got = await applyUpdatePathSecret(tr, p, sender, gc, decoded[0], [], impl)
        assert.equal(
          toHex(got.pathSecret),
          up.path_secrets[p.leafIndex],
          `path secret for leaf ${p.leafIndex}`,
        )
        const commit = await getCommitSecret(tr, got.nodeIndex, got.pathSecret, impl.kdf)
        assert.equal(toHex(commit), up.commit_secret, 'commit secret')
      }
      // Our own UpdatePath from the same sender: every other leaf must reach the same commit secret.
      const senderPriv = v.leaves_private.find((l) => l.index === up.sender)
      assert.ok(senderPriv !== undefined, 'sender has private state')
      // createUpdatePath encrypts under epoch + 1 (the provisional context of a commit).
      const [ours, ourPath, ourSecrets] = await createUpdatePath(
        tr,
        sender,
        { ...base, epoch: base.epoch - 1n },
        hex(senderPriv.signature_priv),
        impl,
      )
      const rootSecret = ourSecrets.at(-1)
      assert.ok(rootSecret !== undefined)
      const expected = toHex(await deriveSecret(rootSecret.secret, 'path', impl.kdf))
      const ourGc = { ...base, treeHash: await treeHashRoot(ours, impl.hash) }
      for (const p of privates) {
        if (p.leafIndex === up.sender) continue
        const got = await applyUpdatePathSecret(tr, p, sender, ourGc, ourPath, [], impl)
        assert.equal(
          toHex(await getCommitSecret(tr, got.nodeIndex, got.pathSecret, impl.kdf)),
          expected,
          'new commit secret',
        )
      }
    }
  })
})
