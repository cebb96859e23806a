// The chat view and its history window, against the fixture client (10,000-message history).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { ConversationSummary, MessengerClient } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { fixture } from './support/fixtures.ts'
import { DELIVERY_LABEL } from '../src/lib/texts.ts'
import { ChatState, PAGE_SIZE, WINDOW_MAX } from '../src/lib/chat-state.ts'

type Chat = ChatState
const noop = (): void => {}

async function conversationOf(client: MessengerClient, key: string): Promise<ConversationSummary> {
  const res = await client.request({ type: 'conversations.list', query: null })
  assert.ok(res.ok)
  const found = res.value.conversations.find((c) => c.conversationId === `cv-${key}`)
  assert.ok(found, `fixture conversation ${key}`)
  return found
}

async function renderChat(client: MessengerClient, conversation: ConversationSummary, chat: Chat) {
  return renderFile('components/ChatView.svelte', {
    client,
    conversation,
    chat,
    now: Date.now(),
    stageFile: () => Promise.reject(new Error('not in tests')),
    oninfo: noop,
    onaccept: noop,
    onkeepold: noop,
    onunblock: noop,
  })
}

function textarea(view: Awaited<ReturnType<typeof renderChat>>) {
  const field = view.find('textarea', { 'aria-label': 'Message' })
  assert.ok(field, 'the composer has a labelled text field')
  return field
}

describe('ChatView states', () => {
  test('loading: says so, composer ready', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'bob')
    const chat = new ChatState(client, conversation.conversationId)
    const view = await renderChat(client, conversation, chat)
    assert.ok(view.text.includes('Loading messages…'))
    assert.ok(!textarea(view).has('disabled'))
  })

  test('error: the sentence for the code and a retry', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'bob')
    const chat = new ChatState(client, 'cv-nobody')
    await chat.load()
    assert.equal(chat.error?.code, 'not_found')
    const view = await renderChat(client, conversation, chat)
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.not_found))
    assert.ok(view.text.includes('Try again'))
  })

  test('empty conversation invites a first message', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'gus')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(view.text.includes('No messages yet.'))
    assert.ok(view.text.includes(`Say hello to ${conversation.contact.displayName}`))
  })

  test('key changed: composer disabled, history readable, held count, verify, accept or keep the old key', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'carol')
    assert.equal(conversation.contact.trust, 'key_changed')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(textarea(view).has('disabled'))
    assert.ok(view.find('button', { 'aria-label': 'Send' })?.has('disabled'))
    assert.ok(view.find('button', { 'aria-label': 'Attach a file' })?.has('disabled'))
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.key_changed))
    assert.ok(view.text.includes(`${conversation.contact.displayName}'s security key changed`))
    assert.ok(view.text.includes('Verify the new key'))
    assert.ok(view.text.includes('Accept new key…'))
    assert.ok(view.text.includes('Keep the old key…'))
    assert.equal(conversation.contact.heldCount, 2)
    assert.ok(view.text.includes('2 messages sent under the new key are held.'))
    // The held messages are not in the history.
    assert.ok(!chat.messages.some((m) => m.body.kind === 'text' && /new laptop/.test(m.body.text)))
    assert.ok(view.elements('div').filter((d) => d.attrs['data-testid'] === 'message').length > 0)
  })

  test('blocked: composer disabled with an unblock action', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'dmitri')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(textarea(view).has('disabled'))
    assert.ok(view.text.includes(`You blocked ${conversation.contact.displayName}`))
    assert.ok(view.text.includes('Unblock'))
  })
})

describe('ChatView messages', () => {
  test('delivery states, failed-send retry and day separators are visible', async () => {
    const { client } = fixture({ longHistory: 500 })
    const conversation = await conversationOf(client, 'alice')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(!textarea(view).has('disabled'))
    const outgoing = chat.visible.filter((m) => m.direction === 'out' && m.delivery !== null)
    for (const state of new Set(outgoing.map((m) => m.delivery ?? 'queued')))
      assert.ok(view.find('svg', { 'aria-label': DELIVERY_LABEL[state] }), state)
    const failed = outgoing.filter((m) => m.delivery === 'failed')
    assert.ok(failed.length > 0, 'the fixture has a failed send')
    assert.equal(view.text.split('Retry').length - 1, failed.length)
    assert.ok(view.text.includes(`Not sent: ${CLIENT_ERROR_TEXT.peer_unreachable}`))
    const days = new Set(chat.visible.map((m) => new Date(m.sentAt).toDateString()))
    assert.equal(
      view.elements('div').filter((d) => d.attrs['data-testid'] === 'day-separator').length,
      days.size,
    )
  })

  test('an "Unread messages" divider sits before the first unread message', async () => {
    const { client } = fixture({ longHistory: 300 })
    const conversation = await conversationOf(client, 'alice')
    assert.ok(conversation.unreadCount > 0)
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.equal(view.text.split('Unread messages').length - 1, 1)
    const unread = chat.visible.filter(
      (m) => m.direction === 'in' && m.readAt === null && m.body.kind !== 'system',
    )
    assert.equal(unread.length, conversation.unreadCount)
    const divider = view.html.indexOf('Unread messages')
    const firstUnread = view.html.indexOf(`data-message-id="${unread[0]?.messageId}"`)
    const lastRead = chat.visible.findLast((m) => m.direction === 'in' && m.readAt !== null)
    assert.ok(divider < firstUnread, 'the divider comes before the first unread message')
    assert.ok(view.html.indexOf(`data-message-id="${lastRead?.messageId}"`) < divider)
  })

  test('no divider when everything is read', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'bob')
    assert.equal(conversation.unreadCount, 0)
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(!view.text.includes('Unread messages'))
  })

  test('message text is text: markup is escaped and links are never anchors', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'bob')
    client.controls.receiveText(
      conversation.contact.contactId,
      'See https://example.org/x <img src=x onerror=alert(1)>',
    )
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const view = await renderChat(client, conversation, chat)
    assert.ok(view.text.includes('https://example.org/x'))
    assert.ok(view.text.includes('<img src=x onerror=alert(1)>'), 'shown as text')
    assert.equal(view.elements('img').length, 0)
    assert.equal(view.elements('a').length, 0, 'no link element, so nothing is fetched')
  })

  test('file transfers show progress and the actions their state allows', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'erin')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    const transfers = Object.values(chat.transfers)
    assert.ok(transfers.length >= 2)
    const view = await renderChat(client, conversation, chat)
    for (const transfer of transfers) {
      assert.ok(view.text.includes(transfer.name))
      if (transfer.state === 'transferring') {
        const bar = view.find('div', {
          role: 'progressbar',
          'aria-label': `${transfer.name} progress`,
        })
        const percent = Math.floor((transfer.progress.bytes / transfer.progress.total) * 100)
        assert.equal(bar?.attrs['aria-valuenow'], String(percent))
        assert.ok(view.find('button', { 'aria-label': `Pause ${transfer.name}` }))
        assert.ok(view.find('button', { 'aria-label': `Cancel ${transfer.name}` }))
      }
      if (transfer.state === 'offered' && transfer.direction === 'out')
        assert.ok(view.find('button', { 'aria-label': `Cancel ${transfer.name}` }))
    }
    const moving = transfers.find((t) => t.state === 'transferring')
    assert.ok(moving)
    await chat.transferAction(moving.transferId, 'pause')
    const paused = await renderChat(client, conversation, chat)
    assert.ok(paused.find('button', { 'aria-label': `Resume ${moving.name}` }))
    assert.ok(!paused.find('button', { 'aria-label': `Pause ${moving.name}` }))
  })
})

describe('ChatState history window', () => {
  test('10,000 messages: the window never renders more than WINDOW_MAX rows', async () => {
    const { client } = fixture()
    const conversation = await conversationOf(client, 'alice')
    const total = client.controls.historyLength(conversation.conversationId)
    assert.ok(total >= 10_000)
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    assert.equal(chat.messages.length, PAGE_SIZE, 'only the newest page is loaded at first')
    assert.ok(chat.atLatest)
    let steps = 0
    while (chat.canShowOlder && steps < 1_000) {
      await chat.showOlder()
      assert.ok(chat.visible.length <= WINDOW_MAX, `window of ${chat.visible.length}`)
      steps++
    }
    assert.equal(chat.messages.length, total, 'the whole history was reached')
    assert.equal(chat.visible[0]?.body.kind, 'system', 'it starts with "contact added"')
    assert.ok(!chat.atLatest)
    while (!chat.atLatest) {
      chat.showNewer()
      assert.ok(chat.visible.length <= WINDOW_MAX)
    }
    const ids = chat.messages.map((m) => m.messageId)
    assert.equal(new Set(ids).size, ids.length, 'no duplicates')
  })

  test('sending shows the message queued; a failed send can be retried', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'bob')
    const chat = new ChatState(client, conversation.conversationId)
    const stop = client.subscribe((event) => chat.apply(event))
    await chat.load()
    client.controls.failNextSends(1)
    assert.ok(await chat.send('hello there'))
    const sent = chat.messages.at(-1)
    assert.equal(sent?.delivery, 'queued')
    assert.equal(chat.visible.at(-1)?.messageId, sent?.messageId)
    client.controls.advanceDelivery(sent?.messageId ?? '')
    assert.equal(chat.messages.at(-1)?.delivery, 'failed')
    await chat.retry(sent?.messageId ?? '')
    assert.equal(chat.messages.at(-1)?.delivery, 'queued')
    client.controls.advanceDelivery(sent?.messageId ?? '')
    client.controls.advanceDelivery(sent?.messageId ?? '')
    assert.equal(chat.messages.at(-1)?.delivery, 'delivered')
    assert.equal(chat.messages.filter((m) => m.messageId === sent?.messageId).length, 1)
    stop()
  })

  test('a send refused by the node keeps the text and says why', async () => {
    const { client } = fixture({ longHistory: 50 })
    const conversation = await conversationOf(client, 'carol')
    const chat = new ChatState(client, conversation.conversationId)
    await chat.load()
    assert.equal(await chat.send('hi'), false)
    assert.equal(chat.sendError?.code, 'key_changed')
  })
})
