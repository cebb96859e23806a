/**
 * The group operations of the Dexie store (issue 20), apart from dexie-store.ts to keep that file
 * within its size. Rows are sealed by the store's middleware like every other table (ADR 0520).
 */
import { Dexie } from 'dexie'
import type { Table } from 'dexie'
import type {
  GroupDeviceRecord,
  GroupMessageRecord,
  GroupRecord,
} from '@hestia/core/store/records.ts'
import { STORE_LIMITS, checkLimit } from '@hestia/core/store/store.ts'
import { TABLES } from './schema.ts'

interface SingletonRow {
  key: string
  value: unknown
}

const HISTORY_INDEX = '[groupId+receivedAt+messageId]'

export class DexieGroupOperations {
  readonly #groups: Table<GroupRecord, string>
  readonly #messages: Table<GroupMessageRecord, string>
  readonly #singletons: Table<SingletonRow, string>

  constructor(db: Dexie) {
    this.#groups = db.table(TABLES.groups)
    this.#messages = db.table(TABLES.groupMessages)
    this.#singletons = db.table(TABLES.singletons)
  }

  async putGroup(group: GroupRecord): Promise<void> {
    await this.#groups.put(group)
  }

  getGroup(groupId: string): Promise<GroupRecord | undefined> {
    return this.#groups.get(groupId)
  }

  listGroups(): Promise<GroupRecord[]> {
    return this.#groups.toArray()
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.#history(groupId).delete()
    await this.#groups.delete(groupId)
  }

  async addGroupMessage(message: GroupMessageRecord): Promise<boolean> {
    if ((await this.#messages.get(message.messageId)) !== undefined) return false
    await this.#messages.add(message)
    return true
  }

  getGroupMessage(messageId: string): Promise<GroupMessageRecord | undefined> {
    return this.#messages.get(messageId)
  }

  async putGroupMessage(message: GroupMessageRecord): Promise<boolean> {
    const stored = await this.#messages.get(message.messageId)
    if (stored === undefined) return false
    const { groupId, receivedAt } = stored
    await this.#messages.put({ ...message, groupId, receivedAt })
    return true
  }

  async pageGroupMessages(groupId: string, limit: number): Promise<GroupMessageRecord[]> {
    checkLimit(limit, STORE_LIMITS.pageMaxMessages, 'limit')
    const newest = await this.#history(groupId).reverse().limit(limit).toArray()
    return newest.reverse()
  }

  async getGroupDevice(): Promise<GroupDeviceRecord | undefined> {
    return (await this.#singletons.get('groupDevice'))?.value as GroupDeviceRecord | undefined
  }

  async putGroupDevice(record: GroupDeviceRecord): Promise<void> {
    await this.#singletons.put({ key: 'groupDevice', value: record })
  }

  #history(groupId: string) {
    return this.#messages
      .where(HISTORY_INDEX)
      .between([groupId, Dexie.minKey, Dexie.minKey], [groupId, Dexie.maxKey, Dexie.maxKey])
  }
}
