/**
 * The data behind a memory store (memory-store.ts): keyed tables whose writes are journaled for
 * rollback, and the secondary indexes they keep current (sorted history per conversation, unread
 * sets, outbox order). A MemoryBacking outlives the stores opened on it, so a test can "restart".
 */
import { compareMessageKeys, isUnread } from './records.ts'
import type {
  ContactRecord,
  ConversationRecord,
  DeviceRecord,
  FileTransferRecord,
  GroupMessageRecord,
  GroupRecord,
  MessageKey,
  MessageRecord,
  OutboxRecord,
  SessionRecord,
} from './records.ts'

export type Undo = () => void

/** A keyed table whose writes are journaled for rollback and drive its secondary indexes. */
export class Table<V> {
  readonly rows = new Map<string, V>()
  readonly #onChange: (previous: V | undefined, next: V | undefined) => void

  constructor(onChange: (previous: V | undefined, next: V | undefined) => void = () => {}) {
    this.#onChange = onChange
  }

  get(key: string): V | undefined {
    return this.rows.get(key)
  }

  write(key: string, next: V | undefined, journal: Undo[]): void {
    const previous = this.rows.get(key)
    this.#apply(key, previous, next)
    journal.push(() => this.#apply(key, next, previous))
  }

  #apply(key: string, previous: V | undefined, next: V | undefined): void {
    if (next === undefined) this.rows.delete(key)
    else this.rows.set(key, next)
    this.#onChange(previous, next)
  }
}

/** Sorted array with binary-search insert/remove. */
class SortedList<T> {
  readonly items: T[] = []
  readonly #compare: (a: T, b: T) => number

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare
  }

  /** Index of the first item >= probe. */
  lowerBound(probe: T): number {
    let low = 0
    let high = this.items.length
    while (low < high) {
      const mid = (low + high) >>> 1
      if (this.#compare(this.items[mid] as T, probe) < 0) low = mid + 1
      else high = mid
    }
    return low
  }

  insert(item: T): void {
    this.items.splice(this.lowerBound(item), 0, item)
  }

  remove(item: T): void {
    const index = this.lowerBound(item)
    const found = this.items[index]
    if (found !== undefined && this.#compare(found, item) === 0) this.items.splice(index, 1)
  }
}

/** The key of a record keyed by two ids (owner + device, contact + device). */
export function pair(a: string, b: string): string {
  return `${a}\u0000${b}`
}

function multiIndex<K>(): {
  map: Map<string, Set<K>>
  add: (group: string, key: K) => void
  remove: (group: string, key: K) => void
} {
  const map = new Map<string, Set<K>>()
  return {
    map,
    add: (group, key) => {
      let set = map.get(group)
      if (set === undefined) map.set(group, (set = new Set()))
      set.add(key)
    },
    remove: (group, key) => {
      const set = map.get(group)
      set?.delete(key)
      if (set?.size === 0) map.delete(group)
    },
  }
}

/** The data of a memory store. Keep it to reopen a store with the same contents. */
export class MemoryBacking {
  readonly singletons = new Table<unknown>()
  readonly devicesByOwner = multiIndex<string>()
  readonly devices = new Table<DeviceRecord>((prev, next) => {
    if (prev) this.devicesByOwner.remove(prev.ownerId, prev.deviceId)
    if (next) this.devicesByOwner.add(next.ownerId, next.deviceId)
  })
  readonly contactByKey = new Map<string, string>()
  readonly contactByMailbox = new Map<string, string>()
  readonly contacts = new Table<ContactRecord>((prev, next) => {
    if (prev) this.contactByKey.delete(prev.identityKeyId)
    if (prev?.inboundMailboxId != null) this.contactByMailbox.delete(prev.inboundMailboxId)
    if (next) this.contactByKey.set(next.identityKeyId, next.contactId)
    if (next?.inboundMailboxId != null)
      this.contactByMailbox.set(next.inboundMailboxId, next.contactId)
  })
  readonly sessionsByContact = multiIndex<string>()
  readonly sessions = new Table<SessionRecord>((prev, next) => {
    if (prev) this.sessionsByContact.remove(prev.contactId, prev.deviceId)
    if (next) this.sessionsByContact.add(next.contactId, next.deviceId)
  })
  readonly conversationByContact = new Map<string, string>()
  readonly conversations = new Table<ConversationRecord>((prev, next) => {
    if (prev) this.conversationByContact.delete(prev.contactId)
    if (next) this.conversationByContact.set(next.contactId, next.conversationId)
  })
  readonly history = new Map<string, SortedList<MessageKey>>()
  readonly unread = multiIndex<string>()
  readonly messages = new Table<MessageRecord>((prev, next) => {
    if (prev) {
      this.history.get(prev.conversationId)?.remove(prev)
      this.unread.remove(prev.conversationId, prev.messageId)
    }
    if (next) {
      let list = this.history.get(next.conversationId)
      if (list === undefined)
        this.history.set(next.conversationId, (list = new SortedList(compareMessageKeys)))
      list.insert({ receivedAt: next.receivedAt, messageId: next.messageId })
      if (isUnread(next)) this.unread.add(next.conversationId, next.messageId)
    }
  })
  readonly outboxByConversation = new Map<string, SortedList<number>>()
  readonly outbox = new Table<OutboxRecord>((prev, next) => {
    if (prev) this.outboxByConversation.get(prev.conversationId)?.remove(prev.seq)
    if (next) {
      let list = this.outboxByConversation.get(next.conversationId)
      if (list === undefined)
        this.outboxByConversation.set(next.conversationId, (list = new SortedList((a, b) => a - b)))
      list.insert(next.seq)
    }
  })
  readonly transfersByConversation = multiIndex<string>()
  readonly transfers = new Table<FileTransferRecord>((prev, next) => {
    if (prev) this.transfersByConversation.remove(prev.conversationId, prev.transferId)
    if (next) this.transfersByConversation.add(next.conversationId, next.transferId)
  })
  readonly seen = new Table<number>()
  readonly groups = new Table<GroupRecord>()
  /** Group history per group, in (receivedAt, messageId) order. */
  readonly groupHistory = new Map<string, SortedList<MessageKey>>()
  readonly groupMessages = new Table<GroupMessageRecord>((prev, next) => {
    if (prev) this.groupHistory.get(prev.groupId)?.remove(prev)
    if (next) {
      let list = this.groupHistory.get(next.groupId)
      if (list === undefined)
        this.groupHistory.set(next.groupId, (list = new SortedList(compareMessageKeys)))
      list.insert({ receivedAt: next.receivedAt, messageId: next.messageId })
    }
  })
  /** Serialises transactions. */
  tail: Promise<void> = Promise.resolve()
  /**
   * Transactions that wrote, counted by every store over this backing (two stores may share one):
   * what a store's read cache checks its kept values against (read-cache.ts).
   */
  writes = 0
}

export function createMemoryBacking(): MemoryBacking {
  return new MemoryBacking()
}
