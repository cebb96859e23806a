/**
 * In-memory MessengerStore for Node tests and the CLI. Same semantics as the Dexie store (the
 * compliance suite checks both): records are copied in and out (structured clone, like IndexedDB),
 * transactions are serialised and roll back on a throw through an undo journal, and history and
 * unread lookups go through sorted indexes, so paging stays O(log n + limit).
 *
 * ```ts
 * const backing = createMemoryBacking()      // outlives a store: reopen to simulate a restart
 * const store = openMemoryStore(backing)
 * await store.putSettings(defaultSettings())
 * await store.close()
 * const again = openMemoryStore(backing)    // same data
 * ```
 */
import { delegateOperations } from './delegate.ts'
import type { TransactionMode } from './delegate.ts'
import { ACTIVE_TRANSFER_STATES, compareMessageKeys } from './records.ts'
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
} from './records.ts'
import {
  STORE_LIMITS,
  StoreClosedError,
  StoreConflictError,
  StoreConstraintError,
  StoreError,
  StoreNotFoundError,
  checkLimit,
} from './store.ts'
import type { MessagePageQuery, MessengerStore, StoreOperations, TransferQuery } from './store.ts'

import {
  createMemoryBacking,
  pair,
  Table,
  type MemoryBacking,
  type Undo,
} from './memory-backing.ts'

import { MemoryGroupOperations } from './memory-groups.ts'
import { ReadCache } from './read-cache.ts'

export { createMemoryBacking, MemoryBacking } from './memory-backing.ts'

/** Copy in and out, as IndexedDB does: callers never share objects with the store. */
function copy<T>(value: T): T {
  return structuredClone(value)
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * The operations, bound to one transaction's journal. The work is synchronous, but the methods are
 * async so that a failure is a rejected promise, exactly as with IndexedDB.
 */
/* eslint-disable @typescript-eslint/require-await */
class MemoryTransaction implements StoreOperations {
  readonly #db: MemoryBacking
  readonly #journal: Undo[]
  #open = true

  constructor(db: MemoryBacking, journal: Undo[]) {
    this.#db = db
    this.#journal = journal
    this.#groups = new MemoryGroupOperations({
      data: () => this.#data(),
      write: (table, key, next) => this.#write(table, key, next),
    })
  }

  readonly #groups: MemoryGroupOperations
  readonly putGroup: StoreOperations['putGroup'] = (g) => this.#groups.putGroup(g)
  readonly getGroup: StoreOperations['getGroup'] = (id) => this.#groups.getGroup(id)
  readonly listGroups: StoreOperations['listGroups'] = () => this.#groups.listGroups()
  readonly deleteGroup: StoreOperations['deleteGroup'] = (id) => this.#groups.deleteGroup(id)
  readonly addGroupMessage: StoreOperations['addGroupMessage'] = (m) =>
    this.#groups.addGroupMessage(m)
  readonly pageGroupMessages: StoreOperations['pageGroupMessages'] = (id, limit) =>
    this.#groups.pageGroupMessages(id, limit)
  readonly getGroupMessage: StoreOperations['getGroupMessage'] = (id) =>
    this.#groups.getGroupMessage(id)
  readonly putGroupMessage: StoreOperations['putGroupMessage'] = (m) =>
    this.#groups.putGroupMessage(m)
  readonly getGroupDevice: StoreOperations['getGroupDevice'] = () => this.#groups.getGroupDevice()
  readonly putGroupDevice: StoreOperations['putGroupDevice'] = (r) => this.#groups.putGroupDevice(r)

  end(): void {
    this.#open = false
  }

  #data(): MemoryBacking {
    // A tx used after its transaction ended would write outside any isolation.
    if (!this.#open) throw new StoreClosedError()
    return this.#db
  }

  #write<V>(table: Table<V>, key: string, next: V | undefined): void {
    table.write(key, next === undefined ? undefined : copy(next), this.#journal)
  }

  // Identity ----------------------------------------------------------------------------------

  async getIdentity(): Promise<IdentityRecord | undefined> {
    return copy(this.#data().singletons.get('identity') as IdentityRecord)
  }

  async putIdentity(identity: IdentityRecord): Promise<void> {
    this.#write(this.#data().singletons, 'identity', identity)
  }

  // Devices -----------------------------------------------------------------------------------

  async putDevice(device: DeviceRecord): Promise<void> {
    this.#write(this.#data().devices, pair(device.ownerId, device.deviceId), device)
  }

  async getDevice(ownerId: DeviceOwner, deviceId: string): Promise<DeviceRecord | undefined> {
    return copy(this.#data().devices.get(pair(ownerId, deviceId)))
  }

  async listDevices(ownerId: DeviceOwner): Promise<DeviceRecord[]> {
    const db = this.#data()
    const ids = [...(db.devicesByOwner.map.get(ownerId) ?? [])].sort(byString)
    return ids.map((id) => copy(db.devices.get(pair(ownerId, id)) as DeviceRecord))
  }

  async deleteDevice(ownerId: DeviceOwner, deviceId: string): Promise<void> {
    this.#write(this.#data().devices, pair(ownerId, deviceId), undefined)
  }

  // Contacts ----------------------------------------------------------------------------------

  async putContact(contact: ContactRecord): Promise<void> {
    const db = this.#data()
    const byKey = db.contactByKey.get(contact.identityKeyId)
    if (byKey !== undefined && byKey !== contact.contactId)
      throw new StoreConstraintError(`Identity key already belongs to contact ${byKey}`)
    if (contact.inboundMailboxId !== null) {
      const byMailbox = db.contactByMailbox.get(contact.inboundMailboxId)
      if (byMailbox !== undefined && byMailbox !== contact.contactId)
        throw new StoreConstraintError(`Mailbox already belongs to contact ${byMailbox}`)
    }
    this.#write(db.contacts, contact.contactId, contact)
  }

  async getContact(contactId: string): Promise<ContactRecord | undefined> {
    return copy(this.#data().contacts.get(contactId))
  }

  async getContactByIdentityKey(identityKeyId: string): Promise<ContactRecord | undefined> {
    const db = this.#data()
    const id = db.contactByKey.get(identityKeyId)
    return id === undefined ? undefined : copy(db.contacts.get(id))
  }

  async getContactByInboundMailbox(mailboxId: string): Promise<ContactRecord | undefined> {
    const db = this.#data()
    const id = db.contactByMailbox.get(mailboxId)
    return id === undefined ? undefined : copy(db.contacts.get(id))
  }

  async listContacts(): Promise<ContactRecord[]> {
    const rows = [...this.#data().contacts.rows.values()]
    return rows.sort((a, b) => byString(a.contactId, b.contactId)).map(copy)
  }

  async deleteContact(contactId: string): Promise<void> {
    const db = this.#data()
    for (const deviceId of [...(db.devicesByOwner.map.get(contactId) ?? [])])
      this.#write(db.devices, pair(contactId, deviceId), undefined)
    for (const deviceId of [...(db.sessionsByContact.map.get(contactId) ?? [])])
      this.#write(db.sessions, pair(contactId, deviceId), undefined)
    const conversationId = db.conversationByContact.get(contactId)
    if (conversationId !== undefined) {
      for (const key of [...(db.history.get(conversationId)?.items ?? [])])
        this.#write(db.messages, key.messageId, undefined)
      for (const seq of [...(db.outboxByConversation.get(conversationId)?.items ?? [])])
        this.#write(db.outbox, String(seq), undefined)
      for (const transferId of [...(db.transfersByConversation.map.get(conversationId) ?? [])])
        this.#write(db.transfers, transferId, undefined)
      this.#write(db.conversations, conversationId, undefined)
    }
    this.#write(db.contacts, contactId, undefined)
  }

  // Sessions ----------------------------------------------------------------------------------

  async getSession(contactId: string, deviceId: string): Promise<SessionRecord | undefined> {
    return copy(this.#data().sessions.get(pair(contactId, deviceId)))
  }

  async listSessions(contactId: string): Promise<SessionRecord[]> {
    const db = this.#data()
    const ids = [...(db.sessionsByContact.map.get(contactId) ?? [])].sort(byString)
    return ids.map((id) => copy(db.sessions.get(pair(contactId, id)) as SessionRecord))
  }

  async putSession(session: SessionRecord, expectedVersion: number | null): Promise<void> {
    const db = this.#data()
    const key = pair(session.contactId, session.deviceId)
    const stored = db.sessions.get(key)?.version ?? null
    if (stored !== expectedVersion)
      throw new StoreConflictError(
        `Session ${session.contactId}/${session.deviceId} is at version ${stored}, not ${expectedVersion}`,
      )
    this.#write(db.sessions, key, session)
  }

  async deleteSession(contactId: string, deviceId: string): Promise<void> {
    this.#write(this.#data().sessions, pair(contactId, deviceId), undefined)
  }

  // Conversations -----------------------------------------------------------------------------

  async putConversation(conversation: ConversationRecord): Promise<void> {
    const db = this.#data()
    const existing = db.conversationByContact.get(conversation.contactId)
    if (existing !== undefined && existing !== conversation.conversationId)
      throw new StoreConstraintError(`Contact already has conversation ${existing}`)
    this.#write(db.conversations, conversation.conversationId, conversation)
  }

  async getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
    return copy(this.#data().conversations.get(conversationId))
  }

  async getConversationByContact(contactId: string): Promise<ConversationRecord | undefined> {
    const db = this.#data()
    const id = db.conversationByContact.get(contactId)
    return id === undefined ? undefined : copy(db.conversations.get(id))
  }

  async listConversations(limit: number): Promise<ConversationRecord[]> {
    checkLimit(limit, STORE_LIMITS.conversationsMax, 'limit')
    const rows = [...this.#data().conversations.rows.values()]
    rows.sort(
      (a, b) => b.lastActivityAt - a.lastActivityAt || byString(b.conversationId, a.conversationId),
    )
    return rows.slice(0, limit).map(copy)
  }

  // Messages ----------------------------------------------------------------------------------

  async getMessage(messageId: string): Promise<MessageRecord | undefined> {
    return copy(this.#data().messages.get(messageId))
  }

  async getMessages(messageIds: readonly string[]): Promise<(MessageRecord | undefined)[]> {
    checkLimit(Math.max(1, messageIds.length), STORE_LIMITS.conversationsMax, 'ids')
    const messages = this.#data().messages
    return messageIds.map((id) => copy(messages.get(id)))
  }

  async addMessage(message: MessageRecord): Promise<boolean> {
    const db = this.#data()
    if (db.messages.get(message.messageId) !== undefined) return false
    this.#write(db.messages, message.messageId, message)
    return true
  }

  async addMessages(messages: MessageRecord[]): Promise<string[]> {
    checkLimit(Math.max(1, messages.length), STORE_LIMITS.batchMaxMessages, 'batch size')
    const added: string[] = []
    for (const message of messages)
      if (await this.addMessage(message)) added.push(message.messageId)
    return added
  }

  async putMessage(message: MessageRecord): Promise<void> {
    this.#write(this.#data().messages, message.messageId, message)
  }

  async pageMessages(conversationId: string, query: MessagePageQuery): Promise<MessageRecord[]> {
    checkLimit(query.limit, STORE_LIMITS.pageMaxMessages, 'limit')
    const db = this.#data()
    const list = db.history.get(conversationId)
    if (list === undefined) return []
    const end = query.before === null ? list.items.length : list.lowerBound(query.before)
    const start = Math.max(0, end - query.limit)
    const page: MessageRecord[] = []
    for (let i = end - 1; i >= start; i--) {
      const key = list.items[i]
      if (key !== undefined) page.push(copy(db.messages.get(key.messageId) as MessageRecord))
    }
    return page
  }

  async countUnread(conversationId: string): Promise<number> {
    return this.#data().unread.map.get(conversationId)?.size ?? 0
  }

  async markRead(
    conversationId: string,
    upTo: MessageKey,
    readAt: number,
  ): Promise<MessageRecord[]> {
    const db = this.#data()
    const marked: MessageRecord[] = []
    for (const messageId of [...(db.unread.map.get(conversationId) ?? [])]) {
      const message = db.messages.get(messageId)
      if (message === undefined || compareMessageKeys(message, upTo) > 0) continue
      const updated = { ...message, readAt }
      this.#write(db.messages, messageId, updated)
      marked.push(copy(updated))
    }
    return marked.sort(compareMessageKeys)
  }

  // Outbox ------------------------------------------------------------------------------------

  async enqueueOutbox(item: NewOutboxRecord): Promise<number> {
    const db = this.#data()
    const seq = ((db.singletons.get('outboxSeq') as number | undefined) ?? 0) + 1
    this.#write(db.singletons, 'outboxSeq', seq)
    this.#write(db.outbox, String(seq), { ...item, seq })
    return seq
  }

  async getOutbox(seq: number): Promise<OutboxRecord | undefined> {
    return copy(this.#data().outbox.get(String(seq)))
  }

  async listOutbox(conversationId: string): Promise<OutboxRecord[]> {
    const db = this.#data()
    const seqs = db.outboxByConversation.get(conversationId)?.items ?? []
    return seqs.map((seq) => copy(db.outbox.get(String(seq)) as OutboxRecord))
  }

  async outboxHeads(): Promise<OutboxRecord[]> {
    const db = this.#data()
    const heads: OutboxRecord[] = []
    for (const list of db.outboxByConversation.values()) {
      const first = list.items[0]
      if (first !== undefined) heads.push(copy(db.outbox.get(String(first)) as OutboxRecord))
    }
    return heads.sort((a, b) => a.seq - b.seq)
  }

  async updateOutbox(item: OutboxRecord): Promise<void> {
    const db = this.#data()
    const stored = db.outbox.get(String(item.seq))
    if (stored === undefined) throw new StoreNotFoundError(`No outbox item ${item.seq}`)
    if (stored.conversationId !== item.conversationId)
      throw new StoreConstraintError('An outbox item cannot move to another conversation')
    this.#write(db.outbox, String(item.seq), item)
  }

  async deleteOutbox(seq: number): Promise<void> {
    this.#write(this.#data().outbox, String(seq), undefined)
  }

  // Settings ----------------------------------------------------------------------------------

  async getSettings(): Promise<SettingsRecord | undefined> {
    return copy(this.#data().singletons.get('settings') as SettingsRecord)
  }

  async putSettings(settings: SettingsRecord): Promise<void> {
    this.#write(this.#data().singletons, 'settings', settings)
  }

  async getRelayInstances(): Promise<RelayInstancesRecord | undefined> {
    return copy(this.#data().singletons.get('relayInstances') as RelayInstancesRecord)
  }

  async putRelayInstances(record: RelayInstancesRecord): Promise<void> {
    this.#write(this.#data().singletons, 'relayInstances', record)
  }

  // Transfers ---------------------------------------------------------------------------------

  async putTransfer(transfer: FileTransferRecord): Promise<void> {
    this.#write(this.#data().transfers, transfer.transferId, transfer)
  }

  async getTransfer(transferId: string): Promise<FileTransferRecord | undefined> {
    return copy(this.#data().transfers.get(transferId))
  }

  async listTransfers(query: TransferQuery): Promise<FileTransferRecord[]> {
    const db = this.#data()
    let rows =
      query.conversationId === undefined
        ? [...db.transfers.rows.values()]
        : [...(db.transfersByConversation.map.get(query.conversationId) ?? [])].map(
            (id) => db.transfers.get(id) as FileTransferRecord,
          )
    if (query.active === true) rows = rows.filter((t) => ACTIVE_TRANSFER_STATES.includes(t.state))
    return rows.sort((a, b) => byString(a.transferId, b.transferId)).map(copy)
  }

  // Seen ids ----------------------------------------------------------------------------------

  async markSeen(id: string, seenAt: number): Promise<boolean> {
    const db = this.#data()
    if (db.seen.get(id) !== undefined) return false
    this.#write(db.seen, id, seenAt)
    return true
  }

  async pruneSeen(before: number): Promise<number> {
    const db = this.#data()
    let pruned = 0
    for (const [id, seenAt] of [...db.seen.rows]) {
      if (seenAt < before) {
        this.#write(db.seen, id, undefined)
        pruned++
      }
    }
    return pruned
  }
}

/* eslint-enable @typescript-eslint/require-await */

export interface MemoryStoreOptions {
  /**
   * How long a call may wait for the running transaction before failing (default 10 s). Memory
   * transactions take microseconds, so a long wait means a deadlock: a `store.x()` call inside
   * `store.transaction()` waits for the transaction that waits for it. (The Dexie store joins such
   * calls to the running transaction instead.)
   */
  lockTimeoutMs?: number
}

/** Opens a store over `backing` (a fresh one by default). */
export function openMemoryStore(
  backing: MemoryBacking = createMemoryBacking(),
  options: MemoryStoreOptions = {},
): MessengerStore {
  const lockTimeoutMs = options.lockTimeoutMs ?? 10_000
  let closed = false
  const cache = new ReadCache({
    generation: () => backing.writes,
    read: (work) => run('read', work),
  })

  /** Waits for `previous`; rejects (leaving the queue order intact) if that takes too long. */
  const acquire = (previous: Promise<void>, release: () => void): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Give up our turn only once the holder is done, so nothing runs concurrently with it.
        void previous.then(release)
        reject(
          new StoreError(
            'failed',
            `Waited ${lockTimeoutMs} ms for another transaction. Inside store.transaction(work), ` +
              'call the methods of its tx argument, not of the store: the store waits for the ' +
              'transaction, which waits for the store.',
          ),
        )
      }, lockTimeoutMs)
      void previous.then(() => {
        clearTimeout(timer)
        resolve()
      })
    })

  const run = async <T>(mode: TransactionMode, work: (tx: StoreOperations) => Promise<T>) => {
    if (closed) throw new StoreClosedError()
    const previous = backing.tail
    let release: () => void = () => {}
    backing.tail = new Promise<void>((resolve) => (release = resolve))
    await acquire(previous, release)
    const journal: Undo[] = []
    const tx = new MemoryTransaction(backing, journal)
    try {
      const result = await work(tx)
      // As IndexedDB refuses a write in a read-only transaction (the read cache relies on it).
      if (mode === 'read' && journal.length > 0) {
        throw new StoreError('failed', 'a read-only transaction wrote')
      }
      return result
    } catch (error) {
      for (let i = journal.length - 1; i >= 0; i--) journal[i]?.()
      throw error
    } finally {
      tx.end()
      // Before the next transaction may run: a value read from now on is read after this write.
      if (journal.length > 0) {
        backing.writes++
        cache.wrote()
      }
      release()
    }
  }

  return {
    ...delegateOperations(run),
    transaction: (work) => run('write', work),
    cachedRead: (key, work, options) => cache.get(key, work, options),
    close: () => {
      closed = true
      cache.close()
      return Promise.resolve()
    },
    // Through each table's write, so its indexes follow; in turn with the transactions.
    erase: () =>
      run('write', () => {
        const journal: Undo[] = []
        for (const table of Object.values(backing))
          if (table instanceof Table)
            for (const key of [...table.rows.keys()]) table.write(key, undefined, journal)
        backing.writes++
        return Promise.resolve()
      }),
  }
}
