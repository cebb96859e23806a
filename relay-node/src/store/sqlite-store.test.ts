/**
 * MailboxStore behaviour, run against SQLite. Written against the interface only, so the same suite
 * can run against a PostgreSQL backend later (docs/adr/0201-relay-storage.md).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { DatabaseSync } from 'node:sqlite'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MailboxStore, QuotaLimits } from './mailbox-store.ts'
import { NONCE_BUCKET_MS } from './nonce-key.ts'
import { SqliteMailboxStore } from './sqlite-store.ts'

const limits: QuotaLimits = {
  maxMessagesPerMailbox: 4,
  maxBytesPerMailbox: 4096,
  maxTotalBytes: 6000,
}
const id = (n: number) => new Uint8Array(32).fill(n)
const key = new Uint8Array(32).fill(9)
const cap = new Uint8Array(32).fill(8)

function open(path = join(mkdtempSync(join(tmpdir(), 'hestia-store-')), 'db.sqlite')): {
  store: MailboxStore
  path: string
} {
  return { store: new SqliteMailboxStore({ path }), path }
}

describe('SqliteMailboxStore', () => {
  test('create is idempotent for the same key and refuses another key', async () => {
    const { store } = open()
    assert.equal(
      await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 }),
      'created',
    )
    assert.equal(
      await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 }),
      'exists_same',
    )
    assert.equal(
      await store.createMailbox({
        id: id(1),
        authKey: new Uint8Array(32),
        capabilityHash: cap,
        nowDay: 1,
      }),
      'exists_other',
    )
    await store.close()
  })

  test('acknowledged deposits survive closing and reopening, in order, with per-mailbox ids', async () => {
    const { store, path } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    await store.createMailbox({ id: id(2), authKey: key, capabilityHash: cap, nowDay: 1 })
    // Concurrent deposits share one group commit.
    const outcomes = await Promise.all(
      [1, 2, 1, 2, 1].map((m, i) =>
        store.deposit(
          { mailboxId: id(m), sealed: new Uint8Array(100).fill(i), expiresAt: 10_000 },
          limits,
        ),
      ),
    )
    assert.deepEqual(
      outcomes.map((o) => (o.ok ? o.id : o.reason)),
      [1n, 1n, 2n, 2n, 3n],
    )
    await store.close()
    const reopened = new SqliteMailboxStore({ path })
    const { rows } = await reopened.fetch(id(1), 0, 10, 1e9)
    assert.deepEqual(
      rows.map((r) => [r.id, r.sealed[0]]),
      [
        [1n, 0],
        [2n, 2],
        [3n, 4],
      ],
    )
    await reopened.close()
  })

  test('quotas: per-mailbox count and bytes, then the global byte cap; ack frees room', async () => {
    const { store } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    await store.createMailbox({ id: id(2), authKey: key, capabilityHash: cap, nowDay: 1 })
    const dep = (m: number, size: number) =>
      store.deposit({ mailboxId: id(m), sealed: new Uint8Array(size), expiresAt: 10_000 }, limits)
    for (let i = 0; i < 4; i++) assert.ok((await dep(1, 1000)).ok)
    assert.deepEqual(await dep(1, 10), { ok: false, reason: 'mailbox_full' })
    assert.ok((await dep(2, 1000)).ok)
    assert.deepEqual(await dep(2, 1500), { ok: false, reason: 'relay_full' })
    assert.equal(await store.ack(id(1), [1n, 2n, 99n]), 2)
    assert.ok((await dep(2, 1500)).ok)
    assert.deepEqual(await store.stats(), {
      mailboxes: 2,
      messages: 4,
      bytes: 4500,
      oneTimePrekeys: 0,
    })
    assert.deepEqual(await dep(3, 10), { ok: false, reason: 'unknown_mailbox' })
    await store.close()
  })

  test('fetch skips expired rows and bounds the bytes it returns', async () => {
    const { store } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    await store.deposit({ mailboxId: id(1), sealed: new Uint8Array(500), expiresAt: 100 }, limits)
    await store.deposit({ mailboxId: id(1), sealed: new Uint8Array(500), expiresAt: 1000 }, limits)
    await store.deposit({ mailboxId: id(1), sealed: new Uint8Array(500), expiresAt: 1000 }, limits)
    const r = await store.fetch(id(1), 200, 10, 600)
    assert.deepEqual(
      r.rows.map((x) => x.id),
      [2n],
    )
    assert.equal(r.more, true)
    const swept = await store.sweep(200, 0)
    assert.equal(swept.messages, 1)
    assert.equal((await store.stats()).messages, 2)
    await store.close()
  })

  test('a nonce is accepted once per mailbox, kept until its bucket ends, stored only as a hash', async () => {
    const { store, path } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    await store.createMailbox({ id: id(2), authKey: key, capabilityHash: cap, nowDay: 1 })
    const nonce = new Uint8Array(16).fill(3)
    const keepUntil = 1_765_000_123_456 // not on a bucket boundary
    assert.equal(await store.useNonce(id(1), nonce, keepUntil, 5), true)
    assert.equal(await store.useNonce(id(1), nonce, keepUntil + 60_000, 5), false, 'replay')
    assert.equal(
      await store.useNonce(id(2), nonce, keepUntil, 5),
      true,
      'same nonce, other mailbox',
    )
    assert.equal((await store.getMailbox(id(1)))?.lastSeenDay, 5)
    // Kept to the end of its 10-minute bucket, not just to keepUntil.
    const bucketEnd = Math.ceil(keepUntil / NONCE_BUCKET_MS) * NONCE_BUCKET_MS
    assert.equal((await store.sweep(bucketEnd - 1, 0)).nonces, 0)
    assert.equal(await store.useNonce(id(1), nonce, keepUntil, 5), false, 'still remembered')
    await store.close()
    const db = new DatabaseSync(path)
    const rows = db.prepare('SELECT nonce_key, expires_bucket FROM auth_nonces').all()
    db.close()
    assert.equal(rows.length, 2)
    for (const r of rows) {
      assert.equal((r.nonce_key as Uint8Array).length, 32)
      assert.ok(!Buffer.from(r.nonce_key as Uint8Array).includes(Buffer.from(nonce)))
      assert.equal(Number(r.expires_bucket) * NONCE_BUCKET_MS, bucketEnd)
    }
    const again = new SqliteMailboxStore({ path })
    assert.equal((await again.sweep(bucketEnd, 0)).nonces, 2)
    assert.equal(
      await again.useNonce(id(1), nonce, keepUntil, 5),
      true,
      'expired nonces are forgotten',
    )
    await again.close()
  })

  test('no table has a rowid: nothing records the order rows were written in', async () => {
    const { store, path } = open()
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

  test('one-time prekeys: each handed out once, concurrent takers never share one', async () => {
    const { store } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    assert.equal(await store.takePrekey(id(1)), undefined)
    const otks = Array.from({ length: 5 }, (_, i) => new Uint8Array(8).fill(i + 1))
    assert.equal(await store.publishPrekeys(id(1), new Uint8Array([7]), otks, 3), 3)
    const taken = await Promise.all(Array.from({ length: 4 }, () => store.takePrekey(id(1))))
    const given = taken.map((t) => t?.oneTimePrekey?.[0]).filter((x) => x !== undefined)
    assert.deepEqual(given, [1, 2, 3])
    assert.deepEqual(taken[3]?.bundle, new Uint8Array([7]))
    await store.close()
  })

  test('purge and idle sweep delete a mailbox with everything in it', async () => {
    const { store } = open()
    await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
    await store.createMailbox({ id: id(2), authKey: key, capabilityHash: cap, nowDay: 10 })
    await store.deposit({ mailboxId: id(1), sealed: new Uint8Array(100), expiresAt: 1e12 }, limits)
    await store.deposit({ mailboxId: id(2), sealed: new Uint8Array(100), expiresAt: 1e12 }, limits)
    assert.equal((await store.sweep(0, 5)).mailboxes, 1)
    assert.equal(await store.getMailbox(id(1)), undefined)
    assert.equal(await store.purgeMailbox(id(2)), true)
    assert.equal(await store.purgeMailbox(id(2)), false)
    assert.deepEqual(await store.stats(), {
      mailboxes: 0,
      messages: 0,
      bytes: 0,
      oneTimePrekeys: 0,
    })
    await store.close()
  })
})
