// The hold under a pending key (ADR 0720): what is kept, deduped and refused beyond the caps, and
// how a sender's identity is judged against the contact record.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContactRecord } from '../store/records.ts'
import { TRUST_LIMITS } from './limits.ts'
import type { Payload } from './payload.ts'
import { heldCount, holdPayload, newKeyChange, refusePendingKey, standingOf } from './trust.ts'
import { isProtocolError } from '../wire/errors.ts'

const key = (n: number) => new Uint8Array(32).fill(n)
let next = 0
const id = () => {
  const b = new Uint8Array(16)
  new DataView(b.buffer).setUint32(0, ++next)
  return b
}
const text = (t: string, messageId: Uint8Array = id()): Payload => ({
  messageId,
  sentAt: 1,
  body: { kind: 'text', text: t },
})

function contact(): ContactRecord {
  return {
    contactId: 'c',
    displayName: 'Bob',
    identityPublicKey: key(1),
    identityKeyId: 'k1',
    verified: true,
    blocked: false,
    keyChange: null,
    relays: [],
    inboundMailboxId: null,
    outboundMailbox: null,
    addedAt: 0,
    updatedAt: 0,
  }
}

test('standing: pinned, pending, refused, any other key', () => {
  const c = contact()
  assert.equal(standingOf(c, key(1)), 'pinned')
  assert.equal(standingOf(c, key(2)), 'new_key')
  c.keyChange = newKeyChange(key(2), 5, null)
  assert.equal(standingOf(c, key(2)), 'pending')
  assert.equal(standingOf(c, key(3)), 'new_key')
  refusePendingKey(c)
  assert.equal(c.keyChange, null)
  assert.equal(standingOf(c, key(2)), 'refused')
  assert.equal(c.verified, true, 'keeping the old key keeps its trust')
})

test('hold: texts in order and deduped, the newest Hello, receipts and calls have no effect', () => {
  const c = contact()
  c.keyChange = newKeyChange(key(2), 5, null)
  const change = c.keyChange
  const first = text('one')
  assert.equal(holdPayload(change, first, 'dev', 10), true)
  assert.equal(holdPayload(change, text('one again', first.messageId), 'dev', 11), false)
  assert.equal(holdPayload(change, text('two'), 'dev', 12), true)
  const receipt: Payload = {
    messageId: id(),
    sentAt: 1,
    body: { kind: 'receipt', receipt: 'read', messageIds: [id()] },
  }
  assert.equal(holdPayload(change, receipt, 'dev', 13), false)
  const hello = (n: number): Payload => ({
    messageId: id(),
    sentAt: 1,
    body: {
      kind: 'hello',
      hello: {
        displayName: 'x',
        relays: ['/ip4/127.0.0.1/tcp/1/ws'],
        mailboxId: key(n),
        mailboxCapability: key(n),
        mailboxSealKey: key(n),
        reply: false,
      },
    },
  })
  holdPayload(change, hello(7), 'dev', 14)
  holdPayload(change, hello(8), 'dev', 15)
  assert.equal(heldCount(c), 2)
  assert.deepEqual(
    change.held!.map((h) => h.receivedAt),
    [10, 12],
  )
  assert.equal(change.hello!.receivedAt, 15, 'only the newest Hello waits')
  // A further identity replaces the pending one: its hold starts empty.
  c.keyChange = newKeyChange(key(3), 20, change)
  assert.equal(heldCount(c), 0)
})

test('hold: beyond the message or byte cap a frame is refused', () => {
  const change = newKeyChange(key(2), 0, null)
  for (let i = 0; i < TRUST_LIMITS.heldMessages; i++) holdPayload(change, text(`m${i}`), 'd', i)
  assert.throws(
    () => holdPayload(change, text('one more'), 'd', 1_000),
    (e) => isProtocolError(e, 'limit_exceeded'),
  )
  assert.equal(change.held!.length, TRUST_LIMITS.heldMessages)
  const big = newKeyChange(key(2), 0, null)
  const chunk = 'x'.repeat(15_000)
  let held = 0
  assert.throws(
    () => {
      for (;;) {
        holdPayload(big, text(chunk), 'd', held)
        held++
      }
    },
    (e) => isProtocolError(e, 'limit_exceeded'),
  )
  const bytes = big.held!.reduce((s, h) => s + h.payload.length, 0)
  assert.ok(bytes <= TRUST_LIMITS.heldBytes && bytes > TRUST_LIMITS.heldBytes - 16_000)
})
