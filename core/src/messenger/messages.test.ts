// The messages requests against a store, as a page that names the wrong things sees them: a forged
// history cursor, a message of another conversation, a message that did not fail. Each is refused
// with its typed code and changes nothing (no row, no outbox item, no event, no send).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ClientEvent } from '../client/api.ts'
import { systemPlatform } from '../crypto/platform.ts'
import type { MessageRecord } from '../store/records.ts'
import { createMemoryBacking, openMemoryStore } from '../store/memory-store.ts'
import type { MessengerContext } from './context.ts'
import { markReplaced } from './device-replaced.ts'
import { createLocalIdentity } from './identity.ts'
import { markRead, pageMessages, retryMessage, sendText, type MessagesDeps } from './messages.ts'
import { toBase64Url } from './records.ts'

const T0 = Date.UTC(2026, 11, 1)
// Message ids as the messenger makes them: 16 bytes, base64url.
const A = toBase64Url(new Uint8Array(16).fill(1))
const B = toBase64Url(new Uint8Array(16).fill(2))

function message(id: string, conversationId: string, over: Partial<MessageRecord>): MessageRecord {
  return {
    messageId: id,
    conversationId,
    direction: 'in',
    senderDeviceId: null,
    body: { kind: 'text', text: `text of ${id}` },
    sentAt: T0,
    receivedAt: T0,
    delivery: null,
    failure: null,
    readAt: null,
    ...over,
  }
}

async function twoConversations() {
  const store = openMemoryStore(createMemoryBacking())
  for (const [conversationId, contactId] of [
    ['conv-a', 'contact-a'],
    ['conv-b', 'contact-b'],
  ] as const) {
    await store.putConversation({
      conversationId,
      contactId,
      lastMessageId: null,
      lastActivityAt: T0,
      unreadCount: 1,
    })
  }
  await store.addMessage(message(A, 'conv-a', {}))
  await store.addMessage(
    message(B, 'conv-b', {
      direction: 'out',
      delivery: 'failed',
      failure: { code: 'peer_unreachable', message: 'x' },
    }),
  )
  const events: ClientEvent[] = []
  let kicks = 0
  const ctx = {
    store,
    platform: systemPlatform,
    emit: (e: ClientEvent) => events.push(e),
  } as unknown as MessengerContext
  const deps: MessagesDeps = { ctx, kickOutbox: () => kicks++, readReceipts: () => true }
  return { store, deps, events, kicks: () => kicks }
}

describe('messages requests', () => {
  test('a forged cursor or an unknown conversation gets a typed refusal', async () => {
    const { deps } = await twoConversations()
    for (const cursor of ['garbage', '1.2.3', `${'9'.repeat(17)}.AAAA`, '12.a/b']) {
      const page = await pageMessages(deps, 'conv-a', cursor, 50)
      assert.equal(page.ok ? 'ok' : page.error.code, 'invalid_request', cursor)
    }
    const unknown = await pageMessages(deps, 'conv-x', null, 50)
    assert.equal(unknown.ok ? 'ok' : unknown.error.code, 'not_found')
    const own = await pageMessages(deps, 'conv-a', null, 50)
    assert.ok(own.ok)
    assert.deepEqual(
      own.value.messages.map((m) => m.messageId),
      [A],
    )
  })

  test('retry and mark read with another conversation’s message change nothing', async () => {
    const { store, deps, events, kicks } = await twoConversations()
    const retry = await retryMessage(deps, 'conv-a', B)
    assert.equal(retry.ok ? 'ok' : retry.error.code, 'not_found')
    const read = await markRead(deps, 'conv-b', A)
    assert.equal(read.ok ? 'ok' : read.error.code, 'not_found')
    const notFailed = await retryMessage(deps, 'conv-a', A)
    assert.equal(notFailed.ok ? 'ok' : notFailed.error.code, 'invalid_state')
    assert.equal((await store.getMessage(B))?.delivery, 'failed')
    assert.equal((await store.getMessage(A))?.readAt, null)
    assert.equal((await store.getConversation('conv-a'))?.unreadCount, 1)
    assert.deepEqual(await store.listOutbox('conv-a'), [])
    assert.deepEqual(await store.listOutbox('conv-b'), [])
    assert.deepEqual(events, [])
    assert.equal(kicks(), 0)
  })

  test('retrying the failed message in its own conversation queues it once and tells the page', async () => {
    const { store, deps, events, kicks } = await twoConversations()
    const retry = await retryMessage(deps, 'conv-b', B)
    assert.ok(retry.ok)
    assert.equal(retry.value.message.delivery, 'queued')
    const queued = await store.listOutbox('conv-b')
    assert.deepEqual(
      queued.map((o) => [o.kind, o.messageId]),
      [['message', B]],
    )
    assert.deepEqual(
      events.map((e) => e.type),
      ['message.updated'],
    )
    assert.equal(kicks(), 1)
  })

  test('a device replaced by a restore elsewhere: the send is refused in its own transaction, nothing written', async () => {
    const { store, deps, events, kicks } = await twoConversations()
    const { record } = await createLocalIdentity(systemPlatform, 'Ada')
    await store.putIdentity(record)
    await store.putContact({
      contactId: 'contact-a',
      displayName: 'Ben',
      identityPublicKey: new Uint8Array(32),
      identityKeyId: 'ben',
      verified: false,
      blocked: false,
      keyChange: null,
      relays: [],
      inboundMailboxId: null,
      outboundMailbox: null,
      addedAt: T0,
      updatedAt: T0,
    })
    // Control: the same send from a device still current is taken.
    const sent = await sendText(deps, 'conv-a', 'before')
    assert.ok(sent.ok)
    assert.equal((await store.listOutbox('conv-a')).length, 1)
    assert.equal(await markReplaced(store, { at: T0, byDeviceId: 'the-restored-one' }), true)
    const before = await store.pageMessages('conv-a', { before: null, limit: 10 })
    const eventsBefore = events.length
    const refused = await sendText(deps, 'conv-a', 'after')
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'device_replaced')
    assert.deepEqual(await store.pageMessages('conv-a', { before: null, limit: 10 }), before)
    assert.equal((await store.listOutbox('conv-a')).length, 1, 'nothing queued')
    assert.equal(events.length, eventsBefore)
    assert.equal(kicks(), 1, 'only the control send ran the outbox')
  })
})
