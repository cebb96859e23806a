// Own-device frames waiting for the message they name (own-waiting.ts, ADR 0793): applied once
// when it is stored, a lower-ranked frame does not replace a waiting higher one, and the set is
// bounded by count (the oldest dropped, `limit_exceeded`) and age (`expired`).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ClientEvent } from '../../client/api.ts'
import { isProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import {
  WAITING_MAX_AGE_MS,
  WAITING_MAX_BYTES,
  WAITING_MAX_FRAMES,
  WaitingFrames,
  applyWaiting,
  messageRef,
  waitingFrames,
} from './own-waiting.ts'

function world() {
  let now = 1_000_000
  const logged: unknown[] = []
  const waiting = new WaitingFrames(
    () => now,
    (_message, err) => logged.push(err),
  )
  return { waiting, logged, later: (ms: number) => (now += ms) }
}

test('a frame waits for its message and is taken once', async () => {
  const { waiting } = world()
  let applied = 0
  waiting.keep('m1', '6:m1', 1, () => Promise.resolve(applied++))
  assert.deepEqual(waiting.take('m2'), [], 'another message takes nothing')
  const taken = waiting.take('m1')
  assert.equal(taken.length, 1)
  for (const w of taken) await w.apply()
  assert.equal(applied, 1)
  assert.deepEqual(waiting.take('m1'), [], 'not a second time')
})

test('a waiting read is not replaced by a later delivered; delivered is by read', () => {
  const { waiting } = world()
  const ranks: number[] = []
  const keep = (rank: number) =>
    waiting.keep('m1', '6:m1', rank, () => Promise.resolve(ranks.push(rank)))
  keep(2)
  keep(1)
  assert.deepEqual(
    waiting.take('m1').map((w) => w.rank),
    [2],
  )
  keep(1)
  keep(2)
  assert.deepEqual(
    waiting.take('m1').map((w) => w.rank),
    [2],
  )
})

test('over the count the oldest frame is dropped, logged as limit_exceeded', () => {
  const { waiting, logged } = world()
  for (let i = 0; i <= WAITING_MAX_FRAMES; i++)
    waiting.keep(`m${i}`, `6:m${i}`, 1, () => Promise.resolve())
  assert.equal(waiting.size, WAITING_MAX_FRAMES)
  assert.equal(waiting.has('m0'), false, 'the oldest is gone')
  assert.equal(waiting.has(`m${WAITING_MAX_FRAMES}`), true, 'the newest waits')
  assert.ok(logged.some((e) => isProtocolError(e, 'limit_exceeded')))
})

test('over the bytes the oldest frames are dropped (sent copies carry their text)', () => {
  const { waiting, logged } = world()
  const each = 64 * 1024
  const fit = WAITING_MAX_BYTES / each
  for (let i = 0; i <= fit; i++) waiting.keep(`c${i}`, `2:${i}`, 0, () => Promise.resolve(), each)
  assert.equal(waiting.size, fit, 'one dropped to stay within the bytes')
  assert.equal(waiting.has('c0'), false)
  assert.equal(waiting.has(`c${fit}`), true)
  assert.ok(logged.some((e) => isProtocolError(e, 'limit_exceeded')))
})

test('a frame older than the age limit is dropped, logged as expired', () => {
  const { waiting, logged, later } = world()
  waiting.keep('old', '6:old', 1, () => Promise.resolve())
  later(WAITING_MAX_AGE_MS / 2)
  waiting.keep('young', '6:young', 1, () => Promise.resolve())
  later(WAITING_MAX_AGE_MS / 2 + 1)
  assert.deepEqual(waiting.take('old'), [], 'past the age: gone')
  assert.equal(waiting.take('young').length, 1, 'within it: still there')
  assert.ok(logged.some((e) => isProtocolError(e, 'expired')))
})

test('message.added applies what waited for that message, per context', async () => {
  const logs: string[] = []
  const ctx = {
    platform: { clock: () => 5 },
    log: (m: string) => logs.push(m),
  } as unknown as MessengerContext
  const other = { ...ctx }
  const applied: string[] = []
  waitingFrames(ctx).keep(messageRef('m1'), '4:m1', 0, () => Promise.resolve(applied.push('m1')))
  const added = (messageId: string): ClientEvent => ({
    type: 'message.added',
    message: { messageId } as ChatMessage,
  })
  applyWaiting(other, added('m1'))
  applyWaiting(ctx, { type: 'message.updated', message: { messageId: 'm1' } as ChatMessage })
  applyWaiting(ctx, added('m2'))
  await Promise.resolve()
  assert.deepEqual(applied, [], 'nothing for another context, event or message')
  applyWaiting(ctx, added('m1'))
  applyWaiting(ctx, added('m1'))
  await new Promise((r) => setImmediate(r))
  assert.deepEqual(applied, ['m1'], 'applied once')
  assert.deepEqual(logs, [])
})
