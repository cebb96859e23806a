// Stamped own-device state (ADR 0785): the frames round-trip, a stamp never moves back, equal
// stamps settle the same way on every device, and hostile bytes get a typed error.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { testPlatform } from '../../../test-support/deterministic.ts'
import { isProtocolError } from '../../wire/errors.ts'
import {
  contactChoiceBytes,
  decodeContactState,
  decodeSettingsState,
  encodeContactState,
  encodeSettingsState,
  nextStamp,
  orderOf,
} from './sync-state.ts'

const p = testPlatform('sync-state')

test('a contact state and a settings frame round-trip with their stamps', () => {
  const f = {
    stateStamp: 2 ** 52 + 7,
    routeStamp: 3,
    contact: { identityKey: p.random(32), displayName: 'Ben', verified: true, blocked: false },
  }
  assert.deepEqual(decodeContactState(encodeContactState(f)), f)
  const s = { readReceipts: true, delayReceipts: false, relayOnly: true }
  assert.deepEqual(decodeSettingsState(encodeSettingsState(1_700_000_000_000, s)), {
    stamp: 1_700_000_000_000,
    settings: s,
  })
})

test('the next stamp is the clock, or past the held stamp when the clock is behind', () => {
  assert.equal(nextStamp(5, 1000), 1000)
  assert.equal(nextStamp(5000, 1000), 5001)
})

test('older is refused, equal is no change, equal stamps with other content agree everywhere', () => {
  const a = contactChoiceBytes({ displayName: 'Ben', verified: false, blocked: false })
  const b = contactChoiceBytes({ displayName: 'Ben', verified: true, blocked: false })
  assert.equal(orderOf(9, a, 10, b), 'older')
  assert.equal(orderOf(11, a, 10, b), 'newer')
  assert.equal(orderOf(10, a, 10, a), 'same')
  // Device 1 holds a and gets b, device 2 holds b and gets a: both end on the same one.
  const one = orderOf(10, b, 10, a) === 'newer' ? b : a
  const two = orderOf(10, a, 10, b) === 'newer' ? a : b
  assert.deepEqual(one, two)
})

test('short frames, unknown flags and stamps past 2^53 are refused as malformed', () => {
  const bad = (fn: () => unknown) => assert.throws(fn, (err) => isProtocolError(err, 'malformed'))
  bad(() => decodeSettingsState(new Uint8Array(8)))
  const flags = encodeSettingsState(1, {
    readReceipts: false,
    delayReceipts: false,
    relayOnly: false,
  })
  flags[8] = 0x80
  bad(() => decodeSettingsState(flags))
  const huge = encodeSettingsState(1, {
    readReceipts: false,
    delayReceipts: false,
    relayOnly: false,
  })
  huge[0] = 0xff
  bad(() => decodeSettingsState(huge))
  bad(() => decodeContactState(new Uint8Array(16)))
  assert.throws(
    () => encodeSettingsState(-1, { readReceipts: false, delayReceipts: false, relayOnly: false }),
    RangeError,
  )
})
