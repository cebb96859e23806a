// Group chats in the popup (issue 20): New group, the list, a group chat with senders, the member
// list and a removed member's screen — what a person reads and can do, driven through GroupsState
// against a client that answers groups.* like the node (the first API, and the newer one with
// senders, members and status).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type {
  ClientEvent,
  ClientEventListener,
  ClientRequest,
  ClientResponse,
  ContactSummary,
  MessengerClient,
} from '@hestia/core/client/api.ts'
import { CLIENT_ERROR_TEXT } from '@hestia/core/client/api.ts'
import { renderFile } from './support/render.ts'
import { NOW } from './support/fixtures.ts'
import {
  GROUP_STARTING_RETRIES,
  GROUP_STARTING_RETRY_MS,
  GroupsState,
  type GroupView,
} from '../src/lib/groups-state.ts'
import { GROUP_TEXT } from '../src/lib/texts.ts'

const noop = (): void => {}
/** Lets settled promises run their continuations (timers are faked in some tests). */
const flush = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}
const GID = 'a'.repeat(64)

function contact(name: string, trust: ContactSummary['trust'] = 'unverified'): ContactSummary {
  const id = `c-${name.toLowerCase()}`
  return {
    contactId: id,
    conversationId: `conv-${id}`,
    displayName: name,
    verified: trust === 'verified',
    trust,
    heldCount: 0,
  }
}
const bob = contact('Bob', 'verified')
const carol = contact('Carol')
const mallory = contact('Mallory', 'blocked')
const dave = contact('Dave', 'key_changed')
const contacts = [bob, carol, mallory, dave]

/** A node's groups.* as far as this UI uses it; `newer` adds senders, members and status. */
class GroupsNode implements MessengerClient {
  readonly asked: ClientRequest[] = []
  /** Loose on purpose: the first API's answers (no status, no sender) are served too. */
  readonly groups = new Map<string, Record<string, unknown>>()
  readonly messages = new Map<string, Record<string, unknown>[]>()
  refuse: Partial<Record<ClientRequest['type'], ClientResponse>> = {}
  readonly #listeners = new Set<ClientEventListener>()
  readonly newer: boolean
  members: unknown[] = [{ contactId: null, name: null, self: true, held: false }]
  constructor(newer = false) {
    this.newer = newer
  }

  emit(event: unknown): void {
    for (const l of this.#listeners) l(event as ClientEvent)
  }
  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
  request<T extends ClientRequest>(r: T): Promise<never> {
    this.asked.push(r)
    return Promise.resolve(this.#answer(r) as never)
  }
  #answer(r: ClientRequest): ClientResponse {
    const refused = this.refuse[r.type]
    if (refused !== undefined) return refused
    const ok = (value: unknown): ClientResponse => ({ ok: true, value })
    switch (r.type) {
      case 'groups.create': {
        const extra = this.newer ? { status: 'member', canManage: true, lastActivityAt: NOW } : {}
        this.groups.set(GID, { groupId: GID, name: r.name, memberCount: 1, ...extra })
        this.messages.set(GID, [])
        return ok({ groupId: GID })
      }
      case 'groups.list':
        return ok({ groups: [...this.groups.values()] })
      case 'groups.addMembers':
      case 'groups.removeMember':
        return ok({})
      case 'groups.send': {
        const message = {
          messageId: `m${this.messages.get(r.groupId)?.length ?? 0}`,
          groupId: r.groupId,
          text: r.text,
          outgoing: true,
          sender: null,
          held: false,
          via: 'sent',
          receivedAt: NOW,
        }
        if (this.newer) {
          this.messages.get(r.groupId)?.push(message)
          return ok({ message })
        }
        return ok({})
      }
      case 'groups.messages':
        return ok({ messages: this.messages.get(r.groupId) ?? [] })
      case 'groups.members':
        if (!this.newer) break
        return ok({ members: this.members })
      case 'groups.leave': {
        if (!this.newer) break
        const g = this.groups.get(r.groupId)!
        this.groups.set(r.groupId, { ...g, status: 'left', canManage: false })
        return ok({})
      }
      default:
        break
    }
    return { ok: false, error: { code: 'unsupported', message: r.type } }
  }
}

function chat(group: GroupView, state: GroupsState, extra: Record<string, unknown> = {}) {
  return renderFile('components/GroupChat.svelte', {
    group,
    lines: state.lines,
    contacts,
    problem: state.problem,
    onsend: () => Promise.resolve(true),
    onremove: noop,
    onadd: noop,
    ...extra,
  })
}

describe('New group', () => {
  test('offers contacts with their verification said, not blocked or key-changed ones', async () => {
    const page = await renderFile('components/GroupNew.svelte', {
      contacts,
      oncreate: noop,
      onback: noop,
    })
    const picks = page.elements('label').filter((l) => l.attrs['data-testid'] === 'group-pick')
    assert.deepEqual(
      picks.map((p) => p.attrs['data-contact']),
      [bob.contactId, carol.contactId],
      'Mallory (blocked) and Dave (key changed) cannot be invited',
    )
    assert.ok(page.find('span', { 'data-trust': 'verified' }), 'Bob carries the verified badge')
    assert.equal(
      page.textWithin('span', 'data-trust', 'unverified'),
      'Not verified',
      'Carol says so',
    )
    assert.ok(page.text.includes(GROUP_TEXT.notVerifiedNote))
    assert.ok(
      page.find('button', { 'data-testid': 'group-create' })?.has('disabled'),
      'no name yet',
    )
  })

  test('no contacts: says groups are made from contacts', async () => {
    const page = await renderFile('components/GroupNew.svelte', {
      contacts: [mallory],
      oncreate: noop,
      onback: noop,
    })
    assert.ok(page.text.includes(GROUP_TEXT.noContacts))
  })

  test('create asks the node for the group, then invites exactly the chosen contacts', async () => {
    const node = new GroupsNode()
    const state = new GroupsState(node)
    const id = await state.create('  Trip  ', [bob.contactId, carol.contactId])
    assert.equal(id, GID)
    assert.deepEqual(node.asked.slice(0, 2), [
      { type: 'groups.create', name: 'Trip' },
      { type: 'groups.addMembers', groupId: GID, contactIds: [bob.contactId, carol.contactId] },
    ])
    const group = state.group(GID)!
    assert.equal(group.name, 'Trip')
    assert.equal(group.canManage, true, 'the creator manages members')
    assert.deepEqual(
      group.members.map((m) => m.contactId),
      [null, bob.contactId, carol.contactId],
    )
  })

  test('a refused create says why and leaves no group behind', async () => {
    const node = new GroupsNode()
    node.refuse['groups.create'] = {
      ok: false,
      error: { code: 'unavailable', message: 'no relay' },
    }
    const state = new GroupsState(node)
    assert.equal(await state.create('Trip', [bob.contactId]), null)
    assert.equal(state.problem?.code, 'unavailable')
    assert.ok(!node.asked.some((r) => r.type === 'groups.addMembers'), 'nobody was invited')
    const page = await renderFile('components/GroupNew.svelte', {
      contacts,
      oncreate: noop,
      onback: noop,
      problem: state.problem,
    })
    assert.ok(page.text.includes(CLIENT_ERROR_TEXT.unavailable))
  })
})

describe('Group list', () => {
  // ADR 0775: a browser back from a restart asked before its messenger ran and showed its groups
  // only at the 30 s poll (32-36 s in the three-browser test). Fake timers: nothing here waits.
  test('a host still starting (unavailable) is asked again soon, not at the 30 s poll', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    const node = new GroupsNode(true)
    await new GroupsState(node).create('Trip', [])
    node.refuse['groups.list'] = { ok: false, error: { code: 'unavailable', message: 'starting' } }
    const state = new GroupsState(node)
    const stop = state.start()
    await flush()
    assert.equal(state.groups.status, 'error')
    delete node.refuse['groups.list']
    t.mock.timers.tick(GROUP_STARTING_RETRY_MS)
    await flush()
    assert.equal(state.groups.status, 'ready', 'listed at the first retry')
    assert.equal(state.group(GID)?.name, 'Trip')
    stop()
  })

  test('a host that stayed unavailable past the retries is read when the node says it runs', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    const node = new GroupsNode(true)
    await new GroupsState(node).create('Trip', [])
    node.refuse['groups.list'] = { ok: false, error: { code: 'unavailable', message: 'starting' } }
    const before = node.asked.filter((r) => r.type === 'groups.list').length
    const state = new GroupsState(node)
    const stop = state.start()
    for (let i = 1; i <= GROUP_STARTING_RETRIES; i++) {
      await flush()
      t.mock.timers.tick(GROUP_STARTING_RETRY_MS * i)
    }
    await flush()
    const asked = node.asked.filter((r) => r.type === 'groups.list').length - before
    assert.equal(asked, GROUP_STARTING_RETRIES + 1, 'asked again a bounded number of times')
    delete node.refuse['groups.list']
    node.emit({ type: 'connectivity.changed', connectivity: { nodeRunning: false, relays: [] } })
    await flush()
    assert.equal(state.groups.status, 'error', 'not while the node is not running')
    node.emit({
      type: 'connectivity.changed',
      connectivity: { nodeRunning: true, relays: [], directPeers: 0 },
    })
    await flush()
    assert.equal(state.groups.status, 'ready')
    stop()
  })

  test('a page closed while the list waits to ask a starting host again asks nothing more', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    const node = new GroupsNode(true)
    node.refuse['groups.list'] = { ok: false, error: { code: 'unavailable', message: 'starting' } }
    const state = new GroupsState(node)
    const stop = state.start()
    await flush()
    stop() // during the first retry's wait
    t.mock.timers.tick(GROUP_STARTING_RETRY_MS * 10)
    await flush()
    assert.equal(node.asked.filter((r) => r.type === 'groups.list').length, 1)
  })

  test('one read of the list at a time: events while it waits for a starting host start no loop', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    const node = new GroupsNode(true)
    node.refuse['groups.list'] = { ok: false, error: { code: 'unavailable', message: 'starting' } }
    const state = new GroupsState(node)
    const stop = state.start()
    const running = {
      type: 'connectivity.changed',
      connectivity: { nodeRunning: true, relays: [], directPeers: 0 },
    } as const
    await flush()
    // The host says it runs but still cannot list (its messenger starts): each event and each
    // call asks within the one read, which still gives up after its retries.
    node.emit(running)
    await flush()
    void state.load()
    node.emit(running)
    await flush()
    for (let i = 1; i <= GROUP_STARTING_RETRIES; i++) {
      t.mock.timers.tick(GROUP_STARTING_RETRY_MS * i) // short of the 30 s poll
      await flush()
    }
    const asked = node.asked.filter((r) => r.type === 'groups.list').length
    assert.equal(asked, GROUP_STARTING_RETRIES + 1, 'one read: the first ask and its retries')
    assert.equal(state.groups.status, 'error')
    stop()
  })

  test('a refusal that is not a starting host is not asked again before the poll', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout', 'setInterval'] })
    const node = new GroupsNode(true)
    node.refuse['groups.list'] = { ok: false, error: { code: 'internal', message: 'broken' } }
    const state = new GroupsState(node)
    const stop = state.start()
    await flush()
    t.mock.timers.tick(GROUP_STARTING_RETRY_MS * 10)
    await flush()
    assert.equal(node.asked.filter((r) => r.type === 'groups.list').length, 1)
    assert.equal(state.groups.status, 'error')
    stop()
  })

  test('each group with its member count; a removed one says so', async () => {
    const groups: GroupView[] = [
      {
        groupId: GID,
        name: 'Trip',
        memberCount: 3,
        status: 'active',
        canManage: true,
        members: [],
      },
      {
        groupId: 'b'.repeat(64),
        name: 'Old',
        memberCount: 2,
        status: 'removed',
        canManage: false,
        members: [],
      },
    ]
    const page = await renderFile('components/GroupList.svelte', {
      groups: { groups: { status: 'ready', value: groups } },
      route: { name: 'group', groupId: GID },
      go: noop,
    })
    const rows = page.elements('button').filter((b) => b.attrs['data-testid'] === 'group-row')
    assert.equal(rows.length, 2)
    assert.ok(page.text.includes('Trip 3 members'))
    assert.ok(page.text.includes('Old Removed'))
    assert.ok(page.text.includes('New group'))
    assert.equal(page.find('button', { 'aria-current': 'true' })?.attrs['data-group'], GID)
  })
})

describe('Group chat', () => {
  test('received messages carry the sender’s name; ours say You (newer node)', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    node.messages.get(GID)!.push({
      text: 'hi from bob',
      via: 'direct',
      receivedAt: NOW,
      messageId: 'b1',
      outgoing: false,
      sender: { contactId: bob.contactId, name: 'Bob', keyId: 'key-bob' },
      held: false,
    })
    state.open(GID)
    assert.ok(await state.send(GID, 'hi from alice'))
    assert.equal(state.lines.status, 'ready')
    const page = await chat(state.group(GID)!, state)
    const texts = page.elements('span').filter((s) => s.attrs['data-testid'] === 'group-text')
    assert.equal(texts.length, 2, 'the node reports our own text: no second copy')
    assert.equal(page.textWithin('span', 'data-testid', 'group-sender'), 'Bob')
    assert.ok(page.text.includes('hi from bob'))
    assert.ok(page.text.includes('You: hi from alice'), 'our own line is read as ours')
  })

  test('a message event for the open group shows at once, once, without asking the node', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    const stop = state.start()
    await state.create('Trip', [bob.contactId])
    state.open(GID)
    await state.loadMessages(GID)
    const asked = node.asked.length
    const message = {
      messageId: 'live1',
      groupId: GID,
      text: 'live from bob',
      outgoing: false,
      sender: { contactId: bob.contactId, name: 'Bob', keyId: 'key-bob' },
      held: false,
      via: 'direct',
      receivedAt: NOW,
    }
    node.emit({ type: 'group.message', message })
    node.emit({ type: 'group.message', message })
    node.emit({
      type: 'group.message',
      message: { ...message, messageId: 'other', groupId: 'c'.repeat(64) },
    })
    stop()
    assert.equal(node.asked.length, asked, 'no request: the event carries the message')
    const lines = state.lines.status === 'ready' ? state.lines.value : []
    assert.deepEqual(
      lines.map((l) => l.text),
      ['live from bob'],
      'shown once; another group’s message is not in this chat',
    )
  })

  test('a sender is named by our contact name; a member who is not a contact is "A member"', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    await state.create('Trip', [])
    node.messages.get(GID)!.push(
      {
        text: 'one',
        via: 'mailbox',
        receivedAt: NOW,
        messageId: 'x1',
        outgoing: false,
        sender: { contactId: carol.contactId, name: 'Carol Old Name', keyId: 'key-carol' },
      },
      {
        text: 'two',
        via: 'mailbox',
        receivedAt: NOW,
        messageId: 'x2',
        outgoing: false,
        sender: { contactId: null, name: null, keyId: 'key-erin' },
      },
    )
    state.open(GID)
    await state.loadMessages(GID)
    const page = await chat(state.group(GID)!, state)
    const senders = page.html.match(/data-testid="group-sender"[^>]*><bdi>([^<]*)<\/bdi>/g) ?? []
    assert.deepEqual(
      senders.map((s) => s.replace(/.*<bdi>|<\/bdi>/g, '')),
      ['Carol', 'A member'],
    )
  })

  test('a held message (sender key changed) shows that it is held, not its text', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    node.messages.get(GID)!.push({
      text: 'maybe not bob',
      via: 'direct',
      receivedAt: NOW,
      messageId: 'h1',
      outgoing: false,
      sender: { contactId: bob.contactId, name: 'Bob', keyId: 'key-bob-new' },
      held: true,
    })
    state.open(GID)
    await state.loadMessages(GID)
    const page = await chat(state.group(GID)!, state)
    assert.ok(!page.text.includes('maybe not bob'), 'the held text is not shown')
    assert.equal(page.textWithin('span', 'data-testid', 'group-held'), GROUP_TEXT.held)
  })

  test('a node that names senders in the flat form (outgoing, senderContactId) is read the same', async () => {
    const node = new GroupsNode(false)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    node.messages.get(GID)!.push(
      {
        text: 'from carol',
        via: 'mailbox',
        receivedAt: 1,
        messageId: 'f1',
        outgoing: false,
        senderContactId: carol.contactId,
      },
      {
        text: 'from me',
        via: 'direct',
        receivedAt: 2,
        messageId: 'f2',
        outgoing: true,
        senderContactId: null,
      },
    )
    state.open(GID)
    await state.loadMessages(GID)
    const page = await chat(state.group(GID)!, state)
    assert.equal(page.textWithin('span', 'data-testid', 'group-sender'), 'Carol')
    assert.ok(page.text.includes('You: from me'))
    assert.equal(
      page.elements('li').filter((l) => l.attrs['data-testid'] === 'group-message').length,
      2,
    )
  })

  test('first API (no senders): our own sent text is shown once, after what came before', async () => {
    const node = new GroupsNode(false)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    node.messages.get(GID)!.push({ text: 'earlier', via: 'direct', receivedAt: 1 })
    state.open(GID)
    await state.send(GID, 'mine')
    assert.equal(state.lines.status, 'ready')
    const lines = state.lines.status === 'ready' ? state.lines.value : []
    assert.deepEqual(
      lines.map((l) => [l.text, l.sender?.self ?? null]),
      [
        ['earlier', null],
        ['mine', true],
      ],
    )
  })

  test('a refused send keeps the text out of the chat and says why', async () => {
    const node = new GroupsNode(false)
    const state = new GroupsState(node)
    await state.create('Trip', [])
    state.open(GID)
    node.refuse['groups.send'] = { ok: false, error: { code: 'unavailable', message: 'x' } }
    assert.equal(await state.send(GID, 'lost'), false)
    await state.loadMessages(GID)
    const page = await chat(state.group(GID)!, state)
    assert.ok(!page.text.includes('lost'))
    assert.ok(page.text.includes(CLIENT_ERROR_TEXT.unavailable))
  })

  test('the creator can remove a member by name; a member who is not cannot', async () => {
    const node = new GroupsNode(false)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId, carol.contactId])
    const mine = await chat(state.group(GID)!, state, { showMembers: true })
    assert.ok(mine.find('button', { 'aria-label': 'Remove Carol' }))
    assert.ok(mine.find('button', { 'aria-label': 'Remove Bob' }))
    assert.ok(mine.find('button', { 'data-testid': 'group-add' }))
    assert.ok(mine.find('span', { 'data-trust': 'verified' }), 'Bob verified in the member list')

    const invited: GroupView = { ...state.group(GID)!, canManage: false }
    const theirs = await chat(invited, state, { showMembers: true })
    assert.equal(theirs.find('button', { 'data-testid': 'group-remove' }), undefined)
    assert.equal(theirs.find('button', { 'data-testid': 'group-add' }), undefined)
  })

  test('members as the node lists them: a stranger is "A member", a held key is flagged', async () => {
    const node = new GroupsNode(true)
    node.members = [
      { contactId: null, name: null, self: true, held: false },
      { contactId: bob.contactId, name: 'Bob', self: false, held: false },
      { contactId: null, name: null, self: false, held: false },
      { contactId: null, name: 'Dave', self: false, held: true },
    ]
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    state.open(GID)
    await state.loadMembers(GID)
    const page = await chat(state.group(GID)!, state, { showMembers: true })
    const rows = page.elements('li').filter((l) => l.attrs['data-testid'] === 'group-member')
    assert.equal(rows.length, 4)
    assert.ok(page.text.includes('You'))
    assert.ok(page.find('button', { 'aria-label': 'Remove Bob' }))
    assert.ok(page.text.includes('A member'), 'a member who is not a contact')
    assert.ok(page.find('span', { 'data-trust': 'key_changed' }), "Dave's key change is shown")
  })

  test('leave asks the node; the group then says you left and has no send box', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId])
    assert.ok(await state.leave(GID))
    assert.deepEqual(
      node.asked.filter((r) => r.type === 'groups.leave'),
      [{ type: 'groups.leave', groupId: GID }],
    )
    const left = state.group(GID)!
    assert.equal(left.status, 'left')
    const page = await chat(left, state)
    assert.equal(page.textWithin('p', 'data-testid', 'group-gone'), GROUP_TEXT.left)
    assert.equal(page.find('textarea', { 'data-testid': 'group-composer' }), undefined)
  })

  test('removing Carol asks the node and drops her from the member list', async () => {
    const node = new GroupsNode(false)
    const state = new GroupsState(node)
    await state.create('Trip', [bob.contactId, carol.contactId])
    assert.ok(await state.remove(GID, carol.contactId))
    assert.deepEqual(
      node.asked.filter((r) => r.type === 'groups.removeMember'),
      [{ type: 'groups.removeMember', groupId: GID, contactId: carol.contactId }],
    )
    assert.deepEqual(
      state.group(GID)!.members.map((m) => m.contactId),
      [null, bob.contactId],
    )
  })

  test('removed: the chat says "you were removed", keeps what was read and offers no send box', async () => {
    const node = new GroupsNode(true)
    const state = new GroupsState(node)
    await state.create('Trip', [])
    node.messages.get(GID)!.push({
      text: 'before',
      via: 'direct',
      receivedAt: NOW,
      messageId: 'p',
      outgoing: false,
      sender: { contactId: bob.contactId, name: 'Bob', keyId: 'key-bob' },
    })
    state.open(GID)
    await state.loadMessages(GID)
    // The node tells the page this device is out (group.changed).
    const live = new GroupsState(node)
    const stop = live.start()
    await live.load()
    node.emit({
      type: 'group.changed',
      group: { ...node.groups.get(GID)!, status: 'removed', canManage: false },
    })
    stop()
    const gone = live.group(GID)!
    assert.equal(gone.status, 'removed')
    assert.equal(gone.canManage, false, 'a removed creator manages nothing')
    const page = await chat(gone, state, {})
    assert.equal(page.textWithin('p', 'data-testid', 'group-gone'), GROUP_TEXT.removed)
    assert.ok(page.text.includes('You were removed from this group'))
    assert.ok(page.text.includes('before'), 'history stays readable')
    assert.equal(
      page.find('textarea', { 'data-testid': 'group-composer' }),
      undefined,
      'no send box',
    )
  })

  test("a member's name is isolated: its direction marks cannot reorder the list", async () => {
    const evil = contact('\u202Eevil')
    const group: GroupView = {
      groupId: GID,
      name: '\u202Egroup',
      memberCount: 2,
      status: 'active',
      canManage: true,
      members: [
        { contactId: null, self: true, name: null, held: false },
        { contactId: evil.contactId, self: false, name: null, held: false },
      ],
    }
    const page = await renderFile('components/GroupMembers.svelte', {
      group,
      contacts: [evil],
      onremove: noop,
      onadd: noop,
    })
    assert.match(page.html, /<bdi class="contact-name">\u202Eevil<\/bdi>/)
  })
})
