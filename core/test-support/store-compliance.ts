/**
 * The one compliance suite every MessengerStore implementation must pass. Call it from a test file
 * with a harness that opens the implementation under test:
 *
 * ```ts
 * runStoreComplianceSuite('memory store', () => {
 *   const backing = createMemoryBacking()
 *   return { open: () => Promise.resolve(openMemoryStore(backing)) }
 * })
 * ```
 *
 * Every `open()` of one harness must open the same underlying data (a restart of the extension).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MessageDirection, MessageBody } from '../src/client/api.ts'
import { defaultSettings } from '../src/client/api.ts'
import type {
  ContactRecord,
  ConversationRecord,
  DeviceRecord,
  FileTransferRecord,
  MessageRecord,
  NewOutboxRecord,
  SessionRecord,
} from '../src/store/records.ts'
import { DEVICE_OWNER_SELF } from '../src/store/records.ts'
import {
  StoreArgumentError,
  StoreConflictError,
  StoreConstraintError,
  StoreNotFoundError,
  STORE_LIMITS,
} from '../src/store/store.ts'
import type { MessengerStore, StoreOperations } from '../src/store/store.ts'
import { groupComplianceTests } from './store-compliance-groups.ts'
import { cacheComplianceTests } from './store-compliance-cache.ts'

export interface StoreHarness {
  /** Opens the store under test; every call opens the same underlying data. */
  open(): Promise<MessengerStore>
  /** Removes the data after the test (optional). */
  destroy?(): Promise<void>
}

export type StoreHarnessFactory = () => StoreHarness | Promise<StoreHarness>

const T0 = Date.UTC(2026, 0, 1)

export function contactRecord(n: number, overrides: Partial<ContactRecord> = {}): ContactRecord {
  return {
    contactId: `contact-${n}`,
    displayName: `Contact ${n}`,
    identityPublicKey: new Uint8Array(32).fill(n),
    identityKeyId: `key-${n}`,
    verified: false,
    blocked: false,
    keyChange: null,
    relays: ['/dns4/relay.example/tcp/443/wss'],
    inboundMailboxId: `mailbox-${n}`,
    outboundMailbox: new Uint8Array([1, 2, 3, n]),
    addedAt: T0,
    updatedAt: T0,
    ...overrides,
  }
}

export function conversationRecord(
  n: number,
  overrides: Partial<ConversationRecord> = {},
): ConversationRecord {
  return {
    conversationId: `conv-${n}`,
    contactId: `contact-${n}`,
    lastMessageId: null,
    lastActivityAt: T0,
    unreadCount: 0,
    ...overrides,
  }
}

/** A message whose id sorts with its index (so expected orders are easy to write down). */
export function messageRecord(
  conversationId: string,
  index: number,
  overrides: Partial<MessageRecord> = {},
): MessageRecord {
  const direction: MessageDirection = index % 2 === 0 ? 'in' : 'out'
  const body: MessageBody = { kind: 'text', text: `message ${index} in ${conversationId}` }
  return {
    messageId: `${conversationId}-m${String(index).padStart(6, '0')}`,
    conversationId,
    direction,
    senderDeviceId: direction === 'in' ? 'device-a' : null,
    body,
    sentAt: T0 + index * 1_000,
    receivedAt: T0 + index * 1_000,
    delivery: direction === 'out' ? 'delivered' : null,
    failure: null,
    readAt: direction === 'in' ? T0 + index * 1_000 + 500 : null,
    ...overrides,
  }
}

function sessionRecord(contactId: string, deviceId: string, version: number): SessionRecord {
  return {
    contactId,
    deviceId,
    state: new Uint8Array([version, 0xaa, 0xbb]),
    version,
    updatedAt: T0 + version,
  }
}

function outboxItem(conversationId: string, n: number): NewOutboxRecord {
  return {
    conversationId,
    messageId: `${conversationId}-out-${n}`,
    kind: 'message',
    payload: new Uint8Array([n]),
    attempts: 0,
    nextAttemptAt: T0,
    createdAt: T0 + n,
    lastError: null,
  }
}

function transferRecord(
  id: string,
  conversationId: string,
  state: FileTransferRecord['state'],
): FileTransferRecord {
  return {
    transferId: id,
    conversationId,
    messageId: `${id}-msg`,
    direction: 'out',
    name: `${id}.bin`,
    size: 4 * 2 ** 30,
    mimeType: 'application/octet-stream',
    state,
    route: 'direct',
    bytesVerified: 2 ** 31,
    chunkSize: 65_536,
    shareRecord: new Uint8Array([9, 9, 9]),
    ciphertextSha256: new Uint8Array(32).fill(7),
    stagedFileId: 'staged-1',
    error: null,
    createdAt: T0,
    updatedAt: T0,
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await work()
  return performance.now() - start
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

export function runStoreComplianceSuite(name: string, makeHarness: StoreHarnessFactory): void {
  describe(`MessengerStore compliance: ${name}`, () => {
    /** Runs `body` against a freshly opened store and always cleans up. */
    async function withStore(
      body: (store: MessengerStore, harness: StoreHarness) => Promise<void>,
    ): Promise<void> {
      const harness = await makeHarness()
      const store = await harness.open()
      try {
        await body(store, harness)
      } finally {
        await store.close()
        await harness.destroy?.()
      }
    }

    groupComplianceTests(withStore)
    cacheComplianceTests(withStore)

    test('identity and settings: absent at first, then stored byte-exact', () =>
      withStore(async (store) => {
        assert.equal(await store.getIdentity(), undefined)
        assert.equal(await store.getSettings(), undefined)
        const identity = {
          displayName: 'Robin',
          identityPublicKey: new Uint8Array(32).fill(1),
          secretKeys: new Uint8Array([0, 255, 128, 7]),
          deviceId: '12D3KooWSelf',
          deviceCertificate: new Uint8Array(100).fill(3),
          createdAt: T0,
        }
        await store.putIdentity(identity)
        const read = await store.getIdentity()
        assert.deepEqual(read, identity)
        assert.ok(read?.secretKeys instanceof Uint8Array, 'bytes come back as Uint8Array')
        const settings = defaultSettings(['/dns4/a.example/tcp/443/wss'])
        await store.putSettings(settings)
        assert.deepEqual(await store.getSettings(), settings)
      }))

    test('relay instances: absent at first, then stored, replaced and kept apart from settings', () =>
      withStore(async (store) => {
        assert.equal(await store.getRelayInstances(), undefined)
        const home = '/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWHome'
        const first = {
          lists: [{ home, instances: ['/ip4/127.0.0.1/tcp/2/ws/p2p/12D3KooWTwo'], learntAt: T0 }],
        }
        await store.putRelayInstances(first)
        assert.deepEqual(await store.getRelayInstances(), first)
        const next = { lists: [{ home, instances: [], learntAt: T0 + 1 }] }
        await store.putRelayInstances(next)
        assert.deepEqual(await store.getRelayInstances(), next)
        assert.equal(await store.getSettings(), undefined, 'not written into the settings')
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.putRelayInstances(first)
            throw new Error('abort')
          }),
          /abort/,
        )
        assert.deepEqual(await store.getRelayInstances(), next, 'an aborted transaction keeps none')
      }))

    test('records are copied: changing an object after put or get does not change the store', () =>
      withStore(async (store) => {
        const contact = contactRecord(1)
        await store.putContact(contact)
        contact.displayName = 'changed after put'
        contact.identityPublicKey[0] = 99
        const read = await store.getContact('contact-1')
        assert.equal(read?.displayName, 'Contact 1')
        assert.equal(read?.identityPublicKey[0], 1)
        if (read) read.displayName = 'changed after get'
        assert.equal((await store.getContact('contact-1'))?.displayName, 'Contact 1')
      }))

    test('devices are kept per owner: the same device id under two owners stays apart', () =>
      withStore(async (store) => {
        const device = (ownerId: string, deviceId: string): DeviceRecord => ({
          ownerId,
          deviceId,
          certificate: new Uint8Array([ownerId.length, deviceId.length]),
          addedAt: T0,
          expiresAt: T0 + 86_400_000,
          lastSeenAt: null,
        })
        await store.putDevice(device('contact-1', 'peer-b'))
        await store.putDevice(device('contact-1', 'peer-a'))
        await store.putDevice(device('contact-2', 'peer-a'))
        await store.putDevice(device(DEVICE_OWNER_SELF, 'peer-self'))
        const ids = (await store.listDevices('contact-1')).map((d) => d.deviceId)
        assert.deepEqual(ids, ['peer-a', 'peer-b'])
        await store.deleteDevice('contact-2', 'peer-a')
        assert.ok(await store.getDevice('contact-1', 'peer-a'))
        assert.equal(await store.getDevice('contact-2', 'peer-a'), undefined)
        assert.equal((await store.listDevices(DEVICE_OWNER_SELF)).length, 1)
      }))

    test('contacts: lookups by identity key and by mailbox; both are unique', () =>
      withStore(async (store) => {
        await store.putContact(contactRecord(1))
        await store.putContact(contactRecord(2, { inboundMailboxId: null }))
        await store.putContact(contactRecord(3, { inboundMailboxId: null }))
        assert.equal((await store.getContactByIdentityKey('key-2'))?.contactId, 'contact-2')
        assert.equal((await store.getContactByInboundMailbox('mailbox-1'))?.contactId, 'contact-1')
        assert.equal(await store.getContactByIdentityKey('key-404'), undefined)
        await assert.rejects(
          store.putContact(contactRecord(4, { identityKeyId: 'key-1' })),
          StoreConstraintError,
        )
        await assert.rejects(
          store.putContact(contactRecord(5, { inboundMailboxId: 'mailbox-1' })),
          StoreConstraintError,
        )
        // Updating a contact in place is not a conflict with itself; a re-keyed contact moves.
        await store.putContact(contactRecord(1, { identityKeyId: 'key-1b', displayName: 'Al' }))
        assert.equal((await store.getContactByIdentityKey('key-1b'))?.displayName, 'Al')
        assert.equal(await store.getContactByIdentityKey('key-1'), undefined)
        const ids = (await store.listContacts()).map((c) => c.contactId)
        assert.deepEqual(ids, ['contact-1', 'contact-2', 'contact-3'])
      }))

    test('deleting a contact removes their devices, sessions, conversation, messages, outbox, transfers', () =>
      withStore(async (store) => {
        for (const n of [1, 2]) {
          await store.putContact(contactRecord(n))
          await store.putConversation(conversationRecord(n))
          await store.putSession(sessionRecord(`contact-${n}`, 'dev', 1), null)
          await store.putDevice({
            ownerId: `contact-${n}`,
            deviceId: 'dev',
            certificate: new Uint8Array(1),
            addedAt: T0,
            expiresAt: T0 + 1,
            lastSeenAt: null,
          })
          await store.addMessages([0, 1, 2].map((i) => messageRecord(`conv-${n}`, i)))
          await store.enqueueOutbox(outboxItem(`conv-${n}`, 1))
          await store.putTransfer(transferRecord(`tr-${n}`, `conv-${n}`, 'paused'))
        }
        await store.deleteContact('contact-1')
        assert.equal(await store.getContact('contact-1'), undefined)
        assert.equal(await store.getConversationByContact('contact-1'), undefined)
        assert.deepEqual(await store.listSessions('contact-1'), [])
        assert.deepEqual(await store.listDevices('contact-1'), [])
        assert.deepEqual(await store.pageMessages('conv-1', { before: null, limit: 10 }), [])
        assert.equal(await store.getMessage('conv-1-m000001'), undefined)
        assert.deepEqual(await store.listOutbox('conv-1'), [])
        assert.equal(await store.getTransfer('tr-1'), undefined)
        assert.equal(await store.getContactByIdentityKey('key-1'), undefined)
        // The other contact is untouched.
        assert.equal((await store.pageMessages('conv-2', { before: null, limit: 10 })).length, 3)
        assert.equal((await store.listOutbox('conv-2')).length, 1)
        assert.equal((await store.listSessions('contact-2')).length, 1)
        assert.ok(await store.getTransfer('tr-2'))
        // The identity key is free again (the person can be re-added).
        await store.putContact(contactRecord(9, { identityKeyId: 'key-1', inboundMailboxId: null }))
      }))

    test('erase: every record goes (a removed device), the store stays usable and empty', () =>
      withStore(async (store) => {
        await store.putIdentity({
          displayName: 'Robin',
          identityPublicKey: new Uint8Array(32).fill(1),
          secretKeys: new Uint8Array([1, 2, 3]),
          deviceId: '12D3KooWSelf',
          deviceCertificate: new Uint8Array(10),
          createdAt: T0,
        })
        await store.putSettings(defaultSettings([]))
        await store.putContact(contactRecord(1))
        await store.putConversation(conversationRecord(1))
        await store.putSession(sessionRecord('contact-1', 'dev', 1), null)
        await store.putDevice({
          ownerId: DEVICE_OWNER_SELF,
          deviceId: 'other',
          certificate: new Uint8Array(1),
          addedAt: T0,
          expiresAt: T0 + 1,
          lastSeenAt: null,
        })
        await store.addMessages([0, 1].map((i) => messageRecord('conv-1', i)))
        await store.enqueueOutbox(outboxItem('conv-1', 1))
        await store.putTransfer(transferRecord('tr-1', 'conv-1', 'paused'))
        await store.markSeen('seen-1', T0)
        await store.erase()
        assert.equal(await store.getIdentity(), undefined)
        assert.equal(await store.getSettings(), undefined)
        assert.deepEqual(await store.listContacts(), [])
        assert.equal(await store.getContactByIdentityKey('key-1'), undefined)
        assert.deepEqual(await store.listSessions('contact-1'), [])
        assert.deepEqual(await store.listDevices(DEVICE_OWNER_SELF), [])
        assert.deepEqual(await store.listConversations(10), [])
        assert.equal(await store.getMessage('conv-1-m000001'), undefined)
        assert.deepEqual(await store.pageMessages('conv-1', { before: null, limit: 10 }), [])
        assert.deepEqual(await store.outboxHeads(), [])
        assert.equal(await store.getTransfer('tr-1'), undefined)
        assert.equal(await store.markSeen('seen-1', T0), true, 'dedupe ids went too')
        // Usable afterwards: the same contact can be stored again (its unique keys are free).
        await store.putContact(contactRecord(1))
        assert.equal((await store.listContacts()).length, 1)
      }))

    test('sessions are compare-and-set on their version', () =>
      withStore(async (store) => {
        await store.putSession(sessionRecord('c', 'd', 1), null)
        await assert.rejects(store.putSession(sessionRecord('c', 'd', 1), null), StoreConflictError)
        await assert.rejects(store.putSession(sessionRecord('c', 'd', 3), 2), StoreConflictError)
        assert.equal((await store.getSession('c', 'd'))?.version, 1)
        await store.putSession(sessionRecord('c', 'd', 2), 1)
        const stored = await store.getSession('c', 'd')
        assert.equal(stored?.version, 2)
        assert.deepEqual(stored?.state, new Uint8Array([2, 0xaa, 0xbb]))
        await store.deleteSession('c', 'd')
        assert.equal(await store.getSession('c', 'd'), undefined)
      }))

    test('a transaction that throws keeps nothing: message, session and dedupe id roll back', () =>
      withStore(async (store) => {
        await store.putSession(sessionRecord('c', 'd', 1), null)
        await store.putConversation(conversationRecord(1))
        const message = messageRecord('conv-1', 0, { readAt: null })
        await assert.rejects(
          store.transaction(async (tx) => {
            assert.equal(await tx.markSeen('envelope-1', T0), true)
            assert.equal(await tx.addMessage(message), true)
            await tx.putSession(sessionRecord('c', 'd', 2), 1)
            await tx.putConversation(conversationRecord(1, { unreadCount: 1 }))
            throw new Error('decryption check failed after all')
          }),
          /decryption check failed/,
        )
        assert.equal(await store.getMessage(message.messageId), undefined)
        assert.equal((await store.getSession('c', 'd'))?.version, 1)
        assert.equal((await store.getConversation('conv-1'))?.unreadCount, 0)
        assert.equal(await store.countUnread('conv-1'), 0)
        assert.equal(await store.markSeen('envelope-1', T0), true, 'the seen id rolled back too')
        // A store error inside a transaction rolls back the same way.
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.addMessage(message)
            await tx.putSession(sessionRecord('c', 'd', 2), 7)
          }),
          StoreConflictError,
        )
        assert.equal(await store.getMessage(message.messageId), undefined)
      }))

    test('a committed transaction stores message + session + conversation together', () =>
      withStore(async (store) => {
        await store.putSession(sessionRecord('c', 'd', 1), null)
        await store.putConversation(conversationRecord(1))
        const message = messageRecord('conv-1', 0, { readAt: null })
        const deliver = () =>
          store.transaction(async (tx) => {
            if (!(await tx.addMessage(message))) return false
            const session = await tx.getSession('c', 'd')
            const version = session?.version ?? 0
            await tx.putSession(sessionRecord('c', 'd', version + 1), version)
            const conversation = await tx.getConversation('conv-1')
            await tx.putConversation({
              ...conversationRecord(1),
              unreadCount: (conversation?.unreadCount ?? 0) + 1,
              lastMessageId: message.messageId,
            })
            return true
          })
        assert.equal(await deliver(), true)
        assert.equal(
          await deliver(),
          false,
          'the same message again (mailbox after direct) is dropped',
        )
        assert.equal((await store.getSession('c', 'd'))?.version, 2)
        assert.equal((await store.getConversation('conv-1'))?.unreadCount, 1)
        assert.equal(await store.countUnread('conv-1'), 1)
      }))

    test('concurrent transactions do not lose updates', () =>
      withStore(async (store) => {
        await store.putConversation(conversationRecord(1))
        const bump = () =>
          store.transaction(async (tx) => {
            const conversation = await tx.getConversation('conv-1')
            if (conversation === undefined) throw new Error('missing')
            await tx.putConversation({ ...conversation, unreadCount: conversation.unreadCount + 1 })
          })
        await Promise.all(Array.from({ length: 20 }, bump))
        assert.equal((await store.getConversation('conv-1'))?.unreadCount, 20)
      }))

    test('messages: add dedupes by id and never overwrites; put updates delivery state', () =>
      withStore(async (store) => {
        const original = messageRecord('conv-1', 1, { delivery: 'queued' })
        assert.equal(await store.addMessage(original), true)
        const impostor = { ...original, body: { kind: 'text', text: 'replayed' } as MessageBody }
        assert.equal(await store.addMessage(impostor), false)
        assert.deepEqual((await store.getMessage(original.messageId))?.body, original.body)
        const added = await store.addMessages([
          messageRecord('conv-1', 1),
          messageRecord('conv-1', 2),
          messageRecord('conv-1', 2),
          messageRecord('conv-1', 3),
        ])
        assert.deepEqual(added, ['conv-1-m000002', 'conv-1-m000003'])
        await store.putMessage({ ...original, delivery: 'delivered' })
        assert.equal((await store.getMessage(original.messageId))?.delivery, 'delivered')
        const page = await store.pageMessages('conv-1', { before: null, limit: 10 })
        assert.deepEqual(
          page.map((m) => m.messageId),
          ['conv-1-m000003', 'conv-1-m000002', 'conv-1-m000001'],
        )
      }))

    test('messages by ids: in the order asked, undefined where none is stored, also in a transaction', () =>
      withStore(async (store) => {
        await store.addMessages([messageRecord('conv-1', 1), messageRecord('conv-2', 2)])
        const ids = ['conv-2-m000002', 'absent', 'conv-1-m000001', 'conv-2-m000002']
        const read = async (tx: StoreOperations) =>
          (await tx.getMessages(ids)).map((m) => m && `${m.conversationId}:${m.messageId}`)
        const expected = [
          'conv-2:conv-2-m000002',
          undefined,
          'conv-1:conv-1-m000001',
          'conv-2:conv-2-m000002',
        ]
        assert.deepEqual(await read(store), expected)
        assert.deepEqual(await store.transaction(read), expected)
        assert.deepEqual(await store.getMessages([]), [])
        const got = (await store.getMessages(['conv-1-m000001']))[0]!
        got.delivery = 'read'
        assert.notEqual((await store.getMessage('conv-1-m000001'))?.delivery, 'read')
      }))

    test('paging 10,000 messages: newest first, every message once, other conversations excluded, cost independent of depth', () =>
      withStore(async (store) => {
        const total = 10_000
        for (let start = 0; start < total; start += 1_000) {
          const batch: MessageRecord[] = []
          for (let i = start; i < start + 1_000; i++) {
            batch.push(messageRecord('conv-big', i))
            if (i % 5 === 0) batch.push(messageRecord('conv-other', i))
          }
          // Batches hold at most STORE_LIMITS.batchMaxMessages.
          await store.addMessages(batch.slice(0, 1_000))
          await store.addMessages(batch.slice(1_000))
        }
        const seen: string[] = []
        let before: MessageRecord | null = null
        for (let pages = 0; pages < 200; pages++) {
          const page: MessageRecord[] = await store.pageMessages('conv-big', {
            before: before && { receivedAt: before.receivedAt, messageId: before.messageId },
            limit: 100,
          })
          if (page.length === 0) break
          for (const message of page) {
            assert.equal(message.conversationId, 'conv-big')
            seen.push(message.messageId)
          }
          before = page[page.length - 1] ?? null
        }
        assert.equal(seen.length, total)
        assert.equal(new Set(seen).size, total)
        const expected = Array.from(
          { length: total },
          (_, i) => messageRecord('conv-big', total - 1 - i).messageId,
        )
        assert.deepEqual(seen, expected)

        // A page near the start of history must cost about what a page at the end costs
        // (an index range, not a scan from the newest message).
        const at = (index: number) => {
          const m = messageRecord('conv-big', index)
          return { receivedAt: m.receivedAt, messageId: m.messageId }
        }
        const newest: number[] = []
        const oldest: number[] = []
        for (let round = 0; round < 7; round++) {
          newest.push(
            await timed(() => store.pageMessages('conv-big', { before: null, limit: 50 })),
          )
          oldest.push(
            await timed(() => store.pageMessages('conv-big', { before: at(60), limit: 50 })),
          )
        }
        assert.ok(
          median(oldest) <= median(newest) * 4 + 15,
          `deep page ${median(oldest).toFixed(2)} ms vs newest page ${median(newest).toFixed(2)} ms`,
        )
      }))

    test('ties in receivedAt are ordered by message id, and a cursor inside a tie is exact', () =>
      withStore(async (store) => {
        const batch = ['b', 'd', 'a', 'c'].map((suffix) =>
          messageRecord('conv-1', 0, { messageId: `tie-${suffix}`, receivedAt: T0 }),
        )
        await store.addMessages(batch)
        const ids = (await store.pageMessages('conv-1', { before: null, limit: 10 })).map(
          (m) => m.messageId,
        )
        assert.deepEqual(ids, ['tie-d', 'tie-c', 'tie-b', 'tie-a'])
        const older = await store.pageMessages('conv-1', {
          before: { receivedAt: T0, messageId: 'tie-c' },
          limit: 10,
        })
        assert.deepEqual(
          older.map((m) => m.messageId),
          ['tie-b', 'tie-a'],
        )
      }))

    test('unread: only incoming, non-system, unread messages count; markRead stops at upTo', () =>
      withStore(async (store) => {
        const messages = [
          messageRecord('conv-1', 0, { direction: 'in', readAt: null }),
          messageRecord('conv-1', 1, { direction: 'out', readAt: null, delivery: 'sent' }),
          messageRecord('conv-1', 2, { direction: 'in', readAt: null }),
          messageRecord('conv-1', 3, {
            direction: 'in',
            readAt: null,
            body: { kind: 'system', event: 'key_changed' },
          }),
          messageRecord('conv-1', 4, { direction: 'in', readAt: T0 }),
          messageRecord('conv-1', 5, { direction: 'in', readAt: null }),
          messageRecord('conv-2', 6, { direction: 'in', readAt: null }),
        ]
        await store.addMessages(messages)
        assert.equal(await store.countUnread('conv-1'), 3)
        const upTo = messages[2]
        assert.ok(upTo)
        const marked = await store.markRead('conv-1', upTo, T0 + 99)
        assert.deepEqual(
          marked.map((m) => [m.messageId, m.readAt]),
          [
            ['conv-1-m000000', T0 + 99],
            ['conv-1-m000002', T0 + 99],
          ],
        )
        assert.equal(await store.countUnread('conv-1'), 1)
        assert.equal(await store.countUnread('conv-2'), 1)
        assert.equal((await store.getMessage('conv-1-m000005'))?.readAt, null)
        // Reading a message by put (readAt set) also leaves the unread set.
        const last = await store.getMessage('conv-1-m000005')
        assert.ok(last)
        await store.putMessage({ ...last, readAt: T0 + 100 })
        assert.equal(await store.countUnread('conv-1'), 0)
      }))

    test('conversations list newest activity first, up to the limit', () =>
      withStore(async (store) => {
        await store.putConversation(conversationRecord(1, { lastActivityAt: T0 + 10 }))
        await store.putConversation(conversationRecord(2, { lastActivityAt: T0 + 30 }))
        await store.putConversation(conversationRecord(3, { lastActivityAt: T0 + 20 }))
        const ids = (await store.listConversations(10)).map((c) => c.conversationId)
        assert.deepEqual(ids, ['conv-2', 'conv-3', 'conv-1'])
        assert.deepEqual(
          (await store.listConversations(1)).map((c) => c.conversationId),
          ['conv-2'],
        )
        await store.putConversation(conversationRecord(1, { lastActivityAt: T0 + 40 }))
        assert.equal((await store.listConversations(1))[0]?.conversationId, 'conv-1')
        assert.equal((await store.getConversationByContact('contact-3'))?.conversationId, 'conv-3')
        await assert.rejects(
          store.putConversation(conversationRecord(4, { contactId: 'contact-1' })),
          StoreConstraintError,
        )
        await assert.rejects(store.listConversations(0), StoreArgumentError)
      }))

    test('outbox: ordered per conversation, heads are the only sendable items', () =>
      withStore(async (store) => {
        const a1 = await store.enqueueOutbox(outboxItem('conv-a', 1))
        const b1 = await store.enqueueOutbox(outboxItem('conv-b', 1))
        const a2 = await store.enqueueOutbox(outboxItem('conv-a', 2))
        const a3 = await store.enqueueOutbox(outboxItem('conv-a', 3))
        assert.ok(a1 < b1 && b1 < a2 && a2 < a3, 'seq increases')
        assert.deepEqual(
          (await store.listOutbox('conv-a')).map((o) => o.seq),
          [a1, a2, a3],
        )
        assert.deepEqual(
          (await store.outboxHeads()).map((o) => o.seq),
          [a1, b1],
        )
        const head = await store.getOutbox(a1)
        assert.ok(head)
        await store.updateOutbox({
          ...head,
          attempts: 3,
          nextAttemptAt: T0 + 60_000,
          lastError: 'relay down',
        })
        const retried = await store.getOutbox(a1)
        assert.deepEqual([retried?.attempts, retried?.lastError], [3, 'relay down'])
        assert.deepEqual(retried?.payload, new Uint8Array([1]))
        await store.deleteOutbox(a1)
        assert.deepEqual(
          (await store.outboxHeads()).map((o) => o.seq),
          [b1, a2],
        )
        await assert.rejects(store.updateOutbox({ ...head, seq: 999_999 }), StoreNotFoundError)
        // The caller's object is not changed, and enqueueing it twice makes two items.
        const item = outboxItem('conv-c', 1)
        const first = await store.enqueueOutbox(item)
        const second = await store.enqueueOutbox(item)
        assert.ok(second > first)
        assert.equal('seq' in item, false)
        assert.equal((await store.listOutbox('conv-c')).length, 2)
        // seq never goes back, even after deleting the newest item.
        await store.deleteOutbox(second)
        assert.ok((await store.enqueueOutbox(outboxItem('conv-a', 4))) > second)
      }))

    test('the outbox, history and sessions survive closing and reopening the store', () =>
      withStore(async (store, harness) => {
        const seq = await store.enqueueOutbox(outboxItem('conv-a', 1))
        await store.addMessage(messageRecord('conv-a', 1, { delivery: 'queued' }))
        await store.putSession(sessionRecord('c', 'd', 5), null)
        await store.close()
        const reopened = await harness.open()
        try {
          assert.equal((await reopened.getOutbox(seq))?.messageId, 'conv-a-out-1')
          assert.equal((await reopened.getMessage('conv-a-m000001'))?.delivery, 'queued')
          assert.equal((await reopened.getSession('c', 'd'))?.version, 5)
          assert.ok((await reopened.enqueueOutbox(outboxItem('conv-a', 2))) > seq)
        } finally {
          await reopened.close()
        }
      }))

    test('file transfers: by conversation, and only the active ones', () =>
      withStore(async (store) => {
        await store.putTransfer(transferRecord('t1', 'conv-1', 'transferring'))
        await store.putTransfer(transferRecord('t2', 'conv-1', 'completed'))
        await store.putTransfer(transferRecord('t3', 'conv-2', 'paused'))
        const t1 = await store.getTransfer('t1')
        assert.equal(t1?.bytesVerified, 2 ** 31)
        assert.deepEqual(t1?.ciphertextSha256, new Uint8Array(32).fill(7))
        const ids = async (query: Parameters<MessengerStore['listTransfers']>[0]) =>
          (await store.listTransfers(query)).map((t) => t.transferId)
        assert.deepEqual(await ids({}), ['t1', 't2', 't3'])
        assert.deepEqual(await ids({ conversationId: 'conv-1' }), ['t1', 't2'])
        assert.deepEqual(await ids({ active: true }), ['t1', 't3'])
        assert.deepEqual(await ids({ conversationId: 'conv-1', active: true }), ['t1'])
      }))

    test('seen ids dedupe and can be pruned by age', () =>
      withStore(async (store) => {
        assert.equal(await store.markSeen('x', T0), true)
        assert.equal(await store.markSeen('x', T0 + 5), false)
        assert.equal(await store.markSeen('y', T0 + 10), true)
        assert.equal(await store.pruneSeen(T0 + 5), 1)
        assert.equal(await store.markSeen('x', T0 + 20), true, 'pruned ids are forgotten')
        assert.equal(await store.markSeen('y', T0 + 20), false)
      }))

    test('limits: a page or batch beyond the caps is refused', () =>
      withStore(async (store) => {
        await assert.rejects(
          store.pageMessages('c', { before: null, limit: 0 }),
          StoreArgumentError,
        )
        await assert.rejects(
          store.pageMessages('c', { before: null, limit: 501 }),
          StoreArgumentError,
        )
        const tooMany = Array.from({ length: 1_001 }, (_, i) => messageRecord('c', i))
        await assert.rejects(store.addMessages(tooMany), StoreArgumentError)
        const ids = Array.from({ length: STORE_LIMITS.conversationsMax + 1 }, (_, i) => `m${i}`)
        await assert.rejects(store.getMessages(ids), StoreArgumentError)
        assert.equal(await store.getMessage('c-m000000'), undefined)
      }))
  })
}
