/**
 * A call to one identity on two devices (issue 19, ADR 0765), real messengers over a loopback
 * relay: Ben calls Ada; her primary and her linked laptop both ring; the laptop answers, Ben takes
 * that answer, and the primary stops with "answered on another device" (a read history entry, not
 * a missed call) while the laptop stays in the call. The windows are played by the test (made-up
 * SDP with an a=fingerprint line; no media in Node).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { waitUntil, type TestPeer } from './support/messenger-harness.ts'
import { useDeviceTrio } from './support/device-trio.ts'
import { benRingsBoth, fingerprint, lastCall, sdpWith } from './support/call-signals.ts'

const fp = fingerprint
const sdp = sdpWith

describe('a call rings on every device of the callee', () => {
  const trio = useDeviceTrio()

  test('both of Ada’s devices ring; the laptop answers; the primary says it was answered elsewhere', async () => {
    const { a1, a2, ben, conv } = trio
    const { call, fromA1, fromA2, fromBen } = await benRingsBoth(trio, fp(1))

    await a2.must({ type: 'call.accept', callId: call.callId })
    await a2.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'answer', sdp: sdp(fp(2)), dtlsFingerprint: fp(2) },
    })
    await waitUntil(
      'Ben takes the laptop’s answer',
      () => lastCall(ben, fromBen)?.state === 'connecting',
    )
    assert.equal(lastCall(ben, fromBen)?.remoteDtlsFingerprint, fp(2))

    await waitUntil('the primary stops ringing', () => lastCall(a1, fromA1)?.state === 'ended')
    assert.equal(lastCall(a1, fromA1)?.endReason, 'answered_elsewhere')
    assert.equal((await a1.must({ type: 'call.current' })).call, null)
    let entry: Awaited<ReturnType<TestPeer['history']>>[number] | undefined
    await waitUntil('the primary records the call', async () => {
      entry = (await a1.history(conv.get(a1)!)).find((m) => m.messageId === call.callId)
      return entry !== undefined
    })
    assert.ok(entry?.body.kind === 'call' && entry.body.outcome === 'answered_elsewhere')
    const summary = (await a1.must({ type: 'conversations.list', query: null })).conversations[0]
    assert.equal(summary?.unreadCount, 0, 'not counted as a missed call')

    // The laptop is still in the call; Ben hangs up and it ends there as the contact's hang-up.
    assert.equal(lastCall(a2, fromA2)?.state, 'connecting')
    await ben.must({ type: 'call.hangUp', callId: call.callId })
    await waitUntil('the laptop ends', () => lastCall(a2, fromA2)?.state === 'ended')
    assert.equal(lastCall(a2, fromA2)?.endReason, 'remote_hangup')
  })
})
