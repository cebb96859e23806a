/**
 * The inbox on its own: it commits a frame and returns what happened (InboxResult), touching
 * nothing of the messenger (its emit throws here). Alice's frames come from a real PQXDH session
 * to Bob's bundle; Bob's store is the memory store. What a replayed, held, blocked or malformed
 * frame leaves behind is compared with a snapshot of everything the inbox may write.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { testPlatform } from '../../test-support/deterministic.ts'
import { initiateSession } from '../crypto/pqxdh.ts'
import { verifyPrekeyBundle } from '../crypto/prekeys.ts'
import type { Session } from '../crypto/session.ts'
import { openMemoryStore } from '../store/memory-store.ts'
import type { ContactRecord } from '../store/records.ts'
import type { MessengerStore } from '../store/store.ts'
import { isProtocolError } from '../wire/errors.ts'
import { KeyedMutex, type MessengerContext } from './context.ts'
import { createLocalIdentity, loadLocalIdentity, prekeyBundle } from './identity.ts'
import { Inbox, type FrameEffects, type InboxReads, type InboxResult } from './inbox.ts'
import { decodePayload, encodePayload, type PayloadBody } from './payload.ts'
import { toBase64Url } from './records.ts'

interface Party {
  ctx: MessengerContext
  store: MessengerStore
}

async function party(name: string, platform: ReturnType<typeof testPlatform>): Promise<Party> {
  const store = openMemoryStore()
  const { record } = await createLocalIdentity(platform, name)
  await store.putIdentity(record)
  const { local, secrets } = loadLocalIdentity(record, platform)
  const ctx: MessengerContext = {
    store,
    net: undefined as never, // the inbox never touches the network
    platform,
    notifier: () => assert.fail('the inbox must not notify'),
    local,
    secrets,
    emit: () => assert.fail('the inbox must not emit: it returns events'),
    locks: new KeyedMutex(),
    log: () => undefined,
  }
  return { ctx, store }
}

/** Bob knows Alice's identity (as after an invite) and her device; Alice starts a session. */
async function setup(seed: string, reads: Partial<InboxReads> = {}) {
  const platform = testPlatform(seed)
  const alice = await party('Alice', platform)
  const bob = await party('Bob', platform)
  const now = platform.clock()
  const aliceDevice = alice.ctx.local.deviceId
  const contact: ContactRecord = {
    contactId: 'alice-contact',
    displayName: 'Alice',
    identityPublicKey: alice.ctx.local.identity.publicKey,
    identityKeyId: toBase64Url(alice.ctx.local.identity.publicKey),
    verified: false,
    blocked: false,
    keyChange: null,
    relays: [],
    inboundMailboxId: 'mailbox-for-alice',
    outboundMailbox: null,
    addedAt: now,
    updatedAt: now,
  }
  await bob.store.putContact(contact)
  await bob.store.putConversation({
    conversationId: 'conv-alice',
    contactId: contact.contactId,
    lastMessageId: null,
    lastActivityAt: now,
    unreadCount: 0,
  })
  const devices = new Map([[aliceDevice, contact.contactId]])
  const inbox = new Inbox(bob.ctx, {
    devices,
    helloFor: () => null,
    showReadReceipts: () => true,
    ...reads,
  })
  const bundle = verifyPrekeyBundle(prekeyBundle(bob.ctx.local, bob.ctx.secrets), {
    now,
    identityKey: bob.ctx.local.identity.publicKey,
  })
  let messageNo = 0
  const body = (text: string): PayloadBody => ({ kind: 'text', text })
  const payloadOf = (b: PayloadBody, id = new Uint8Array(16).fill(++messageNo)) =>
    encodePayload({ messageId: id, sentAt: platform.clock(), body: b })
  const start = initiateSession({
    local: alice.ctx.local.device,
    bundle,
    body: payloadOf(body('first')),
    platform,
  })
  const session: Session = start.session
  const direct = { kind: 'direct', deviceId: aliceDevice } as const
  /** What the messenger would have applied, in order (it must match the returned result). */
  const applied: FrameEffects[] = []
  const apply = (e: FrameEffects) => {
    applied.push(e)
    return Promise.resolve()
  }
  return {
    platform,
    alice,
    bob,
    inbox,
    devices,
    contact,
    session,
    start,
    direct,
    body,
    payloadOf,
    applied,
    apply,
  }
}

/** Everything the inbox may write for Alice's contact, and our secrets. */
async function snapshot(store: MessengerStore) {
  return {
    contact: await store.getContact('alice-contact'),
    conversation: await store.getConversation('conv-alice'),
    messages: await store.pageMessages('conv-alice', { before: null, limit: 100 }),
    outbox: await store.listOutbox('conv-alice'),
    sessions: await store.listSessions('alice-contact'),
    devices: await store.listDevices('alice-contact'),
    contacts: await store.listContacts(),
    identity: await store.getIdentity(),
  }
}

describe('inbox: returns what happened, applies nothing itself', () => {
  test('a text: stored, with the effects the messenger applies; the sender is receipted', async () => {
    const s = await setup('inbox-stored')
    const result = await s.inbox.handle(s.direct, s.start.frame, s.apply)
    assert.equal(result.outcome, 'stored')
    const e = result.effects
    assert.ok(e !== null)
    assert.deepEqual(s.applied, [e], 'the effects returned are the effects applied, once')
    assert.deepEqual(e.learnDevice, {
      deviceId: s.alice.ctx.local.deviceId,
      contactId: 'alice-contact',
    })
    assert.equal(e.reloadSecrets, true, 'a new session: our secrets are read again')
    const added = e.events.filter((x) => x.type === 'message.added')
    assert.equal(added.length, 1)
    assert.equal(added[0]?.type === 'message.added' && added[0].message.body.kind, 'text')
    assert.deepEqual(e.notify?.conversationId, 'conv-alice')
    assert.equal(e.file, null)
    assert.equal(e.call, null)
    assert.deepEqual(e.route, { kind: 'contact_moved', contactId: 'alice-contact' })
    assert.equal(e.kickOutbox, true)
    // The delivery receipt is the messenger's to batch and delay (ADR 0751): an effect, not a row.
    assert.deepEqual(e.receipt, {
      conversationId: 'conv-alice',
      messageId: new Uint8Array(16).fill(1),
    })
    assert.deepEqual(await s.bob.store.listOutbox('conv-alice'), [], 'nothing sent at once')
  })

  test('a replayed frame: duplicate, no effects, nothing in the store changes', async () => {
    const s = await setup('inbox-replay')
    await s.inbox.handle(s.direct, s.start.frame, s.apply)
    const before = await snapshot(s.bob.store)
    const again: InboxResult = await s.inbox.handle(s.direct, s.start.frame, s.apply)
    assert.deepEqual(again, { outcome: 'duplicate', effects: null })
    assert.equal(s.applied.length, 1, 'nothing applied for the replay')
    assert.deepEqual(await snapshot(s.bob.store), before)
  })

  test('a re-encrypted copy of a stored message: duplicate, receipted again, not shown or notified', async () => {
    const s = await setup('inbox-copy')
    await s.inbox.handle(s.direct, s.start.frame, s.apply)
    const copy = s.session.encrypt(s.payloadOf(s.body('first'), new Uint8Array(16).fill(1)))
    const result = await s.inbox.handle(s.direct, copy.frame, s.apply)
    assert.equal(result.outcome, 'duplicate')
    assert.ok(result.effects !== null)
    assert.deepEqual(result.effects.events, [])
    assert.equal(result.effects.notify, null)
    assert.deepEqual(
      result.effects.receipt,
      { conversationId: 'conv-alice', messageId: new Uint8Array(16).fill(1) },
      'receipted again',
    )
    const messages = await s.bob.store.pageMessages('conv-alice', { before: null, limit: 10 })
    assert.equal(messages.filter((m) => m.body.kind === 'text').length, 1)
  })

  test('receipts at once: the receipt row is committed with the message, so a crash before the effects loses neither', async () => {
    const s = await setup('inbox-receipt-at-once', {
      receiptsAtOnce: () => true,
      directOpen: () => false,
    })
    const id = new Uint8Array(16).fill(1)
    // The node dies right after the commit: none of the effects run.
    await assert.rejects(
      s.inbox.handle(s.direct, s.start.frame, () => Promise.reject(new Error('crash'))),
      /crash/,
    )
    const receiptsQueued = async () =>
      (await s.bob.store.listOutbox('conv-alice')).map((row) => {
        const body = decodePayload(row.payload).body
        return body.kind === 'receipt' ? [row.kind, body.receipt, body.messageIds] : row.kind
      })
    assert.deepEqual(await receiptsQueued(), [['receipt', 'delivered', [id]]])
    const texts = async () =>
      (await s.bob.store.pageMessages('conv-alice', { before: null, limit: 10 })).filter(
        (m) => m.body.kind === 'text',
      ).length
    assert.equal(await texts(), 1)
    // Never acked, the sender sends it again: shown once, receipted again, nothing left to batch.
    const copy = s.session.encrypt(s.payloadOf(s.body('first'), id))
    const again = await s.inbox.handle(s.direct, copy.frame, s.apply)
    assert.equal(again.outcome, 'duplicate')
    assert.equal(again.effects?.receipt, null, 'not handed to the batcher as well')
    assert.equal(again.effects?.kickOutbox, true, 'the outbox runs for the queued receipt')
    assert.equal(await texts(), 1)
    assert.deepEqual(await receiptsQueued(), [
      ['receipt', 'delivered', [id]],
      ['receipt', 'delivered', [id]],
    ])
  })

  test('receipts at once, a key change pending: queued in the commit, not sealed past the hold', async () => {
    const s = await setup('inbox-receipt-key-change', {
      receiptsAtOnce: () => true,
      directOpen: () => true,
    })
    // Another key was seen for alice: the pass holds her rows until the user decides.
    const contact = (await s.bob.store.getContact('alice-contact'))!
    const other = new Uint8Array(32).fill(9)
    await s.bob.store.putContact({ ...contact, keyChange: { identityPublicKey: other, seenAt: 1 } })
    const result = await s.inbox.handle(s.direct, s.start.frame, s.apply)
    assert.equal(result.outcome, 'stored', 'a text under the pinned key is still taken')
    assert.equal(result.effects?.presealed, null, 'not sealed to leave at once')
    const rows = await s.bob.store.listOutbox('conv-alice')
    assert.deepEqual(
      rows.map((r) => r.kind),
      ['receipt'],
      'queued, for the pass that holds it',
    )
  })

  test('receipts at once, a direct connection open: sealed in the commit, and the sender opens it', async () => {
    const s = await setup('inbox-receipt-sealed', {
      receiptsAtOnce: () => true,
      directOpen: () => true,
    })
    const result = await s.inbox.handle(s.direct, s.start.frame, s.apply)
    const sealed = result.effects?.presealed
    assert.ok(sealed !== null && sealed !== undefined, 'sealed in the commit')
    assert.equal(sealed.deviceId, s.alice.ctx.local.deviceId)
    const rows = await s.bob.store.listOutbox('conv-alice')
    assert.deepEqual(rows, [sealed.row], 'the row is stored with it, for a pass if the send fails')
    const [session] = await s.bob.store.listSessions('alice-contact')
    assert.equal(session?.version, 2, 'the session after the decrypt and after the seal')
    const opened = decodePayload(s.session.decrypt(sealed.frame).body).body
    assert.deepEqual(opened, {
      kind: 'receipt',
      receipt: 'delivered',
      messageIds: [new Uint8Array(16).fill(1)],
    })
    // A row already waiting in the conversation: the next receipt only queues (rows keep order).
    const next = s.session.encrypt(s.payloadOf(s.body('second'))).frame
    const second = await s.inbox.handle(s.direct, next, s.apply)
    assert.equal(second.effects?.presealed, null)
    assert.equal((await s.bob.store.listOutbox('conv-alice')).length, 2)
  })

  test('a blocked contact: dropped, no effects, nothing changes', async () => {
    const s = await setup('inbox-blocked')
    await s.bob.store.putContact({ ...s.contact, blocked: true })
    const before = await snapshot(s.bob.store)
    const result = await s.inbox.handle(s.direct, s.start.frame, s.apply)
    assert.deepEqual(result, { outcome: 'dropped', effects: null })
    assert.deepEqual(s.applied, [])
    assert.deepEqual(await snapshot(s.bob.store), before)
  })

  test('a frame under another identity: held, no file, call, notification or outbox run', async () => {
    const s = await setup('inbox-held')
    // Mallory's device is mapped to Alice's contact (as a device of a pending key would be).
    const mallory = await party('Mallory', s.platform)
    s.devices.set(mallory.ctx.local.deviceId, 'alice-contact')
    const bundle = verifyPrekeyBundle(prekeyBundle(s.bob.ctx.local, s.bob.ctx.secrets), {
      now: s.platform.clock(),
      identityKey: s.bob.ctx.local.identity.publicKey,
    })
    const start = initiateSession({
      local: mallory.ctx.local.device,
      bundle,
      body: s.payloadOf(s.body('trust me')),
      platform: s.platform,
    })
    const result = await s.inbox.handle(
      { kind: 'direct', deviceId: mallory.ctx.local.deviceId },
      start.frame,
      s.apply,
    )
    assert.equal(result.outcome, 'stored')
    const e = result.effects
    assert.ok(e !== null)
    assert.equal(e.file, null)
    assert.equal(e.call, null)
    assert.equal(e.notify, null)
    assert.equal(e.route, null)
    assert.equal(e.receipt, null, 'no receipt')
    assert.equal(e.kickOutbox, false)
    const shown = e.events.flatMap((x) => (x.type === 'message.added' ? [x.message.body] : []))
    assert.deepEqual(shown, [{ kind: 'system', event: 'key_changed' }])
    const contact = await s.bob.store.getContact('alice-contact')
    assert.equal(contact?.keyChange?.held?.length, 1)
    const messages = await s.bob.store.pageMessages('conv-alice', { before: null, limit: 10 })
    assert.equal(messages.filter((m) => m.body.kind === 'text').length, 0, 'nothing shown')
    assert.deepEqual(await s.bob.store.listOutbox('conv-alice'), [], 'no receipt')
  })

  test('effects apply under the contact’s lock: its next frame waits for them', async () => {
    const s = await setup('inbox-lock')
    const order: string[] = []
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    const first = s.inbox.handle(s.direct, s.start.frame, async () => {
      order.push('first applied')
      await gate
    })
    for (let i = 0; i < 200 && order.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
    assert.deepEqual(order, ['first applied'])
    const next = s.session.encrypt(s.payloadOf(s.body('second'))).frame
    const second = s.inbox.handle(s.direct, next, () => {
      order.push('second applied')
      return Promise.resolve()
    })
    await new Promise((r) => setTimeout(r, 50))
    const texts = async () =>
      (await s.bob.store.pageMessages('conv-alice', { before: null, limit: 10 })).filter(
        (m) => m.body.kind === 'text',
      ).length
    assert.equal(await texts(), 1, 'the second frame is not committed while the first applies')
    release()
    assert.equal((await first).outcome, 'stored')
    assert.equal((await second).outcome, 'stored')
    assert.deepEqual(order, ['first applied', 'second applied'])
    assert.equal(await texts(), 2)
  })

  test('a malformed frame throws a ProtocolError and changes nothing', async () => {
    const s = await setup('inbox-malformed')
    await s.inbox.handle(s.direct, s.start.frame, s.apply)
    const before = await snapshot(s.bob.store)
    const tampered = s.session.encrypt(s.payloadOf(s.body('second'))).frame.slice()
    tampered[tampered.length - 1]! ^= 1
    for (const frame of [new Uint8Array([1, 2, 3]), tampered]) {
      await assert.rejects(s.inbox.handle(s.direct, frame, s.apply), (err) => isProtocolError(err))
    }
    assert.deepEqual(await snapshot(s.bob.store), before)
  })

  test('a direct frame from a device that is no contact: unknown_key, nothing changes', async () => {
    const s = await setup('inbox-unknown')
    const before = await snapshot(s.bob.store)
    await assert.rejects(
      s.inbox.handle({ kind: 'direct', deviceId: 'someone-else' }, s.start.frame, s.apply),
      (err) => isProtocolError(err, 'unknown_key'),
    )
    assert.deepEqual(await snapshot(s.bob.store), before)
  })
})
