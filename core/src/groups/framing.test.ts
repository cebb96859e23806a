// Our group framing: round trips with real MLS messages, a frame cannot carry what its kind does
// not allow, caps, and a fuzzed decoder (100,000 random and 100,000 mutated inputs: each returns a
// frame or throws ProtocolError, nothing else).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { encodeMlsMessage } from 'ts-mls'
import { isProtocolError } from '../wire/errors.ts'
import { GroupFrame as GroupFrameCodec } from './groups.pb.js'
import { FRAME_KIND, decodeGroupFrame, encodeGroupFrame } from './framing.ts'
import { commitChanges, createGroup, encryptMessage, loadSuite } from './mls.ts'
import { GROUP_LIMITS } from './limits.ts'
import { fixedClock, seededRandom } from '../../test-support/deterministic.ts'
import { makeMember } from '../../test-support/group-fixtures.ts'

const suite = await loadSuite()
const p = { random: seededRandom('framing.test'), clock: fixedClock().clock }

async function realMessages() {
  const [a, b] = [makeMember(p, suite, 'a'), makeMember(p, suite, 'b')]
  const own = await a.keyPackage()
  const g = await createGroup(suite, a.checker, p.random(32), own)
  const kb = await b.keyPackage()
  const c = await commitChanges(g, { add: [kb.bytes] })
  const m = await encryptMessage(c.group, new TextEncoder().encode('hello'))
  return { commit: c.commit, welcome: c.welcome!, keyPackage: kb.bytes, application: m.message }
}

const messages = await realMessages()

test('frames round-trip each kind with the MLS message it allows, and report the epoch', () => {
  const cases = [
    [FRAME_KIND.commit, messages.commit, 1n],
    [FRAME_KIND.application, messages.application, 1n],
    [FRAME_KIND.welcome, messages.welcome, undefined],
    [FRAME_KIND.keyPackage, messages.keyPackage, undefined],
  ] as const
  for (const [kind, mls, epoch] of cases) {
    const f = decodeGroupFrame(encodeGroupFrame(kind, mls))
    assert.equal(f.kind, kind)
    assert.deepEqual(f.mls, mls)
    // A commit's epoch is the one it leaves (0); application data is sent in the new epoch (1).
    assert.equal(f.epoch, kind === FRAME_KIND.commit ? 0n : epoch)
  }
})

test('a frame whose kind does not fit its MLS message is refused', () => {
  const lie = (kind: number, mls: Uint8Array) =>
    GroupFrameCodec.encode({ version: 1, kind, mls: new Uint8Array(mls) })
  for (const [kind, mls] of [
    [FRAME_KIND.application, messages.welcome],
    [FRAME_KIND.welcome, messages.application],
    [FRAME_KIND.keyPackage, messages.commit],
    [FRAME_KIND.commit, messages.keyPackage],
  ] as const) {
    assert.throws(
      () => decodeGroupFrame(lie(kind, mls)),
      (e) => isProtocolError(e, 'malformed'),
    )
  }
  assert.throws(
    () => decodeGroupFrame(lie(9, messages.commit)),
    (e) => isProtocolError(e, 'malformed'),
  )
  assert.throws(
    () =>
      decodeGroupFrame(
        GroupFrameCodec.encode({ version: 2, kind: 1, mls: new Uint8Array(messages.commit) }),
      ),
    (e) => isProtocolError(e, 'unsupported_version'),
  )
  assert.throws(
    () => decodeGroupFrame(lie(FRAME_KIND.commit, new Uint8Array())),
    (e) => isProtocolError(e, 'malformed'),
  )
  assert.throws(
    () => encodeGroupFrame(FRAME_KIND.welcome, messages.commit),
    (e) => isProtocolError(e, 'malformed'),
  )
})

test('frames over the cap are refused before decoding', () => {
  const big = new Uint8Array(GROUP_LIMITS.maxFrameBytes + 64)
  assert.throws(
    () => decodeGroupFrame(big),
    (e) => isProtocolError(e, 'oversize'),
  )
  assert.throws(
    () => decodeGroupFrame('not bytes'),
    (e) => isProtocolError(e, 'malformed'),
  )
})

/** Decodes or throws a ProtocolError; anything else fails the property. */
function decodesOrRefuses(bytes: Uint8Array): boolean {
  try {
    decodeGroupFrame(bytes)
    return true
  } catch (err) {
    return isProtocolError(err)
  }
}

test('fuzz: 100,000 random inputs decode or throw ProtocolError', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesOrRefuses), {
    numRuns: 100_000,
    seed: 1206,
  })
})

test('fuzz: 100,000 mutations of valid frames decode or throw ProtocolError', () => {
  const valid = [
    encodeGroupFrame(FRAME_KIND.commit, messages.commit),
    encodeGroupFrame(FRAME_KIND.application, messages.application),
    encodeGroupFrame(FRAME_KIND.keyPackage, messages.keyPackage),
    encodeGroupFrame(FRAME_KIND.welcome, messages.welcome),
  ]
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
      return decodesOrRefuses(bytes)
    }),
    { numRuns: 100_000, seed: 1207 },
  )
})

test('an MLS message built by hand (not by this library) frames and decodes', () => {
  const mls = encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: {
      groupId: new Uint8Array(32).fill(1),
      epoch: 7n,
      contentType: 'application',
      authenticatedData: new Uint8Array(),
      encryptedSenderData: new Uint8Array(32).fill(2),
      ciphertext: new Uint8Array(48).fill(3),
    },
  })
  assert.equal(decodeGroupFrame(encodeGroupFrame(FRAME_KIND.application, mls)).epoch, 7n)
})
