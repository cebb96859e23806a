// relay_busy carries how long to wait (retryAfterSeconds) from the node to the page: the port's
// validator lets a sane wait through and refuses a nonsense one (a hostile or broken node cannot
// make the UI promise "try again in -1 s" or in a week); the UI's error keeps the wait.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ClientApiError, failRelayBusy } from './api.ts'
import { parseClientResponse } from './validate.ts'

test('the wait is whole seconds from 1 to a day, rounded up from the relay’s milliseconds', () => {
  const seconds = (ms: number) => {
    const f = failRelayBusy('relay is busy', ms)
    return f.error.code === 'relay_busy' ? f.error.retryAfterSeconds : undefined
  }
  assert.deepEqual([0, 1, 999, 1000, 2500, 60_000].map(seconds), [1, 1, 1, 1, 3, 60])
  // A relay asking for a week, or for nonsense, still gives a wait the port lets through.
  assert.deepEqual([7 * 86_400_000, Number.NaN, -5].map(seconds), [86_400, 1, 1])
})

test('a relay_busy failure passes the port with its wait; a nonsense wait is refused', () => {
  const busy = failRelayBusy('relay is busy', 3000)
  assert.deepEqual(parseClientResponse('invite.mine', busy), busy)
  for (const bad of [0, -1, 1.5, '3', 86_401, null]) {
    const failure = { ok: false, error: { ...busy.error, retryAfterSeconds: bad } }
    assert.throws(() => parseClientResponse('invite.mine', failure), /retryAfterSeconds/, `${bad}`)
  }
  const plain = { ok: false, error: { code: 'relay_unreachable', message: 'no answer' } }
  assert.deepEqual(parseClientResponse('invite.mine', plain), plain)
})

test('the UI error keeps the wait, and gives the same body back', () => {
  const { error } = failRelayBusy('relay is busy', 4200)
  const thrown = ClientApiError.fromBody(error)
  assert.equal(thrown.code, 'relay_busy')
  assert.equal(thrown.retryAfterSeconds, 5)
  assert.deepEqual(thrown.toBody(), error)
  assert.deepEqual(new ClientApiError('timeout', 'slow').toBody(), {
    code: 'timeout',
    message: 'slow',
  })
})
