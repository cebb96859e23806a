// Live delivery of group mailboxes: a push makes the member read; a refused subscription is tried
// again after a backoff; every group is read on a timer too; stop() closes everything.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GroupWatch, type GroupSubscription } from './group-watch.ts'

const timing = { pollMs: 20, retryMinMs: 60, retryMaxMs: 200 }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Waits (bounded, 3 s) until `cond` holds; a loaded machine only makes it slower. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !cond(); i++) await sleep(10)
  assert.ok(cond(), what)
}

test('a push reads the mailbox; a refused subscription polls, then subscribes again', async () => {
  const reads: string[] = []
  let refuse = true
  let push: (() => void) | undefined
  let closed = 0
  const watch = new GroupWatch(
    {
      subscribe: (groupId, onPush) => {
        if (refuse) return Promise.reject(new Error('rate_limited'))
        push = onPush
        let end: () => void = () => {}
        const ended = new Promise<void>((r) => (end = r))
        const sub: GroupSubscription = {
          ended,
          close: () => {
            closed++
            end()
            return Promise.resolve()
          },
        }
        return Promise.resolve(sub)
      },
      catchUp: (groupId) => {
        reads.push(groupId)
        return Promise.resolve()
      },
      log: () => undefined,
    },
    timing,
  )
  watch.start()
  watch.watch('g1')
  await until('refused: read at once, then on the timer', () => reads.length >= 3)
  assert.equal(push, undefined)
  refuse = false
  await until('subscribed after the backoff', () => push !== undefined)
  const before = reads.length
  await until(
    'still read on the timer while subscribed (safety net)',
    () => reads.length >= before + 2,
  )
  const pushed = reads.length
  push!()
  await until('a push reads', () => reads.length > pushed)
  await watch.stop()
  assert.equal(closed, 1, 'stop closes the subscription')
  const after = reads.length
  await sleep(60)
  assert.equal(reads.length, after, 'nothing read after stop')
})

test('a refused subscription is tried again at its backoff, not at the next poll', async () => {
  // The poll is far away (10 s): the second attempt must come from the backoff (30 ms).
  let attempts = 0
  const reads: string[] = []
  const watch = new GroupWatch(
    {
      subscribe: () => {
        attempts++
        if (attempts === 1) return Promise.reject(new Error('relay not connected yet'))
        const sub: GroupSubscription = {
          ended: new Promise(() => {}),
          close: () => Promise.resolve(),
        }
        return Promise.resolve(sub)
      },
      catchUp: (groupId) => {
        reads.push(groupId)
        return Promise.resolve()
      },
      log: () => undefined,
    },
    { pollMs: 10_000, retryMinMs: 30, retryMaxMs: 100 },
  )
  watch.start()
  watch.watch('g1')
  await until('subscribed on the second attempt, long before the poll', () => attempts === 2)
  await until('and read after subscribing', () => reads.length >= 2)
  await watch.stop()
  const after = attempts
  await sleep(150)
  assert.equal(attempts, after, 'no attempt after stop')
})

test('reads go on while a subscription is still being opened', async () => {
  // The subscription takes "for ever" (a dial waiting for its timeout): the group is read at
  // once and on every poll meanwhile.
  const reads: string[] = []
  const watch = new GroupWatch(
    {
      subscribe: () => new Promise<GroupSubscription>(() => {}),
      catchUp: (groupId) => {
        reads.push(groupId)
        return Promise.resolve()
      },
      log: () => undefined,
    },
    { pollMs: 20, retryMinMs: 60, retryMaxMs: 200 },
  )
  watch.start()
  watch.watch('g1')
  await until('read at once and on the poll while subscribing', () => reads.length >= 3)
  await watch.stop()
})
