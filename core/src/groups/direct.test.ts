// The group decoders added for delivery: group mailbox pieces (mailbox-pieces.ts), group traffic
// inside 1:1 sessions and the invitation (direct.ts). Round trips, strictness (padding, one body,
// a kind where it belongs), and fuzzing: 100,000 random and 100,000 mutated inputs per decoder,
// each decodes or throws a ProtocolError — nothing else.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { isProtocolError } from '../wire/errors.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember } from '../../test-support/group-fixtures.ts'
import {
  InviteAssembler,
  decodeGroupDirect,
  decodeGroupInvite,
  encodeGroupDirect,
  encodeGroupInvite,
  invitePartsOf,
  type GroupInvite,
} from './direct.ts'
import { FRAME_KIND, encodeGroupFrame } from './framing.ts'
import { cutIntoPieces, readPiece, PIECE_CHUNK_BYTES } from './mailbox-pieces.ts'
import { commitChanges, createGroup, encryptMessage, loadSuite } from './mls.ts'

const suite = await loadSuite()
const p = { random: seededRandom('direct.test'), clock: fixedClock().clock }

async function realFrames() {
  const [a, b] = [makeMember(p, suite, 'a'), makeMember(p, suite, 'b')]
  const g = await createGroup(suite, a.checker, p.random(32), await a.keyPackage())
  const kb = await b.keyPackage()
  const c = await commitChanges(g, { add: [kb.bytes] })
  const m = await encryptMessage(c.group, new TextEncoder().encode('hello'))
  return {
    groupId: p.random(32),
    welcome: encodeGroupFrame(FRAME_KIND.welcome, c.welcome!),
    keyPackage: encodeGroupFrame(FRAME_KIND.keyPackage, kb.bytes),
    application: encodeGroupFrame(FRAME_KIND.application, m.message),
    commit: encodeGroupFrame(FRAME_KIND.commit, c.commit),
  }
}
const f = await realFrames()
const invite: GroupInvite = {
  welcome: f.welcome,
  relays: ['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRelay'],
  mailboxId: p.random(32),
  mailboxAuthSecret: p.random(32),
  mailboxCapability: p.random(32),
  afterId: 7n,
  name: 'Hiking',
}

test('pieces: one padded bucket per frame, read back exactly; padding and sizes are checked', () => {
  const [piece, ...more] = cutIntoPieces(f.commit, p.random(8))
  assert.equal(more.length, 0)
  assert.ok([1024, 4096, 16384, 65536].includes(piece!.length), 'padded to a bucket')
  assert.ok(piece!.length >= f.commit.length + 17)
  assert.deepEqual(readPiece(piece!).chunk, f.commit)
  const dirty = piece!.slice()
  dirty[dirty.length - 1] = 1
  assert.throws(
    () => readPiece(dirty),
    (e) => isProtocolError(e, 'malformed'),
  )
  assert.throws(
    () => readPiece(piece!.subarray(0, piece!.length - 1)),
    (e) => isProtocolError(e, 'malformed'),
  )
  const big = cutIntoPieces(new Uint8Array(PIECE_CHUNK_BYTES + 1).fill(1), p.random(8))
  assert.equal(big.length, 2, 'a frame over one deposit needs two pieces (the channel refuses it)')
})

test('direct messages: each body round-trips; none or two bodies, or a kind out of place, are refused', () => {
  const bodies = [
    { kind: 'key_package_request' as const },
    { kind: 'key_package' as const, keyPackage: f.keyPackage },
    { kind: 'frame' as const, frame: f.application },
    { kind: 'invite_part' as const, index: 0, count: 1, chunk: new Uint8Array([1, 2]) },
  ]
  for (const body of bodies) {
    const back = decodeGroupDirect(encodeGroupDirect({ groupId: f.groupId, body }))
    assert.deepEqual(back.body, body)
  }
  // A commit sent directly is refused (only the mailbox orders handshakes).
  assert.throws(
    () =>
      decodeGroupDirect(
        encodeGroupDirect({ groupId: f.groupId, body: { kind: 'frame', frame: f.commit } }),
      ),
    (e) => isProtocolError(e, 'malformed'),
  )
  // A welcome posing as a key package.
  assert.throws(
    () =>
      decodeGroupDirect(
        encodeGroupDirect({
          groupId: f.groupId,
          body: { kind: 'key_package', keyPackage: f.welcome },
        }),
      ),
    (e) => isProtocolError(e, 'malformed'),
  )
})

test('invitation: round trip, in parts of at most 32 KiB, reassembled in any order', () => {
  const bytes = encodeGroupInvite({ ...invite, welcome: f.welcome })
  assert.deepEqual(decodeGroupInvite(bytes), invite)
  const large = new Uint8Array(100_000).map((_, i) => i % 251)
  const parts = invitePartsOf(f.groupId, large)
  assert.equal(parts.length, 4)
  const asm = new InviteAssembler(() => 0)
  let out: Uint8Array | undefined
  for (const part of [parts[2]!, parts[0]!, parts[3]!, parts[1]!]) {
    const decoded = decodeGroupDirect(encodeGroupDirect(part))
    assert.equal(decoded.body.kind, 'invite_part')
    if (decoded.body.kind === 'invite_part') out = asm.add('bob', 'g', decoded.body)
  }
  assert.deepEqual(out, large)
  assert.throws(
    () => decodeGroupInvite(encodeGroupInvite({ ...invite, relays: [] })),
    (e) => isProtocolError(e, 'malformed'),
  )
})

function refusesOnly(decode: (b: Uint8Array) => unknown) {
  return (bytes: Uint8Array): boolean => {
    try {
      decode(bytes)
      return true
    } catch (err) {
      return isProtocolError(err)
    }
  }
}

const decoders: [string, (b: Uint8Array) => unknown, Uint8Array[]][] = [
  [
    'piece',
    readPiece,
    [cutIntoPieces(f.commit, p.random(8))[0]!, cutIntoPieces(f.application, p.random(8))[0]!],
  ],
  [
    'group direct',
    decodeGroupDirect,
    [
      encodeGroupDirect({
        groupId: f.groupId,
        body: { kind: 'key_package', keyPackage: f.keyPackage },
      }),
      encodeGroupDirect({ groupId: f.groupId, body: { kind: 'frame', frame: f.application } }),
      encodeGroupDirect({
        groupId: f.groupId,
        body: { kind: 'invite_part', index: 1, count: 3, chunk: p.random(64) },
      }),
    ],
  ],
  ['group invite', decodeGroupInvite, [encodeGroupInvite(invite)]],
]

for (const [name, decode, valid] of decoders) {
  test(`fuzz ${name}: 100,000 random inputs decode or throw ProtocolError`, () => {
    // Pieces: a random header over a bucket-sized body (random bytes of a whole bucket each would
    // spend the run generating them); other decoders: random bytes.
    const gen =
      name === 'piece'
        ? fc
            .record({
              head: fc.uint8Array({ minLength: 17, maxLength: 17 }),
              size: fc.constantFrom(1024, 4096),
              fill: fc.integer({ min: 0, max: 255 }),
              fillFrom: fc.nat({ max: 4096 }),
            })
            .map(({ head, size, fill, fillFrom }) => {
              const b = new Uint8Array(size)
              b.set(head)
              b.fill(fill, Math.max(17, fillFrom % size))
              return b
            })
        : fc.uint8Array({ maxLength: 512 })
    fc.assert(fc.property(gen, refusesOnly(decode)), { numRuns: 100_000, seed: 2006 })
  })

  test(`fuzz ${name}: 100,000 mutations of valid inputs decode or throw ProtocolError`, () => {
    const mutation = fc.record({
      which: fc.nat({ max: valid.length - 1 }),
      at: fc.nat(),
      xor: fc.integer({ min: 1, max: 255 }),
      cut: fc.nat(),
      mode: fc.constantFrom('flip', 'truncate', 'extend'),
    })
    fc.assert(
      fc.property(mutation, ({ which, at, xor, cut, mode }) => {
        const base = valid[which]!
        let bytes: Uint8Array
        if (mode === 'flip') {
          bytes = base.slice()
          bytes[at % bytes.length]! ^= xor
        } else if (mode === 'truncate') bytes = base.slice(0, cut % base.length)
        else bytes = Uint8Array.from([...base, xor])
        return refusesOnly(decode)(bytes)
      }),
      { numRuns: 100_000, seed: 2007 },
    )
  })
}

test("invitation parts (review rg-4b): one sender's half-sent invitations never take another sender's slot, and stale ones expire", () => {
  let now = 0
  const asm = new InviteAssembler(() => now)
  const half = { index: 0, count: 2, chunk: new Uint8Array([1]) }
  const last = { index: 1, count: 2, chunk: new Uint8Array([2]) }
  // Alice's invitation is half here when mallory starts many more, each replacing her own oldest.
  assert.equal(asm.add('alice', 'g', half), undefined)
  for (let i = 0; i < 3 * InviteAssembler.maxPending; i++) asm.add('mallory', `m${i}`, half)
  assert.deepEqual(asm.add('alice', 'g', last), new Uint8Array([1, 2]))
  // Many senders at their budget fill every slot: a new sender still gets one.
  for (let s = 0; s < InviteAssembler.maxPending; s++) {
    for (let i = 0; i < InviteAssembler.maxPerSender; i++) asm.add(`s${s}`, `g${i}`, half)
  }
  assert.equal(asm.add('carol', 'g', half), undefined)
  assert.deepEqual(asm.add('carol', 'g', last), new Uint8Array([1, 2]))
  // A half-sent invitation older than staleMs is dropped: its last part starts it over.
  assert.equal(asm.add('dave', 'g', half), undefined)
  now += InviteAssembler.staleMs + 1
  asm.add('erin', 'g', half) // a new invitation makes room, dropping the stale ones
  assert.equal(asm.add('dave', 'g', last), undefined)
})
