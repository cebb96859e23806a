// Post-compromise security through the wrapper (ADR 0136): an attacker who copied bob's whole
// member state (his leaf's private keys and the epoch secrets) at one epoch follows the group only
// until bob updates his own leaf. After bob's update commit the epoch advances for everyone, his
// leaf key is new, and the stolen state can neither process the update nor decrypt what is sent
// afterwards. An update by someone else does not heal bob's leaf: the copy follows it.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual } from '../crypto/bytes.ts'
import { isProtocolError } from '../wire/errors.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember } from '../../test-support/group-fixtures.ts'
import {
  commitChanges,
  createGroup,
  encryptMessage,
  epochOf,
  joinFromWelcome,
  loadSuite,
  ownLeaf,
  processMessage,
  treeHashOf,
  type Group,
} from './mls.ts'

const suite = await loadSuite()
const p = { random: seededRandom('leaf-update.test'), clock: fixedClock().clock }
const utf8 = (s: string) => new TextEncoder().encode(s)

/** The HPKE public key of a member's leaf (what an update replaces). */
function leafKey(group: Group, leaf: number): Uint8Array {
  const node = group.state.ratchetTree[leaf * 2]
  assert.ok(node?.nodeType === 'leaf')
  return node.leaf.hpkePublicKey
}

async function threeMembers() {
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => makeMember(p, suite, n))
  let alice = await createGroup(suite, a!.checker, p.random(32), await a!.keyPackage())
  const kpB = await b!.keyPackage()
  const kpC = await c!.keyPackage()
  const added = await commitChanges(alice, { add: [kpB.bytes, kpC.bytes] })
  alice = added.group
  const bob = await joinFromWelcome(suite, b!.checker, added.welcome!, kpB)
  const carol = await joinFromWelcome(suite, c!.checker, added.welcome!, kpC)
  return { alice, bob, carol }
}

test("bob's own update heals his leaf: the stolen state reads nothing after it", async () => {
  let { alice, bob, carol } = await threeMembers()
  const stolen: Group = bob // the attacker's copy of bob's whole state at this epoch
  const before = epochOf(alice)
  // The copy works today: it reads what alice sends in this epoch.
  const now = await encryptMessage(alice, utf8('before the update'))
  alice = now.group
  const read = await processMessage(stolen, now.message)
  assert.equal(read.kind, 'application')

  const update = await commitChanges(bob, {}) // bob's periodic leaf update (empty commit, path)
  bob = update.group
  const byAlice = await processMessage(alice, update.commit)
  const byCarol = await processMessage(carol, update.commit)
  alice = byAlice.group
  carol = byCarol.group
  assert.equal(epochOf(alice), before + 1n, 'the epoch advanced')
  assert.equal(epochOf(carol), before + 1n)
  assert.deepEqual(treeHashOf(alice), treeHashOf(bob))
  assert.ok(
    !bytesEqual(leafKey(alice, ownLeaf(bob)), leafKey(stolen, ownLeaf(bob))),
    "bob's leaf has a new key",
  )

  // The stolen state cannot follow bob's update (it lacks his new path secrets) ...
  await assert.rejects(processMessage(stolen, update.commit), (e) => isProtocolError(e))
  // ... and cannot decrypt what alice sends in the new epoch.
  const secret = await encryptMessage(alice, utf8('after the update'))
  await assert.rejects(processMessage(stolen, secret.message), (e) => isProtocolError(e))
  const forBob = await processMessage(bob, secret.message)
  assert.ok(forBob.kind === 'application')
  assert.equal(new TextDecoder().decode(forBob.data), 'after the update')
})

test("an update by another member does not heal bob's leaf: the copy follows it", async () => {
  const three = await threeMembers()
  let { alice } = three
  const stolen: Group = three.bob
  const update = await commitChanges(alice, {}) // alice updates her leaf, not bob's
  alice = update.group
  const bob = (await processMessage(three.bob, update.commit)).group
  assert.equal(epochOf(bob), epochOf(alice))
  const followed = await processMessage(stolen, update.commit) // encrypted to bob's old leaf key
  assert.equal(epochOf(followed.group), epochOf(alice))
  const secret = await encryptMessage(alice, utf8('still readable'))
  const leaked = await processMessage(followed.group, secret.message)
  assert.equal(leaked.kind, 'application', 'only bob updating his own leaf heals it')
})
