/**
 * The PostgreSQL mailbox store on a private cluster (relay-node/test-support/pg-cluster.ts): the
 * compliance suite SQLite passes too, including the cross-instance tests only a shared store runs,
 * and what only PostgreSQL has: versioned migrations, the advisory-locked sweep, columns that keep
 * no write order, a server without fsync refused, and a server restart under a deposit burst.
 */
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import pg from 'pg'
import { spawnSync } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MailboxError } from '@hestia/core/mailbox/index.ts'
import { runMailboxStoreCompliance } from '../../relay-node/test-support/mailbox-store-compliance.ts'
import {
  pgServerUser,
  requirePg,
  startPgCluster,
  whileClusterAlive,
} from '../../relay-node/test-support/pg-cluster.ts'
import type { PgCluster } from '../../relay-node/test-support/pg-cluster.ts'
import { pgTest } from '../../relay-node/test-support/pg-test.ts'
import {
  PG_SCHEMA_VERSION,
  PgSchemaError,
  migratePg,
} from '../../relay-node/src/store/pg-migrate.ts'
import { PgMailboxStore, PgStoreOpenError } from '../../relay-node/src/store/postgres-store.ts'
import type { QuotaLimits } from '../../relay-node/src/store/mailbox-store.ts'

const skip = requirePg()
let cluster: Promise<PgCluster> | undefined
let dbCount = 0
const getCluster = () => (cluster ??= startPgCluster())

after(async () => {
  if (cluster !== undefined) await (await cluster).destroy()
})

async function withClient<T>(url: string, body: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url })
  await c.connect()
  try {
    return await body(c)
  } finally {
    await c.end()
  }
}

/** A new database on the test cluster, migrated to the current schema. */
async function freshDatabase(migrate = true): Promise<string> {
  const url = await (await getCluster()).createDatabase(`t${process.pid}_${++dbCount}`)
  if (migrate) await withClient(url, (c) => migratePg(c))
  return url
}

const id = (n: number) => new Uint8Array(32).fill(n)
const key = new Uint8Array(32).fill(9)
const cap = new Uint8Array(32).fill(8)
const roomy: QuotaLimits = {
  maxMessagesPerMailbox: 100_000,
  maxBytesPerMailbox: 1e9,
  maxTotalBytes: 1e10,
}

if (skip !== undefined) {
  test('PostgreSQL mailbox store', { skip }, () => undefined)
} else {
  runMailboxStoreCompliance('PostgreSQL', {
    shared: true,
    guard: whileClusterAlive,
    fresh: async () => {
      const url = await freshDatabase()
      return {
        store: await PgMailboxStore.open({ url }),
        reopen: () => PgMailboxStore.open({ url }),
        second: () => PgMailboxStore.open({ url }),
        nonceRows: () =>
          withClient(url, async (c) =>
            (
              await c.query<{ nonce_key: Buffer; expires_bucket: string }>(
                'SELECT nonce_key, expires_bucket FROM auth_nonces',
              )
            ).rows.map((r) => ({
              nonceKey: new Uint8Array(r.nonce_key),
              expiresBucket: Number(r.expires_bucket),
            })),
          ),
      }
    },
  })

  describe('PostgreSQL store: schema and operations', () => {
    pgTest(
      'migrations: start refuses an unmigrated or newer database; migrate is idempotent',
      async () => {
        const url = await freshDatabase(false)
        await assert.rejects(PgMailboxStore.open({ url }), (err: unknown) => {
          assert.ok(err instanceof PgSchemaError)
          assert.equal(err.reason, 'behind')
          assert.match(err.message, /hestia-relay migrate/)
          return true
        })
        // Two instances migrating at once apply each migration once (advisory lock).
        const applied = await Promise.all([
          withClient(url, (c) => migratePg(c)),
          withClient(url, (c) => migratePg(c)),
        ])
        assert.deepEqual(
          applied.flat().sort((a, b) => a - b),
          Array.from({ length: PG_SCHEMA_VERSION }, (_, i) => i + 1),
          'every migration applied once, by one of them',
        )
        assert.deepEqual(await withClient(url, (c) => migratePg(c)), [])
        const store = await PgMailboxStore.open({ url })
        await store.close()
        await withClient(url, (c) =>
          c.query("INSERT INTO hestia_schema_migrations VALUES (9999, 'from_the_future')"),
        )
        await assert.rejects(
          PgMailboxStore.open({ url }),
          (err: unknown) => err instanceof PgSchemaError && err.reason === 'ahead',
        )
        await assert.rejects(
          withClient(url, (c) => migratePg(c)),
          (err: unknown) => err instanceof PgSchemaError && err.reason === 'ahead',
        )
      },
    )

    pgTest('no column records when or in what order rows were written', async () => {
      const url = await freshDatabase()
      const cols = await withClient(
        url,
        async (c) =>
          (
            await c.query<{
              table_name: string
              column_name: string
              data_type: string
              column_default: string | null
            }>(
              `SELECT table_name, column_name, data_type, column_default FROM information_schema.columns
               WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
            )
          ).rows,
      )
      const tables = [...new Set(cols.map((c) => c.table_name))].sort()
      assert.deepEqual(tables, [
        'auth_nonces',
        'hestia_schema_migrations',
        'mailboxes',
        'messages',
        'one_time_prekeys',
        'prekey_bundles',
        'relay_totals',
      ])
      for (const c of cols) {
        assert.ok(
          !/time|date|interval/.test(c.data_type),
          `${c.table_name}.${c.column_name} is ${c.data_type}`,
        )
        assert.ok(
          !(c.column_default ?? '').includes('nextval'),
          `${c.table_name}.${c.column_name} is a serial`,
        )
      }
      // Messages keep the same columns as in SQLite (docs/relay/PRIVACY.md).
      assert.deepEqual(
        cols.filter((c) => c.table_name === 'messages').map((c) => c.column_name),
        ['mailbox_id', 'seq', 'sealed', 'size', 'expires_at'],
      )
    })

    pgTest(
      'a nonce commits while a deposit batch holds the totals lock (a fetch does not wait behind deposits); a replay is still refused',
      async () => {
        const url = await freshDatabase()
        const store = await PgMailboxStore.open({ url })
        try {
          await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
          await withClient(url, async (c) => {
            // What a deposit batch of another instance holds from its first statement to its commit.
            await c.query('BEGIN')
            await c.query('SELECT bytes FROM relay_totals WHERE id FOR UPDATE')
            let deposited = false
            const deposit = store
              .deposit({ mailboxId: id(1), sealed: new Uint8Array(5), expiresAt: 100 }, roomy)
              .then((o) => {
                deposited = true
                return o
              })
            const nonce = new Uint8Array(16).fill(3)
            // Day 2: the nonce also records that the mailbox was seen today.
            assert.equal(await store.useNonce(id(1), nonce, 60_000, 2), true)
            assert.equal(await store.useNonce(id(1), nonce, 60_000, 2), false, 'a replay')
            assert.equal(deposited, false, 'the deposit waits for the totals lock')
            await c.query('COMMIT')
            assert.deepEqual(await deposit, { ok: true, id: 1n })
          })
          assert.equal((await store.getMailbox(id(1)))?.lastSeenDay, 2)
        } finally {
          await store.close()
        }
      },
    )

    pgTest('a sweep skips while another instance holds the sweep lock', async () => {
      const url = await freshDatabase()
      const store = await PgMailboxStore.open({ url })
      try {
        await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
        await store.deposit({ mailboxId: id(1), sealed: new Uint8Array(5), expiresAt: 100 }, roomy)
        await withClient(url, async (c) => {
          await c.query('SELECT pg_advisory_lock(7522251233571270771)')
          const r = await store.sweep(200, 0)
          assert.deepEqual(r, { messages: 0, nonces: 0, mailboxes: 0, skipped: true })
          await c.query('SELECT pg_advisory_unlock(7522251233571270771)')
        })
        assert.equal((await store.sweep(200, 0)).messages, 1)
      } finally {
        await store.close()
      }
    })

    pgTest('a server with fsync off is refused: its commits are not durable', async () => {
      const lax = await startPgCluster({ fsync: false })
      try {
        const url = lax.url
        await withClient(url, (c) => migratePg(c))
        await assert.rejects(
          PgMailboxStore.open({ url }),
          (err: unknown) => err instanceof PgStoreOpenError && /fsync=off/.test(err.message),
        )
      } finally {
        await lax.destroy()
      }
    })

    pgTest(
      'an unreachable server is a clear open error, naming the URL without its password',
      async () => {
        await assert.rejects(
          PgMailboxStore.open({ url: 'postgres://relay:hunter2@127.0.0.1:1/hestia' }),
          (err: unknown) =>
            err instanceof PgStoreOpenError &&
            err.message.includes('127.0.0.1:1') &&
            !err.message.includes('hunter2'),
        )
      },
    )

    pgTest(
      'a full disk under the messages: storage_full, nothing half-stored, acknowledged deposits intact',
      // Mounting a small tmpfs for the tablespace needs root (CI runs as root).
      { skip: process.getuid?.() === 0 ? false : 'needs root to mount a small tmpfs' },
      async () => {
        const url = await freshDatabase()
        const dir = mkdtempSync(join(tmpdir(), 'hestia-pg-full-'))
        const mount = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir])
        assert.equal(mount.status, 0, String(mount.stderr))
        const user = pgServerUser()
        if (user !== undefined) chownSync(dir, user.uid, user.gid)
        const space = `full_${process.pid}`
        const fullEvents: boolean[] = []
        let store: PgMailboxStore | undefined
        try {
          await withClient(url, async (c) => {
            await c.query(`CREATE TABLESPACE ${space} LOCATION '${dir}'`)
            await c.query(`ALTER TABLE messages SET TABLESPACE ${space}`)
          })
          store = await PgMailboxStore.open({
            url,
            onStorageFull: (full) => fullEvents.push(full),
          })
          await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
          const acked: bigint[] = []
          let refusal: unknown
          for (let i = 0; i < 400 && refusal === undefined; i++) {
            try {
              const o = await store.deposit(
                { mailboxId: id(1), sealed: new Uint8Array(16_384).fill(i % 251), expiresAt: 1e13 },
                roomy,
              )
              assert.ok(o.ok)
              acked.push(o.id)
            } catch (err) {
              refusal = err
            }
          }
          assert.ok(refusal instanceof MailboxError, `typed refusal, got ${String(refusal)}`)
          assert.equal(refusal.code, 'storage_full')
          assert.equal(refusal.retryable, true)
          assert.deepEqual(fullEvents, [true], 'the operator hears of it once')
          assert.ok(acked.length > 10, `${acked.length} deposits fitted first`)
          // Every acknowledged deposit is there, whole; the refused one left no trace.
          const { rows } = await store.fetch(id(1), 0, 100_000, 1e12)
          assert.deepEqual(
            rows.map((r) => r.id),
            acked,
          )
          rows.forEach((r, i) => assert.deepEqual(r.sealed, new Uint8Array(16_384).fill(i % 251)))
          assert.deepEqual(await store.stats(), {
            mailboxes: 1,
            messages: acked.length,
            bytes: acked.length * 16_384,
            oneTimePrekeys: 0,
          })
          // Reads and nonces (on the main disk) keep working: the owner can still fetch and ack.
          assert.equal(await store.useNonce(id(1), new Uint8Array(16).fill(1), 1e13, 2), true)
          assert.equal(await store.ack(id(1), acked.slice(0, 5)), 5)
          assert.deepEqual(fullEvents, [true], 'no "space is back" while deposits still fail')
        } finally {
          await store?.close()
          await withClient(url, async (c) => {
            await c.query('ALTER TABLE messages SET TABLESPACE pg_default')
            await c.query(`DROP TABLESPACE ${space}`)
          }).catch(() => undefined)
          spawnSync('umount', [dir])
          rmSync(dir, { recursive: true, force: true })
        }
      },
    )

    pgTest(
      'a PostgreSQL restart during a deposit burst: typed retryable errors, nothing acknowledged lost, nothing half stored',
      async () => {
        const c = await getCluster()
        const url = await freshDatabase()
        const errors: unknown[] = []
        // Recovery replays the WAL since the last checkpoint: without this one it would replay the
        // database creations of every earlier test (10+ s here), which is not what this test is about.
        await withClient(url, (client) => client.query('CHECKPOINT'))
        const store = await PgMailboxStore.open({ url, onConnectionError: (e) => errors.push(e) })
        try {
          await store.createMailbox({ id: id(1), authKey: key, capabilityHash: cap, nowDay: 1 })
          const acked: bigint[] = []
          const refused: MailboxError[] = []
          const other: unknown[] = []
          let stop = false
          // Four depositors, each one deposit at a time, retrying on a retryable error as clients do.
          const depositor = async (w: number) => {
            for (let i = 0; !stop; i++) {
              try {
                const o = await store.deposit(
                  {
                    mailboxId: id(1),
                    sealed: new Uint8Array(64).fill((w * 50 + i) % 256),
                    expiresAt: 1e13,
                  },
                  roomy,
                )
                assert.ok(o.ok)
                acked.push(o.id)
              } catch (err) {
                if (err instanceof MailboxError && err.retryable) refused.push(err)
                else other.push(err)
                await new Promise((r) => setTimeout(r, 20))
              }
            }
          }
          const workers = [0, 1, 2, 3].map(depositor)
          await new Promise((r) => setTimeout(r, 300))
          const before = acked.length
          await c.restart({ downMs: 300 })
          await new Promise((r) => setTimeout(r, 500))
          stop = true
          await Promise.all(workers)
          assert.deepEqual(other, [], 'only typed retryable errors')
          assert.ok(refused.length > 0, 'the depositors noticed the restart')
          assert.ok(refused.every((e) => e.code === 'internal' && e.retryAfterMs > 0))
          assert.ok(before > 0 && acked.length > before, 'deposits went on after the restart')
          const { rows } = await store.fetch(id(1), 0, 100_000, 1e12)
          const stored = new Set(rows.map((r) => r.id))
          const lost = acked.filter((a) => !stored.has(a))
          assert.deepEqual(lost, [], 'every acknowledged deposit is stored')
          assert.equal(new Set(acked).size, acked.length, 'no id was acknowledged twice')
          // A deposit whose commit the restart cut may be stored without an ack, but only whole:
          // every row is one depositor's 64 bytes, and the counters and the relay total agree
          // with the rows (nothing counted without its row, no row left uncounted).
          for (const r of rows) {
            assert.equal(r.sealed.length, 64)
            assert.ok(
              r.sealed.every((b) => b === r.sealed[0]),
              `row ${r.id} is whole`,
            )
          }
          const mailbox = await store.getMailbox(id(1))
          assert.equal(mailbox?.messageCount, rows.length)
          assert.equal(mailbox?.byteCount, 64 * rows.length)
          assert.equal((await store.stats()).bytes, 64 * rows.length)
        } finally {
          await store.close()
        }
      },
    )
  })
}
