/**
 * What one contact can make a ringing call hold or do (review rf, RF-6 and RF-7), on the call state
 * machine itself: the ICE a ringing call keeps for the window is capped (a flood is dropped, an
 * honest call still connects), and one contact cannot ring without limit (calls-ring-limit.ts).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallInfo, CallSignal, ClientEvent } from '../client/api.ts'
import { systemPlatform as p } from '../crypto/platform.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { ContactRecord } from '../store/records.ts'
import { MessengerCalls } from './calls.ts'
import { CALL_LIMITS } from './calls-wire.ts'
import type { MessengerContext } from './context.ts'

const fp = `sha-256 ${Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':')}`

async function setUp(clock: () => number = p.clock) {
  const store = openMemoryStore()
  const contact: ContactRecord = {
    contactId: 'ct',
    displayName: 'mallory',
    identityPublicKey: new Uint8Array(32).fill(1),
    identityKeyId: 'AQ',
    verified: false,
    blocked: false,
    keyChange: null,
    relays: [],
    inboundMailboxId: null,
    outboundMailbox: null,
    addedAt: 1,
    updatedAt: 1,
  }
  await store.transaction(async (tx) => {
    await tx.putContact(contact)
    await tx.putConversation({
      conversationId: 'conv',
      contactId: 'ct',
      lastMessageId: null,
      lastActivityAt: 1,
      unreadCount: 0,
    })
  })
  const events: ClientEvent[] = []
  const logs: string[] = []
  const rings: string[] = []
  const ctx = {
    store,
    platform: { ...p, clock },
    emit: (e: ClientEvent) => events.push(e),
    log: (what: string) => logs.push(what),
  } as unknown as MessengerContext
  const calls = new MessengerCalls(ctx, {
    sendNow: () => Promise.resolve('direct'),
    notifyRing: (c) => rings.push(c.contactId),
  })
  return { store, contact, events, logs, rings, calls }
}

const payload = (call: unknown, sentAt = p.clock()) =>
  ({ messageId: p.random(16), sentAt, body: { kind: 'call', call } }) as never

const settle = (ms = 5) => new Promise((r) => setTimeout(r, ms))

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await settle(2)
  assert.ok(check(), `timed out waiting for ${what}`)
}

function signalsOf(events: ClientEvent[]): CallSignal[] {
  return events.flatMap((e) => (e.type === 'call.signal' ? [e.signal] : []))
}

function candidates(count: number, pad = 0) {
  return Array.from({ length: count }, (_, i) => ({
    candidate: `candidate:${i} 1 udp 2122260223 10.0.${i}.1 ${50000 + i} typ host${' x'.repeat(pad)}`,
    sdpMid: '0',
    sdpMLineIndex: 0,
  }))
}

async function ring(s: Awaited<ReturnType<typeof setUp>>, callId: Uint8Array): Promise<string> {
  s.calls.receive(
    s.contact,
    'conv',
    payload({ kind: 'offer', callId, media: 'audio', sdp: 'v=0', dtlsFingerprint: fp }),
  )
  await until('the ring', () => s.calls.current()?.state === 'incoming_ringing')
  return s.calls.current()!.callId
}

test('RF-6 an ICE flood while ringing: the call holds at most the cap, drops the rest, logs once', async () => {
  const s = await setUp()
  const callId = await ring(s, new Uint8Array(16).fill(9))
  // 2,000 signals of 16 candidates (~1 KiB each) during the ring: 32,000 candidates, ~32 MB.
  const flood = candidates(16, 500)
  for (let i = 0; i < 2_000; i++)
    s.calls.receive(
      s.contact,
      'conv',
      payload({ kind: 'ice', callId: new Uint8Array(16).fill(9), candidates: flood }),
    )
  await settle(200)
  const before = s.events.length
  assert.ok(s.calls.accept(callId).ok)
  const burst = signalsOf(s.events.slice(before))
  // The window gets the offer first, then no more candidates than a browser gathers.
  assert.equal(burst[0]?.kind, 'offer')
  assert.equal(burst.length, 1 + CALL_LIMITS.ringingCandidates)
  assert.equal(s.logs.filter((l) => l.includes('ICE')).length, 1)
  // Once accepted, the contact's ICE reaches the window again (the cap is for the ring only).
  s.calls.receive(
    s.contact,
    'conv',
    payload({ kind: 'ice', callId: new Uint8Array(16).fill(9), candidates: [] }),
  )
  await until('ice_end after accept', () => signalsOf(s.events).at(-1)?.kind === 'ice_end')
  await s.calls.stop()
})

test('RF-6 an honest ringing call keeps all its candidates and still connects', async () => {
  const s = await setUp()
  const wireId = new Uint8Array(16).fill(7)
  const callId = await ring(s, wireId)
  // A browser's trickle: a few signals, a few dozen candidates in all, then end-of-candidates.
  for (const batch of [candidates(10), candidates(12), candidates(8), []])
    s.calls.receive(s.contact, 'conv', payload({ kind: 'ice', callId: wireId, candidates: batch }))
  await settle(50)
  const before = s.events.length
  assert.ok(s.calls.accept(callId).ok)
  const burst = signalsOf(s.events.slice(before))
  assert.deepEqual(
    burst.map((x) => x.kind),
    ['offer', ...Array<string>(30).fill('ice'), 'ice_end'],
  )
  assert.ok(s.calls.signal(callId, { kind: 'answer', sdp: 'v=0', dtlsFingerprint: fp }).ok)
  assert.ok(s.calls.signal(callId, { kind: 'media', state: 'connected', detail: null }).ok)
  assert.equal(s.calls.current()?.state, 'active')
  assert.equal(s.logs.length, 0)
  await s.calls.stop()
})

type Setup = Awaited<ReturnType<typeof setUp>>

/** The contact rings with a fresh call id, then hangs up before anyone answers. */
async function offerThenHangUp(s: Setup, sentAt: number): Promise<void> {
  const callId = p.random(16)
  s.calls.receive(
    s.contact,
    'conv',
    payload({ kind: 'offer', callId, media: 'video', sdp: 'v=0', dtlsFingerprint: fp }, sentAt),
  )
  // Rung or recorded as missed: either way the offer is done once a call entry or a ring shows.
  const before = s.events.length
  await until('the offer handled', () =>
    s.events.slice(before).some((e) => e.type === 'message.added' || e.type === 'call.updated'),
  )
  s.calls.receive(s.contact, 'conv', payload({ kind: 'hangup', callId, reason: 'hangup' }, sentAt))
  await until('no call', () => s.calls.current() === null)
  await settle(1)
}

/** What the user saw: rings (each opens a call window in the extension) and missed-call entries. */
function seen(s: Setup) {
  const ringing = s.events.filter(
    (e): e is { type: 'call.updated'; call: CallInfo } =>
      e.type === 'call.updated' && e.call.state === 'incoming_ringing',
  )
  const missed = s.events.filter(
    (e) =>
      e.type === 'message.added' &&
      e.message.body.kind === 'call' &&
      e.message.body.outcome === 'missed',
  )
  return {
    windows: new Set(ringing.map((e) => e.call.callId)).size,
    rings: s.rings.length,
    missed: missed.length,
  }
}

test('RF-7 a contact cycling offer + hangup rings ringBurst times, the rest are missed calls', async () => {
  let now = 1_000_000
  const s = await setUp(() => now)
  const burst = s.calls.timing.ringBurst
  for (let n = 0; n < 50; n++) {
    await offerThenHangUp(s, now)
    now += 4 // 50 offers in 0.2 s
  }
  // Today without the limit: 50 rings, 50 focused call windows, 50 notifications.
  assert.deepEqual(seen(s), { windows: burst, rings: burst, missed: 50 })
  // Once the window has passed the contact may ring again (an honest caller is not locked out).
  now += s.calls.timing.ringBurstWindowMs
  await offerThenHangUp(s, now)
  assert.deepEqual(seen(s), { windows: burst + 1, rings: burst + 1, missed: 51 })
})

test('RF-7 calls the user declines or answers do not count against the contact', async () => {
  let now = 2_000_000
  const s = await setUp(() => now)
  for (let n = 0; n < 2 * s.calls.timing.ringBurst; n++) {
    const callId = await ring(s, p.random(16))
    assert.ok((await s.calls.decline(callId)).ok)
    now += 1_000
  }
  const answered = await ring(s, p.random(16))
  assert.ok(s.calls.accept(answered).ok)
  assert.ok((await s.calls.hangUp(answered)).ok)
  await ring(s, p.random(16))
  assert.equal(s.rings.length, 2 * s.calls.timing.ringBurst + 2)
  await s.calls.stop()
})
