/**
 * Calls between two real messengers (relay on 127.0.0.1, libp2p nodes, Double Ratchet sessions):
 * the signalling state machine of core/src/messenger/calls.ts as a pair of call windows would drive
 * it. The "windows" here hand the node made-up SDP with an a=fingerprint line (no media in Node);
 * the browser test (tests/browser/calls-e2e.test.ts) runs the real media.
 *
 * Covers: ring → accept → offer/answer/ICE through E2EE → active → hang up, with the DTLS
 * fingerprints bound on both sides and call entries (completed, with duration) in both histories;
 * decline; busy; ring timeout → missed (unread on the callee's side); a stale offer is not rung;
 * refusal to and from a blocked or key-changed contact; malformed and oversize call payloads are
 * rejected with typed errors and change nothing.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallInfo, ChatMessage, ClientEvent } from '@hestia/core/client/api.ts'
import { systemPlatform } from '@hestia/core/crypto/platform.ts'
import { DirectSendError, sendDirect } from '@hestia/core/messenger/chat-protocol.ts'
import { ChatPayload } from '@hestia/core/messenger/messenger.pb.js'
import { decodePayload, encodePayload } from '@hestia/core/messenger/payload.ts'
import { CALL_LIMITS, sdpFingerprint } from '@hestia/core/messenger/calls-wire.ts'
import { encodeSessionState, restoreSession } from '@hestia/core/messenger/records.ts'
import { isProtocolError } from '@hestia/core/wire/errors.ts'
import type { RelayHandle } from '@hestia/relay-node'
import {
  TestPeer,
  connectPeers,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from './support/messenger-harness.ts'

/** A DTLS fingerprint as Chrome writes it (sha-256, 32 hex pairs); `seed` makes it distinct. */
function fingerprint(seed: number): string {
  return `sha-256 ${Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':')}`
}

/** An SDP shaped like a browser's, committing to `fp` at media level. */
function fakeSdp(kind: 'offer' | 'answer', fp: string): string {
  return [
    'v=0',
    `o=- 4611731400430051336 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'c=IN IP4 0.0.0.0',
    `a=fingerprint:${fp}`,
    `a=setup:${kind === 'offer' ? 'actpass' : 'active'}`,
    'a=mid:0',
    'a=rtpmap:111 opus/48000/2',
    '',
  ].join('\r\n')
}

describe('messenger: 1:1 calls', () => {
  let relay: RelayHandle
  let a: TestPeer
  let b: TestPeer
  let convA: string
  let convB: string
  const fpA = fingerprint(1)
  const fpB = fingerprint(2)

  function calls(peer: TestPeer) {
    return peer.service.messenger!.calls
  }

  function lastCallEvent(peer: TestPeer, from = 0): CallInfo | undefined {
    const found = peer.events
      .slice(from)
      .filter((e): e is Extract<ClientEvent, { type: 'call.updated' }> => e.type === 'call.updated')
    return found[found.length - 1]?.call
  }

  async function waitForState(peer: TestPeer, state: CallInfo['state'], from = 0) {
    await waitUntil(
      `${peer.name}'s call to be ${state}`,
      () => lastCallEvent(peer, from)?.state === state,
    )
    return lastCallEvent(peer, from)!
  }

  function signalsFor(peer: TestPeer, callId: string, from = 0) {
    return peer.events
      .slice(from)
      .flatMap((e) => (e.type === 'call.signal' && e.callId === callId ? [e.signal] : []))
  }

  async function callEntry(peer: TestPeer, conversationId: string, callId: string) {
    let entry: ChatMessage | undefined
    await waitUntil(`${peer.name} to record call ${callId}`, async () => {
      entry = (await peer.history(conversationId)).find((m) => m.messageId === callId)
      return entry !== undefined
    })
    return entry!
  }

  /** A starts a call and its window hands the node its offer. */
  async function ring(media: 'audio' | 'video' = 'audio') {
    const { call } = await a.must({ type: 'call.start', conversationId: convA, media })
    await a.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'offer', sdp: fakeSdp('offer', fpA), dtlsFingerprint: fpA },
    })
    return call
  }

  before(async () => {
    relay = await startTestRelay()
    a = await new TestPeer('alice', relay.multiaddrs).start()
    b = await new TestPeer('bob', relay.multiaddrs).start()
    ;({ convA, convB } = await connectPeers(a, b))
    // One message each way: both sessions confirmed, so signalling can take the direct route.
    await b.must({ type: 'messages.send', conversationId: convB, text: 'hi' })
    await waitUntil('alice has hi', async () => (await a.texts(convA)).includes('hi'))
    await a.must({ type: 'messages.send', conversationId: convA, text: 'hello' })
    await waitUntil('bob has hello', async () => (await b.texts(convB)).includes('hello'))
  })

  after(async () => {
    await a?.stop().catch(() => undefined)
    await b?.stop().catch(() => undefined)
    await relay?.stop().catch(() => undefined)
    releaseWebRTC()
  })

  test('ring, accept, offer/answer/ICE through E2EE, active, hang up: both record the call', async () => {
    const eventsB = b.events.length
    const eventsA = a.events.length
    const notesB = b.notifications.length
    const call = await ring('video')
    assert.equal(call.state, 'outgoing_ringing')
    assert.equal(call.direction, 'out')
    assert.equal(lastCallEvent(a, eventsA)?.localDtlsFingerprint, fpA)

    // B rings: the call carries A's fingerprint from the encrypted offer; the notification has no text.
    const ringing = await waitForState(b, 'incoming_ringing', eventsB)
    assert.equal(ringing.callId, call.callId)
    assert.equal(ringing.direction, 'in')
    assert.equal(ringing.media, 'video')
    assert.equal(ringing.remoteDtlsFingerprint, fpA)
    await waitUntil('bob is notified', () => b.notifications.length > notesB)
    assert.deepEqual(b.notifications[b.notifications.length - 1], {
      title: 'Incoming call',
      conversationId: convB,
    })
    assert.equal((await b.must({ type: 'call.current' })).call?.callId, call.callId)
    // Nothing for the window before it accepts: the offer waits in the node.
    assert.deepEqual(signalsFor(b, call.callId, eventsB), [])
    // A second call while one rings: busy locally.
    const second = await b.req({ type: 'call.start', conversationId: convB, media: 'audio' })
    assert.equal(!second.ok && second.error.code, 'busy')

    // B's window accepts, then gets the offer, answers; A's window gets the answer.
    const accepted = await b.must({ type: 'call.accept', callId: call.callId })
    assert.equal(accepted.call.state, 'connecting')
    const offer = signalsFor(b, call.callId, eventsB)[0]
    assert.ok(offer?.kind === 'offer')
    assert.equal(sdpFingerprint(offer.sdp), fpA, 'the SDP the window applies commits to fpA')
    assert.equal(offer.dtlsFingerprint, fpA)
    await b.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'answer', sdp: fakeSdp('answer', fpB), dtlsFingerprint: fpB },
    })
    const connectingA = await waitForState(a, 'connecting', eventsA)
    assert.equal(connectingA.remoteDtlsFingerprint, fpB)
    assert.equal(connectingA.localDtlsFingerprint, fpA)
    await waitUntil('alice gets the answer', () =>
      signalsFor(a, call.callId, eventsA).some((s) => s.kind === 'answer'),
    )

    // Trickled ICE both ways, then the end of candidates.
    const candidate = 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host'
    await a.must({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'ice', candidate, sdpMid: '0', sdpMLineIndex: 0 },
    })
    await a.must({ type: 'call.signal', callId: call.callId, signal: { kind: 'ice_end' } })
    await waitUntil('bob gets the candidate and its end', () => {
      const got = signalsFor(b, call.callId, eventsB)
      return (
        got.some((s) => s.kind === 'ice' && s.candidate === candidate) &&
        got.some((s) => s.kind === 'ice_end')
      )
    })

    // Both windows report media; mute and camera change only the local state.
    for (const peer of [a, b]) {
      await peer.must({
        type: 'call.signal',
        callId: call.callId,
        signal: { kind: 'media', state: 'connected', detail: null },
      })
    }
    await waitForState(a, 'active', eventsA)
    await waitForState(b, 'active', eventsB)
    const muted = await a.must({ type: 'call.setMuted', callId: call.callId, muted: true })
    assert.equal(muted.call.muted, true)
    const camOff = await a.must({ type: 'call.setCamera', callId: call.callId, cameraOn: false })
    assert.equal(camOff.call.cameraOn, false)
    await new Promise((r) => setTimeout(r, 300))

    const hung = await a.must({ type: 'call.hangUp', callId: call.callId })
    assert.equal(hung.call.state, 'ended')
    assert.equal(hung.call.endReason, 'hangup')
    const endedB = await waitForState(b, 'ended', eventsB)
    assert.equal(endedB.endReason, 'remote_hangup')
    assert.equal((await a.must({ type: 'call.current' })).call, null)
    assert.equal((await b.must({ type: 'call.current' })).call, null)

    for (const [peer, conv, direction] of [
      [a, convA, 'out'],
      [b, convB, 'in'],
    ] as const) {
      const entry = await callEntry(peer, conv, call.callId)
      assert.equal(entry.direction, direction)
      assert.ok(entry.body.kind === 'call')
      assert.equal(entry.body.outcome, 'completed')
      assert.equal(entry.body.media, 'video')
      assert.ok(entry.body.durationMs >= 250, `duration ${entry.body.durationMs} ms`)
    }
    const summary = (await b.must({ type: 'conversations.list', query: null })).conversations[0]!
    assert.equal(summary.lastMessage?.kind, 'call')
  })

  test('decline: the caller sees declined; both record a declined call', async () => {
    const eventsA = a.events.length
    const eventsB = b.events.length
    const call = await ring()
    await waitForState(b, 'incoming_ringing', eventsB)
    const declined = await b.must({ type: 'call.decline', callId: call.callId })
    assert.equal(declined.call.endReason, 'declined')
    const endedA = await waitForState(a, 'ended', eventsA)
    assert.equal(endedA.endReason, 'declined')
    for (const [peer, conv] of [
      [a, convA],
      [b, convB],
    ] as const) {
      const entry = await callEntry(peer, conv, call.callId)
      assert.ok(entry.body.kind === 'call' && entry.body.outcome === 'declined')
    }
  })

  test('busy: a call to someone already in a call ends busy; they see a missed call', async () => {
    // B is in a call of its own (ringing out, its window not started yet).
    const own = await b.must({ type: 'call.start', conversationId: convB, media: 'audio' })
    const eventsA = a.events.length
    const call = await ring()
    const endedA = await waitForState(a, 'ended', eventsA)
    assert.equal(endedA.endReason, 'busy')
    assert.equal((await b.must({ type: 'call.current' })).call?.callId, own.call.callId)
    const mine = await callEntry(a, convA, call.callId)
    assert.ok(mine.body.kind === 'call' && mine.body.outcome === 'busy')
    const theirs = await callEntry(b, convB, call.callId)
    assert.ok(theirs.body.kind === 'call' && theirs.body.outcome === 'missed')
    assert.equal(theirs.direction, 'in')
    await b.must({ type: 'call.hangUp', callId: own.call.callId })
  })

  test('ring timeout: both end missed; the callee counts it unread', async () => {
    calls(a).timing.ringMs = 1_500
    calls(b).timing.ringMs = 1_500
    try {
      const unreadBefore = (await b.must({ type: 'conversations.list', query: null }))
        .conversations[0]!.unreadCount
      const eventsA = a.events.length
      const eventsB = b.events.length
      const call = await ring()
      await waitForState(b, 'incoming_ringing', eventsB)
      const endedA = await waitForState(a, 'ended', eventsA)
      const endedB = await waitForState(b, 'ended', eventsB)
      assert.equal(endedA.endReason, 'missed')
      assert.equal(endedB.endReason, 'missed')
      const entry = await callEntry(b, convB, call.callId)
      assert.ok(entry.body.kind === 'call' && entry.body.outcome === 'missed')
      assert.equal(entry.readAt, null)
      const unreadAfter = (await b.must({ type: 'conversations.list', query: null }))
        .conversations[0]!.unreadCount
      assert.equal(unreadAfter, unreadBefore + 1)
      // A late accept is refused: the call is over.
      const late = await b.req({ type: 'call.accept', callId: call.callId })
      assert.equal(!late.ok && late.error.code, 'not_found')
    } finally {
      calls(a).timing.ringMs = 45_000
      calls(b).timing.ringMs = 45_000
    }
  })

  test('a stale offer (sent longer ago than the ring timeout) is not rung, only recorded', async () => {
    const ctx = a.service.messenger!.ctx
    const platform = ctx.platform
    // Alice's clock an hour behind: her offer says it was sent an hour ago (a frame that sat in
    // a mailbox while Bob was offline looks the same).
    ctx.platform = { ...platform, clock: () => platform.clock() - 3_600_000 }
    try {
      const eventsB = b.events.length
      const call = await ring()
      const entry = await callEntry(b, convB, call.callId)
      assert.ok(entry.body.kind === 'call' && entry.body.outcome === 'missed')
      assert.equal(
        b.events.slice(eventsB).some((e) => e.type === 'call.updated'),
        false,
        'bob never rang',
      )
      assert.equal((await b.must({ type: 'call.current' })).call, null)
      await a.must({ type: 'call.hangUp', callId: call.callId })
    } finally {
      ctx.platform = platform
    }
  })

  test('no calls to or from a blocked or key-changed contact', async () => {
    const [bobAtA] = await a.store.listContacts()
    const [aliceAtB] = await b.store.listContacts()
    // Blocked: calling is refused.
    await a.must({ type: 'contact.setBlocked', contactId: bobAtA!.contactId, blocked: true })
    const blocked = await a.req({ type: 'call.start', conversationId: convA, media: 'audio' })
    assert.equal(!blocked.ok && blocked.error.code, 'contact_blocked')
    await a.must({ type: 'contact.setBlocked', contactId: bobAtA!.contactId, blocked: false })

    // Key changed (as the inbox records it): refused outgoing; an incoming offer is not rung and
    // not answered.
    const original = (await b.store.getContact(aliceAtB!.contactId))!
    await b.store.putContact({
      ...original,
      keyChange: { identityPublicKey: new Uint8Array(32).fill(9), seenAt: Date.now() },
    })
    try {
      const refused = await b.req({ type: 'call.start', conversationId: convB, media: 'audio' })
      assert.equal(!refused.ok && refused.error.code, 'key_changed')
      const eventsA = a.events.length
      const eventsB = b.events.length
      const call = await ring()
      const entry = await callEntry(b, convB, call.callId)
      assert.ok(entry.body.kind === 'call' && entry.body.outcome === 'missed')
      assert.equal(
        b.events.slice(eventsB).some((e) => e.type === 'call.updated'),
        false,
      )
      await new Promise((r) => setTimeout(r, 500))
      assert.equal(lastCallEvent(a, eventsA)?.state, 'outgoing_ringing', 'no busy/decline reply')
      await a.must({ type: 'call.hangUp', callId: call.callId })
    } finally {
      await b.store.putContact(original)
    }
  })

  test('a call in progress ends when the contact is blocked', async () => {
    const eventsA = a.events.length
    const eventsB = b.events.length
    const call = await ring()
    await waitForState(b, 'incoming_ringing', eventsB)
    const [bobAtA] = await a.store.listContacts()
    await a.must({ type: 'contact.setBlocked', contactId: bobAtA!.contactId, blocked: true })
    try {
      const ended = await waitForState(a, 'ended', eventsA)
      assert.equal(ended.endReason, 'key_changed')
      const entry = await callEntry(a, convA, call.callId)
      assert.ok(entry.body.kind === 'call' && entry.body.outcome === 'failed')
    } finally {
      await a.must({ type: 'contact.setBlocked', contactId: bobAtA!.contactId, blocked: false })
    }
    await b.must({ type: 'call.decline', callId: call.callId }).catch(() => undefined)
  })

  test('window mistakes are typed errors: wrong state, unknown call, bad fingerprint', async () => {
    const unknown = await a.req({ type: 'call.accept', callId: 'AAAAAAAAAAAAAAAAAAAAAA' })
    assert.equal(!unknown.ok && unknown.error.code, 'not_found')
    const { call } = await a.must({ type: 'call.start', conversationId: convA, media: 'audio' })
    const bad = await a.req({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'offer', sdp: fakeSdp('offer', fpA), dtlsFingerprint: 'sha-256 nope' },
    })
    assert.equal(!bad.ok && bad.error.code, 'invalid_request')
    const answer = await a.req({
      type: 'call.signal',
      callId: call.callId,
      signal: { kind: 'answer', sdp: fakeSdp('answer', fpA), dtlsFingerprint: fpA },
    })
    assert.equal(!answer.ok && answer.error.code, 'invalid_state', 'the caller does not answer')
    const accept = await a.req({ type: 'call.accept', callId: call.callId })
    assert.equal(!accept.ok && accept.error.code, 'invalid_state', 'the caller does not accept')
    await a.must({ type: 'call.hangUp', callId: call.callId })
  })

  test('malformed and oversize call payloads: typed errors, nothing changes', async () => {
    const callId = new Uint8Array(16).fill(5)
    const base = {
      version: 1,
      messageId: new Uint8Array(16).fill(3),
      sentAt: BigInt(Date.now()),
    }
    const signal = {
      callId,
      kind: 1,
      media: 1,
      sdp: fakeSdp('offer', fpA),
      dtlsFingerprint: fpA,
      candidates: [],
      reason: 0,
    }
    const bad: [string, Uint8Array, string][] = [
      ['unknown kind', ChatPayload.encode({ ...base, call: { ...signal, kind: 9 } }), 'malformed'],
      [
        'short call id',
        ChatPayload.encode({ ...base, call: { ...signal, callId: new Uint8Array(3) } }),
        'malformed',
      ],
      [
        'unknown media',
        ChatPayload.encode({ ...base, call: { ...signal, media: 7 } }),
        'malformed',
      ],
      [
        'not a fingerprint',
        ChatPayload.encode({ ...base, call: { ...signal, dtlsFingerprint: 'sha-256 zz' } }),
        'malformed',
      ],
      [
        'sdp on a decline',
        ChatPayload.encode({ ...base, call: { ...signal, kind: 5, media: 0 } }),
        'malformed',
      ],
      [
        'oversize sdp',
        ChatPayload.encode({
          ...base,
          call: { ...signal, sdp: 'a'.repeat(CALL_LIMITS.sdpBytes + 1) },
        }),
        'oversize',
      ],
      [
        'too many candidates',
        ChatPayload.encode({
          ...base,
          call: {
            ...signal,
            kind: 3,
            media: 0,
            sdp: '',
            dtlsFingerprint: '',
            candidates: Array.from({ length: CALL_LIMITS.candidatesPerSignal + 1 }, () => ({
              candidate: 'candidate:1 1 udp 1 127.0.0.1 1 typ host',
            })),
          },
        }),
        'limit_exceeded',
      ],
      [
        'call beside text',
        ChatPayload.encode({ ...base, text: { text: 'x' }, call: signal }),
        'malformed',
      ],
    ]
    for (const [what, bytes, code] of bad) {
      assert.throws(
        () => decodePayload(bytes),
        (err: unknown) => isProtocolError(err, code as 'malformed'),
        what,
      )
    }
    // The valid one decodes; encode(decode(x)) is x.
    const good = ChatPayload.encode({ ...base, call: signal })
    const decoded = decodePayload(good)
    assert.ok(decoded.body.kind === 'call' && decoded.body.call.kind === 'offer')
    assert.deepEqual(encodePayload(decoded), good)

    // Through Alice's real session to Bob: every bad one is rejected; Bob's state is unchanged.
    const before = {
      history: (await b.history(convB)).length,
      call: (await b.must({ type: 'call.current' })).call,
    }
    const eventsB = b.events.length
    const [bobAtA] = await a.store.listContacts()
    const record = (await a.store.listSessions(bobAtA!.contactId)).sort(
      (x, y) => y.updatedAt - x.updatedAt,
    )[0]!
    const session = restoreSession(record, systemPlatform)
    const frames = bad.map(([, bytes]) => session.encrypt(bytes).frame)
    await a.store.putSession(
      {
        ...record,
        state: encodeSessionState(session),
        version: record.version + 1,
        updatedAt: Date.now(),
      },
      record.version,
    )
    for (const frame of frames) {
      await assert.rejects(
        sendDirect(a.service.node!, b.service.node!.peerId, relay.multiaddrs, frame),
        (err: unknown) => err instanceof DirectSendError && err.code === 'rejected',
      )
    }
    assert.equal((await b.history(convB)).length, before.history)
    assert.equal((await b.must({ type: 'call.current' })).call, before.call)
    assert.equal(
      b.events.slice(eventsB).some((e) => e.type === 'call.updated' || e.type === 'message.added'),
      false,
    )
  })
})
