/**
 * Calls in relay-only mode (ADR 0752): call media would flow directly, so start and accept answer
 * invalid_state without reaching the call side; with the mode off they reach it as before.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { defaultSettings, ok } from '../../client/api.ts'
import type { MessengerCalls } from '../calls.ts'
import type { CallIceServers } from '../call-ice-servers.ts'
import type { MessengerSettings } from '../settings.ts'
import { callHandlers } from './calls.ts'

test('relay-only: call.start, call.accept and call.iceServers are refused, nothing reaches the call side', async () => {
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
  const callIce = {
    current: () => {
      reached.push('ice servers')
      return Promise.resolve([{ urls: ['turn:relay.example.org'], username: 'u', credential: 'c' }])
    },
  } as unknown as CallIceServers
  const settings = { current: { ...defaultSettings(), relayOnly: true } }
  const handlers = callHandlers(() =>
    Promise.resolve({ calls, callIce, settings: settings as unknown as MessengerSettings }),
  )
  const started = await handlers['call.start']({
    type: 'call.start',
    conversationId: 'c1',
    media: 'audio',
  })
  const accepted = await handlers['call.accept']({ type: 'call.accept', callId: 'k1' })
  // Asking the relay for TURN credentials is a call's first step: not in relay-only mode either.
  const ice = await handlers['call.iceServers']({ type: 'call.iceServers' })
  for (const answer of [started, accepted, ice]) {
    assert.equal(answer.ok, false)
    assert.equal(!answer.ok && answer.error.code, 'invalid_state')
    assert.match(!answer.ok ? answer.error.message : '', /Relay only/)
  }
  assert.deepEqual(reached, [])
  settings.current.relayOnly = false
  await handlers['call.start']({ type: 'call.start', conversationId: 'c1', media: 'audio' })
  await handlers['call.accept']({ type: 'call.accept', callId: 'k1' })
  const servers = await handlers['call.iceServers']({ type: 'call.iceServers' })
  assert.equal(servers.ok && servers.value.iceServers[0]!.urls[0], 'turn:relay.example.org')
  assert.deepEqual(reached, ['start c1', 'accept k1', 'ice servers'])
})
