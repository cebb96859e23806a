// The mailboxes table has the same columns in the SQLite and the PostgreSQL store (see
// sqlite-schema.ts and pg-migrations/); one mapping from a row to the record both stores return.
import type { MailboxRecord, StoredRow } from './mailbox-store.ts'

/** A mailboxes row as either driver hands it back (SQLite: Uint8Array/number|bigint; pg: Buffer/string). */
export type MailboxRow = Record<string, unknown>

/** Copies the byte columns (a pg Buffer becomes a plain Uint8Array, so both stores compare equal). */
export function mailboxRecordOf(row: MailboxRow): MailboxRecord {
  return {
    id: new Uint8Array(row.id as Uint8Array),
    authKey: new Uint8Array(row.auth_key as Uint8Array),
    capabilityHash: new Uint8Array(row.capability_hash as Uint8Array),
    lastSeenDay: Number(row.last_seen_day),
    messageCount: Number(row.msg_count),
    byteCount: Number(row.byte_count),
  }
}

/**
 * One fetch page from the rows a store read (it asks for `limit + 1` to know whether there are
 * more): at most `limit` rows and `maxBytes` of sealed bytes (always at least one row).
 */
export function fetchPage(
  found: readonly StoredRow[],
  limit: number,
  maxBytes: number,
): { rows: StoredRow[]; more: boolean } {
  const rows: StoredRow[] = []
  let total = 0
  for (const r of found) {
    if (rows.length >= limit || (rows.length > 0 && total + r.sealed.length > maxBytes)) {
      return { rows, more: true }
    }
    total += r.sealed.length
    rows.push(r)
  }
  return { rows, more: false }
}
