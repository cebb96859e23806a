/**
 * Calls in relay-only mode (ADR 0752): call media would flow directly, so start and accept answer
 * invalid_state without reaching the call side; with the mode off they reach it as before.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultSettings, ok } from '../../client/api.ts'
import type { MessengerCalls } from '../calls.ts'
import type { MessengerSettings } from '../settings.ts'
import { callHandlers } from './calls.ts'

test('relay-only: call.start and call.accept are refused, nothing reaches the call side', async () => {
  const reached: string[] = []
  const calls = {
    start: (conversationId: string) => {
      reached.push(`start ${conversationId}`)
      return Promise.resolve(ok({ call: null }))
    },
    accept: (callId: string) => {
      reached.push(`accept ${callId}`)
      return Promise.resolve(ok({ call: null }))
    },
  } as unknown as MessengerCalls
  const settings = { current: { ...defaultSettings(), relayOnly: true } }
  const handlers = callHandlers(() =>
    Promise.resolve({ calls, settings: settings as unknown as MessengerSettings }),
  )
  const started = await handlers['call.start']({
    type: 'call.start',
    conversationId: 'c1',
    media: 'audio',
  })
  const accepted = await handlers['call.accept']({ type: 'call.accept', callId: 'k1' })
  for (const answer of [started, accepted]) {
    assert.equal(answer.ok, false)
    assert.equal(!answer.ok && answer.error.code, 'invalid_state')
    assert.match(!answer.ok ? answer.error.message : '', /Relay only/)
  }
  assert.deepEqual(reached, [])
  settings.current.relayOnly = false
  await handlers['call.start']({ type: 'call.start', conversationId: 'c1', media: 'audio' })
  await handlers['call.accept']({ type: 'call.accept', callId: 'k1' })
  assert.deepEqual(reached, ['start c1', 'accept k1'])
})
