// The conversation list's preview says what a system or call line was (issue 23), and the
// validator that pages use accepts it.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageRecord } from '../store/records.ts'
import { preview } from './views.ts'

function record(body: MessageRecord['body']): MessageRecord {
  return {
    messageId: 'm1',
    conversationId: 'cv-1',
    direction: 'in',
    senderDeviceId: null,
    body,
    sentAt: 1_000,
    receivedAt: 1_000,
    delivery: null,
    failure: null,
    readAt: null,
  }
}

describe('preview', () => {
  test('system and call lines carry what happened; texts and files do not', () => {
    assert.equal(preview(record({ kind: 'system', event: 'verified' })).event, 'verified')
    const call = preview(
      record({ kind: 'call', callId: 'c1', media: 'video', outcome: 'missed', durationMs: 0 }),
    )
    assert.deepEqual(call.call, { media: 'video', outcome: 'missed' })
    assert.equal(call.text, '')
    const text = preview(record({ kind: 'text', text: 'hi' }))
    assert.equal(text.event, undefined)
    assert.equal(text.call, undefined)
  })
})
