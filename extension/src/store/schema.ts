/**
 * The IndexedDB schema of the messenger store, one entry per version. Versions are append-only:
 * never edit a shipped version, add the next one (with an `upgrade` when existing rows need new
 * data) and a migration test in schema.test.ts.
 *
 * Index notes: IndexedDB orders equal index keys by primary key; compound keys make history pages
 * and unread lookups range queries (O(log n + page)) instead of scans.
 */
import type { Dexie, Transaction } from 'dexie'
import { isUnread } from '@hestia/core/store/records.ts'
import type { MessageRecord } from '@hestia/core/store/records.ts'

export const DATABASE_NAME = 'hestia-messenger'

export const TABLES = {
  singletons: 'singletons',
  devices: 'devices',
  contacts: 'contacts',
  sessions: 'sessions',
  conversations: 'conversations',
  messages: 'messages',
  outbox: 'outbox',
  transfers: 'transfers',
  seen: 'seen',
  keyring: 'keyring',
  groups: 'groups',
  groupMessages: 'groupMessages',
} as const

export const ALL_TABLES: readonly string[] = Object.values(TABLES)

export interface SchemaVersion {
  version: number
  /** What changed, for the reader of a migration failure. */
  summary: string
  /** Dexie store specs: only the tables that change in this version. */
  stores: Record<string, string | null>
  upgrade?: (tx: Transaction) => Promise<void>
}

/** A message row as stored since v2: the record plus its unread flag (0|1, booleans are not keys). */
export type MessageRow = MessageRecord & { unread: 0 | 1 }

export function toMessageRow(message: MessageRecord): MessageRow {
  return { ...message, unread: isUnread(message) ? 1 : 0 }
}

export const SCHEMA_VERSIONS: readonly SchemaVersion[] = [
  {
    version: 1,
    summary: 'initial tables',
    stores: {
      singletons: 'key',
      devices: '[ownerId+deviceId], ownerId',
      contacts: 'contactId, &identityKeyId, &inboundMailboxId',
      sessions: '[contactId+deviceId], contactId',
      conversations: 'conversationId, &contactId, lastActivityAt',
      messages: 'messageId, [conversationId+receivedAt+messageId]',
      outbox: '++seq, conversationId, [conversationId+seq]',
      transfers: 'transferId, conversationId',
      seen: 'id, seenAt',
    },
  },
  {
    version: 2,
    summary:
      'messages gain an unread flag and an [conversationId+unread+receivedAt] index, so unread ' +
      'counts and mark-read are index ranges instead of scans of the whole history',
    stores: {
      messages:
        'messageId, [conversationId+receivedAt+messageId], [conversationId+unread+receivedAt]',
    },
    upgrade: async (tx) => {
      await tx
        .table<MessageRow, string>(TABLES.messages)
        .toCollection()
        .modify((row) => {
          row.unread = isUnread(row) ? 1 : 0
        })
    },
  },
  {
    version: 3,
    summary:
      'a keyring table for the passphrase-wrapped data key (ADR 0520); it stays in clear so the ' +
      'store can be unlocked, and lives in this database so sealing it and its rows is one commit',
    stores: { keyring: 'id' },
  },
  {
    version: 4,
    summary:
      'groups (issue 20): one row per group (MLS state, group mailbox credentials, cursor) and ' +
      'its history, paged by [groupId+receivedAt+messageId] like 1:1 history',
    stores: { groups: 'groupId', groupMessages: 'messageId, [groupId+receivedAt+messageId]' },
  },
]

export const LATEST_VERSION = SCHEMA_VERSIONS.length

/** Declares versions 1..upTo on `db` (tests open older versions to exercise migrations). */
export function declareSchema(db: Dexie, upTo: number = LATEST_VERSION): void {
  for (const entry of SCHEMA_VERSIONS) {
    if (entry.version > upTo) break
    const version = db.version(entry.version).stores(entry.stores)
    const upgrade = entry.upgrade
    if (upgrade !== undefined) version.upgrade((tx) => upgrade(tx))
  }
}
