// The conversation list's preview says what a system or call line was (issue 23), and the
// validator that pages use accepts it.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ContactRecord, MessageRecord } from '../store/records.ts'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import { conversationSummary, preview } from './views.ts'

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

describe('conversationSummary with records the caller holds (issue 21)', () => {
  const contact: ContactRecord = {
    contactId: 'ct-1',
    displayName: 'Ben',
    identityPublicKey: new Uint8Array(32).fill(1),
    identityKeyId: 'key-1',
    verified: false,
    blocked: false,
    keyChange: null,
    relays: [],
    inboundMailboxId: 'mb-1',
    outboundMailbox: null,
    addedAt: 1_000,
    updatedAt: 1_000,
  }
  const conversation = {
    conversationId: 'cv-1',
    contactId: 'ct-1',
    lastMessageId: 'm1',
    lastActivityAt: 1_000,
    unreadCount: 1,
  }

  test('uses this conversation’s contact and last message as given, without reading them', async () => {
    const store = openMemoryStore(createMemoryBacking())
    await store.transaction(async (tx) => {
      await tx.putContact(contact)
      await tx.putConversation(conversation)
      await tx.addMessage(record({ kind: 'text', text: 'stored' }))
    })
    const held = { contact: { ...contact, displayName: 'Held' }, messages: [] as MessageRecord[] }
    held.messages.push(record({ kind: 'text', text: 'held' }))
    const summary = await store.transaction((tx) => conversationSummary(tx, conversation, held))
    assert.equal(summary?.contact.displayName, 'Held')
    assert.equal(summary?.lastMessage?.text, 'held')
    const read = await store.transaction((tx) => conversationSummary(tx, conversation))
    assert.equal(read?.contact.displayName, 'Ben')
    assert.equal(read?.lastMessage?.text, 'stored')
  })

  test('another contact, or messages that are not the last one, are read from the store', async () => {
    const store = openMemoryStore(createMemoryBacking())
    await store.transaction(async (tx) => {
      await tx.putContact(contact)
      await tx.putConversation(conversation)
      await tx.addMessage(record({ kind: 'text', text: 'stored' }))
    })
    const other = {
      contact: { ...contact, contactId: 'ct-2', displayName: 'Other' },
      messages: [{ ...record({ kind: 'text', text: 'older' }), messageId: 'm0' }],
    }
    const summary = await store.transaction((tx) => conversationSummary(tx, conversation, other))
    assert.equal(summary?.contact.displayName, 'Ben')
    assert.equal(summary?.lastMessage?.text, 'stored')
  })
})
