// What a hostile contact's values look like in the UI (issue 14): names stay isolated and tagged,
// file cards keep the real extension, and no time a peer can send makes a component throw.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { ChatMessage, ConversationSummary } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import { dayLabel, fullDateTime, isoTime, listTime } from '../src/lib/format.ts'

const noop = (): void => {}

function summary(displayName: string, nameTag?: string): ConversationSummary {
  return {
    conversationId: `cv-${displayName}`,
    contact: {
      contactId: `ct-${displayName}`,
      conversationId: `cv-${displayName}`,
      displayName,
      ...(nameTag !== undefined ? { nameTag } : {}),
      verified: false,
      trust: 'unverified',
    } as ConversationSummary['contact'],
    lastMessage: null,
    unreadCount: 0,
    lastActivityAt: NOW,
  }
}

function message(fields: Partial<ChatMessage>): ChatMessage {
  return {
    messageId: 'm-1',
    conversationId: 'cv-1',
    direction: 'in',
    body: { kind: 'text', text: 'hi' },
    sentAt: NOW,
    receivedAt: NOW,
    delivery: null,
    failure: null,
    readAt: null,
    ...fields,
  }
}

describe('names that cannot lie', () => {
  test('a name in the list sits in a <bdi>; a confusable one carries its key tag', async () => {
    const view = await renderFile('components/ConversationList.svelte', {
      now: NOW,
      onselect: noop,
      onquery: noop,
      onadd: noop,
      onretry: noop,
      conversations: [summary('Alice'), summary('Аlice', 'K7XQ')],
    })
    assert.match(view.html, /<bdi class="contact-name[^"]*">Alice<\/bdi>/)
    assert.match(view.html, /<bdi class="contact-name[^"]*">Аlice<\/bdi>/)
    const tags = view.elements('span').filter((s) => s.attrs['data-testid'] === 'name-tag')
    assert.equal(tags.length, 1, 'only the later, confusable contact is tagged')
    assert.ok(view.text.includes('Аlice tag K7XQ'))
  })

  test('a system sentence keeps its words in order around a right-to-left name', async () => {
    const name = 'שלום'
    const view = await renderFile('components/MessageBubble.svelte', {
      message: message({ body: { kind: 'system', event: 'key_changed' } }),
      contactName: name,
      transfer: undefined,
      onretry: noop,
      ontransfer: noop,
    })
    assert.match(
      view.html.replace(/<!--.*?-->/g, ''),
      new RegExp(`<bdi class="contact-name[^"]*">${name}</bdi>'s security key changed`),
    )
  })
})

describe('files', () => {
  test('a long file name keeps its real extension in its own element', async () => {
    const name = `${'holiday-'.repeat(24)}photo.jpg.exe`
    const view = await renderFile('components/FileCard.svelte', {
      name,
      size: 10,
      transfer: undefined,
      onaction: noop,
    })
    const ext = view.elements('bdi').find((b) => b.attrs['data-testid'] === 'file-extension')
    assert.ok(ext)
    assert.match(view.html, /data-testid="file-extension"[^>]*>\s*\.exe\s*<\/bdi>/)
    const plain = view.html.replace(/<[^>]*>/g, '')
    assert.ok(plain.includes(name), 'the whole name is still there to read and to select')
  })
})

describe('times no peer can break', () => {
  test('formatting helpers accept any number', () => {
    for (const t of [
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      8.64e15 + 1,
      NaN,
      Infinity,
    ]) {
      assert.doesNotThrow(() => isoTime(t), String(t))
      assert.doesNotThrow(() => listTime(t, NOW), String(t))
      assert.doesNotThrow(() => dayLabel(t, NOW), String(t))
      assert.doesNotThrow(() => fullDateTime(t), String(t))
    }
  })

  test('a bubble with sentAt 2^53 − 1 renders', async () => {
    const view = await renderFile('components/MessageBubble.svelte', {
      message: message({ sentAt: Number.MAX_SAFE_INTEGER, readAt: Number.MAX_SAFE_INTEGER }),
      contactName: 'Bob',
      transfer: undefined,
      onretry: noop,
      ontransfer: noop,
    })
    assert.ok(view.text.includes('hi'))
  })
})
