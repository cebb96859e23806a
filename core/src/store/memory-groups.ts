/**
 * The group operations of the memory store (issue 20), kept apart from memory-store.ts so each
 * file stays one screenful of concerns. Same semantics as the Dexie store's (compliance suite).
 */
import type { GroupDeviceRecord, GroupMessageRecord, GroupRecord } from './records.ts'
import { STORE_LIMITS, checkLimit } from './store.ts'
import type { MemoryBacking, Table } from './memory-backing.ts'

export interface MemoryAccess {
  data(): MemoryBacking
  write<V>(table: Table<V>, key: string, next: V | undefined): void
}

function copy<T>(value: T): T {
  return structuredClone(value)
}

/* eslint-disable @typescript-eslint/require-await */
export class MemoryGroupOperations {
  readonly #db: MemoryAccess

  constructor(db: MemoryAccess) {
    this.#db = db
  }

  async putGroup(group: GroupRecord): Promise<void> {
    this.#db.write(this.#db.data().groups, group.groupId, group)
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return copy(this.#db.data().groups.get(groupId))
  }

  async listGroups(): Promise<GroupRecord[]> {
    const rows = [...this.#db.data().groups.rows.values()]
    return rows.sort((a, b) => (a.groupId < b.groupId ? -1 : 1)).map(copy)
  }

  async deleteGroup(groupId: string): Promise<void> {
    const db = this.#db.data()
    const keys = [...(db.groupHistory.get(groupId)?.items ?? [])]
    for (const k of keys) this.#db.write(db.groupMessages, k.messageId, undefined)
    this.#db.write(db.groups, groupId, undefined)
  }

  async addGroupMessage(message: GroupMessageRecord): Promise<boolean> {
    const db = this.#db.data()
    if (db.groupMessages.get(message.messageId) !== undefined) return false
    this.#db.write(db.groupMessages, message.messageId, message)
    return true
  }

  async getGroupMessage(messageId: string): Promise<GroupMessageRecord | undefined> {
    return copy(this.#db.data().groupMessages.get(messageId))
  }

  async putGroupMessage(message: GroupMessageRecord): Promise<boolean> {
    const db = this.#db.data()
    const stored = db.groupMessages.get(message.messageId)
    if (stored === undefined) return false
    const { groupId, receivedAt } = stored
    this.#db.write(db.groupMessages, message.messageId, { ...message, groupId, receivedAt })
    return true
  }

  async pageGroupMessages(groupId: string, limit: number): Promise<GroupMessageRecord[]> {
    checkLimit(limit, STORE_LIMITS.pageMaxMessages, 'limit')
    const db = this.#db.data()
    const keys = db.groupHistory.get(groupId)?.items ?? []
    return keys
      .slice(Math.max(0, keys.length - limit))
      .map((k) => copy(db.groupMessages.get(k.messageId) as GroupMessageRecord))
  }

  async getGroupDevice(): Promise<GroupDeviceRecord | undefined> {
    return copy(this.#db.data().singletons.get('groupDevice') as GroupDeviceRecord | undefined)
  }

  async putGroupDevice(record: GroupDeviceRecord): Promise<void> {
    this.#db.write(this.#db.data().singletons, 'groupDevice', record)
  }
}
/* eslint-enable @typescript-eslint/require-await */
