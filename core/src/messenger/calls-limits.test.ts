/**
 * What one contact can make a ringing call hold or do (review rf, RF-6 and RF-7), on the call state
 * machine itself: the ICE a ringing call keeps for the window is capped (a flood is dropped, an
 * honest call still connects), and one contact cannot ring without limit.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallSignal, ClientEvent } from '../client/api.ts'
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

const payload = (call: unknown) =>
  ({ messageId: p.random(16), sentAt: p.clock(), body: { kind: 'call', call } }) as never

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
