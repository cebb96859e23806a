// The reason shown for a relay that does not connect, from what a dial threw.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RELAY_DIAL_TIMEOUT_MS, relayFailureReason } from './relay-health.ts'

class UnexpectedPeerError extends Error {
  override name = 'UnexpectedPeerError'
}

describe('relayFailureReason', () => {
  test('refused, not found, timed out, wrong identity', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    })
    assert.equal(relayFailureReason(refused, 3), 'unreachable: connection refused')
    assert.equal(
      relayFailureReason(new Error('getaddrinfo ENOTFOUND relay.invalid'), 20),
      'unreachable: host not found',
    )
    assert.equal(
      relayFailureReason(new Error('Could not connect'), RELAY_DIAL_TIMEOUT_MS),
      'timed out after 10 s',
      'a dial that used its whole budget timed out, whatever it threw',
    )
    assert.match(relayFailureReason(new UnexpectedPeerError('x'), 40), /^wrong relay identity/)
  })

  test('reasons found inside wrapped errors', () => {
    const wrapped = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:9')],
      'All dials failed',
    )
    assert.equal(relayFailureReason(wrapped, 5), 'unreachable: connection refused')
    const caused = new Error('dial failed', { cause: new UnexpectedPeerError('peer id mismatch') })
    assert.match(relayFailureReason(caused, 5), /^wrong relay identity/)
  })

  test('a browser WebSocket error event (no detail) still gets a reason', () => {
    const event = { type: 'error' }
    assert.equal(relayFailureReason(event, 30), 'unreachable: connection refused or host not found')
  })
})
