// Filling a 200-member group (ADR 0133): the adds go in batches whose commit each fits one group
// mailbox deposit, every joiner joins from the welcome of its batch, and all end in step. In a group
// with roles each add commit also carries the roles (ADR 0135), and the batches leave room for them.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../crypto/bytes.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember } from '../../test-support/group-fixtures.ts'
import { MemoryGroupMailbox } from '../../test-support/group-mailbox-memory.ts'
import { addBatches, addBatchesFor } from './add-batches.ts'
import { identityOfCredential } from './credential.ts'
import { GroupChannel } from './group-channel.ts'
import { GROUP_LIMITS } from './limits.ts'
import { PIECE_CHUNK_BYTES, readPiece } from './mailbox-pieces.ts'
import { keyPackageLeaf, loadSuite, memberCount, treeHashOf, type Group } from './mls.ts'
import { plannedRoles, rolesExtension, rolesOf } from './roles-policy.ts'

const suite = await loadSuite()
const p = { random: seededRandom('add-batches.test'), clock: fixedClock().clock }

test('batches stay under the budget, keep the order and refuse a key package that fits nothing', () => {
  const kps = [100, 900, 300, 700, 50].map((n) => new Uint8Array(n).fill(n % 256))
  const batches = addBatches(kps, 1090)
  assert.deepEqual(
    batches.map((b) => b.map((k) => k.length)),
    [[100, 900], [300, 700], [50]],
  )
  assert.throws(() => addBatches([new Uint8Array(2000)], 1090), RangeError)
})

test('200 members: every add commit fits one mailbox deposit; every joiner is in step', async (t) => {
  const box = new MemoryGroupMailbox(64)
  const io = { mailbox: box.portFor(), random: p.random, onEvent: () => undefined }
  const owner = makeMember(p, suite, 'owner')
  const channel = await GroupChannel.create(
    suite,
    owner.checker,
    p.random(32),
    await owner.keyPackage(),
    io,
  )
  const members = Array.from({ length: GROUP_LIMITS.maxMembers - 1 }, (_, i) =>
    makeMember(p, suite, `m${i}`),
  )
  const kps = await Promise.all(members.map((m) => m.keyPackage()))
  const batches = addBatches(kps.map((k) => k.bytes))
  assert.ok(batches.length >= 2, 'one commit would not fit a deposit')
  const joiners: { index: number; welcome: Uint8Array; after: bigint }[] = []
  let offset = 0
  for (const batch of batches) {
    const r = await channel.commit(() => ({ add: batch }))
    assert.ok(r?.welcome !== undefined)
    for (let i = 0; i < batch.length; i++)
      joiners.push({ index: offset + i, welcome: r.welcome, after: r.mailboxId })
    offset += batch.length
  }
  const chunks = box.entries.map((e) => readPiece(e.bytes).chunk.length)
  t.diagnostic(
    `${batches.length} add commits of ${chunks.join(', ')} B (one deposit holds ${PIECE_CHUNK_BYTES} B)`,
  )
  for (const e of box.entries) assert.equal(readPiece(e.bytes).count, 1)
  assert.equal(memberCount(channel.state), GROUP_LIMITS.maxMembers)
  // The first joiner of the first batch and the last joiner: both catch up to the same tree.
  for (const j of [joiners[0]!, joiners[joiners.length - 1]!]) {
    const m = members[j.index]!
    const ch = await GroupChannel.join(suite, m.checker, j.welcome, kps[j.index]!, j.after, io)
    await ch.catchUp()
    assert.equal(toHex(treeHashOf(ch.state)), toHex(treeHashOf(channel.state)))
  }
})

test('a reserve per commit: the fixed part and every add so far come off the room, exactly at the edge', () => {
  const kps = [400, 400, 400].map((n) => new Uint8Array(n))
  const lengths = (b: Uint8Array[][]) => b.map((x) => x.map((k) => k.length))
  // Each add costs 400 + 16 + 10: two fit beside a fixed 238 (238 + 2 × 426 = 1,090), not 239.
  assert.deepEqual(lengths(addBatches(kps, 1090, { fixed: 238, perAdd: 10 })), [[400, 400], [400]])
  assert.deepEqual(lengths(addBatches(kps, 1090, { fixed: 239, perAdd: 10 })), [
    [400],
    [400],
    [400],
  ])
  // Later commits carry the entries of every earlier add: after the first two, two more no longer
  // fit beside a fixed 228 (228 + 20 + 852 > 1,090); without that, it would be three pairs.
  const six = Array.from({ length: 6 }, () => new Uint8Array(400))
  assert.deepEqual(lengths(addBatches(six, 1090, { fixed: 228, perAdd: 10 })), [
    [400, 400],
    [400],
    [400],
    [400],
    [400],
  ])
  assert.throws(
    () => addBatches([new Uint8Array(400)], 1090, { fixed: 700, perAdd: 0 }),
    RangeError,
  )
})

test('a group with roles and the longest name: every batched add commit with its roles fits one deposit', async (t) => {
  const box = new MemoryGroupMailbox(64)
  const io = { mailbox: box.portFor(), random: p.random, onEvent: () => undefined }
  const owner = makeMember(p, suite, 'roles-owner')
  const ownKp = await owner.keyPackage()
  const identity = identityOfCredential(keyPackageLeaf(ownKp.bytes).credential)
  // 128 characters of 3 UTF-8 bytes each: the largest name the roles carry.
  const name = '群'.repeat(128)
  const channel = await GroupChannel.create(suite, owner.checker, p.random(32), ownKp, io, [
    rolesExtension({ name, members: [{ identity, admin: true }] }),
  ])
  const members = Array.from({ length: GROUP_LIMITS.maxMembers - 1 }, (_, i) =>
    makeMember(p, suite, `r${i}`),
  )
  const kps = (await Promise.all(members.map((m) => m.keyPackage()))).map((k) => k.bytes)
  const withRoles = (batch: Uint8Array[]) => (group: Group) => ({
    add: batch,
    extensions: [rolesExtension(plannedRoles(group, { add: batch }))],
  })
  // (Batching without the reserve overflows here only for some key material — 2 of 5 runs — so that
  // side is shown by the exact edge arithmetic above, not here.)
  const batches = addBatchesFor(channel.state, kps)
  for (const batch of batches) await channel.commit(withRoles(batch))
  const chunks = box.entries.map((e) => readPiece(e.bytes).chunk.length)
  t.diagnostic(
    `${batches.length} add commits with roles of ${chunks.join(', ')} B (one deposit holds ${PIECE_CHUNK_BYTES} B)`,
  )
  assert.equal(box.entries.length, batches.length)
  assert.equal(memberCount(channel.state), GROUP_LIMITS.maxMembers)
  assert.equal(rolesOf(channel.state)?.members.length, GROUP_LIMITS.maxMembers)
})
