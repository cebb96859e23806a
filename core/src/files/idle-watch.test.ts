// The file stream's idle limit with one timer per stream (ADR 0440): a quiet stream still ends
// after its limit, a busy one never does, and an ended one holds no timer.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { streamPair } from '@libp2p/utils'
import { setTimeout as sleep } from 'node:timers/promises'
import { IdleWatch } from './idle-watch.ts'
import { frameStream } from './stream-io.ts'

test('a read that gets no frame within its limit fails with a TimeoutError', async () => {
  const [near, far] = await streamPair()
  const io = frameStream(near, 64, 4096)
  const started = Date.now()
  await assert.rejects(io.read(60), (err: Error) => err.name === 'TimeoutError')
  assert.ok(Date.now() - started >= 55, 'not before its limit')
  // The stream that went quiet is given up: the next read fails at once.
  await assert.rejects(io.read(5_000), (err: Error) => err.name === 'TimeoutError')
  near.abort(new Error('test over'))
  far.abort(new Error('test over'))
})

test('frames that keep coming are read however long the stream runs in all', async () => {
  const [near, far] = await streamPair()
  const reader = frameStream(near, 64, 4096)
  const writer = frameStream(far, 64, 4096)
  const limitMs = 120
  const writing = (async () => {
    for (let i = 0; i < 12; i++) {
      await sleep(25)
      await writer.write(Uint8Array.of(i))
    }
  })()
  const started = Date.now()
  for (let i = 0; i < 12; i++) assert.deepEqual(await reader.read(limitMs), Uint8Array.of(i))
  await writing
  // 12 frames 25 ms apart: well past one limit in all, yet no read waited that long.
  assert.ok(Date.now() - started > limitMs)
  await reader.close()
  await writer.close()
})

test("the caller's signal still stops a read, and is joined once for many reads", async () => {
  const [near, far] = await streamPair()
  const io = frameStream(near, 64, 4096)
  const stop = new AbortController()
  const watch = new IdleWatch()
  assert.equal(watch.signalWith(stop.signal), watch.signalWith(stop.signal))
  assert.equal(watch.signalWith(undefined), watch.signal)
  const reading = io.read(10_000, stop.signal)
  stop.abort(new Error('user paused'))
  await assert.rejects(reading, /user paused/)
  io.abort(new Error('test over'))
  far.abort(new Error('test over'))
})

test('a stopped watch never fires, and a shorter limit brings the timer forward', async () => {
  const stopped = new IdleWatch()
  stopped.begin(20)
  stopped.stop()
  await sleep(60)
  assert.equal(stopped.signal.aborted, false)

  const watch = new IdleWatch()
  watch.begin(10_000)
  watch.end()
  watch.begin(30)
  await sleep(120)
  assert.equal(watch.signal.aborted, true, 'the 30 ms read was not left to the 10 s timer')
  assert.equal((watch.signal.reason as Error).name, 'TimeoutError')

  const answered = new IdleWatch()
  answered.begin(30)
  answered.end()
  await sleep(80)
  assert.equal(answered.signal.aborted, false, 'nothing was waiting when the timer fired')
})
