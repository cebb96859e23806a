// Members decide alike about a commit whatever their clocks (rg-3): the leaf credentials ts-mls
// meets in others' commits, updates and a welcome's tree are verified without the clock; only a
// key package this device adds is also checked against now. Otherwise a member reading a commit
// after a certificate expired refuses it, stays in the old epoch and is split off for good.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toHex } from '../crypto/bytes.ts'
import { createIdentity, issueDeviceCert } from '../crypto/identity.ts'
import { ed25519KeyPair } from '../crypto/primitives.ts'
import { isProtocolError } from '../wire/errors.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeDevice } from '../../test-support/crypto-fixtures.ts'
import { makeMember, type TestMember } from '../../test-support/group-fixtures.ts'
import { MemoryGroupMailbox } from '../../test-support/group-mailbox-memory.ts'
import { issueMemberCredential } from './credential.ts'
import { GroupChannel, type GroupEvent } from './group-channel.ts'
import { createKeyPackage, epochOf, loadSuite, membersOf, treeHashOf } from './mls.ts'

const suite = await loadSuite()
const time = fixedClock()
const p = { random: seededRandom('group-clock.test'), clock: time.clock }
const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

interface Peer {
  member: TestMember
  channel: GroupChannel
  events: GroupEvent[]
}

const messages = (peer: Peer) =>
  peer.events.flatMap((e) => (e.kind === 'message' ? [text(e.data)] : []))

/** alice creates the group and adds the others in one commit; they join from the welcome. */
async function startGroup(names: string[]) {
  const box = new MemoryGroupMailbox()
  const peers = new Map<string, Peer>()
  const ioFor = (events: GroupEvent[]) => ({
    mailbox: box.portFor(),
    random: p.random,
    onEvent: (e: GroupEvent) => events.push(e),
  })
  const [first, ...rest] = names.map((n) => makeMember(p, suite, n))
  const events: GroupEvent[] = []
  const kp = await first!.keyPackage()
  const channel = await GroupChannel.create(suite, first!.checker, p.random(32), kp, ioFor(events))
  peers.set(first!.name, { member: first!, channel, events })
  const kps = await Promise.all(rest.map((m) => m.keyPackage()))
  const added = await channel.commit(() => ({ add: kps.map((k) => k.bytes) }))
  assert.ok(added?.welcome !== undefined)
  for (const [i, m] of rest.entries()) {
    const own: GroupEvent[] = []
    const ch = await GroupChannel.join(
      suite,
      m.checker,
      added.welcome,
      kps[i]!,
      added.mailboxId,
      ioFor(own),
    )
    peers.set(m.name, { member: m, channel: ch, events: own })
  }
  return { box, get: (n: string) => peers.get(n)!, ioFor }
}

const rejections = (peer: Peer) =>
  JSON.stringify(
    peer.events.filter((e) => e.kind === 'rejected'),
    (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v),
  )

// The tests move the shared clock forward; members made later get certificates from then.
test('a commit applies for every member whenever it is read: no split by a certificate expiring meanwhile (rg-3)', async () => {
  const g = await startGroup(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(g.get)
  // The invitee's key package carries a device certificate valid for ten more minutes.
  const identity = createIdentity(p.random)
  const dev = makeDevice(p, 'invitee', identity)
  const shortCert = issueDeviceCert(identity, {
    deviceKey: dev.keys.publicKey,
    peerId: utf8('peer:invitee'),
    issuedAt: time.clock(),
    expiresAt: time.clock() + 10 * 60_000,
  })
  const signing = ed25519KeyPair(p.random)
  const cred = issueMemberCredential(identity, shortCert, signing.publicKey)
  const kp = await createKeyPackage(suite, cred, signing)
  await alice!.channel.commit(() => ({ add: [kp.bytes] })) // valid when alice adds it
  await bob!.channel.catchUp()
  time.advance(60 * 60_000) // carol reads the add an hour later, the certificate expired
  await carol!.channel.catchUp()
  assert.equal(epochOf(carol!.channel.state), 2n, `carol refused: ${rejections(carol!)}`)
  assert.equal(epochOf(bob!.channel.state), 2n)
  assert.equal(toHex(treeHashOf(carol!.channel.state)), toHex(treeHashOf(bob!.channel.state)))
  await alice!.channel.send(utf8('after the add'))
  await carol!.channel.catchUp()
  assert.deepEqual(messages(carol!), ['after the add'], 'carol still reads the group')
  // Adding is our own action: a key package expired now is still refused, the group unchanged.
  const stale = await createKeyPackage(suite, cred, signing)
  await assert.rejects(
    bob!.channel.commit(() => ({ add: [stale.bytes] })),
    (err) => isProtocolError(err, 'expired'),
  )
  assert.equal(epochOf(bob!.channel.state), 2n)
  assert.equal(membersOf(bob!.channel.state).length, 4)
})

test('a member whose device certificate expired stays in the group: its leaf update applies for all (rg-3b)', async () => {
  const g = await startGroup(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(g.get)
  time.advance(31 * 86_400_000) // the test certificates last 30 days (crypto-fixtures.ts)
  await bob!.channel.commit(() => ({})) // the periodic leaf update (ADR 0136)
  await alice!.channel.catchUp()
  await carol!.channel.catchUp()
  assert.equal(epochOf(alice!.channel.state), 2n, `alice refused: ${rejections(alice!)}`)
  assert.equal(epochOf(carol!.channel.state), 2n, `carol refused: ${rejections(carol!)}`)
  assert.equal(toHex(treeHashOf(alice!.channel.state)), toHex(treeHashOf(bob!.channel.state)))
  // A newcomer can still join: the welcome's tree holds those expired certificates.
  const dave = makeMember(p, suite, 'dave')
  const kp = await dave.keyPackage()
  const added = await alice!.channel.commit(() => ({ add: [kp.bytes] }))
  const events: GroupEvent[] = []
  const d = await GroupChannel.join(
    suite,
    dave.checker,
    added!.welcome!,
    kp,
    added!.mailboxId,
    g.ioFor(events),
  )
  await bob!.channel.send(utf8('hello dave'))
  await d.catchUp()
  assert.deepEqual(
    events.flatMap((e) => (e.kind === 'message' ? [text(e.data)] : [])),
    ['hello dave'],
  )
})
