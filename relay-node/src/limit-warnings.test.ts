import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LIMIT_WARNING_INTERVAL_MS, LimitWarnings } from './limit-warnings.ts'

function recorder() {
  const lines: Array<{ fields: Record<string, unknown>; message: string }> = []
  return {
    lines,
    warn: (fields: Record<string, unknown>, message: string) => lines.push({ fields, message }),
  }
}

test('the first refusal of a kind is logged at once with its limit and setting; a flood adds one line a minute with the count', () => {
  let now = 1_000_000
  const log = recorder()
  const limits = new LimitWarnings(log, { reservations_full: 4096 }, () => now)
  limits.refused('reservations_full')
  assert.equal(log.lines.length, 1)
  assert.deepEqual(log.lines[0]!.fields, { limit: 'reservations_full', refused: 1, max: 4096 })
  assert.match(log.lines[0]!.message, /relay\.maxReservations/)

  for (let i = 0; i < 500; i++) {
    now += 100
    limits.refused('reservations_full')
  }
  // 50 s of refusals: still one line; past the minute the next refusal reports all of them.
  assert.equal(log.lines.length, 1)
  now += LIMIT_WARNING_INTERVAL_MS
  limits.refused('reservations_full')
  assert.equal(log.lines.length, 2)
  assert.equal(log.lines[1]!.fields.refused, 501)
})

test('each kind of refusal has its own minute: a flood of one does not hide another', () => {
  const log = recorder()
  const limits = new LimitWarnings(log, {}, () => 0)
  limits.refused('handshake_deadline')
  limits.refused('handshake_deadline')
  limits.refused('connections_per_ip')
  assert.deepEqual(
    log.lines.map((l) => l.fields.limit),
    ['handshake_deadline', 'connections_per_ip'],
  )
  assert.match(log.lines[1]!.message, /relay\.maxConnectionsPerIp/)
  assert.equal(log.lines[1]!.fields.max, undefined, 'no limit given, none logged')
})
