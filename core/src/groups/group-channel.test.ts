// Group delivery through GroupChannel over an in-memory group mailbox with the relay's
// compare-and-append rule (ADR 0132): direct + mailbox delivery without duplicates, an offline
// member catching up in order, removal, a hostile member's malformed commit, concurrent commits.
// The same flows against a real relay: tests/integration/group-delivery.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember, type TestMember } from '../../test-support/group-fixtures.ts'
import { MemoryGroupMailbox } from '../../test-support/group-mailbox-memory.ts'
import { GroupChannel, type GroupEvent } from './group-channel.ts'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from './framing.ts'
import { cutIntoPieces } from './mailbox-pieces.ts'
import {
  commitChanges,
  encryptMessage,
  epochOf,
  loadSuite,
  membersOf,
  treeHashOf,
  type Group,
} from './mls.ts'

const suite = await loadSuite()
const p = { random: seededRandom('group-channel.test'), clock: fixedClock().clock }
const utf8 = (s: string) => new TextEncoder().encode(s)
const text = (b: Uint8Array) => new TextDecoder().decode(b)

interface Peer {
  member: TestMember
  channel: GroupChannel
  events: GroupEvent[]
  online: boolean
}

const messages = (peer: Peer) =>
  peer.events.flatMap((e) => (e.kind === 'message' ? [text(e.data)] : []))

function leafOf(group: Group, m: TestMember): number | undefined {
  return membersOf(group).find((x) => bytesEqual(x.credential, m.credential))?.leaf
}

/** alice creates the group and adds the others in one commit; they join from the welcome. */
async function startGroup(names: string[]) {
  const box = new MemoryGroupMailbox()
  const peers = new Map<string, Peer>()
  const ioFor = (peer: { events: GroupEvent[]; online: boolean }) => ({
    mailbox: box.portFor(() => peer.online),
    random: p.random,
    onEvent: (e: GroupEvent) => peer.events.push(e),
  })
  const [first, ...rest] = names.map((n) => makeMember(p, suite, n))
  const head = { member: first!, events: [] as GroupEvent[], online: true }
  const channel = await GroupChannel.create(
    suite,
    first!.checker,
    p.random(32),
    await first!.keyPackage(),
    ioFor(head),
  )
  peers.set(first!.name, { ...head, channel })
  const kps = await Promise.all(rest.map((m) => m.keyPackage()))
  const added = await channel.commit(() => ({ add: kps.map((k) => k.bytes) }))
  assert.ok(added?.welcome !== undefined)
  for (const [i, m] of rest.entries()) {
    const peer = { member: m, events: [] as GroupEvent[], online: true }
    const ch = await GroupChannel.join(
      suite,
      m.checker,
      added.welcome,
      kps[i]!,
      added.mailboxId,
      ioFor(peer),
    )
    peers.set(m.name, { ...peer, channel: ch })
  }
  const get = (n: string) => peers.get(n)!
  return { box, get, all: () => [...peers.values()] }
}

/** A direct sender that reaches exactly the online peers in `to`. */
function directTo(to: Peer[], everyone: number) {
  return async (frame: Uint8Array) => {
    const online = to.filter((x) => x.online)
    for (const peer of online) await peer.channel.receiveDirect(frame)
    return { allReached: online.length === everyone }
  }
}

function assertInStep(peers: Peer[]): void {
  const [first, ...rest] = peers.map((x) => x.channel.state)
  for (const g of rest) {
    assert.equal(epochOf(g), epochOf(first!))
    assert.equal(toHex(treeHashOf(g)), toHex(treeHashOf(first!)))
  }
}

test('direct to online members, the mailbox for the rest; nobody reads a message twice', async () => {
  const g = await startGroup(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(g.get)
  carol!.online = false
  const before = g.box.entries.length
  await alice!.channel.send(utf8('hello both'), directTo([bob!, carol!], 2))
  assert.deepEqual(messages(bob!), ['hello both'], 'bob got it directly')
  assert.equal(g.box.entries.length, before + 1, 'one mailbox copy, for carol')
  carol!.online = true
  await carol!.channel.catchUp()
  await bob!.channel.catchUp()
  assert.deepEqual(messages(carol!), ['hello both'])
  assert.deepEqual(messages(bob!), ['hello both'], 'the mailbox copy is dropped')
  // Everyone reached directly: nothing goes to the mailbox.
  await bob!.channel.send(utf8('all here'), directTo([alice!, carol!], 2))
  assert.equal(g.box.entries.length, before + 1)
  assert.deepEqual(messages(carol!), ['hello both', 'all here'])
})

test('an offline member catches up from the group mailbox in order, across a commit', async () => {
  const g = await startGroup(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(g.get)
  carol!.online = false
  await alice!.channel.send(utf8('one'), directTo([bob!, carol!], 2))
  await bob!.channel.send(utf8('two'), directTo([alice!, carol!], 2))
  await bob!.channel.commit(() => ({})) // a path update: a new epoch while carol is away
  await alice!.channel.send(utf8('three'), directTo([bob!, carol!], 2))
  await bob!.channel.send(utf8('four'), directTo([alice!, carol!], 2))
  await alice!.channel.send(utf8('five'), directTo([bob!, carol!], 2))
  carol!.online = true
  await carol!.channel.catchUp() // pages of 4: more than one read
  assert.deepEqual(messages(carol!), ['one', 'two', 'three', 'four', 'five'])
  assertInStep([alice!, bob!, carol!])
})

test('a removed member reads nothing sent after its removal', async () => {
  const g = await startGroup(['alice', 'bob', 'carol'])
  const [alice, bob, carol] = ['alice', 'bob', 'carol'].map(g.get)
  await alice!.channel.commit((group) => {
    const leaf = leafOf(group, carol!.member)
    return leaf === undefined ? undefined : { remove: [leaf] }
  })
  await alice!.channel.send(utf8('carol is gone'), directTo([bob!, carol!], 2))
  await carol!.channel.catchUp()
  await bob!.channel.catchUp()
  assert.ok(
    carol!.events.some((e) => e.kind === 'removed'),
    'carol learns she was removed',
  )
  assert.deepEqual(messages(carol!), [], 'carol read nothing after the removal')
  assert.deepEqual(messages(bob!), ['carol is gone'])
  await assert.rejects(carol!.channel.send(utf8('still here?')), /no longer in the group/)
  assertInStep([alice!, bob!])
})

test("a hostile member's malformed commit is skipped by all and changes nothing; the next honest commit goes through", async () => {
  const g = await startGroup(['alice', 'bob', 'mallory'])
  const [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map(g.get)
  const epoch = epochOf(alice!.channel.state)
  // A real commit for this epoch, one ciphertext byte flipped, deposited at the right place.
  const real = await commitChanges(mallory!.channel.state, {})
  const bad = new Uint8Array(real.commit)
  bad[bad.length - 20]! ^= 0x01
  const piece = cutIntoPieces(encodeGroupFrame(FRAME_KIND.commit, bad), p.random(8))[0]!
  const port = g.box.portFor()
  await port.append(piece, BigInt(g.box.entries.length + 1))
  // And plain garbage of a valid bucket size.
  await port.append(new Uint8Array(1024).fill(7))
  for (const peer of [alice!, bob!]) {
    await peer.channel.catchUp()
    assert.equal(epochOf(peer.channel.state), epoch, 'still at the same epoch')
    const rejected = peer.events.filter((e) => e.kind === 'rejected')
    assert.equal(rejected.length, 2, 'both hostile entries were refused')
  }
  await bob!.channel.commit(() => ({}))
  await alice!.channel.catchUp()
  await mallory!.channel.catchUp()
  assert.equal(epochOf(alice!.channel.state), epoch + 1n)
  assertInStep([alice!, bob!, mallory!])
  await alice!.channel.send(utf8('still fine'), directTo([bob!, mallory!], 2))
  assert.deepEqual(messages(bob!), ['still fine'])
})

test('concurrent commits for one epoch: one wins, the loser reads it and commits again at the next epoch', async () => {
  const g = await startGroup(['alice', 'bob', 'carol', 'dave'])
  const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map(g.get)
  const epoch = epochOf(alice!.channel.state)
  const refusedBefore = g.box.refusals
  const results = await Promise.all([
    bob!.channel.commit(() => ({})),
    carol!.channel.commit(() => ({})),
    dave!.channel.commit((group) => {
      const leaf = leafOf(group, alice!.member)
      return leaf === undefined ? undefined : { remove: [leaf] }
    }),
  ])
  assert.ok(g.box.refusals > refusedBefore, 'the relay refused at least one racer')
  assert.ok(results.every((r) => r !== undefined))
  const ids = results.map((r) => r!.mailboxId)
  assert.equal(new Set(ids).size, 3, 'three commits, each at its own place')
  for (const peer of [bob!, carol!, dave!]) await peer.channel.catchUp()
  await alice!.channel.catchUp()
  assert.equal(epochOf(bob!.channel.state), epoch + 3n, 'one epoch per commit')
  assertInStep([bob!, carol!, dave!])
  assert.ok(alice!.events.some((e) => e.kind === 'removed'))
})

test('a handshake sent directly is not applied: only the mailbox orders commits', async () => {
  const g = await startGroup(['alice', 'bob'])
  const [alice, bob] = ['alice', 'bob'].map(g.get)
  const r = await commitChanges(alice!.channel.state, {})
  await bob!.channel.receiveDirect(encodeGroupFrame(FRAME_KIND.commit, r.commit))
  assert.equal(epochOf(bob!.channel.state), epochOf(alice!.channel.state))
  assert.ok(bob!.events.some((e) => e.kind === 'rejected' && e.code === 'not_ordered'))
})

test('catch-ups queued behind a running read share one read; a message sent during that read still arrives', async () => {
  const g = await startGroup(['alice', 'bob'])
  const [alice, bob] = ['alice', 'bob'].map(g.get)
  await bob!.channel.catchUp()
  const before = g.box.reads
  let release!: () => void
  g.box.hold = new Promise((r) => (release = r))
  const running = bob!.channel.catchUp()
  while (g.box.reads === before) await new Promise((r) => setImmediate(r))
  // bob's first read is at the relay; three more callers queue behind it and share one read.
  const queued = [bob!.channel.catchUp(), bob!.channel.catchUp(), bob!.channel.catchUp()]
  assert.equal(queued[0], queued[2], 'callers that queue together share one promise')
  g.box.hold = undefined
  await alice!.channel.send(utf8('sent during the read'))
  release()
  await Promise.all([running, ...queued])
  assert.equal(g.box.reads - before, 3, "bob's two reads (not four) and alice's one before sending")
  assert.deepEqual(messages(bob!), ['sent during the read'], 'the shared read saw it')
})

/** `frame`'s MLS message with one ciphertext byte flipped: it keeps the last 16 bytes (the tag). */
function corrupted(frame: Uint8Array): Uint8Array {
  const mls = decodeGroupFrame(frame).mls.slice()
  mls[mls.length - 40]! ^= 0x01
  return encodeGroupFrame(FRAME_KIND.application, mls)
}

test("a corrupted mailbox copy with a message's tag, read first, does not hide the genuine message", async () => {
  const g = await startGroup(['alice', 'bob', 'mallory'])
  const [alice, bob, mallory] = ['alice', 'bob', 'mallory'].map(g.get)
  // mallory is reached directly first; before alice's mailbox copy lands she deposits a copy
  // with one byte flipped (anyone can copy the last 16 bytes of a message they saw).
  await alice!.channel.send(utf8('meet at 6'), async (frame) => {
    await mallory!.channel.receiveDirect(frame)
    await g.box.portFor().append(cutIntoPieces(corrupted(frame), p.random(8))[0]!)
    return { allReached: false } // bob was not reached: alice deposits the genuine copy
  })
  await bob!.channel.catchUp()
  assert.ok(
    bob!.events.some((e) => e.kind === 'rejected'),
    'the corrupted copy is refused',
  )
  assert.deepEqual(messages(bob!), ['meet at 6'], 'and the genuine one after it is shown')
})

test("a forged direct copy with a message's tag, arriving first, does not hide the genuine one", async () => {
  const g = await startGroup(['alice', 'bob'])
  const [alice, bob] = ['alice', 'bob'].map(g.get)
  let genuine: Uint8Array | undefined
  await alice!.channel.send(utf8('hello bob'), (frame) => {
    genuine = frame
    return Promise.resolve({ allReached: true }) // no mailbox copy
  })
  await bob!.channel.receiveDirect(corrupted(genuine!))
  await bob!.channel.receiveDirect(genuine!)
  assert.deepEqual(messages(bob!), ['hello bob'])
  await bob!.channel.receiveDirect(genuine!) // a real second copy is still dropped
  assert.deepEqual(messages(bob!), ['hello bob'])
})

test('after her removal is applied, a removed member cannot post through an old epoch; a member still in the group can', async () => {
  const g = await startGroup(['alice', 'bob', 'carol', 'mallory'])
  const [alice, bob, carol, mallory] = ['alice', 'bob', 'carol', 'mallory'].map(g.get)
  await alice!.channel.commit((group) => {
    const leaf = leafOf(group, mallory!.member)
    return leaf === undefined ? undefined : { remove: [leaf] }
  })
  await bob!.channel.catchUp()
  // mallory (and carol, who has not read the removal yet) write for the epoch before it, and
  // their messages land in the mailbox after the removal: mallory's on purpose (ADR 0138: no move
  // after a leave a member commits), carol's in an honest race with the commit.
  const port = g.box.portFor()
  for (const [peer, words] of [
    [mallory!, 'I am still here'],
    [carol!, 'sent before I read it'],
  ] as const) {
    const r = await encryptMessage(peer.channel.state, utf8(words))
    await port.append(
      cutIntoPieces(encodeGroupFrame(FRAME_KIND.application, r.message), p.random(8))[0]!,
    )
  }
  await bob!.channel.catchUp()
  assert.deepEqual(messages(bob!), ['sent before I read it'], 'nothing from mallory after')
  assert.ok(bob!.events.some((e) => e.kind === 'rejected' && e.code === 'wrong_key'))
  await carol!.channel.catchUp()
  assertInStep([alice!, bob!, carol!])
})

test("a commit the relay stored but whose answer was lost: the committer adopts it when read back, in the others' epoch", async () => {
  const box = new MemoryGroupMailbox()
  const alice = makeMember(p, suite, 'alice')
  const bob = makeMember(p, suite, 'bob')
  const aliceEvents: GroupEvent[] = []
  const bobEvents: GroupEvent[] = []
  let drop: 'answer' | 'deposit' | undefined
  const honest = box.portFor()
  // The relay stores the deposit and the connection drops before its answer (or, second case,
  // the deposit never reaches the relay at all).
  const flaky = {
    read: (after: bigint) => honest.read(after),
    append: async (bytes: Uint8Array, expectedId?: bigint) => {
      const mode = expectedId === undefined ? undefined : drop
      drop = undefined
      if (mode === 'deposit') throw new Error('relay unreachable')
      const id = await honest.append(bytes, expectedId)
      if (mode === 'answer') throw new Error('connection reset before the answer')
      return id
    },
  }
  const io = (events: GroupEvent[], mailbox: typeof flaky) => ({
    mailbox,
    random: p.random,
    onEvent: (e: GroupEvent) => events.push(e),
  })
  const a = await GroupChannel.create(
    suite,
    alice.checker,
    p.random(32),
    await alice.keyPackage(),
    io(aliceEvents, flaky),
  )
  const kp = await bob.keyPackage()
  const added = await a.commit(() => ({ add: [kp.bytes] }))
  const b = await GroupChannel.join(
    suite,
    bob.checker,
    added!.welcome!,
    kp,
    added!.mailboxId,
    io(bobEvents, box.portFor()),
  )
  drop = 'answer'
  await assert.rejects(
    a.commit(() => ({})),
    /connection reset/,
  ) // a leaf update (with a path)
  await b.catchUp() // bob applies alice's stored commit
  await a.catchUp() // alice reads her own commit back
  assert.equal(epochOf(a.state), epochOf(b.state), "alice is in bob's epoch")
  assert.equal(toHex(treeHashOf(a.state)), toHex(treeHashOf(b.state)))
  assert.deepEqual(
    aliceEvents.filter((e) => e.kind === 'rejected'),
    [],
    'alice refused nothing',
  )
  assert.ok(aliceEvents.some((e) => e.kind === 'commit' && e.epoch === epochOf(a.state)))
  await b.send(utf8('can you read me?'))
  await a.catchUp()
  assert.deepEqual(
    aliceEvents.flatMap((e) => (e.kind === 'message' ? [text(e.data)] : [])),
    ['can you read me?'],
  )
  // A deposit that never arrived: nothing is adopted, and the next commit goes through.
  const epoch = epochOf(a.state)
  drop = 'deposit'
  await assert.rejects(
    a.commit(() => ({})),
    /relay unreachable/,
  )
  await a.catchUp()
  assert.equal(epochOf(a.state), epoch, 'nothing was stored: alice stays where bob is')
  await a.commit(() => ({}))
  await b.catchUp()
  assert.equal(epochOf(b.state), epoch + 1n)
  assert.equal(toHex(treeHashOf(a.state)), toHex(treeHashOf(b.state)))
})
