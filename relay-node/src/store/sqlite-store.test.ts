/**
 * MailboxStore behaviour on SQLite: the compliance suite both backends pass
 * (relay-node/test-support/mailbox-store-compliance.ts; PostgreSQL runs it in
 * tests/relay/pg-store.test.ts), and what only SQLite has to show (no rowids).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { runMailboxStoreCompliance } from '../../test-support/mailbox-store-compliance.ts'
import { SqliteMailboxStore } from './sqlite-store.ts'

const tempPath = () => join(mkdtempSync(join(tmpdir(), 'hestia-store-')), 'db.sqlite')

runMailboxStoreCompliance('SQLite', {
  shared: false,
  fresh: () => {
    const path = tempPath()
    return Promise.resolve({
      store: new SqliteMailboxStore({ path }),
      reopen: () => Promise.resolve(new SqliteMailboxStore({ path })),
      nonceRows: () => {
        const db = new DatabaseSync(path)
        try {
          return Promise.resolve(
            db
              .prepare('SELECT nonce_key, expires_bucket FROM auth_nonces')
              .all()
              .map((r) => ({
                nonceKey: r.nonce_key as Uint8Array,
                expiresBucket: Number(r.expires_bucket),
              })),
          )
        } finally {
          db.close()
        }
      },
      destroy: () => {
        rmSync(dirname(path), { recursive: true, force: true })
        return Promise.resolve()
      },
    })
  },
})

describe('SqliteMailboxStore', () => {
  test('no table has a rowid: nothing records the order rows were written in', async () => {
    const path = tempPath()
    const store = new SqliteMailboxStore({ path })
    await store.close()
    const db = new DatabaseSync(path)
    const tables = db
      .prepare(
        "SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'",
      )
      .all()
    db.close()
    assert.deepEqual(tables.map((t) => t.name).sort(), [
      'auth_nonces',
      'mailboxes',
      'messages',
      'meta',
      'one_time_prekeys',
      'prekey_bundles',
    ])
    for (const t of tables) assert.equal(t.wr, 1, `${String(t.name)} is WITHOUT ROWID`)
  })
})
