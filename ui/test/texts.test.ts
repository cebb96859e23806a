// Plain words (issue 23): call lines, list previews of calls and system events, relay states.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessagePreview } from '@hestia/core/client/api.ts'
import { callText, previewLine, relayStateText } from '../src/lib/texts.ts'

function preview(fields: Partial<MessagePreview>): MessagePreview {
  return {
    messageId: 'm1',
    direction: 'in',
    kind: 'text',
    text: '',
    sentAt: 0,
    delivery: null,
    ...fields,
  }
}

describe('call lines', () => {
  test('say which call and how it ended, in word order a person uses', () => {
    assert.equal(callText('audio', 'declined'), 'Declined voice call')
    assert.equal(callText('video', 'missed'), 'Missed video call')
    assert.equal(callText('video', 'completed'), 'Video call')
    assert.equal(callText('audio', 'completed'), 'Voice call')
    assert.equal(callText('video', 'failed'), 'Video call failed')
  })
})

describe('conversation list previews', () => {
  test('a call says which call; a system event says what happened', () => {
    const call = preview({ kind: 'call', call: { media: 'video', outcome: 'missed' } })
    assert.equal(previewLine(call, 'Bob'), 'Missed video call')
    assert.equal(
      previewLine(preview({ kind: 'system', event: 'verified' }), 'Bob'),
      'You verified Bob',
    )
    assert.equal(
      previewLine(preview({ kind: 'system', event: 'key_changed' }), 'Bob'),
      "Bob's security key changed",
    )
    assert.equal(
      previewLine(preview({ kind: 'system', event: 'contact_added' }), 'Bob'),
      'You and Bob are connected',
    )
    assert.notEqual(
      previewLine(preview({ kind: 'system', event: 'blocked' }), 'Bob'),
      'Security update',
    )
  })

  test('an older node without the detail still gets a sentence', () => {
    assert.equal(previewLine(preview({ kind: 'system' }), 'Bob'), 'Security update')
    assert.equal(previewLine(preview({ kind: 'call' }), 'Bob'), 'Call')
    assert.equal(previewLine(null, 'Bob'), 'No messages yet')
    assert.equal(previewLine(preview({ text: 'two\n\nlines' }), 'Bob'), 'two lines')
  })
})

describe('relay state lines', () => {
  test('a failing relay says why; a connected one its round trip and mailbox', () => {
    const base = {
      address: '/dns4/r.example/tcp/443/wss/p2p/x',
      reserved: false,
      mailboxReady: false,
      rttMs: null,
      since: 0,
    }
    assert.equal(
      relayStateText({ ...base, state: 'error', error: 'unreachable: connection refused' }),
      'Unreachable: connection refused',
    )
    assert.equal(
      relayStateText({ ...base, state: 'error', error: 'timed out after 10 s' }),
      'Timed out after 10 s',
    )
    assert.equal(relayStateText({ ...base, state: 'connecting', error: null }), 'Connecting…')
    assert.equal(
      relayStateText({ ...base, state: 'connected', rttMs: 38, mailboxReady: true, error: null }),
      'Connected · 38 ms · mailbox ready',
    )
    assert.equal(relayStateText(undefined), 'Status unknown')
  })

  test('a dead relay whose mail another instance serves says so (fail-over, ADR 0231)', () => {
    const down = {
      address: '/dns4/r.example/tcp/443/wss/p2p/x',
      state: 'error' as const,
      reserved: false,
      rttMs: null,
      error: 'unreachable: connection refused',
      since: 0,
    }
    const via = '/dns4/r2.example/tcp/443/wss/p2p/y'
    assert.equal(
      relayStateText({ ...down, mailboxReady: true, mailboxVia: via }),
      'Unreachable: connection refused · mailbox served through r2.example',
    )
    assert.equal(
      relayStateText({ ...down, mailboxReady: false, mailboxVia: via }),
      'Unreachable: connection refused',
      'not claimed while that instance does not serve it either',
    )
  })
})
