// The conversation list and the app state behind it, against the fixture client.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import type { ConversationSummary } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { NOW, fixture } from './support/fixtures.ts'
import { DELIVERY_LABEL, NAME_TAG_TITLE } from '../src/lib/texts.ts'
import { initials } from '../src/lib/format.ts'
import { AppState } from '../src/lib/app-state.ts'

const noop = (): void => {}
const base = { now: NOW, onselect: noop, onquery: noop, onadd: noop, onretry: noop }

async function fixtureConversations(): Promise<ConversationSummary[]> {
  const { client } = fixture({ longHistory: 200 })
  const res = await client.request({ type: 'conversations.list', query: null })
  assert.ok(res.ok)
  return res.value.conversations
}

function byTrust(list: ConversationSummary[], trust: string): ConversationSummary {
  const found = list.find((c) => c.contact.trust === trust)
  assert.ok(found, `the fixture has a ${trust} contact`)
  return found
}

describe('ConversationList states', () => {
  test('empty: invites the user to add a contact', async () => {
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations: [],
    })
    assert.ok(view.text.includes('No conversations yet.'))
    assert.ok(view.elements('button').some((b) => !b.has('disabled')))
    assert.ok(view.text.includes('Add a contact'))
  })

  test('loading', async () => {
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations: [],
      loading: true,
    })
    assert.ok(view.text.includes('Loading conversations…'))
    assert.ok(!view.text.includes('No conversations yet.'))
  })

  test('error: the sentence for the code and a retry', async () => {
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations: [],
      error: { code: 'timeout', message: 'x' },
    })
    assert.ok(view.text.includes(CLIENT_ERROR_TEXT.timeout))
    assert.ok(view.text.includes('Try again'))
  })

  test('search without a match says so', async () => {
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations: [],
      query: 'zebra',
    })
    assert.ok(view.text.includes('No conversations match “zebra”.'))
  })
})

describe('ConversationList rows', () => {
  test('every conversation shows its name; unread counts, trust and ticks are visible', async () => {
    const conversations = await fixtureConversations()
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations,
    })
    const rows = view
      .elements('button')
      .filter((b) => b.attrs['data-testid'] === 'conversation-row')
    assert.equal(rows.length, conversations.length)
    const rowText = (c: ConversationSummary) =>
      view.textWithin('button', 'data-conversation', c.conversationId) ?? ''
    for (const c of conversations) {
      const text = rowText(c)
      assert.ok(text.includes(c.contact.displayName), text)
      if (c.unreadCount > 0)
        assert.ok(text.includes(`${c.unreadCount} unread message`), `${text}: unread count`)
      else assert.ok(!text.includes('unread'), text)
      if (c.contact.trust === 'verified')
        assert.ok(view.find('svg', { 'aria-label': 'Verified' }), 'a labelled verified badge')
    }
    const changed = byTrust(conversations, 'key_changed')
    // The row says how many messages wait under the new key (ADR 0720).
    assert.ok(
      rowText(changed).includes(
        `Security key changed · ${changed.contact.heldCount} held · verify`,
      ),
    )
    assert.ok(changed.contact.heldCount > 0)
    const blocked = byTrust(conversations, 'blocked')
    assert.ok(rowText(blocked).includes('Blocked'))
    // Rows are plain buttons (the list writes them out, ADR 0921); only blocked contacts look muted.
    assert.ok(rows.every((r) => r.attrs.type === 'button'))
    const mutedLooks = view
      .elements('span')
      .filter((s) => (s.attrs.class ?? '').split(/\s+/).includes('muted'))
    assert.equal(
      mutedLooks.length,
      conversations.filter((c) => c.contact.trust === 'blocked').length,
    )
    // Delivery ticks of the last outgoing messages, labelled for screen readers.
    const states = new Set(
      conversations
        .filter(
          (c) =>
            c.lastMessage?.direction === 'out' &&
            c.lastMessage.delivery !== null &&
            c.contact.trust !== 'key_changed',
        )
        .map((c) => c.lastMessage?.delivery ?? 'queued'),
    )
    assert.ok(states.size > 0, 'the fixture has outgoing last messages')
    for (const state of states) assert.ok(view.find('svg', { 'aria-label': DELIVERY_LABEL[state] }))
  })

  test('a confusable name carries its tag; the avatar shows initials and hides from readers', async () => {
    const [first, ...rest] = await fixtureConversations()
    assert.ok(first)
    const tagged = { ...first, contact: { ...first.contact, nameTag: 'k7q2' } }
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations: [tagged, ...rest],
    })
    const tag = view.find('span', { 'data-testid': 'name-tag' })
    assert.equal(tag?.attrs.title, NAME_TAG_TITLE)
    const text = view.textWithin('button', 'data-conversation', tagged.conversationId) ?? ''
    assert.ok(text.includes(`${tagged.contact.displayName} tag k7q2`), text)
    assert.equal(
      view.elements('span').filter((s) => s.attrs['data-testid'] === 'name-tag').length,
      1,
    )
    const avatars = view
      .elements('span')
      .filter((s) => s.attrs.class?.split(/\s+/).includes('avatar'))
    assert.equal(avatars.length, rest.length + 1)
    assert.ok(avatars.every((a) => a.attrs['aria-hidden'] === 'true'))
    assert.ok(text.startsWith(initials(tagged.contact.displayName)), text)
  })

  test('the selected conversation is marked current', async () => {
    const conversations = await fixtureConversations()
    const selected = conversations[1]
    assert.ok(selected)
    const view = await renderFile('components/ConversationList.svelte', {
      ...base,
      conversations,
      selectedId: selected.conversationId,
    })
    const current = view.find('button', { 'aria-current': 'true' })
    assert.equal(current?.attrs['data-conversation'], selected.conversationId)
  })
})

describe('AppState', () => {
  test('loads conversations newest first and filters them by the search text', async () => {
    const { client } = fixture({ longHistory: 100 })
    const app = new AppState(client)
    await app.loadIdentity()
    assert.equal(app.conversations.status, 'ready')
    const all = app.visibleConversations()
    const times = all.map((c) => c.lastActivityAt)
    assert.deepEqual(
      times,
      [...times].sort((a, b) => b - a),
    )
    const someone = all[all.length - 1]
    assert.ok(someone)
    app.query = someone.contact.displayName.slice(0, 4).toUpperCase()
    const found = app.visibleConversations()
    assert.ok(found.some((c) => c.conversationId === someone.conversationId))
    assert.ok(found.length < all.length)
  })

  test('an incoming message moves its conversation to the top with one more unread', async () => {
    const { client, clock } = fixture({ longHistory: 100 })
    const app = new AppState(client)
    const stop = app.start()
    await app.loadIdentity()
    const last = app.visibleConversations().at(-1)
    assert.ok(last)
    clock.advance(60_000)
    client.controls.receiveText(last.contact.contactId, 'Are you there?')
    const top = app.visibleConversations()[0]
    assert.equal(top?.conversationId, last.conversationId)
    assert.equal(top?.unreadCount, last.unreadCount + 1)
    assert.equal(top?.lastMessage?.text, 'Are you there?')
    stop()
  })

  test('first run: no identity until one is created', async () => {
    const { client } = fixture({ firstRun: true })
    const app = new AppState(client)
    await app.loadIdentity()
    assert.equal(app.identity.status === 'ready' && app.identity.value.state, 'none')
    await app.createIdentity('Robin')
    assert.equal(app.identity.status === 'ready' && app.identity.value.state, 'ready')
    assert.equal(app.conversations.status, 'ready')
  })

  test('a failed request reaches the user as a notice with its sentence', async () => {
    const { client } = fixture({ longHistory: 50 })
    const app = new AppState(client)
    await app.loadIdentity()
    await app.removeRelay('/dns4/not-a-relay-we-have.example/tcp/443/wss')
    await app.acceptNewKey('ct-bob')
    assert.equal(app.notice?.code, 'invalid_state')
  })
})
