/**
 * The browser MessengerStore on IndexedDB through Dexie 4. Passes the same compliance suite as the
 * memory store (core/test-support/store-compliance.ts). Each top-level call runs in its own IndexedDB
 * transaction over all tables ('r' for reads, 'rw' for writes); `transaction(work)` runs a group of
 * calls in one 'rw' transaction, so IndexedDB itself provides atomicity and isolation.
 *
 * ```ts
 * const store = await openDexieStore()                      // the extension's own IndexedDB
 * const store = await openDexieStore({ indexedDB: new IDBFactory(), IDBKeyRange }) // tests
 * ```
 */
import { Dexie } from 'dexie'
import type { Table, Transaction } from 'dexie'
import { delegateOperations } from '@hestia/core/store/delegate.ts'
import type { TransactionMode } from '@hestia/core/store/delegate.ts'
import { ACTIVE_TRANSFER_STATES, compareMessageKeys } from '@hestia/core/store/records.ts'
import type {
  ContactRecord,
  ConversationRecord,
  DeviceOwner,
  DeviceRecord,
  FileTransferRecord,
  IdentityRecord,
  MessageKey,
  MessageRecord,
  NewOutboxRecord,
  OutboxRecord,
  RelayInstancesRecord,
  SessionRecord,
  SettingsRecord,
} from '@hestia/core/store/records.ts'
import {
  STORE_LIMITS,
  StoreClosedError,
  StoreConflictError,
  StoreConstraintError,
  StoreError,
  StoreFullError,
  StoreNotFoundError,
  checkLimit,
} from '@hestia/core/store/store.ts'
import type {
  MessagePageQuery,
  MessengerStore,
  StoreOperations,
  TransferQuery,
} from '@hestia/core/store/store.ts'
import { ALL_TABLES, DATABASE_NAME, TABLES, declareSchema, toMessageRow } from './schema.ts'
import type { MessageRow } from './schema.ts'
import { sealingMiddleware } from './sealing-middleware.ts'
import { writeCounter } from './write-counter.ts'
import { ReadCache } from '@hestia/core/store/read-cache.ts'
import { AtRestStateError, KEYRING_ID, StoreLockedError } from './at-rest.ts'
import type { RowSealer } from '@hestia/core/store/at-rest/row-sealer.ts'
import { DexieGroupOperations } from './dexie-groups.ts'
import { traceCalls, traceSpan, traceStart } from '@hestia/core/wire/latency-trace.ts'

export interface DexieStoreOptions {
  /** Database name (default DATABASE_NAME). */
  name?: string
  /** The IndexedDB factory (default: the global one; tests pass fake-indexeddb's). */
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
  /**
   * Chrome's IndexedDB commit durability. 'relaxed' (the default since Chrome 121, as in Firefox)
   * survives a browser crash but not an OS crash or power loss; 'strict' flushes to disk before
   * each commit completes (slower writes).
   */
  durability?: 'default' | 'strict' | 'relaxed'
  /**
   * Present when at-rest encryption is on and unlocked (ADR 0520): every row except the keyring
   * is sealed on write and opened on read; plaintext rows are refused.
   */
  sealer?: RowSealer
}

interface SingletonRow {
  key: 'identity' | 'settings' | 'relayInstances'
  value: unknown
}

type Seen = { id: string; seenAt: number }

function fromMessageRow(row: MessageRow): MessageRecord {
  const { unread: _unread, ...message } = row
  return message
}

/** Code-unit order, as IndexedDB orders string keys. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** The whole key range of a compound index whose first part is `prefix`. */
function prefixRange(prefix: unknown[], width: number): [unknown[], unknown[]] {
  const fill = (key: unknown) => Array.from({ length: width - prefix.length }, () => key)
  return [
    [...prefix, ...fill(Dexie.minKey)],
    [...prefix, ...fill(Dexie.maxKey)],
  ]
}

/** Maps IndexedDB/Dexie failures to the store's typed errors; store errors pass through. */
function translateError(error: unknown): unknown {
  if (error instanceof StoreError) return error
  const name = error instanceof Error ? error.name : ''
  if (name === 'ConstraintError')
    return new StoreConstraintError('A unique key is already taken', { cause: error })
  if (name === 'QuotaExceededError') return new StoreFullError({ cause: error })
  if (name === 'DatabaseClosedError') return new StoreClosedError()
  if (name === 'VersionError')
    return new StoreError(
      'failed',
      'The stored database is newer than this build of Hestia: update the extension.',
      { cause: error },
    )
  return error
}

class DexieOperations implements StoreOperations {
  readonly #singletons: Table<SingletonRow, string>
  readonly #devices: Table<DeviceRecord, [string, string]>
  readonly #contacts: Table<ContactRecord, string>
  readonly #sessions: Table<SessionRecord, [string, string]>
  readonly #conversations: Table<ConversationRecord, string>
  readonly #messages: Table<MessageRow, string>
  readonly #outbox: Table<OutboxRecord, number, NewOutboxRecord>
  readonly #transfers: Table<FileTransferRecord, string>
  readonly #seen: Table<Seen, string>

  constructor(db: Dexie) {
    this.#singletons = db.table(TABLES.singletons)
    this.#devices = db.table(TABLES.devices)
    this.#contacts = db.table(TABLES.contacts)
    this.#sessions = db.table(TABLES.sessions)
    this.#conversations = db.table(TABLES.conversations)
    this.#messages = db.table(TABLES.messages)
    this.#outbox = db.table(TABLES.outbox)
    this.#transfers = db.table(TABLES.transfers)
    this.#seen = db.table(TABLES.seen)
    const groups = new DexieGroupOperations(db)
    this.putGroup = (g) => groups.putGroup(g)
    this.getGroup = (id) => groups.getGroup(id)
    this.listGroups = () => groups.listGroups()
    this.deleteGroup = (id) => groups.deleteGroup(id)
    this.addGroupMessage = (m) => groups.addGroupMessage(m)
    this.pageGroupMessages = (id, limit) => groups.pageGroupMessages(id, limit)
    this.getGroupMessage = (id) => groups.getGroupMessage(id)
    this.putGroupMessage = (m) => groups.putGroupMessage(m)
    this.getGroupDevice = () => groups.getGroupDevice()
    this.putGroupDevice = (r) => groups.putGroupDevice(r)
  }

  readonly putGroup: StoreOperations['putGroup']
  readonly getGroup: StoreOperations['getGroup']
  readonly listGroups: StoreOperations['listGroups']
  readonly deleteGroup: StoreOperations['deleteGroup']
  readonly addGroupMessage: StoreOperations['addGroupMessage']
  readonly pageGroupMessages: StoreOperations['pageGroupMessages']
  readonly getGroupMessage: StoreOperations['getGroupMessage']
  readonly putGroupMessage: StoreOperations['putGroupMessage']
  readonly getGroupDevice: StoreOperations['getGroupDevice']
  readonly putGroupDevice: StoreOperations['putGroupDevice']

  // Identity and settings ---------------------------------------------------------------------

  async getIdentity(): Promise<IdentityRecord | undefined> {
    return (await this.#singletons.get('identity'))?.value as IdentityRecord | undefined
  }

  async putIdentity(identity: IdentityRecord): Promise<void> {
    await this.#singletons.put({ key: 'identity', value: identity })
  }

  async getSettings(): Promise<SettingsRecord | undefined> {
    return (await this.#singletons.get('settings'))?.value as SettingsRecord | undefined
  }

  async putSettings(settings: SettingsRecord): Promise<void> {
    await this.#singletons.put({ key: 'settings', value: settings })
  }

  async getRelayInstances(): Promise<RelayInstancesRecord | undefined> {
    return (await this.#singletons.get('relayInstances'))?.value as RelayInstancesRecord | undefined
  }

  async putRelayInstances(record: RelayInstancesRecord): Promise<void> {
    await this.#singletons.put({ key: 'relayInstances', value: record })
  }

  // Devices -----------------------------------------------------------------------------------

  async putDevice(device: DeviceRecord): Promise<void> {
    await this.#devices.put(device)
  }

  getDevice(ownerId: DeviceOwner, deviceId: string): Promise<DeviceRecord | undefined> {
    return this.#devices.get([ownerId, deviceId])
  }

  async listDevices(ownerId: DeviceOwner): Promise<DeviceRecord[]> {
    // Sorted here, not by the index: a sealed store keeps device ids as blind tokens (ADR 0520).
    const devices = await this.#devices.where('ownerId').equals(ownerId).toArray()
    return devices.sort((a, b) => compareStrings(a.deviceId, b.deviceId))
  }

  async deleteDevice(ownerId: DeviceOwner, deviceId: string): Promise<void> {
    await this.#devices.delete([ownerId, deviceId])
  }

  // Contacts ----------------------------------------------------------------------------------

  async putContact(contact: ContactRecord): Promise<void> {
    const byKey = await this.#contacts.where('identityKeyId').equals(contact.identityKeyId).first()
    if (byKey !== undefined && byKey.contactId !== contact.contactId)
      throw new StoreConstraintError(`Identity key already belongs to contact ${byKey.contactId}`)
    if (contact.inboundMailboxId !== null) {
      const byMailbox = await this.#contacts
        .where('inboundMailboxId')
        .equals(contact.inboundMailboxId)
        .first()
      if (byMailbox !== undefined && byMailbox.contactId !== contact.contactId)
        throw new StoreConstraintError(`Mailbox already belongs to contact ${byMailbox.contactId}`)
    }
    await this.#contacts.put(contact)
  }

  getContact(contactId: string): Promise<ContactRecord | undefined> {
    return this.#contacts.get(contactId)
  }

  getContactByIdentityKey(identityKeyId: string): Promise<ContactRecord | undefined> {
    return this.#contacts.where('identityKeyId').equals(identityKeyId).first()
  }

  getContactByInboundMailbox(mailboxId: string): Promise<ContactRecord | undefined> {
    return this.#contacts.where('inboundMailboxId').equals(mailboxId).first()
  }

  listContacts(): Promise<ContactRecord[]> {
    return this.#contacts.toArray()
  }

  async deleteContact(contactId: string): Promise<void> {
    await this.#devices.where('ownerId').equals(contactId).delete()
    await this.#sessions.where('contactId').equals(contactId).delete()
    const conversation = await this.#conversations.where('contactId').equals(contactId).first()
    if (conversation !== undefined) {
      const id = conversation.conversationId
      const [lower, upper] = prefixRange([id], 3)
      await this.#messages
        .where('[conversationId+receivedAt+messageId]')
        .between(lower, upper, true, true)
        .delete()
      await this.#outbox.where('conversationId').equals(id).delete()
      await this.#transfers.where('conversationId').equals(id).delete()
      await this.#conversations.delete(id)
    }
    await this.#contacts.delete(contactId)
  }

  // Sessions ----------------------------------------------------------------------------------

  getSession(contactId: string, deviceId: string): Promise<SessionRecord | undefined> {
    return this.#sessions.get([contactId, deviceId])
  }

  async listSessions(contactId: string): Promise<SessionRecord[]> {
    const sessions = await this.#sessions.where('contactId').equals(contactId).toArray()
    return sessions.sort((a, b) => compareStrings(a.deviceId, b.deviceId))
  }

  async putSession(session: SessionRecord, expectedVersion: number | null): Promise<void> {
    const stored = (await this.#sessions.get([session.contactId, session.deviceId]))?.version
    if ((stored ?? null) !== expectedVersion)
      throw new StoreConflictError(
        `Session ${session.contactId}/${session.deviceId} is at version ${stored ?? null}, not ${expectedVersion}`,
      )
    await this.#sessions.put(session)
  }

  async deleteSession(contactId: string, deviceId: string): Promise<void> {
    await this.#sessions.delete([contactId, deviceId])
  }

  // Conversations -----------------------------------------------------------------------------

  async putConversation(conversation: ConversationRecord): Promise<void> {
    const existing = await this.#conversations
      .where('contactId')
      .equals(conversation.contactId)
      .first()
    if (existing !== undefined && existing.conversationId !== conversation.conversationId)
      throw new StoreConstraintError(`Contact already has conversation ${existing.conversationId}`)
    await this.#conversations.put(conversation)
  }

  getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    return this.#conversations.get(conversationId)
  }

  getConversationByContact(contactId: string): Promise<ConversationRecord | undefined> {
    return this.#conversations.where('contactId').equals(contactId).first()
  }

  async listConversations(limit: number): Promise<ConversationRecord[]> {
    checkLimit(limit, STORE_LIMITS.conversationsMax, 'limit')
    return this.#conversations.orderBy('lastActivityAt').reverse().limit(limit).toArray()
  }

  // Messages ----------------------------------------------------------------------------------

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    const row = await this.#messages.get(messageId)
    return row === undefined ? undefined : fromMessageRow(row)
  }

  async getMessages(messageIds: readonly string[]): Promise<(MessageRecord | undefined)[]> {
    checkLimit(Math.max(1, messageIds.length), STORE_LIMITS.conversationsMax, 'ids')
    // One bulkGet: Dexie's per-request work (a promise chain per get) was most of the
    // conversation list's time on the host, whose thread the popup shares (issue 21).
    const rows = await this.#messages.bulkGet([...messageIds])
    return rows.map((row) => (row === undefined ? undefined : fromMessageRow(row)))
  }

  async addMessage(message: MessageRecord): Promise<boolean> {
    if ((await this.#messages.get(message.messageId)) !== undefined) return false
    await this.#messages.add(toMessageRow(message))
    return true
  }

  async addMessages(messages: MessageRecord[]): Promise<string[]> {
    checkLimit(Math.max(1, messages.length), STORE_LIMITS.batchMaxMessages, 'batch size')
    const stored = await this.#messages.bulkGet(messages.map((m) => m.messageId))
    const taken = new Set<string>()
    stored.forEach((row) => row !== undefined && taken.add(row.messageId))
    const fresh: MessageRow[] = []
    for (const message of messages) {
      if (taken.has(message.messageId)) continue
      taken.add(message.messageId)
      fresh.push(toMessageRow(message))
    }
    if (fresh.length > 0) await this.#messages.bulkAdd(fresh)
    return fresh.map((row) => row.messageId)
  }

  async putMessage(message: MessageRecord): Promise<void> {
    await this.#messages.put(toMessageRow(message))
  }

  async pageMessages(conversationId: string, query: MessagePageQuery): Promise<MessageRecord[]> {
    checkLimit(query.limit, STORE_LIMITS.pageMaxMessages, 'limit')
    const [lower, newest] = prefixRange([conversationId], 3)
    const upper =
      query.before === null
        ? newest
        : [conversationId, query.before.receivedAt, query.before.messageId]
    const rows = await this.#messages
      .where('[conversationId+receivedAt+messageId]')
      .between(lower, upper, true, query.before === null)
      .reverse()
      .limit(query.limit)
      .toArray()
    return rows.map(fromMessageRow)
  }

  countUnread(conversationId: string): Promise<number> {
    const [lower, upper] = prefixRange([conversationId, 1], 3)
    return this.#messages
      .where('[conversationId+unread+receivedAt]')
      .between(lower, upper, true, true)
      .count()
  }

  async markRead(
    conversationId: string,
    upTo: MessageKey,
    readAt: number,
  ): Promise<MessageRecord[]> {
    const rows = await this.#messages
      .where('[conversationId+unread+receivedAt]')
      .between([conversationId, 1, Dexie.minKey], [conversationId, 1, upTo.receivedAt], true, true)
      .toArray()
    const marked = rows
      .filter((row) => compareMessageKeys(row, upTo) <= 0)
      .map((row) => toMessageRow({ ...fromMessageRow(row), readAt }))
    if (marked.length > 0) await this.#messages.bulkPut(marked)
    return marked.map(fromMessageRow).sort(compareMessageKeys)
  }

  // Outbox ------------------------------------------------------------------------------------

  async enqueueOutbox(item: NewOutboxRecord): Promise<number> {
    // A copy: Dexie writes the generated key back into the object it is given.
    return this.#outbox.add({ ...item })
  }

  getOutbox(seq: number): Promise<OutboxRecord | undefined> {
    return this.#outbox.get(seq)
  }

  listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    const [lower, upper] = prefixRange([conversationId], 2)
    return this.#outbox.where('[conversationId+seq]').between(lower, upper, true, true).toArray()
  }

  async outboxHeads(): Promise<OutboxRecord[]> {
    const conversations = await this.#outbox.orderBy('conversationId').uniqueKeys()
    const heads: OutboxRecord[] = []
    for (const conversationId of conversations) {
      const [lower, upper] = prefixRange([conversationId], 2)
      const head = await this.#outbox
        .where('[conversationId+seq]')
        .between(lower, upper, true, true)
        .first()
      if (head !== undefined) heads.push(head)
    }
    return heads.sort((a, b) => a.seq - b.seq)
  }

  async updateOutbox(item: OutboxRecord): Promise<void> {
    const stored = await this.#outbox.get(item.seq)
    if (stored === undefined) throw new StoreNotFoundError(`No outbox item ${item.seq}`)
    if (stored.conversationId !== item.conversationId)
      throw new StoreConstraintError('An outbox item cannot move to another conversation')
    await this.#outbox.put(item)
  }

  async deleteOutbox(seq: number): Promise<void> {
    await this.#outbox.delete(seq)
  }

  // Transfers ---------------------------------------------------------------------------------

  async putTransfer(transfer: FileTransferRecord): Promise<void> {
    await this.#transfers.put(transfer)
  }

  getTransfer(transferId: string): Promise<FileTransferRecord | undefined> {
    return this.#transfers.get(transferId)
  }

  async listTransfers(query: TransferQuery): Promise<FileTransferRecord[]> {
    const rows =
      query.conversationId === undefined
        ? await this.#transfers.toArray()
        : await this.#transfers.where('conversationId').equals(query.conversationId).toArray()
    return query.active === true
      ? rows.filter((t) => ACTIVE_TRANSFER_STATES.includes(t.state))
      : rows
  }

  // Seen ids ----------------------------------------------------------------------------------

  async markSeen(id: string, seenAt: number): Promise<boolean> {
    if ((await this.#seen.get(id)) !== undefined) return false
    await this.#seen.add({ id, seenAt })
    return true
  }

  pruneSeen(before: number): Promise<number> {
    return this.#seen.where('seenAt').below(before).delete()
  }
}

/** Opens (creating or migrating as needed) the messenger database. */
export async function openDexieStore(options: DexieStoreOptions = {}): Promise<MessengerStore> {
  const db = new Dexie(options.name ?? DATABASE_NAME, {
    indexedDB: options.indexedDB ?? indexedDB,
    IDBKeyRange: options.IDBKeyRange ?? IDBKeyRange,
    autoOpen: false,
    chromeTransactionDurability: options.durability ?? 'default',
  })
  declareSchema(db)
  if (options.sealer !== undefined) db.use(sealingMiddleware(options.sealer))
  // Declared before the database opens: an upgrade during open() writes too.
  let writes = 0
  const cache = new ReadCache({ generation: () => writes, read: (work) => run('read', work) })
  db.use(
    writeCounter(() => {
      writes++
      cache.wrote()
    }),
  )
  try {
    await db.open()
  } catch (error) {
    throw translateError(error)
  }
  // The keyring row marks an encrypted database: no data key, no access; and a data key only
  // for a database that was encrypted (encryptDatabase), never for plaintext rows.
  const encrypted = (await db.table(TABLES.keyring).get(KEYRING_ID)) !== undefined
  if (encrypted !== (options.sealer !== undefined)) {
    db.close()
    throw encrypted
      ? new StoreLockedError()
      : new AtRestStateError('This database is not encrypted: turn encryption on first')
  }
  const operations = new DexieOperations(db)

  const run = async <T>(mode: TransactionMode, work: (tx: StoreOperations) => Promise<T>) => {
    if (!db.isOpen()) throw new StoreClosedError()
    try {
      // `async`: Dexie keeps the transaction zone across native awaits only for an async scope
      // function; without it a deep await chain runs outside the transaction and IndexedDB
      // commits early (PrematureCommitError; extension/src/host/store-transactions.test.ts).
      return await db.transaction(mode === 'read' ? 'r' : 'rw', ALL_TABLES, async () =>
        work(operations),
      )
    } catch (error) {
      throw translateError(error)
    }
  }

  return {
    ...delegateOperations(run),
    transaction: async (work) => {
      const started = traceStart()
      try {
        // Each request inside it is a span too when tracing is on (`tx.<name>`).
        return await run('write', (tx) => work(traceCalls(tx, 'tx.')))
      } finally {
        traceSpan('store.transaction', started)
      }
    },
    // Inside a transaction (Dexie joins the read to it) the read may see writes that could still
    // roll back: read without keeping anything.
    cachedRead: (key, work, options) =>
      (Dexie.currentTransaction as Transaction | null) !== null
        ? run('read', work)
        : cache.get(key, work, options),
    close: () => {
      cache.close()
      db.close()
      return Promise.resolve()
    },
    // A removed companion erasing itself (ADR 0762); the keyring (at-rest data key) stays.
    erase: () =>
      run('write', async () => {
        for (const name of ALL_TABLES) if (name !== TABLES.keyring) await db.table(name).clear()
      }),
  }
}
