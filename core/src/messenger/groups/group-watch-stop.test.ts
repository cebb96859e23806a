// stop() leaves nothing running: closing a live subscription ends it, and an ended subscription
// must not schedule its next attempt (a timer of up to retryMaxMs that keeps a stopped messenger's
// worker, or a test process, alive and fires into a stopped watch).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { GroupWatch, type GroupSubscription } from './group-watch.ts'

const timing = { pollMs: 60_000, retryMinMs: 30_000, retryMaxMs: 60_000 }
const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

test('after stop() no retry timer is left, for a subscribed group or a refused one', async () => {
  const baseline = timers()
  let subscribed = 0
  const watch = new GroupWatch(
    {
      subscribe: (groupId) => {
        if (groupId === 'refused') return Promise.reject(new Error('rate_limited'))
        subscribed++
        let end: () => void = () => {}
        const ended = new Promise<void>((r) => (end = r))
        const sub: GroupSubscription = {
          ended,
          close: () => {
            end()
            return Promise.resolve()
          },
        }
        return Promise.resolve(sub)
      },
      catchUp: () => Promise.resolve(),
      log: () => undefined,
    },
    timing,
  )
  watch.start()
  watch.watch('live')
  watch.watch('refused')
  await turns(5)
  assert.equal(subscribed, 1)
  assert.ok(timers() > baseline, 'running: the poll and the refused group’s retry are timed')
  await watch.stop()
  await turns(5)
  assert.equal(timers(), baseline, 'stopped: no timer of the watch is left')
})
