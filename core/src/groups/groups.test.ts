// The group layer end to end in one process: create, add, message, remove, and what members see
// when a credential does not verify or a message is tampered with.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CredentialChecker, issueMemberCredential, verifyMemberCredential } from './credential.ts'
import { encodeDeviceCertBody, encodeSigned } from '../crypto/codecs.ts'
import { ed25519Sign } from '../crypto/primitives.ts'
import { DOMAIN, domainSeparated } from '../wire/labels.ts'
import { createIdentity } from '../crypto/identity.ts'
import { ed25519KeyPair } from '../crypto/primitives.ts'
import { isProtocolError } from '../wire/errors.ts'
import { ProtocolError } from '../wire/errors.ts'
import { bytesEqual, toHex as toHexStr } from '../crypto/bytes.ts'
import {
  commitChanges,
  createGroup,
  createKeyPackage,
  encryptMessage,
  epochOf,
  joinFromWelcome,
  loadSuite,
  membersOf,
  processMessage,
  proposeChange,
  treeHashOf,
  type Group,
} from './mls.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { GROUP_LIMITS } from './limits.ts'
import { createProposal, encodeMlsMessage } from 'ts-mls'
import { makeMember } from '../../test-support/group-fixtures.ts'
import { GroupSim } from '../../test-support/group-sim.ts'
import { makeDevice, DAY } from '../../test-support/crypto-fixtures.ts'

const suite = await loadSuite()
const time = fixedClock()
const p = { random: seededRandom('groups.test'), clock: time.clock }
const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

async function threeMembers() {
  const [a, b, c] = ['alice', 'bob', 'carol'].map((n) => makeMember(p, suite, n))
  let ga = await createGroup(suite, a!.checker, p.random(32), await a!.keyPackage())
  const kb = await b!.keyPackage()
  const kc = await c!.keyPackage()
  const r = await commitChanges(ga, { add: [kb.bytes, kc.bytes] })
  ga = r.group
  const gb = await joinFromWelcome(suite, b!.checker, r.welcome!, kb)
  const gc = await joinFromWelcome(suite, c!.checker, r.welcome!, kc)
  return { a: a!, b: b!, c: c!, ga, gb, gc }
}

async function send(
  from: Group,
  msg: string,
  to: Group[],
): Promise<{ from: Group; to: Group[]; got: string[] }> {
  const e = await encryptMessage(from, utf8(msg))
  const got: string[] = []
  const next: Group[] = []
  for (const g of to) {
    const r = await processMessage(g, e.message)
    assert.equal(r.kind, 'application')
    if (r.kind === 'application') got.push(text(r.data))
    next.push(r.group)
  }
  return { from: e.group, to: next, got }
}

test('three members: everyone agrees on epoch and tree hash, and reads each other', async () => {
  const { ga, gb, gc } = await threeMembers()
  for (const g of [gb, gc]) {
    assert.equal(epochOf(g), epochOf(ga))
    assert.ok(bytesEqual(treeHashOf(g), treeHashOf(ga)))
  }
  assert.equal(membersOf(ga).length, 3)
  const s = await send(gb, 'hi from bob', [ga, gc])
  assert.deepEqual(s.got, ['hi from bob', 'hi from bob'])
})

test('each member credential names the identity that certified the device', async () => {
  const { a, b, ga } = await threeMembers()
  const ids = membersOf(ga).map(
    (m) => verifyMemberCredential(m.credential, m.signatureKey, time.clock()).identityKey,
  )
  assert.ok(ids.some((k) => bytesEqual(k, a.identity.publicKey)))
  assert.ok(ids.some((k) => bytesEqual(k, b.identity.publicKey)))
})

test('a removed member decrypts nothing sent after its removal', async () => {
  let { ga, gb, gc } = await threeMembers()
  const r = await commitChanges(ga, { remove: [2] })
  ga = r.group
  const pb = await processMessage(gb, r.commit)
  const pc = await processMessage(gc, r.commit)
  assert.equal(pb.kind, 'commit')
  assert.ok(pc.kind === 'commit' && pc.removed, 'carol learns she was removed')
  gb = pb.group
  gc = pc.group
  const e = await encryptMessage(ga, utf8('after removal'))
  await assert.rejects(processMessage(gc, e.message), (err) => isProtocolError(err))
  const rb = await processMessage(gb, e.message)
  assert.ok(rb.kind === 'application' && text(rb.data) === 'after removal')
})

test('a tampered message is refused with a typed error and the state is unchanged', async () => {
  const { ga, gb } = await threeMembers()
  const e = await encryptMessage(ga, utf8('secret'))
  const bad = e.message.slice()
  bad[bad.length - 3]! ^= 1
  await assert.rejects(processMessage(gb, bad), (err) => isProtocolError(err))
  // The same Group value still reads the genuine message afterwards.
  const ok = await processMessage(gb, e.message)
  assert.ok(ok.kind === 'application' && text(ok.data) === 'secret')
  await assert.rejects(processMessage(gb, utf8('not mls at all')), (err) =>
    isProtocolError(err, 'malformed'),
  )
})

/** A KeyPackage whose credential is broken in the way `mutate` says. */
async function forgedKeyPackage(
  mutate: 'other-identity-binding' | 'other-signing-key' | 'expired',
) {
  const victim = makeMember(p, suite, 'victim')
  if (mutate === 'other-identity-binding') {
    // The device certificate is the victim's; the binding is signed by the attacker's identity.
    const attacker = createIdentity(p.random)
    const cred = issueMemberCredential(
      attacker,
      { ...victim.device.cert, identityKey: attacker.publicKey },
      victim.signing.publicKey,
    )
    return createKeyPackage(suite, cred, victim.signing)
  }
  if (mutate === 'other-signing-key') {
    // A genuine credential, but the leaf signs with a key it does not bind.
    return createKeyPackage(suite, victim.credential, ed25519KeyPair(p.random))
  }
  const old = makeDevice(
    { random: p.random, clock: () => time.clock() - 60 * DAY },
    'old',
    victim.identity,
  )
  return createKeyPackage(
    suite,
    issueMemberCredential(victim.identity, old.cert, victim.signing.publicKey),
    victim.signing,
  )
}

for (const [mutate, code] of [
  ['other-identity-binding', 'bad_signature'],
  ['other-signing-key', 'wrong_key'],
  ['expired', 'expired'],
] as const) {
  test(`adding a member whose credential does not verify (${mutate}) is refused: ${code}`, async () => {
    const { ga } = await threeMembers()
    const kp = await forgedKeyPackage(mutate)
    await assert.rejects(commitChanges(ga, { add: [kp.bytes] }), (err) =>
      isProtocolError(err, code),
    )
    assert.equal(membersOf(ga).length, 3)
  })
}

test('leaves are judged without the clock (rg-3), but a certificate with an inverted window is refused', () => {
  const m = makeMember(p, suite, 'dana')
  const checker = new CredentialChecker(time.clock)
  const expired = () => time.clock() + 40 * DAY // after the 30-day test certificate
  const late = new CredentialChecker(expired)
  // What ts-mls asks for others' commits and welcomes: the same answer at any time.
  assert.ok(late.check(m.credential, m.signing.publicKey) !== undefined)
  // What this device asks before adding a key package itself: valid now.
  assert.equal(late.checkNow(m.credential, m.signing.publicKey), undefined)
  assert.ok(isProtocolError(late.lastRefusal, 'expired'))
  // A certificate that expires before it is issued, validly signed, is never accepted.
  const fields = { ...m.device.cert, issuedAt: time.clock(), expiresAt: time.clock() - DAY }
  const body = encodeDeviceCertBody(fields)
  const signature = ed25519Sign(m.identity.secretKey, domainSeparated(DOMAIN.deviceCert, body))
  const inverted = issueMemberCredential(
    m.identity,
    { ...fields, bytes: encodeSigned({ body, signature }) },
    m.signing.publicKey,
  )
  assert.equal(checker.check(inverted, m.signing.publicKey), undefined)
  assert.ok(isProtocolError(checker.lastRefusal, 'malformed'))
  assert.throws(
    () => verifyMemberCredential(inverted, m.signing.publicKey, undefined),
    (err) => isProtocolError(err, 'malformed'),
  )
})

test("a hostile member's commit adding a forged credential is refused by the others; they stay in step", async () => {
  const { ga, gb, gc } = await threeMembers()
  // Bob's client skips the credential check (hostile), so his commit carries a forged leaf.
  // (Simulated by swapping the library's credential hook in his state, and his own add check.)
  const acceptAll = { validateCredential: () => Promise.resolve(true) }
  const lax: Group = {
    ...gb,
    checker: { check: () => true, lastRefusal: undefined },
    state: { ...gb.state, clientConfig: { ...gb.state.clientConfig, authService: acceptAll } },
  }
  const forged = await forgedKeyPackage('other-identity-binding')
  const hostile = await commitChanges(lax, { add: [forged.bytes] })
  await assert.rejects(processMessage(gc, hostile.commit), (err) =>
    isProtocolError(err, 'bad_signature'),
  )
  await assert.rejects(processMessage(ga, hostile.commit), (err) =>
    isProtocolError(err, 'bad_signature'),
  )
  assert.equal(epochOf(gc), 1n)
  // Carol is unaffected: a genuine message from her still reaches Bob's old state.
  const s = await send(gc, 'still here', [gb])
  assert.deepEqual(s.got, ['still here'])
})

test('a policy refusal (identity changed for a known contact) surfaces as the policy error', async () => {
  const known = createIdentity(p.random)
  // The policy accepts our own identity and the known one only: anything else counts as changed.
  const own: { key?: Uint8Array } = {}
  const strict = makeMember(p, suite, 'strict', {
    policy: (m) => {
      if (
        bytesEqual(m.identityKey, known.publicKey) ||
        (own.key !== undefined && bytesEqual(m.identityKey, own.key))
      )
        return
      throw new ProtocolError('key_changed', 'identity of a known contact changed')
    },
  })
  own.key = strict.identity.publicKey
  const g = await createGroup(suite, strict.checker, p.random(32), await strict.keyPackage())
  const impostor = makeMember(p, suite, 'impostor')
  await assert.rejects(commitChanges(g, { add: [(await impostor.keyPackage()).bytes] }), (err) =>
    isProtocolError(err, 'key_changed'),
  )
  const genuine = makeMember(p, suite, 'genuine', { identity: known })
  const ok = await commitChanges(g, { add: [(await genuine.keyPackage()).bytes] })
  assert.equal(membersOf(ok.group).length, 2)
})

/**
 * Unpatched ts-mls 1.6.4 refuses a valid ratchet tree in a welcome once two leaves are unmerged
 * under the root: its check wants every non-blank node on an unmerged leaf's path to carry the
 * same whole unmerged_leaves list, where RFC 9420 §7.9.2 asks only that each node between the leaf
 * and the listing node lists that leaf. patches/ts-mls+1.6.4.patch fixes it (ADR 0131); without
 * the patch the joiner test below fails. Found by group-ordering.test.ts; this is its smallest
 * case (tree after the fourth add: root lists leaves 0 and 6, its child lists 0).
 */
async function secondUnmergedLeafUnderRoot(): Promise<GroupSim> {
  const names = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6', 'd7']
  const sim = await GroupSim.start(suite, p, names)
  for (const who of ['d1', 'd2', 'd3', 'd4', 'd5']) {
    await sim.commit('d0', { op: 'add', who })
    await sim.settle()
  }
  await sim.commit('d2', { op: 'remove', who: 'd0' }) // leaf 0 and its path go blank
  await sim.settle()
  await sim.commit('d1', { op: 'add', who: 'd6' }) // into leaf 0: unmerged under two parents
  await sim.settle()
  await sim.commit('d1', { op: 'add', who: 'd7' }) // leaf 6: the root now lists 0 and 6
  await sim.settle()
  return sim
}

test('ts-mls 1.6.4: a refused welcome leaves the members already in the group in step', async () => {
  const sim = await secondUnmergedLeafUnderRoot()
  const [first, ...rest] = sim.active().map((n) => sim.device(n).group!)
  assert.ok(first !== undefined && rest.length >= 4)
  for (const g of rest) assert.equal(toHexStr(treeHashOf(g)), toHexStr(treeHashOf(first)))
  const s = await send(first, 'still fine', rest)
  assert.equal(s.got.length, rest.length)
})

test('a joiner is not refused when the root lists two unmerged leaves (ts-mls patch, ADR 0131)', async () => {
  const sim = await secondUnmergedLeafUnderRoot()
  assert.deepEqual([...sim.ghosts], [])
  assert.ok(sim.active().includes('d7'), 'd7 joined')
  const [first, ...rest] = sim.active().map((n) => sim.device(n).group!)
  for (const g of rest) assert.equal(toHexStr(treeHashOf(g)), toHexStr(treeHashOf(first!)))
  const s = await send(first!, 'hello d7', rest)
  assert.equal(s.got.length, rest.length)
})

test('200 members: the welcome and the commit fit one frame; a 201st member is refused', async (t) => {
  const owner = makeMember(p, suite, 'owner')
  let g = await createGroup(suite, owner.checker, p.random(32), await owner.keyPackage())
  const kps = await Promise.all(
    Array.from({ length: GROUP_LIMITS.maxMembers - 1 }, (_, i) =>
      makeMember(p, suite, `m${i}`).keyPackage(),
    ),
  )
  const r = await commitChanges(g, { add: kps.map((k) => k.bytes) })
  g = r.group
  assert.equal(membersOf(g).length, GROUP_LIMITS.maxMembers)
  t.diagnostic(
    `200 members: welcome ${r.welcome!.length} B, adding commit ${r.commit.length} B, cap ${GROUP_LIMITS.maxFrameBytes} B`,
  )
  assert.ok(r.welcome!.length <= GROUP_LIMITS.maxFrameBytes)
  assert.ok(r.commit.length <= GROUP_LIMITS.maxFrameBytes)
  // The last joiner can join from that welcome (tree inside).
  const joined = await joinFromWelcome(
    suite,
    makeMember(p, suite, 'x').checker,
    r.welcome!,
    kps.at(-1)!,
  )
  assert.equal(toHexStr(treeHashOf(joined)), toHexStr(treeHashOf(g)))
  const extra = await makeMember(p, suite, 'one-too-many').keyPackage()
  await assert.rejects(commitChanges(g, { add: [extra.bytes] }), (err) =>
    isProtocolError(err, 'limit_exceeded'),
  )
})

test('MLS signatures are verified strictly: a malleated Ed25519 signature (S + L) is refused', async () => {
  const k = ed25519KeyPair(p.random)
  const msg = utf8('leaf node to be signed')
  const sig = await suite.impl.signature.sign(k.secretKey, msg)
  assert.ok(await suite.impl.signature.verify(k.publicKey, msg, sig))
  // RFC 8032 §5.1.7: S must be below the group order L; S + L is the same point, a second encoding.
  const L = 2n ** 252n + 27742317777372353535851937790883648493n
  let s = 0n
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(sig[32 + i]!)
  let t = s + L
  const malleated = sig.slice()
  for (let i = 0; i < 32; i++, t >>= 8n) malleated[32 + i] = Number(t & 0xffn)
  assert.equal(await suite.impl.signature.verify(k.publicKey, msg, malleated), false)
})

test('pending proposals are capped: the sender stops at the cap, a receiver refuses one more', async () => {
  let { ga, gb } = await threeMembers()
  // Distinct proposals (identical ones share a reference and count once): add proposals.
  const newcomer = () => makeMember(p, suite, 'newcomer').keyPackage()
  for (let i = 0; i < GROUP_LIMITS.maxPendingProposals; i++) {
    const r = await proposeChange(gb, { add: (await newcomer()).bytes })
    gb = r.group
    const seen = await processMessage(ga, r.proposal)
    assert.equal(seen.kind, 'proposal')
    ga = seen.group
  }
  await assert.rejects(proposeChange(gb, { add: (await newcomer()).bytes }), (err) =>
    isProtocolError(err, 'limit_exceeded'),
  )
  // A hostile sender skips its own cap (straight to the library): the receiver refuses, unchanged.
  const keyPackage = (await newcomer()).publicPackage
  const extra = await createProposal(
    gb.state,
    false,
    { proposalType: 'add', add: { keyPackage } },
    suite.impl,
  )
  await assert.rejects(processMessage(ga, encodeMlsMessage(extra.message)), (err) =>
    isProtocolError(err, 'limit_exceeded'),
  )
  assert.equal(Object.keys(ga.state.unappliedProposals).length, GROUP_LIMITS.maxPendingProposals)
})
