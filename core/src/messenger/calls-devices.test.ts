/**
 * A call to a contact with two devices (issue 19, ADR 0765), on the call state machine itself: Ben
 * calls Ada, whose two devices both get the offer (the fan-out is simulated: Ben's sends reach
 * every device of Ada, each device's reach Ben). The first answer wins; the other device stops
 * with "answered on another device" — also when it answered too, a moment later. A decline on one
 * device stops the other; one busy device does not end a call still ringing on the other. The
 * real fan-out over a relay is tests/integration/device-calls.test.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { CallEndReason, CallInfo, ClientEvent } from '../client/api.ts'
import { systemPlatform as p } from '../crypto/platform.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { ContactRecord, MessageRecord } from '../store/records.ts'
import type { MessengerStore } from '../store/store.ts'
import { makeIdentityWithDevices } from '../../test-support/device-fixtures.ts'
import { MessengerCalls } from './calls.ts'
import type { MessengerContext } from './context.ts'
import { issueDeviceList } from './devices/device-list.ts'
import { decodePayload, type Payload } from './payload.ts'
import { toBase64Url } from './records.ts'

const fp = (seed: number) =>
  `sha-256 ${Array.from({ length: 32 }, (_, i) => ((seed * 31 + i * 7) & 0xff).toString(16).padStart(2, '0').toUpperCase()).join(':')}`

interface Side {
  name: string
  calls: MessengerCalls
  store: MessengerStore
  events: ClientEvent[]
  contact: ContactRecord
  conversationId: string
}

function contactRecord(identityKey: Uint8Array, deviceList?: Uint8Array): ContactRecord {
  return {
    contactId: 'ct',
    displayName: 'peer',
    identityPublicKey: identityKey,
    identityKeyId: toBase64Url(identityKey),
    verified: false,
    blocked: false,
    keyChange: null,
    relays: [],
    inboundMailboxId: null,
    outboundMailbox: null,
    ...(deviceList === undefined ? {} : { deviceList }),
    addedAt: 1,
    updatedAt: 1,
  }
}

/**
 * Ben and Ada's devices; `adaDevices` listed on Ben's side (1: no list held, as before
 * multi-device). Every payload Ben sends reaches all of Ada's devices; theirs reach Ben.
 */
async function setUp(adaDevices: number) {
  const ada = makeIdentityWithDevices(p, 1, 'ada')
  const ben = makeIdentityWithDevices(p, 0, 'ben')
  const list =
    adaDevices > 1
      ? issueDeviceList(ada.identity, {
          previousVersion: 0,
          now: p.clock(),
          devices: ada.devices.map((d) => d.entry),
        }).bytes
      : undefined
  const sent: { from: string; payload: Payload }[] = []
  const sides: Side[] = []
  const deliver = (from: Side, bytes: Uint8Array) => {
    const payload = decodePayload(bytes)
    sent.push({ from: from.name, payload })
    const to = from.name === 'ben' ? sides.slice(1, 1 + adaDevices) : [sides[0]!]
    for (const side of to) {
      queueMicrotask(() => side.calls.receive(side.contact, side.conversationId, payload))
    }
  }
  for (const name of ['ben', 'ada1', 'ada2']) {
    const store = openMemoryStore()
    const contact = contactRecord(
      name === 'ben' ? ada.identity.publicKey : ben.identity.publicKey,
      name === 'ben' ? list : undefined,
    )
    const conversationId = `conv-${name}`
    await store.transaction(async (tx) => {
      await tx.putContact(contact)
      await tx.putConversation({
        conversationId,
        contactId: contact.contactId,
        lastMessageId: null,
        lastActivityAt: 1,
        unreadCount: 0,
      })
    })
    const events: ClientEvent[] = []
    const ctx = {
      store,
      platform: p,
      emit: (e: ClientEvent) => events.push(e),
      log: () => {},
    } as unknown as MessengerContext
    const side: Side = {
      name,
      store,
      events,
      contact,
      conversationId,
      calls: new MessengerCalls(ctx, {
        sendNow: (_contact, bytes) => {
          deliver(side, bytes)
          return Promise.resolve('direct')
        },
        notifyRing: () => {},
      }),
    }
    sides.push(side)
  }
  return { ben: sides[0]!, ada1: sides[1]!, ada2: sides[2]!, sent }
}

function last(side: Side): CallInfo | undefined {
  const found = side.events.filter(
    (e): e is Extract<ClientEvent, { type: 'call.updated' }> => e.type === 'call.updated',
  )
  return found[found.length - 1]?.call
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await new Promise((r) => setTimeout(r, 5))
  }
  assert.fail(`timed out waiting for ${what}`)
}

async function ringing(ben: Side, ...devices: Side[]): Promise<string> {
  const started = await ben.calls.start(ben.conversationId, 'audio')
  assert.ok(started.ok)
  const callId = started.value.call.callId
  assert.ok(ben.calls.signal(callId, { kind: 'offer', sdp: 'v=0', dtlsFingerprint: fp(1) }).ok)
  for (const d of devices) await until(`${d.name} rings`, () => d.calls.current() !== null)
  return callId
}

function answer(side: Side, callId: string, seed: number): void {
  assert.ok(side.calls.accept(callId).ok)
  const sent = side.calls.signal(callId, { kind: 'answer', sdp: 'v=0', dtlsFingerprint: fp(seed) })
  assert.ok(sent.ok)
}

async function ended(side: Side, reason: CallEndReason): Promise<void> {
  await until(`${side.name} ends ${reason}`, () => last(side)?.state === 'ended')
  assert.equal(last(side)?.endReason, reason, side.name)
}

async function history(side: Side): Promise<MessageRecord['body'][]> {
  const page = await side.store.pageMessages(side.conversationId, { before: null, limit: 10 })
  return page.map((m) => m.body)
}

test('the first answer wins; the device still ringing stops: answered on another device', async () => {
  const { ben, ada1, ada2, sent } = await setUp(2)
  const callId = await ringing(ben, ada1, ada2)
  answer(ada2, callId, 2)
  await until('Ben connecting', () => last(ben)?.state === 'connecting')
  assert.equal(last(ben)?.remoteDtlsFingerprint, fp(2))
  await ended(ada1, 'answered_elsewhere')
  // ada2 took the call: the same signal names its answer, so it goes on.
  await new Promise((r) => setTimeout(r, 30))
  assert.equal(last(ada2)?.state, 'connecting')
  const told = sent.filter(
    (s) =>
      s.from === 'ben' && s.payload.body.kind === 'call' && s.payload.body.call.kind === 'hangup',
  )
  assert.equal(told.length, 1, 'one answered_elsewhere for both devices')
  assert.deepEqual(
    (await history(ada1)).map((b) => (b.kind === 'call' ? b.outcome : b.kind)),
    ['answered_elsewhere'],
  )
  const unread = (await ada1.store.getConversation(ada1.conversationId))?.unreadCount
  assert.equal(unread, 0, 'not a missed call: no unread count')
  await ben.calls.hangUp(callId)
  await ended(ada2, 'remote_hangup')
})

test('two devices answer at once: the later answer is told to stop, the first goes on', async () => {
  const { ben, ada1, ada2 } = await setUp(2)
  const callId = await ringing(ben, ada1, ada2)
  // Both accept before either answer reached Ben.
  assert.ok(ada1.calls.accept(callId).ok)
  assert.ok(ada2.calls.accept(callId).ok)
  answer2(ada1, callId, 3)
  answer2(ada2, callId, 4)
  await ended(ada2, 'answered_elsewhere')
  assert.equal(last(ben)?.remoteDtlsFingerprint, fp(3))
  assert.equal(last(ada1)?.state, 'connecting')
  await ben.calls.hangUp(callId)
  await ended(ada1, 'remote_hangup')
})

function answer2(side: Side, callId: string, seed: number): void {
  const sent = side.calls.signal(callId, { kind: 'answer', sdp: 'v=0', dtlsFingerprint: fp(seed) })
  assert.ok(sent.ok)
}

test('a decline on one device stops the other; a busy device does not end the call', async () => {
  const { ben, ada1, ada2 } = await setUp(2)
  const callId = await ringing(ben, ada1, ada2)
  assert.ok((await ada1.calls.decline(callId)).ok)
  await ended(ben, 'declined')
  await ended(ada2, 'missed')

  // ada1 is in another call: it answers busy, ada2 still rings and can answer.
  const other = await setUp(2)
  const blocker = await other.ada1.calls.start(other.ada1.conversationId, 'audio')
  assert.ok(blocker.ok)
  const second = await ringing(other.ben, other.ada2)
  await until('ada1 answered busy', () => other.ada1.events.some((e) => e.type === 'message.added'))
  assert.equal(last(other.ben)?.state, 'outgoing_ringing', 'one busy device does not end it')
  answer(other.ada2, second, 5)
  await until('Ben connecting', () => last(other.ben)?.state === 'connecting')
  await other.ben.calls.hangUp(second)
  await other.ada1.calls.hangUp(blocker.value.call.callId)
})

test('one device (no list held): busy ends the call, and no extra signal is sent', async () => {
  const { ben, ada1, sent } = await setUp(1)
  const callId = await ringing(ben, ada1)
  answer(ada1, callId, 6)
  await until('Ben connecting', () => last(ben)?.state === 'connecting')
  await new Promise((r) => setTimeout(r, 30))
  assert.deepEqual(
    sent
      .filter((s) => s.from === 'ben')
      .map((s) => s.payload.body.kind === 'call' && s.payload.body.call.kind),
    ['offer'],
  )
  await ben.calls.hangUp(callId)

  const other = await setUp(1)
  const blocker = await other.ada1.calls.start(other.ada1.conversationId, 'audio')
  assert.ok(blocker.ok)
  await other.ben.calls.start(other.ben.conversationId, 'audio')
  const id = other.ben.calls.current()!.callId
  other.ben.calls.signal(id, { kind: 'offer', sdp: 'v=0', dtlsFingerprint: fp(1) })
  await ended(other.ben, 'busy')
  await other.ada1.calls.hangUp(blocker.value.call.callId)
})

test('answered_elsewhere from the caller while our own answer was taken changes nothing', async () => {
  const { ben, ada1 } = await setUp(2)
  const callId = await ringing(ben, ada1)
  answer(ada1, callId, 7)
  await until('Ben connecting', () => last(ben)?.state === 'connecting')
  // A repeated answered_elsewhere naming ada1's answer (e.g. after a late answer elsewhere).
  ada1.calls.receive(ada1.contact, ada1.conversationId, {
    messageId: new Uint8Array(16),
    sentAt: p.clock(),
    body: {
      kind: 'call',
      call: {
        kind: 'hangup',
        callId: Uint8Array.from(Buffer.from(callId, 'base64url')),
        reason: 'answered_elsewhere',
        dtlsFingerprint: fp(7),
      },
    },
  })
  await new Promise((r) => setTimeout(r, 30))
  assert.equal(last(ada1)?.state, 'connecting')
  await ben.calls.hangUp(callId)
})
