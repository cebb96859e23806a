// The call window and the chat header's call buttons (issue 8), rendered with svelte/server.
// The window is driven by a stand-in for CallSession (the real one needs WebRTC: the browser test
// tests/browser/calls-e2e.test.ts runs it).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type {
  CallInfo,
  ClientEvent,
  ClientRequest,
  ConversationSummary,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { fixture, NOW } from './support/fixtures.ts'
import { ChatState } from '../src/lib/chat-state.ts'
import {
  CALL_END_TEXT,
  IP_EXPOSURE_ANSWER_NOTICE,
  IP_EXPOSURE_NOTICE,
} from '../src/lib/call-texts.ts'
import { iceServersForRelays } from '../src/lib/call-ice.ts'
import { CallSession, passiveAnswer } from '../src/lib/call-session.ts'

const FP_A = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`
const FP_B = `sha-256 ${Array.from({ length: 32 }, () => 'CD').join(':')}`

function callInfo(patch: Partial<CallInfo>): CallInfo {
  return {
    callId: 'call-1',
    conversationId: 'cv-bob',
    contactId: 'ct-bob',
    direction: 'out',
    media: 'video',
    state: 'outgoing_ringing',
    muted: false,
    cameraOn: true,
    startedAt: NOW - 60_000,
    connectedAt: null,
    endedAt: null,
    endReason: null,
    localDtlsFingerprint: FP_A,
    remoteDtlsFingerprint: null,
    ...patch,
  }
}

function session(call: CallInfo | null, extra: { error?: string; presented?: string } = {}) {
  return {
    call,
    loaded: true,
    error: extra.error ?? null,
    presentedFingerprint: extra.presented ?? null,
    certificateCheck: extra.presented === undefined ? 'pending' : 'matched',
    localStream: null,
    remoteStream: null,
  }
}

async function renderWindow(s: ReturnType<typeof session>) {
  return renderFile('components/CallWindow.svelte', {
    session: s,
    contactName: 'Bob',
    now: NOW,
    onclose: () => undefined,
  })
}

function buttonTexts(view: Awaited<ReturnType<typeof renderWindow>>): string[] {
  return [...view.html.matchAll(/<button[^>]*>([\s\S]*?)<\/button>/g)].map((m) =>
    m[1]!
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim(),
  )
}

describe('CallWindow', () => {
  test('outgoing, ringing: the IP-exposure notice, hang up, our fingerprint', async () => {
    const view = await renderWindow(session(callInfo({})))
    assert.ok(view.text.includes('Ringing…'))
    assert.ok(view.text.includes(IP_EXPOSURE_NOTICE))
    assert.deepEqual(buttonTexts(view), ['Mute', 'Camera off', 'Hang up'])
    assert.ok(view.text.includes(FP_A))
  })

  test('incoming, ringing: accept and decline, the caller’s bound fingerprint, the IP notice too', async () => {
    const view = await renderWindow(
      session(
        callInfo({ direction: 'in', state: 'incoming_ringing', remoteDtlsFingerprint: FP_B }),
      ),
    )
    assert.ok(view.text.includes('Incoming video call'))
    assert.deepEqual(buttonTexts(view), ['Accept', 'Decline'])
    assert.ok(view.text.includes(FP_B))
    assert.ok(view.text.includes(IP_EXPOSURE_ANSWER_NOTICE), 'the person answering is told too')
    const details = view.find('details', { 'data-testid': 'call-details' })
    assert.ok(details !== undefined && !details.has('open'), 'fingerprints behind Details')
  })

  test('active: duration, muted shown as pressed, both fingerprints, certificate check', async () => {
    const call = callInfo({
      state: 'active',
      connectedAt: NOW - 83_000,
      muted: true,
      cameraOn: false,
      remoteDtlsFingerprint: FP_B,
    })
    const view = await renderWindow(session(call, { presented: FP_B }))
    assert.ok(view.text.includes('In call'))
    assert.ok(view.text.includes('1:23'), view.text)
    assert.deepEqual(buttonTexts(view), ['Unmute', 'Camera on', 'Hang up'])
    assert.ok(view.find('button', { 'aria-pressed': 'true' }))
    assert.ok(view.text.includes(FP_A) && view.text.includes(FP_B))
    assert.ok(
      view.text.includes('The connection presented exactly the certificate your contact sent.'),
    )
  })

  test('a presented certificate that differs is not shown as checked', async () => {
    const call = callInfo({ state: 'active', connectedAt: NOW, remoteDtlsFingerprint: FP_B })
    const view = await renderWindow(session(call, { presented: FP_A }))
    assert.ok(
      !view.text.includes('The connection presented exactly the certificate your contact sent.'),
    )
  })

  test('failed: the reason as an alert, no call controls', async () => {
    const call = callInfo({ state: 'ended', endReason: 'failed', endedAt: NOW })
    const view = await renderWindow(session(call, { error: 'fingerprint mismatch (test)' }))
    assert.ok(view.text.includes(CALL_END_TEXT.failed))
    assert.ok(view.html.includes('role="alert"'))
    assert.ok(view.text.includes('fingerprint mismatch (test)'))
    assert.deepEqual(buttonTexts(view), ['Close window'])
  })

  test('no such call: says it has ended', async () => {
    const view = await renderWindow(session(null))
    assert.ok(view.text.includes('This call has ended.'))
  })
})

describe('call buttons in the chat header', () => {
  async function header(key: string) {
    const { client } = fixture({ longHistory: 5 })
    const res = await client.request({ type: 'conversations.list', query: null })
    assert.ok(res.ok)
    const conversation = res.value.conversations.find(
      (c) => c.conversationId === `cv-${key}`,
    ) as ConversationSummary
    assert.ok(conversation)
    return renderFile('components/ChatView.svelte', {
      client: client,
      conversation,
      chat: new ChatState(client, conversation.conversationId),
      now: NOW,
      stageFile: () => Promise.reject(new Error('not in tests')),
      oninfo: () => undefined,
      onaccept: () => undefined,
      onunblock: () => undefined,
    })
  }

  test('a trusted contact: voice and video call enabled, the IP notice described', async () => {
    const view = await header('bob')
    for (const label of ['Voice call', 'Video call']) {
      const button = view.find('button', { 'aria-label': label })
      assert.ok(button, label)
      assert.ok(!button.has('disabled'))
      assert.ok(button.attrs.title?.includes(IP_EXPOSURE_NOTICE))
    }
    assert.ok(view.text.includes(IP_EXPOSURE_NOTICE))
  })

  test('key changed or blocked: call buttons disabled with the reason', async () => {
    const changed = await header('carol')
    const button = changed.find('button', { 'aria-label': 'Voice call' })
    assert.ok(button?.has('disabled'))
    assert.match(button?.attrs.title ?? '', /key changed/)
    const blocked = await header('dmitri')
    const video = blocked.find('button', { 'aria-label': 'Video call' })
    assert.ok(video?.has('disabled'))
    assert.match(video?.attrs.title ?? '', /You blocked/)
  })
})

describe('ICE servers from the relays', () => {
  test('the relays’ own STUN, never loopback or private hosts, at most two', () => {
    assert.deepEqual(iceServersForRelays(['/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooW']), [])
    assert.deepEqual(
      iceServersForRelays([
        '/dns4/relay.example/tcp/443/wss/p2p/12D3KooA',
        '/ip4/192.168.1.5/tcp/443/wss/p2p/12D3KooB',
        '/ip6/2001:db8::1/tcp/443/wss/p2p/12D3KooC',
        '/dns4/third.example/tcp/443/wss/p2p/12D3KooD',
      ]),
      [{ urls: ['stun:relay.example:3478', 'stun:[2001:db8::1]:3478'] }],
    )
  })
})

describe('the answer takes the DTLS server role', () => {
  test('a=setup:active becomes passive on every m-line; nothing else changes', () => {
    const sdp =
      'v=0\r\nm=audio 9\r\na=setup:active\r\nm=video 9\r\na=setup:active\r\na=x:active\r\n'
    const out = passiveAnswer({ type: 'answer', sdp })
    assert.equal(out.type, 'answer')
    assert.equal(
      out.sdp,
      'v=0\r\nm=audio 9\r\na=setup:passive\r\nm=video 9\r\na=setup:passive\r\na=x:active\r\n',
    )
  })
})

/**
 * A node that holds `current` as its call and lets the test push events (no WebRTC is touched:
 * the window neither accepts nor starts media for a ring).
 */
function fakeNode(current: CallInfo | null) {
  const listeners = new Set<(event: ClientEvent) => void>()
  const client = {
    request: (r: ClientRequest) =>
      Promise.resolve(
        r.type === 'call.current' ? { ok: true, value: { call: current } } : { ok: false },
      ),
    subscribe: (listener: (event: ClientEvent) => void) => {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  } as unknown as MessengerClient
  const push = (call: CallInfo) => {
    for (const listener of listeners) listener({ type: 'call.updated', call })
  }
  return { client, push }
}

async function openWindow(current: CallInfo | null, callId = 'call-1') {
  const node = fakeNode(current)
  let closed = 0
  const session = new CallSession(node.client, callId, {
    iceServers: [],
    onUnanswered: () => closed++,
  })
  await session.start()
  return { ...node, session, closed: () => closed }
}

describe('a call window whose ring ended unanswered closes (review rf RF-7)', () => {
  const ringing = callInfo({
    direction: 'in',
    state: 'incoming_ringing',
    localDtlsFingerprint: null,
  })

  test('the contact hangs up while it rings: the window closes, once', async () => {
    const w = await openWindow(ringing)
    assert.equal(w.closed(), 0)
    const ended = {
      ...ringing,
      state: 'ended' as const,
      endedAt: NOW,
      endReason: 'missed' as const,
    }
    w.push(ended)
    w.push(ended)
    assert.equal(w.closed(), 1)
  })

  test('the ring was already over when the window loaded: it closes at once', async () => {
    assert.equal((await openWindow(null)).closed(), 1)
    assert.equal((await openWindow(callInfo({ callId: 'call-2' }))).closed(), 1)
  })

  test('an outgoing call that ends stays open, showing why', async () => {
    // Loaded once connecting, so the window does not start media (no WebRTC under Node).
    const w = await openWindow(callInfo({ state: 'connecting' }))
    w.push(callInfo({ state: 'ended', endedAt: NOW, endReason: 'remote_hangup' }))
    assert.equal(w.closed(), 0)
    assert.equal(w.session.call?.endReason, 'remote_hangup')
  })
})
