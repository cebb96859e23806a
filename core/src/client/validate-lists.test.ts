import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ChatMessage, ConversationSummary } from './api.ts'
import { InvalidClientMessageError, droppedListItems, parseClientResponse } from './validate.ts'
import { str, tolerantArr } from './schema.ts'
import { contactSummary } from '../messenger/views.ts'
import type { ContactRecord } from '../store/records.ts'

const message = (n: number, patch: Partial<ChatMessage> = {}): ChatMessage => ({
  messageId: `m${n}`,
  conversationId: 'cv-1',
  direction: 'in',
  body: { kind: 'text', text: `text ${n}` },
  sentAt: 1_700_000_000_000 + n,
  receivedAt: 1_700_000_000_000 + n,
  delivery: null,
  failure: null,
  readAt: null,
  ...patch,
})

const contact = (n: number, displayName: string): ContactRecord => ({
  contactId: `ct-${n}`,
  displayName,
  identityPublicKey: new Uint8Array(32),
  identityKeyId: `key-${n}`,
  verified: false,
  blocked: false,
  keyChange: null,
  relays: [],
  inboundMailboxId: null,
  outboundMailbox: null,
  addedAt: 1,
  updatedAt: 1,
})

/** A summary as the node builds it, then given a name the node would never produce. */
const conversation = (n: number, displayName: string): ConversationSummary => ({
  conversationId: `cv-${n}`,
  contact: { ...contactSummary(contact(n, 'x'), `cv-${n}`), displayName },
  lastMessage: null,
  unreadCount: 0,
  lastActivityAt: 1_700_000_000_000,
})

test('a page with one bad message still loads the others; the bad one is counted', () => {
  const before = droppedListItems().count
  const res = parseClientResponse('messages.page', {
    ok: true,
    value: {
      messages: [
        message(1),
        message(2, { sentAt: Number.MAX_SAFE_INTEGER }),
        message(3, { body: { kind: 'text', text: 'x'.repeat(20_000) } }),
        message(4),
      ],
      olderCursor: null,
    },
  })
  assert.ok(res.ok)
  assert.deepEqual(
    res.value.messages.map((m) => m.messageId),
    ['m1', 'm4'],
  )
  const after = droppedListItems()
  assert.equal(after.count, before + 2)
  assert.match(after.last ?? '', /messages\[2\]\.body\.text: longer than 16000 characters/)
})

test('a conversation list with one unparsable contact keeps every other conversation', () => {
  const before = droppedListItems().count
  const res = parseClientResponse('conversations.list', {
    ok: true,
    value: {
      conversations: [
        conversation(1, 'Ann'),
        conversation(2, 'n'.repeat(1_000)),
        { ...conversation(3, 'Kim'), extra: 1 },
        conversation(4, 'Lee'),
      ],
    },
  })
  assert.ok(res.ok)
  assert.deepEqual(
    res.value.conversations.map((c) => c.contact.displayName),
    ['Ann', 'Lee'],
  )
  assert.equal(droppedListItems().count, before + 2)
})

test('a tolerant list keeps at most maxItems items and reports the rest', () => {
  const dropped: InvalidClientMessageError[] = []
  const list = tolerantArr(str(4), 32, (e) => dropped.push(e))
  const kept = list(
    Array.from({ length: 40 }, (_, i) => (i === 3 ? 'toolong' : `d${i}`)),
    'devices',
  )
  assert.equal(kept.length, 31)
  assert.equal(kept.includes('toolong'), false)
  assert.deepEqual(
    dropped.map((e) => `${e.path} ${e.problem}`),
    [
      'devices[3] longer than 4 characters',
      ...Array.from({ length: 8 }, (_, i) => `devices[${32 + i}] more than 32 items`),
    ],
  )
})

test('a list that is not an array, and a bad single answer, still fail as a whole', () => {
  assert.throws(
    () =>
      parseClientResponse('messages.page', {
        ok: true,
        value: { messages: {}, olderCursor: null },
      }),
    InvalidClientMessageError,
  )
  assert.throws(
    () =>
      parseClientResponse('messages.send', {
        ok: true,
        value: { message: message(1, { sentAt: -1 }) },
      }),
    InvalidClientMessageError,
  )
})
