import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type {
  ChatMessage,
  ClientEvent,
  ClientResponse,
  ConversationSummary,
  ResultFor,
} from '../src/client/api.ts'
import { createFixtureClient, createManualClock } from './fixture-client.ts'
import type { FixtureClient, Scheduler } from './fixture-client.ts'
import { parseClientEvent } from '../src/client/validate.ts'

const START = Date.UTC(2026, 10, 23, 12, 0, 0)

function setup(
  options: { firstRun?: boolean; schedule?: Scheduler; longHistory?: number } = {},
  clock = createManualClock(START),
) {
  const client = createFixtureClient({ clock, ...options })
  const events: ClientEvent[] = []
  client.subscribe((event) => events.push(event))
  return { clock, client, events }
}

function value<V>(response: ClientResponse<V>): V {
  if (!response.ok)
    assert.fail(`expected success, got ${response.error.code}: ${response.error.message}`)
  return response.value
}

function errorCode(response: ClientResponse): string {
  assert.equal(response.ok, false, 'expected a failure')
  return response.ok ? '' : response.error.code
}

async function conversations(client: FixtureClient): Promise<ConversationSummary[]> {
  return value(await client.request({ type: 'conversations.list', query: null })).conversations
}

async function conversationOf(client: FixtureClient, key: string): Promise<ConversationSummary> {
  const contactId = client.controls.contactId(key)
  const found = (await conversations(client)).find((c) => c.contact.contactId === contactId)
  assert.ok(found, `conversation of ${key}`)
  return found
}

describe('fixture client', () => {
  test('first run: nothing works before an identity exists, then it does', async () => {
    const { client, events } = setup({ firstRun: true })
    assert.deepEqual(value(await client.request({ type: 'identity.status' })), { state: 'none' })
    const list = await client.request({ type: 'conversations.list', query: null })
    assert.equal(errorCode(list), 'no_identity')
    const created = value(await client.request({ type: 'identity.create', displayName: 'Sam' }))
    assert.equal(created.state === 'ready' && created.displayName, 'Sam')
    assert.equal(events.at(-1)?.type, 'identity.changed')
    const again = await client.request({ type: 'identity.create', displayName: 'Sam' })
    assert.equal(errorCode(again), 'identity_exists')
    assert.deepEqual(await conversations(client), [])
  })

  test('conversation list: every trust state, newest activity first, searchable', async () => {
    const { client } = setup()
    const list = await conversations(client)
    const trusts = new Set(list.map((c) => c.contact.trust))
    assert.deepEqual([...trusts].sort(), ['blocked', 'key_changed', 'unverified', 'verified'])
    for (let i = 1; i < list.length; i++)
      assert.ok((list[i - 1]?.lastActivityAt ?? 0) >= (list[i]?.lastActivityAt ?? 0))
    assert.ok(list.some((c) => c.unreadCount > 0))
    assert.ok(
      list.some((c) => c.lastMessage === null),
      'a contact with no messages yet',
    )
    assert.ok(
      list.some((c) => c.lastMessage?.delivery === 'failed'),
      'a failed send',
    )
    for (const trust of trusts) {
      const count = list.filter((c) => c.contact.trust === trust).length
      assert.ok(count >= 2, `${count} contacts in ${trust}`)
    }
    const found = value(await client.request({ type: 'conversations.list', query: 'aLiCe' }))
    assert.deepEqual(
      found.conversations.map((c) => c.contact.displayName),
      ['Alice Okafor'],
    )
  })

  test('the long conversation pages through 10,000 messages across days, in order, once each', async () => {
    const { client } = setup()
    const alice = await conversationOf(client, 'alice')
    const seen = new Set<string>()
    const pages: ChatMessage[][] = []
    let before: string | null = null
    for (let guard = 0; guard < 100; guard++) {
      const page: ResultFor<'messages.page'> = value(
        await client.request({
          type: 'messages.page',
          conversationId: alice.conversationId,
          before,
          limit: 200,
        }),
      )
      pages.push(page.messages)
      before = page.olderCursor
      if (before === null) break
    }
    const all = pages.reverse().flat()
    assert.equal(all.length, 10_000)
    for (const message of all) seen.add(message.messageId)
    assert.equal(seen.size, 10_000, 'no message twice')
    for (let i = 1; i < all.length; i++)
      assert.ok((all[i - 1]?.receivedAt ?? 0) <= (all[i]?.receivedAt ?? 0), 'oldest first')
    const days = new Set(all.map((m) => new Date(m.sentAt).toISOString().slice(0, 10)))
    assert.ok(days.size > 100, `history spans ${days.size} days`)
    assert.equal(all.at(-1)?.messageId, alice.lastMessage?.messageId)

    const bad = await client.request({
      type: 'messages.page',
      conversationId: alice.conversationId,
      before: 'not-a-cursor',
      limit: 10,
    })
    assert.equal(errorCode(bad), 'invalid_request')
  })

  test('extraContacts adds generated conversations for list performance work', async () => {
    const client = createFixtureClient({
      clock: createManualClock(START),
      longHistory: 50,
      extraContacts: 100,
    })
    const list = await conversations(client)
    assert.equal(list.length, 109)
    assert.equal(new Set(list.map((c) => c.conversationId)).size, 109)
  })

  test('deterministic: the same clock and seed give the same data', async () => {
    const a = setup({ longHistory: 500 }).client
    const b = setup({ longHistory: 500 }).client
    assert.deepEqual(await conversations(a), await conversations(b))
    const c = createFixtureClient({ clock: createManualClock(START), seed: 2, longHistory: 500 })
    assert.notDeepEqual(await conversations(a), await conversations(c))
  })

  test('a send goes queued → sent → delivered → read, with events; failures can be retried', async () => {
    const { client, events } = setup({ longHistory: 50 })
    const bob = await conversationOf(client, 'bob')
    const sent = value(
      await client.request({
        type: 'messages.send',
        conversationId: bob.conversationId,
        text: 'hi',
      }),
    ).message
    assert.equal(sent.delivery, 'queued')
    assert.ok(
      events.some((e) => e.type === 'message.added' && e.message.messageId === sent.messageId),
    )
    const states = ['sent', 'delivered', 'read'].map(
      () => client.controls.advanceDelivery(sent.messageId).delivery,
    )
    assert.deepEqual(states, ['sent', 'delivered', 'read'])
    const updates = events.filter(
      (e): e is Extract<ClientEvent, { type: 'message.updated' }> =>
        e.type === 'message.updated' && e.message.messageId === sent.messageId,
    )
    assert.deepEqual(
      updates.map((e) => e.message.delivery),
      ['sent', 'delivered', 'read'],
    )
    assert.equal((await conversationOf(client, 'bob')).lastMessage?.delivery, 'read')

    client.controls.failNextSends(1)
    const doomed = value(
      await client.request({
        type: 'messages.send',
        conversationId: bob.conversationId,
        text: 'x',
      }),
    ).message
    const failed = client.controls.advanceDelivery(doomed.messageId)
    assert.equal(failed.delivery, 'failed')
    assert.equal(failed.failure?.code, 'peer_unreachable')
    const retried = value(
      await client.request({
        type: 'messages.retry',
        conversationId: bob.conversationId,
        messageId: doomed.messageId,
      }),
    ).message
    assert.equal(retried.delivery, 'queued')
    assert.equal(retried.failure, null)
    const notFailed = await client.request({
      type: 'messages.retry',
      conversationId: bob.conversationId,
      messageId: sent.messageId,
    })
    assert.equal(errorCode(notFailed), 'invalid_state')
  })

  test('a key change blocks sending until re-verification with the right QR', async () => {
    const { client } = setup({ longHistory: 50 })
    const carol = await conversationOf(client, 'carol')
    assert.equal(carol.contact.trust, 'key_changed')
    const send = {
      type: 'messages.send',
      conversationId: carol.conversationId,
      text: 'hi',
    } as const
    assert.equal(errorCode(await client.request(send)), 'key_changed')
    assert.equal(
      errorCode(
        await client.request({
          type: 'call.start',
          conversationId: carol.conversationId,
          media: 'audio',
        }),
      ),
      'key_changed',
    )
    const wrong = await client.request({
      type: 'contact.verify',
      contactId: carol.contact.contactId,
      method: 'qr',
      scannedPayload: 'hestia:verify/someone-else',
    })
    assert.equal(errorCode(wrong), 'verification_mismatch')
    const verified = value(
      await client.request({
        type: 'contact.verify',
        contactId: carol.contact.contactId,
        method: 'qr',
        scannedPayload: client.controls.verificationPayloadOf(carol.contact.contactId),
      }),
    ).contact
    assert.equal(verified.trust, 'verified')
    assert.equal(value(await client.request(send)).message.delivery, 'queued')
  })

  test('accepting a new key unblocks but leaves the contact unverified', async () => {
    const { client } = setup({ longHistory: 50 })
    const fatima = await conversationOf(client, 'fatima')
    assert.equal(fatima.contact.trust, 'verified')
    client.controls.changeContactKey(fatima.contact.contactId)
    assert.equal((await conversationOf(client, 'fatima')).contact.trust, 'key_changed')
    const info = value(
      await client.request({ type: 'contact.info', contactId: fatima.contact.contactId }),
    )
    assert.equal(info.safetyNumber.length, 12)
    assert.ok(info.safetyNumber.every((group) => /^[0-9]{5}$/.test(group)))
    assert.notEqual(info.keyChangedAt, null)
    const accepted = value(
      await client.request({ type: 'contact.acceptNewKey', contactId: fatima.contact.contactId }),
    ).contact
    assert.deepEqual([accepted.trust, accepted.verified], ['unverified', false])
    const last = (await conversationOf(client, 'fatima')).lastMessage
    assert.equal(last?.kind, 'system')
  })

  test('blocked contacts cannot be messaged until unblocked; rename and delete', async () => {
    const { client, events } = setup({ longHistory: 50 })
    const dmitri = await conversationOf(client, 'dmitri')
    const send = {
      type: 'messages.send',
      conversationId: dmitri.conversationId,
      text: 'hi',
    } as const
    assert.equal(errorCode(await client.request(send)), 'contact_blocked')
    const id = dmitri.contact.contactId
    value(await client.request({ type: 'contact.setBlocked', contactId: id, blocked: false }))
    assert.equal(value(await client.request(send)).message.delivery, 'queued')
    const renamed = value(
      await client.request({ type: 'contact.rename', contactId: id, displayName: 'Dima' }),
    )
    assert.equal(renamed.contact.displayName, 'Dima')
    value(await client.request({ type: 'contact.delete', contactId: id }))
    assert.ok(
      events.some(
        (e) => e.type === 'conversation.removed' && e.conversationId === dmitri.conversationId,
      ),
    )
    assert.equal(errorCode(await client.request(send)), 'not_found')
    assert.ok(!(await conversations(client)).some((c) => c.contact.contactId === id))
  })

  test('mark read clears the unread count', async () => {
    const { client } = setup({ longHistory: 50 })
    const alice = await conversationOf(client, 'alice')
    assert.ok(alice.unreadCount > 0)
    const upTo = alice.lastMessage?.messageId ?? ''
    const result = value(
      await client.request({
        type: 'messages.markRead',
        conversationId: alice.conversationId,
        upTo,
      }),
    )
    assert.equal(result.unreadCount, 0)
    assert.equal((await conversationOf(client, 'alice')).unreadCount, 0)
  })

  test('invites: a new one creates a contact once; own and malformed ones are refused', async () => {
    const { client } = setup({ longHistory: 50 })
    const link = client.controls.inviteFrom('Hana')
    const first = value(await client.request({ type: 'invite.accept', invite: link }))
    assert.deepEqual(
      [first.created, first.contact.displayName, first.contact.trust],
      [true, 'Hana', 'unverified'],
    )
    const second = value(await client.request({ type: 'invite.accept', invite: link }))
    assert.equal(second.created, false)
    const mine = value(await client.request({ type: 'invite.mine' }))
    assert.equal(value(await client.request({ type: 'invite.mine' })).link, mine.link, 'stable')
    const renewed = value(await client.request({ type: 'invite.renew' }))
    assert.notEqual(renewed.link, mine.link)
    assert.equal(
      errorCode(await client.request({ type: 'invite.accept', invite: renewed.link })),
      'invite_self',
    )
    assert.equal(
      errorCode(await client.request({ type: 'invite.accept', invite: 'https://x' })),
      'invite_invalid',
    )
  })

  test('settings: private defaults, patches, relay list', async () => {
    const { client } = setup({ longHistory: 50 })
    const initial = value(await client.request({ type: 'settings.get' }))
    assert.equal(initial.notifications.showNames, false)
    assert.equal(initial.readReceipts, false)
    const patched = value(
      await client.request({
        type: 'settings.update',
        patch: { notifications: { showNames: true } },
      }),
    )
    assert.deepEqual(patched.notifications, { enabled: true, showNames: true })
    assert.equal(patched.readReceipts, false)
    assert.equal(initial.delayReceipts, true)
    assert.equal(initial.relayOnly, false)
    const privacy = value(
      await client.request({
        type: 'settings.update',
        patch: { relayOnly: true, delayReceipts: false },
      }),
    )
    assert.equal(privacy.relayOnly, true)
    assert.equal(privacy.delayReceipts, false)
    assert.equal(value(await client.request({ type: 'settings.get' })).relayOnly, true)
    const bad = await client.request({ type: 'settings.addRelay', address: 'relay.example' })
    assert.equal(errorCode(bad), 'relay_address_invalid')
    const address = '/dns4/relay.example.org/tcp/443/wss'
    assert.ok(
      value(await client.request({ type: 'settings.addRelay', address })).relays.includes(address),
    )
    const connectivity = value(await client.request({ type: 'connectivity.status' }))
    assert.equal(connectivity.relays.find((r) => r.address === address)?.state, 'connecting')
    assert.ok(
      !value(await client.request({ type: 'settings.removeRelay', address })).relays.includes(
        address,
      ),
    )
  })

  test('file transfers: progress, pause, resume, cancel, and who may accept', async () => {
    const { client } = setup({ longHistory: 50 })
    const transfers = value(
      await client.request({ type: 'transfers.list', conversationId: null }),
    ).transfers
    const running = transfers.find((t) => t.state === 'transferring')
    const offered = transfers.find((t) => t.state === 'offered' && t.direction === 'out')
    assert.ok(running && offered)
    client.controls.progressTransfers(2_000)
    const after = value(
      await client.request({ type: 'transfers.list', conversationId: running.conversationId }),
    ).transfers.find((t) => t.transferId === running.transferId)
    assert.equal(
      after?.progress.bytes,
      running.progress.bytes + running.progress.rateBytesPerSec * 2,
    )
    const paused = value(
      await client.request({ type: 'transfer.pause', transferId: running.transferId }),
    ).transfer
    assert.deepEqual(
      [paused.state, paused.progress.rateBytesPerSec, paused.progress.etaSeconds],
      ['paused', 0, null],
    )
    const resumed = value(
      await client.request({ type: 'transfer.resume', transferId: running.transferId }),
    ).transfer
    assert.equal(resumed.state, 'transferring')
    client.controls.progressTransfers(3_600_000)
    const done = value(
      await client.request({ type: 'transfers.list', conversationId: null }),
    ).transfers.find((t) => t.transferId === running.transferId)
    assert.deepEqual([done?.state, done?.progress.bytes], ['completed', done?.size])
    assert.equal(
      errorCode(await client.request({ type: 'transfer.accept', transferId: offered.transferId })),
      'invalid_state',
    )
    const cancelled = value(
      await client.request({ type: 'transfer.cancel', transferId: offered.transferId }),
    ).transfer
    assert.equal(cancelled.state, 'cancelled')
  })

  test('calls: start, busy, answer, hang up leaves a call entry in the conversation', async () => {
    const { client, clock } = setup({ longHistory: 50 })
    const bob = await conversationOf(client, 'bob')
    const call = value(
      await client.request({
        type: 'call.start',
        conversationId: bob.conversationId,
        media: 'video',
      }),
    ).call
    assert.equal(call.state, 'outgoing_ringing')
    assert.equal(
      errorCode(
        await client.request({
          type: 'call.start',
          conversationId: bob.conversationId,
          media: 'audio',
        }),
      ),
      'busy',
    )
    const active = client.controls.answerOutgoingCall()
    assert.equal(active.state, 'active')
    assert.notEqual(active.remoteDtlsFingerprint, null)
    clock.advance(65_000)
    const ended = value(await client.request({ type: 'call.hangUp', callId: call.callId })).call
    assert.deepEqual([ended.state, ended.endReason], ['ended', 'hangup'])
    const last = value(
      await client.request({
        type: 'messages.page',
        conversationId: bob.conversationId,
        before: null,
        limit: 1,
      }),
    ).messages[0]
    assert.deepEqual(last?.body, {
      kind: 'call',
      callId: call.callId,
      media: 'video',
      outcome: 'completed',
      durationMs: 65_000,
    })
  })

  test('with a scheduler, sends progress on their own; all events are valid API events', async () => {
    const tasks: { at: number; run: () => void }[] = []
    const clock = createManualClock(START)
    const { client, events } = setup(
      {
        longHistory: 50,
        schedule: (delayMs, run) => tasks.push({ at: clock.now() + delayMs, run }),
      },
      clock,
    )
    const bob = await conversationOf(client, 'bob')
    const sent = value(
      await client.request({
        type: 'messages.send',
        conversationId: bob.conversationId,
        text: 'auto',
      }),
    ).message
    for (let step = 0; step < 50 && tasks.length > 0; step++) {
      tasks.sort((a, b) => a.at - b.at)
      const task = tasks.shift()
      if (task === undefined) break
      clock.set(Math.max(clock.now(), task.at))
      task.run()
    }
    const page = value(
      await client.request({
        type: 'messages.page',
        conversationId: bob.conversationId,
        before: null,
        limit: 5,
      }),
    )
    assert.equal(page.messages.find((m) => m.messageId === sent.messageId)?.delivery, 'delivered')
    for (const event of events) parseClientEvent(event)
  })

  test('malformed requests get invalid_request; unsubscribed listeners hear nothing', async () => {
    const { client } = setup({ longHistory: 50 })
    const heard: ClientEvent[] = []
    const unsubscribe = client.subscribe((event) => heard.push(event))
    const bogus = { type: 'messages.send', conversationId: 'cv-bob' } as unknown as Parameters<
      FixtureClient['request']
    >[0]
    assert.equal(errorCode(await client.request(bogus)), 'invalid_request')
    unsubscribe()
    client.controls.receiveText(client.controls.contactId('bob'), 'hello?')
    assert.deepEqual(heard, [])
  })
})
