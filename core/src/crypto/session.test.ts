import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { testPlatform } from '../../test-support/deterministic.ts'
import {
  DAY,
  makeDevice,
  makePrekeys,
  makeSessionPair,
} from '../../test-support/crypto-fixtures.ts'
import { acceptSession, initiateSession } from './pqxdh.ts'
import { verifyPrekeyBundle, PREKEY_KIND } from './prekeys.ts'
import { Session } from './session.ts'
import { decodeSessionFrame, encodeSessionFrame } from './codecs.ts'
import { LIMITS } from './limits.ts'
import { isProtocolError } from '../wire/errors.ts'

const text = (s: string) => new TextEncoder().encode(s)
const read = (b: Uint8Array) => new TextDecoder().decode(b)

void test('PQXDH start, first message, replies both ways, and resume from JSON', () => {
  const p = testPlatform('session-basic')
  const { alice, bob, aliceDevice, bobDevice } = makeSessionPair(p, text('hi bob'))
  assert.deepEqual(alice.remoteIdentityKey, bobDevice.identity.publicKey)
  assert.deepEqual(bob.remoteIdentityKey, aliceDevice.identity.publicKey)
  assert.ok(alice.awaitingReply)
  const r1 = bob.encrypt(text('hi alice'))
  assert.equal(read(alice.decrypt(r1.frame).body), 'hi alice')
  assert.ok(!alice.awaitingReply)
  // Persist both, "restart", continue.
  const aliceAgain = Session.restore(JSON.parse(JSON.stringify(alice.toJSON())), p)
  const bobAgain = Session.restore(JSON.parse(JSON.stringify(bob.toJSON())), p)
  for (let i = 0; i < 5; i++) {
    const m = aliceAgain.encrypt(text(`a${i}`))
    assert.equal(read(bobAgain.decrypt(m.frame).body), `a${i}`)
    const n = bobAgain.encrypt(text(`b${i}`))
    const got = aliceAgain.decrypt(n.frame)
    assert.equal(read(got.body), `b${i}`)
    assert.deepEqual(got.messageId, n.messageId)
  }
})

void test('frames sent before the first reply repeat the PQXDH header and still decrypt at the responder', () => {
  const p = testPlatform('session-pending')
  const { alice, bob } = makeSessionPair(p)
  const second = alice.encrypt(text('second'))
  assert.equal(decodeSessionFrame(second.frame).kind, 'initial')
  assert.equal(read(bob.decrypt(second.frame).body), 'second')
  const reply = bob.encrypt(text('ok'))
  alice.decrypt(reply.frame)
  assert.equal(decodeSessionFrame(alice.encrypt(text('third')).frame).kind, 'ratchet')
})

void test('one-time prekeys: the responder reports them used and a second use fails', () => {
  const p = testPlatform('session-otk')
  const alice = makeDevice(p, 'alice')
  const bob = makeDevice(p, 'bob')
  const pre = makePrekeys(p, bob, { pqOneTime: true })
  const store = [...pre.all]
  const lookup = (kind: number, id: number) => store.find((k) => k.kind === kind && k.id === id)
  const bundle = verifyPrekeyBundle(pre.bundle, { now: p.clock() })
  const start = initiateSession({ local: alice, bundle, body: text('x'), platform: p })
  const got = acceptSession({ local: bob, frame: start.frame, prekeys: lookup, platform: p })
  assert.equal(got.usedPrekeys.oneTimePrekeyId, 3)
  assert.equal(got.usedPrekeys.pqPrekey.kind, PREKEY_KIND.oneTimeMlkem)
  // The messenger deletes the one-time keys; a replayed initial message then fails.
  store.splice(0, store.length, pre.signed)
  assert.throws(
    () => acceptSession({ local: bob, frame: start.frame, prekeys: lookup, platform: p }),
    {
      code: 'unknown_key',
    },
  )
})

void test('acceptSession refuses an initiator other than the expected identity', () => {
  const p = testPlatform('session-expected')
  const alice = makeDevice(p, 'alice')
  const bob = makeDevice(p, 'bob')
  const other = makeDevice(p, 'other')
  const pre = makePrekeys(p, bob)
  const bundle = verifyPrekeyBundle(pre.bundle, { now: p.clock() })
  const start = initiateSession({ local: alice, bundle, body: text('x'), platform: p })
  assert.throws(
    () =>
      acceptSession({
        local: bob,
        frame: start.frame,
        prekeys: (k, id) => pre.all.find((x) => x.kind === k && x.id === id),
        platform: p,
        expectedIdentityKey: other.identity.publicKey,
      }),
    { code: 'wrong_key' },
  )
})

void test('a failed decryption leaves the session state byte-for-byte unchanged', () => {
  const p = testPlatform('session-transactional')
  const { alice, bob } = makeSessionPair(p)
  bob.decrypt(alice.encrypt(text('warm up')).frame)
  alice.decrypt(bob.encrypt(text('back')).frame)
  const m = alice.encrypt(text('target'))
  const before = JSON.stringify(bob.toJSON())
  const frame = decodeSessionFrame(m.frame)
  assert.equal(frame.kind, 'ratchet')
  if (frame.kind !== 'ratchet') return
  const tampered = encodeSessionFrame({
    kind: 'ratchet',
    ratchet: { ...frame.ratchet, counter: frame.ratchet.counter + 5 },
  })
  assert.throws(() => bob.decrypt(tampered), { code: 'decrypt_failed' })
  assert.equal(JSON.stringify(bob.toJSON()), before)
  assert.equal(read(bob.decrypt(m.frame).body), 'target')
})

void test('replays are refused: the same frame twice, and a re-encrypted message id', () => {
  const p = testPlatform('session-replay')
  const { alice, bob } = makeSessionPair(p)
  const m = alice.encrypt(text('once'))
  bob.decrypt(m.frame)
  assert.throws(() => bob.decrypt(m.frame), { code: 'replay' })
  // Skipped-key path: deliver 2 before 1, then 1 twice.
  const m1 = alice.encrypt(text('1'))
  const m2 = alice.encrypt(text('2'))
  bob.decrypt(m2.frame)
  bob.decrypt(m1.frame)
  assert.throws(() => bob.decrypt(m1.frame), { name: 'ProtocolError' })
})

void test('skip limits: more than maxSkipPerChain in one chain is refused; total stored keys stay capped', () => {
  const p = testPlatform('session-limits')
  const { alice, bob } = makeSessionPair(p)
  let last: Uint8Array | undefined
  for (let i = 0; i <= LIMITS.maxSkipPerChain + 1; i++) last = alice.encrypt(text(`m${i}`)).frame
  assert.throws(() => bob.decrypt(last!), { code: 'limit_exceeded' })
  // Within the cap works, and the stored skipped keys never exceed the total cap.
  const { alice: a2, bob: b2 } = makeSessionPair(testPlatform('session-limits-2'))
  for (let round = 0; round < 3; round++) {
    let f: Uint8Array | undefined
    for (let i = 0; i < LIMITS.maxSkipPerChain; i++) f = a2.encrypt(text('x')).frame
    b2.decrypt(f!)
    a2.decrypt(b2.encrypt(text('turn')).frame)
    assert.ok(b2.toJSON().skipped.length <= LIMITS.maxStoredSkippedKeys)
  }
  assert.equal(b2.toJSON().skipped.length, LIMITS.maxStoredSkippedKeys)
})

void test('stale and future-dated messages are refused', () => {
  const p = testPlatform('session-time')
  const { alice, bob } = makeSessionPair(p)
  const old = alice.encrypt(text('old'))
  p.time.advance(LIMITS.maxMessageAgeMs + 1)
  assert.throws(() => bob.decrypt(old.frame), { code: 'expired' })
  p.time.advance(-LIMITS.maxMessageAgeMs - LIMITS.maxClockSkewMs - 2)
  const future = alice.encrypt(text('future'))
  p.time.advance(-LIMITS.maxClockSkewMs - 1)
  // From bob's point of view alice's clock is now far ahead.
  assert.throws(() => bob.decrypt(future.frame), { code: 'not_yet_valid' })
})

void test('restore refuses damaged state', () => {
  const p = testPlatform('session-restore')
  const { alice } = makeSessionPair(p)
  const good = alice.toJSON()
  assert.throws(() => Session.restore({ ...good, rootKey: 'short' }, p), { code: 'malformed' })
  assert.throws(() => Session.restore({ ...good, version: 2 }, p), { code: 'unsupported_version' })
  assert.throws(() => Session.restore(null, p), { code: 'malformed' })
  assert.ok(Session.restore(good, p))
})

// --- property tests ---

type Step =
  | { kind: 'send'; from: 'a' | 'b' }
  | { kind: 'deliver'; to: 'a' | 'b'; pick: number; duplicate: boolean }
  | { kind: 'drop'; to: 'a' | 'b'; pick: number }
  | { kind: 'tamper'; to: 'a' | 'b'; pick: number; byte: number; bit: number }
  | { kind: 'restart'; who: 'a' | 'b' }

const side = fc.constantFrom<'a' | 'b'>('a', 'b')
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('send' as const), from: side }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      to: side,
      pick: fc.nat(),
      duplicate: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('drop' as const), to: side, pick: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('tamper' as const),
      to: side,
      pick: fc.nat(),
      byte: fc.nat(),
      bit: fc.integer({ min: 0, max: 7 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart' as const), who: side }) },
)

void test('property: under loss, reordering, duplication, tampering and restarts every message arrives at most once and intact', () => {
  fc.assert(
    fc.property(fc.array(stepArb, { minLength: 5, maxLength: 40 }), fc.string(), (steps, seed) => {
      const p = testPlatform(`prop-${seed}`)
      const pair = makeSessionPair(p, text('m0'))
      const s: Record<'a' | 'b', Session> = { a: pair.alice, b: pair.bob }
      const inbox: Record<'a' | 'b', { frame: Uint8Array; body: string; delivered: boolean }[]> = {
        a: [],
        b: [],
      }
      const received: Record<'a' | 'b', Set<string>> = { a: new Set(), b: new Set(['m0']) }
      let counter = 1
      for (const step of steps) {
        if (step.kind === 'send') {
          const body = `m${counter++}`
          const to = step.from === 'a' ? 'b' : 'a'
          inbox[to].push({ frame: s[step.from].encrypt(text(body)).frame, body, delivered: false })
        } else if (step.kind === 'restart') {
          s[step.who] = Session.restore(JSON.parse(JSON.stringify(s[step.who].toJSON())), p)
        } else {
          const box = inbox[step.to]
          if (box.length === 0) continue
          const i = step.pick % box.length
          const item = box[i]!
          if (step.kind === 'drop') {
            box.splice(i, 1)
          } else if (step.kind === 'tamper') {
            const bad = item.frame.slice()
            bad[step.byte % bad.length]! ^= 1 << step.bit
            const before = JSON.stringify(s[step.to].toJSON())
            assert.throws(
              () => s[step.to].decrypt(bad),
              (e: unknown) => isProtocolError(e),
            )
            assert.equal(
              JSON.stringify(s[step.to].toJSON()),
              before,
              'failed decrypt changed state',
            )
          } else {
            if (!step.duplicate) box.splice(i, 1)
            if (item.delivered) {
              assert.throws(
                () => s[step.to].decrypt(item.frame),
                (e: unknown) => isProtocolError(e),
              )
            } else {
              const got = s[step.to].decrypt(item.frame)
              assert.equal(read(got.body), item.body)
              assert.ok(!received[step.to].has(item.body))
              received[step.to].add(item.body)
              item.delivered = true
            }
          }
        }
      }
    }),
    { numRuns: 60 },
  )
})

void test('property: a frame from another session (wrong keys) never decrypts and changes nothing', () => {
  const p = testPlatform('prop-wrong-key')
  const one = makeSessionPair(p)
  const two = makeSessionPair(p)
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), (body) => {
      const foreign = two.alice.encrypt(text(body)).frame
      const before = JSON.stringify(one.bob.toJSON())
      assert.throws(
        () => one.bob.decrypt(foreign),
        (e: unknown) => isProtocolError(e),
      )
      assert.equal(JSON.stringify(one.bob.toJSON()), before)
    }),
    { numRuns: 40 },
  )
  void DAY
})
