// "Declined on <device>" (ADR 0787): what a device remembers so that a call it ended because
// another device of ours declined it is not told back. Only a call that was ringing here and was
// ended by the frame is remembered; a decline for a call that never rang here, or for a file
// offer, leaves nothing behind (before, every such id was kept for the rest of the run). What is
// remembered is forgotten when its end comes back, after DECLINE_ECHO_MS, and beyond
// MAX_APPLIED_DECLINES.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { toBase64Url } from '../../crypto/bytes.ts'
import { systemPlatform } from '../../crypto/platform.ts'
import type { MessengerContext } from '../context.ts'
import { deviceIdOf, peerIdBytes, peerIdOf } from '../net.ts'
import {
  AppliedDeclines,
  applyDeclined,
  DECLINE_ECHO_MS,
  encodeDeclined,
  MAX_APPLIED_DECLINES,
} from './sync-declines.ts'

/** A real PeerId string (the frame carries its bytes). */
const LAPTOP = 'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'
const ME = 'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'

/** Just what applyDeclined reads: our device id, a store with no identity and no call entry. */
function ctxAt(clock: () => number): MessengerContext {
  return {
    local: { deviceId: ME },
    platform: { ...systemPlatform, clock },
    store: {
      getIdentity: () => Promise.resolve(undefined),
      getMessage: () => Promise.resolve(undefined),
      transaction: (fn: (tx: unknown) => Promise<unknown>) =>
        fn({ getMessage: () => Promise.resolve(undefined) }),
    },
    emit: () => undefined,
    log: () => undefined,
  } as unknown as MessengerContext
}

const callId = () => toBase64Url(systemPlatform.random(16))
const frame = (subject: 'call' | 'file', id: string) =>
  encodeDeclined({ subject, id, deviceId: LAPTOP })

test('the fixture devices are real PeerIds', () => {
  assert.equal(deviceIdOf(peerIdBytes(peerIdOf(LAPTOP))), LAPTOP)
})

test('a decline for a call that never rang here, or for a file, leaves nothing remembered', async () => {
  const ctx = ctxAt(() => 1_000)
  const applied = new AppliedDeclines(() => 1_000)
  const hungUp: string[] = []
  const targets = {
    calls: {
      current: () => null,
      hangUp: (id: string) => Promise.resolve(hungUp.push(id)),
    },
    files: { declinedElsewhere: () => Promise.resolve(undefined) },
  }
  for (let i = 0; i < 100; i++) await applyDeclined(ctx, frame('call', callId()), targets, applied)
  await applyDeclined(ctx, frame('file', 'ab'.repeat(16)), targets, applied)
  assert.deepEqual(hungUp, [])
  assert.equal(applied.size, 0)
})

test('the ringing call ended by a decline elsewhere is remembered until its end comes back', async () => {
  const ctx = ctxAt(() => 1_000)
  const applied = new AppliedDeclines(() => 1_000)
  const ringing = callId()
  const hungUp: string[] = []
  const targets = {
    calls: {
      current: () => ({ callId: ringing }),
      hangUp: (id: string) => Promise.resolve(hungUp.push(id)),
    },
  }
  const d = await applyDeclined(ctx, frame('call', ringing), targets, applied)
  assert.equal(d.deviceId, LAPTOP)
  assert.deepEqual(hungUp, [ringing])
  assert.equal(applied.size, 1)
  assert.equal(applied.take(ringing), true, 'its end here is not told back')
  assert.equal(applied.take(ringing), false, 'and only once')
})

test('our own decline coming back (a primary passing it on) changes nothing', async () => {
  const ctx = ctxAt(() => 1_000)
  const applied = new AppliedDeclines(() => 1_000)
  const ringing = callId()
  const hungUp: string[] = []
  const targets = {
    calls: {
      current: () => ({ callId: ringing }),
      hangUp: (id: string) => Promise.resolve(hungUp.push(id)),
    },
  }
  const mine = encodeDeclined({ subject: 'call', id: ringing, deviceId: ME })
  await applyDeclined(ctx, mine, targets, applied)
  assert.deepEqual(hungUp, [])
  assert.equal(applied.size, 0)
})

test('an end that never comes back is forgotten after DECLINE_ECHO_MS', () => {
  let now = 5_000
  const applied = new AppliedDeclines(() => now)
  applied.add('a')
  now += DECLINE_ECHO_MS - 1
  applied.add('b')
  assert.equal(applied.size, 2)
  now += 1
  assert.equal(applied.size, 1, '"a" expired')
  assert.equal(applied.take('a'), false)
  now += DECLINE_ECHO_MS
  assert.equal(applied.take('b'), false, '"b" expired too')
  assert.equal(applied.size, 0)
})

test('at most MAX_APPLIED_DECLINES are remembered; the oldest goes first', () => {
  let now = 0
  const applied = new AppliedDeclines(() => now)
  for (let i = 0; i < MAX_APPLIED_DECLINES + 10; i++) {
    now++
    applied.add(`call-${i}`)
  }
  assert.equal(applied.size, MAX_APPLIED_DECLINES)
  assert.equal(applied.take('call-0'), false, 'the oldest was dropped')
  assert.equal(applied.take(`call-${MAX_APPLIED_DECLINES + 9}`), true, 'the newest kept')
})
