// What a group member reads besides the texts (ADRs 0780-0782): system lines among the messages,
// "Delivered to n of m" under our own text (and moving on when a receipt is counted), and members
// who are not contacts named by what they declared, marked, and tagged when they read like a
// contact — driven through GroupsState against a node that answers like the messenger.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type {
  ClientEvent,
  ClientEventListener,
  ClientRequest,
  ClientResponse,
  ContactSummary,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { decodeEntities, renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import { GroupsState } from '../src/lib/groups-state.ts'

const GID = 'b'.repeat(64)
const noop = (): void => {}
const you = { contactId: null, name: null, keyId: null }
const alice = { contactId: 'c-alice', name: 'Alice', keyId: 'key-alice' }
const erin = { contactId: null, name: 'Erin', keyId: 'key-erin', nameTag: null }
const fakeAlice = { contactId: null, name: 'Аlice', keyId: 'QK9z-fake', nameTag: 'QK9Z' }
const contacts: ContactSummary[] = [
  {
    contactId: 'c-alice',
    conversationId: 'conv-alice',
    displayName: 'Alice',
    verified: true,
    trust: 'verified',
    heldCount: 0,
  },
]

class Node implements MessengerClient {
  messages: Record<string, unknown>[] = []
  members: unknown[] = []
  readonly #listeners = new Set<ClientEventListener>()
  emit(event: unknown): void {
    for (const l of this.#listeners) l(event as ClientEvent)
  }
  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
  request<T extends ClientRequest>(r: T): Promise<never> {
    return Promise.resolve(this.#answer(r) as never)
  }
  #answer(r: ClientRequest): ClientResponse {
    const ok = (value: unknown): ClientResponse => ({ ok: true, value })
    if (r.type === 'groups.list')
      return ok({
        groups: [
          {
            groupId: GID,
            name: 'Club',
            memberCount: 3,
            status: 'member',
            canManage: true,
            lastActivityAt: NOW,
          },
        ],
      })
    if (r.type === 'groups.messages') return ok({ messages: this.messages })
    if (r.type === 'groups.members') return ok({ members: this.members })
    return { ok: false, error: { code: 'unsupported', message: r.type } }
  }
}

const line = (id: string, at: number, extra: Record<string, unknown>) => ({
  messageId: id,
  groupId: GID,
  text: '',
  outgoing: false,
  sender: null,
  held: false,
  via: 'sent',
  receivedAt: at,
  ...extra,
})

async function open(node: Node) {
  const state = new GroupsState(node)
  await state.load()
  state.open(GID)
  await state.loadMessages(GID)
  await state.loadMembers(GID)
  return state
}

/** The visible text of each `<li>` of the chat or member list, in order (tags dropped). */
function rowsOf(html: string, testid: RegExp): string[] {
  const rows = [...html.matchAll(/<li\b([^>]*)>([\s\S]*?)<\/li>/g)]
  return rows
    .filter((m) => testid.test(/data-testid="([^"]*)"/.exec(m[1]!)?.[1] ?? ''))
    .map((m) =>
      decodeEntities(
        m[2]!
          .replace(/<span class="sr-only[^"]*">[^<]*<\/span>/g, ' ')
          .replace(/<time[^>]*>[^<]*<\/time>/g, '')
          .replace(/<[^>]+>/g, ''),
      )
        .replace(/\s+/g, ' ')
        .trim(),
    )
}

function chat(state: GroupsState, extra: Record<string, unknown> = {}) {
  return renderFile('components/GroupChat.svelte', {
    group: state.group(GID)!,
    lines: state.lines,
    contacts,
    problem: null,
    onsend: () => Promise.resolve(true),
    onremove: noop,
    onadd: noop,
    ...extra,
  })
}

test('system lines read as sentences among the messages, in the order the node keeps', async () => {
  const node = new Node()
  node.messages = [
    line('s1', NOW, { system: { kind: 'joined', member: you } }),
    line('m1', NOW + 1, { text: 'hello', sender: alice, via: 'direct' }),
    line('s2', NOW + 2, { system: { kind: 'joined', member: erin } }),
    line('s3', NOW + 3, { system: { kind: 'removed', member: erin, by: alice } }),
    line('s4', NOW + 4, { system: { kind: 'left', member: alice } }),
    line('s5', NOW + 5, { system: { kind: 'renamed', member: alice, name: 'Book club' } }),
    line('s6', NOW + 6, { system: { kind: 'key_changed', member: alice } }),
    line('s7', NOW + 7, { system: { kind: 'removed', member: you, by: alice } }),
    line('s8', NOW + 8, { system: { kind: 'removed', member: alice, by: you } }),
  ]
  const page = await chat(await open(node))
  assert.deepEqual(rowsOf(page.html, /^group-(system|message)$/), [
    'You joined',
    'Alice hello',
    'Erin (not in your contacts) joined',
    'Alice removed Erin (not in your contacts)',
    'Alice left',
    'Alice renamed the group to “Book club”',
    'Alice’s security code changed',
    'Alice removed you',
    'You removed Alice',
  ])
  // Names and the group's new name are isolated: a name's direction cannot reorder the sentence.
  assert.ok(page.html.includes('<bdi>Book club</bdi>'))
  assert.match(page.html, /<bdi class="contact-name">Erin<\/bdi>/)
})

test('a stranger who calls itself like a contact shows its key tag and "not in your contacts"; a contact does not', async () => {
  const node = new Node()
  node.messages = [
    line('m1', NOW, { text: 'it is me', sender: fakeAlice, via: 'mailbox' }),
    line('m2', NOW + 1, { text: 'real', sender: alice, via: 'direct' }),
  ]
  node.members = [
    { contactId: null, name: null, self: true, held: false, keyId: 'key-me', role: 'admin' },
    { ...fakeAlice, self: false, held: false, role: 'member' },
    { contactId: null, name: 'Erin', keyId: 'key-erin', self: false, held: false, role: 'member' },
    { ...alice, self: false, held: false, role: 'member' },
  ]
  const state = await open(node)
  const page = await chat(state)
  assert.deepEqual(rowsOf(page.html, /^group-message$/), [
    'Аlice QK9Z (not in your contacts) it is me',
    'Alice real',
  ])
  assert.equal(page.find('span', { 'data-testid': 'name-tag' }) !== undefined, true)
  const members = await chat(state, { showMembers: true })
  const text = rowsOf(members.html, /^group-member$/)
  assert.equal(text.length, 4, 'two members who are not contacts are two rows')
  assert.ok(text.some((t) => t.includes('Аlice QK9Z (not in your contacts)')))
  assert.ok(text.some((t) => t.includes('Erin (not in your contacts)')))
  assert.ok(!text.some((t) => t.includes('Alice (not in your contacts)')))
})

test('"Delivered to n of m" under our own text moves on with each counted receipt, and only there', async () => {
  const node = new Node()
  const mine = line('mine', NOW, {
    text: 'who got it?',
    outgoing: true,
    via: 'sent',
    delivery: { delivered: 0, of: 2 },
  })
  node.messages = [mine, line('m2', NOW + 1, { text: 'theirs', sender: alice, via: 'direct' })]
  const state = await open(node)
  const stop = state.start()
  const delivered = async () =>
    [...(await chat(state)).html.matchAll(/data-testid="group-delivery"[^>]*>([^<]*)</g)].map((m) =>
      m[1]!.trim(),
    )
  assert.deepEqual(await delivered(), ['Delivered to 0 of 2'])
  node.emit({ type: 'group.message', message: { ...mine, delivery: { delivered: 1, of: 2 } } })
  assert.deepEqual(await delivered(), ['Delivered to 1 of 2'])
  node.emit({ type: 'group.message', message: { ...mine, delivery: { delivered: 2, of: 2 } } })
  stop()
  assert.deepEqual(await delivered(), ['Delivered to 2 of 2'])
  const lines = state.lines.status === 'ready' ? state.lines.value : []
  assert.deepEqual(
    lines.map((l) => l.text),
    ['who got it?', 'theirs'],
    'the update replaced the line, nothing was added',
  )
})
