/**
 * The one compliance suite every MailboxStore backend passes: SQLite
 * (relay-node/src/store/sqlite-store.test.ts) and PostgreSQL (tests/relay/pg-store.test.ts) run
 * these same tests through a harness. Durability, quotas, replay, TTL, prekeys and purges are
 * checked through the interface only; what a backend keeps on disk is read through the harness.
 * Backends that several relay instances share (`second` in the harness) also run the cross-instance
 * tests: quotas, replays, sequence numbers, sweeps and deposit notifications with two store
 * instances on one database.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { MailboxStore, QuotaLimits } from '../src/store/mailbox-store.ts'
import { NONCE_BUCKET_MS } from '../src/store/nonce-key.ts'
import { runDepositCheckCompliance } from './mailbox-store-compliance-deposits.ts'
import { runGroupOrderCompliance } from './mailbox-store-compliance-group-order.ts'

export interface StoreUnderTest {
  store: MailboxStore
  /** Opens the same data again after `store.close()`, as a relay restart does. */
  reopen(): Promise<MailboxStore>
  /** Every row the backend keeps for nonces, read straight from its storage. */
  nonceRows(): Promise<Array<{ nonceKey: Uint8Array; expiresBucket: number }>>
  /** Only for shared backends: another store instance (another relay) on the same data. */
  second?(): Promise<MailboxStore>
  /** Removes the data (after every store opened on it was closed). */
  destroy?(): Promise<void>
}

export interface MailboxStoreHarness {
  /** A new, empty store. */
  fresh(): Promise<StoreUnderTest>
  /** The backend is shared by several relay instances: run the cross-instance tests. */
  shared: boolean
  /**
   * Runs each test's body (a server-backed store fails the test at once when its server goes
   * away: pg-cluster.ts whileClusterAlive).
   */
  guard?: (body: () => Promise<void>) => Promise<void>
}

const limits: QuotaLimits = {
  maxMessagesPerMailbox: 4,
  maxBytesPerMailbox: 4096,
  maxTotalBytes: 6000,
}
const id = (n: number) => new Uint8Array(32).fill(n)
const key = new Uint8Array(32).fill(9)
const cap = new Uint8Array(32).fill(8)

async function withStore(
  harness: MailboxStoreHarness,
  body: (t: StoreUnderTest) => Promise<void>,
): Promise<void> {
  const run = async () => {
    const t = await harness.fresh()
    try {
      await body(t)
    } finally {
      await t.store.close().catch(() => undefined)
      await t.destroy?.()
    }
  }
  await (harness.guard === undefined ? run() : harness.guard(run))
}

async function create(store: MailboxStore, n: number, nowDay = 1): Promise<void> {
  await store.createMailbox({ id: id(n), authKey: key, capabilityHash: cap, nowDay })
}

export function runMailboxStoreCompliance(name: string, harness: MailboxStoreHarness): void {
  describe(`MailboxStore compliance: ${name}`, () => {
    runDepositCheckCompliance(harness, withStore)
    runGroupOrderCompliance(harness, withStore)

    test('create is idempotent for the same key and refuses another key', () =>
      withStore(harness, async ({ store }) => {
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
        const rec = await store.getMailbox(id(1))
        assert.deepEqual(rec?.authKey, key, 'the first key stays')
      }))

    test('the mailbox cap: a new mailbox past it is refused, an existing one still answers, a purge frees a place', () =>
      withStore(harness, async ({ store }) => {
        const make = (n: number, maxMailboxes: number) =>
          store.createMailbox({
            id: id(n),
            authKey: key,
            capabilityHash: cap,
            nowDay: 1,
            maxMailboxes,
          })
        assert.equal(await make(1, 2), 'created')
        assert.equal(await make(2, 2), 'created')
        assert.equal(await make(3, 2), 'relay_full')
        assert.equal(await store.getMailbox(id(3)), undefined, 'nothing of it was stored')
        assert.equal(await make(1, 2), 'exists_same', 'its owner re-creating it is not refused')
        assert.equal((await store.stats()).mailboxes, 2)
        assert.equal(await store.purgeMailbox(id(1)), true)
        assert.equal(await make(3, 2), 'created')
        assert.equal((await store.stats()).mailboxes, 2)
      }))

    test('one group commit mixing writes: each deposit gets its own outcome, in order', () =>
      withStore(harness, async ({ store }) => {
        await create(store, 1)
        await create(store, 2)
        const first = await store.deposit(
          { mailboxId: id(2), sealed: new Uint8Array(100), expiresAt: 10_000 },
          limits,
        )
        assert.ok(first.ok)
        const sealed = new Uint8Array(1200)
        const dep = (m: number, l: QuotaLimits = limits) =>
          store.deposit({ mailboxId: id(m), sealed, expiresAt: 10_000 }, l)
        // Queued in one turn: deposits (one to a mailbox that does not exist, one with other
        // limits, one past the per-mailbox byte quota) beside an ack and a nonce. Writes queued
        // together have no order between them but their own: a before c before e.
        const [a, b, c, d, acked, fresh, e] = await Promise.all([
          dep(1),
          dep(9),
          dep(1),
          dep(1, { ...limits, maxBytesPerMailbox: 100_000, maxTotalBytes: 100_000 }),
          store.ack(id(2), [first.id]),
          store.useNonce(id(1), new Uint8Array(16).fill(7), Date.now() + 600_000, 1),
          dep(1),
        ])
        const ids = [a, c, d].map((o) => (o.ok ? o.id : o.reason))
        assert.deepEqual([...ids].sort(), [1n, 2n, 3n], 'three stored, ids dense')
        assert.ok(ids[0]! < ids[1]!, 'in the order they were queued')
        assert.deepEqual(b, { ok: false, reason: 'unknown_mailbox' })
        // 4096 bytes per mailbox: a fourth 1200-byte deposit with the default limits is refused.
        assert.deepEqual(e, { ok: false, reason: 'mailbox_full' })
        assert.equal(acked, 1)
        assert.equal(fresh, true)
        const { rows } = await store.fetch(id(1), 0, 10, 1e9)
        assert.deepEqual(
          rows.map((r) => r.id),
          [1n, 2n, 3n],
        )
        assert.deepEqual(await store.stats(), {
          mailboxes: 2,
          messages: 3,
          bytes: 3600,
          oneTimePrekeys: 0,
        })
      }))

    test('acknowledged deposits survive closing and reopening, in order, with per-mailbox ids', () =>
      withStore(harness, async (t) => {
        await create(t.store, 1)
        await create(t.store, 2)
        // Concurrent deposits share one group commit.
        const outcomes = await Promise.all(
          [1, 2, 1, 2, 1].map((m, i) =>
            t.store.deposit(
              { mailboxId: id(m), sealed: new Uint8Array(100).fill(i), expiresAt: 10_000 },
              limits,
            ),
          ),
        )
        assert.deepEqual(
          outcomes.map((o) => (o.ok ? o.id : o.reason)),
          [1n, 1n, 2n, 2n, 3n],
        )
        await t.store.close()
        t.store = await t.reopen()
        const { rows } = await t.store.fetch(id(1), 0, 10, 1e9)
        assert.deepEqual(
          rows.map((r) => [r.id, r.sealed[0]]),
          [
            [1n, 0],
            [2n, 2],
            [3n, 4],
          ],
        )
        const one = await t.store.getMessage(id(2), 2n)
        assert.deepEqual(one?.sealed, new Uint8Array(100).fill(3))
        assert.equal(await t.store.getMessage(id(2), 3n), undefined)
      }))

    test('quotas: per-mailbox count and bytes, then the global byte cap; ack frees room', () =>
      withStore(harness, async ({ store }) => {
        await create(store, 1)
        await create(store, 2)
        const dep = (m: number, size: number) =>
          store.deposit(
            { mailboxId: id(m), sealed: new Uint8Array(size), expiresAt: 10_000 },
            limits,
          )
        for (let i = 0; i < 4; i++) assert.ok((await dep(1, 1000)).ok)
        assert.deepEqual(await dep(1, 10), { ok: false, reason: 'mailbox_full' })
        assert.ok((await dep(2, 1000)).ok)
        assert.deepEqual(await dep(2, 1500), { ok: false, reason: 'relay_full' })
        assert.equal(await store.ack(id(1), [1n, 2n, 99n]), 2)
        assert.equal(await store.ack(id(1), [1n]), 0, 'a second ack deletes nothing')
        assert.ok((await dep(2, 1500)).ok)
        assert.deepEqual(await store.stats(), {
          mailboxes: 2,
          messages: 4,
          bytes: 4500,
          oneTimePrekeys: 0,
        })
        assert.deepEqual(await dep(3, 10), { ok: false, reason: 'unknown_mailbox' })
        const mb = await store.getMailbox(id(1))
        assert.equal(mb?.messageCount, 2)
        assert.equal(mb?.byteCount, 2000)
      }))

    test('fetch skips expired rows and bounds the bytes it returns; the sweep deletes them', () =>
      withStore(harness, async ({ store }) => {
        await create(store, 1)
        const dep = (expiresAt: number) =>
          store.deposit({ mailboxId: id(1), sealed: new Uint8Array(500), expiresAt }, limits)
        await dep(100)
        await dep(1000)
        await dep(1000)
        const r = await store.fetch(id(1), 200, 10, 600)
        assert.deepEqual(
          r.rows.map((x) => x.id),
          [2n],
        )
        assert.equal(r.more, true)
        const limited = await store.fetch(id(1), 200, 1, 1e9)
        assert.deepEqual(
          limited.rows.map((x) => x.id),
          [2n],
        )
        assert.equal(limited.more, true)
        const swept = await store.sweep(200, 0)
        assert.equal(swept.messages, 1)
        assert.deepEqual(await store.stats(), {
          mailboxes: 1,
          messages: 2,
          bytes: 1000,
          oneTimePrekeys: 0,
        })
      }))

    test('a nonce is accepted once per mailbox, kept until its bucket ends, stored only as a hash', () =>
      withStore(harness, async (t) => {
        await create(t.store, 1)
        await create(t.store, 2)
        const nonce = new Uint8Array(16).fill(3)
        const keepUntil = 1_765_000_123_456 // not on a bucket boundary
        assert.equal(await t.store.useNonce(id(1), nonce, keepUntil, 5), true)
        assert.equal(await t.store.useNonce(id(1), nonce, keepUntil + 60_000, 5), false, 'replay')
        assert.equal(
          await t.store.useNonce(id(2), nonce, keepUntil, 5),
          true,
          'same nonce, other mailbox',
        )
        assert.equal((await t.store.getMailbox(id(1)))?.lastSeenDay, 5)
        // Kept to the end of its 10-minute bucket, not just to keepUntil.
        const bucketEnd = Math.ceil(keepUntil / NONCE_BUCKET_MS) * NONCE_BUCKET_MS
        assert.equal((await t.store.sweep(bucketEnd - 1, 0)).nonces, 0)
        assert.equal(await t.store.useNonce(id(1), nonce, keepUntil, 5), false, 'still remembered')
        await t.store.close()
        const rows = await t.nonceRows()
        assert.equal(rows.length, 2)
        for (const r of rows) {
          assert.equal(r.nonceKey.length, 32)
          assert.ok(!Buffer.from(r.nonceKey).includes(Buffer.from(nonce)))
          assert.ok(!Buffer.from(r.nonceKey).includes(Buffer.from(id(1))))
          assert.equal(r.expiresBucket * NONCE_BUCKET_MS, bucketEnd)
        }
        t.store = await t.reopen()
        assert.equal((await t.store.sweep(bucketEnd, 0)).nonces, 2)
        assert.equal(
          await t.store.useNonce(id(1), nonce, keepUntil, 5),
          true,
          'expired nonces are forgotten',
        )
      }))

    test('one-time prekeys: each handed out once, concurrent takers never share one', () =>
      withStore(harness, async ({ store }) => {
        await create(store, 1)
        assert.equal(await store.takePrekey(id(1)), undefined)
        const otks = Array.from({ length: 5 }, (_, i) => new Uint8Array(8).fill(i + 1))
        assert.equal(await store.publishPrekeys(id(1), new Uint8Array([7]), otks, 3), 3)
        const taken = await Promise.all(Array.from({ length: 4 }, () => store.takePrekey(id(1))))
        const given = taken.map((t) => t?.oneTimePrekey?.[0]).filter((x) => x !== undefined)
        assert.deepEqual(given, [1, 2, 3])
        assert.deepEqual(taken[3]?.bundle, new Uint8Array([7]))
        assert.equal(taken[3]?.left, 0)
        assert.equal((await store.stats()).oneTimePrekeys, 0)
        // A new bundle replaces the old one; new keys continue after the old ones.
        assert.equal(await store.publishPrekeys(id(1), new Uint8Array([8]), [otks[4]!], 3), 1)
        const next = await store.takePrekey(id(1))
        assert.deepEqual(next?.bundle, new Uint8Array([8]))
        assert.deepEqual(next?.oneTimePrekey, otks[4])
      }))

    test('purge and idle sweep delete a mailbox with everything in it', () =>
      withStore(harness, async ({ store }) => {
        await create(store, 1, 1)
        await create(store, 2, 10)
        const dep = (m: number) =>
          store.deposit({ mailboxId: id(m), sealed: new Uint8Array(100), expiresAt: 1e12 }, limits)
        await dep(1)
        await dep(2)
        await store.publishPrekeys(id(2), new Uint8Array([1]), [new Uint8Array([2])], 5)
        assert.equal((await store.sweep(0, 5)).mailboxes, 1)
        assert.equal(await store.getMailbox(id(1)), undefined)
        assert.equal(await store.purgeMailbox(id(2)), true)
        assert.equal(await store.purgeMailbox(id(2)), false)
        assert.equal(await store.takePrekey(id(2)), undefined)
        assert.deepEqual(await store.stats(), {
          mailboxes: 0,
          messages: 0,
          bytes: 0,
          oneTimePrekeys: 0,
        })
        // The global quota counted the purged bytes back.
        await create(store, 3)
        assert.ok((await dep(3)).ok)
        assert.equal((await store.stats()).bytes, 100)
      }))

    if (!harness.shared) return

    describe('several relay instances on one store', () => {
      test('quotas hold across instances: concurrent deposits never pass them', () =>
        withStore(harness, async (t) => {
          const other = await t.second!()
          try {
            await create(t.store, 1)
            await create(t.store, 2)
            const tight = { ...limits, maxMessagesPerMailbox: 3, maxTotalBytes: 2500 }
            const both = [t.store, other]
            // 12 deposits of 400 bytes from two instances into one mailbox at once: 3 fit.
            const outcomes = await Promise.all(
              Array.from({ length: 12 }, (_, i) =>
                both[i % 2]!.deposit(
                  { mailboxId: id(1), sealed: new Uint8Array(400).fill(i), expiresAt: 1e12 },
                  tight,
                ),
              ),
            )
            const ok = outcomes.filter((o) => o.ok)
            assert.equal(ok.length, 3)
            assert.deepEqual(
              ok.map((o) => (o.ok ? o.id : 0n)).sort(),
              [1n, 2n, 3n],
              'ids are dense and unique across instances',
            )
            // The relay-wide cap: 1200 stored, 1300 left: three more 400-byte deposits fit.
            const second = await Promise.all(
              Array.from({ length: 8 }, (_, i) =>
                both[i % 2]!.deposit(
                  { mailboxId: id(2), sealed: new Uint8Array(400), expiresAt: 1e12 },
                  { ...tight, maxMessagesPerMailbox: 100 },
                ),
              ),
            )
            assert.equal(second.filter((o) => o.ok).length, 3)
            assert.ok(second.every((o) => o.ok || o.reason === 'relay_full'))
            assert.equal((await other.stats()).bytes, 2400)
          } finally {
            await other.close()
          }
        }))

      test('the mailbox cap holds across instances creating at once', () =>
        withStore(harness, async (t) => {
          const other = await t.second!()
          try {
            await create(t.store, 1)
            const both = [t.store, other]
            const outcomes = await Promise.all(
              Array.from({ length: 12 }, (_, i) =>
                both[i % 2]!.createMailbox({
                  id: id(10 + i),
                  authKey: key,
                  capabilityHash: cap,
                  nowDay: 1,
                  maxMailboxes: 5,
                }),
              ),
            )
            assert.equal(outcomes.filter((o) => o === 'created').length, 4)
            assert.equal(outcomes.filter((o) => o === 'relay_full').length, 8)
            assert.equal((await other.stats()).mailboxes, 5)
            // A purge on one instance frees a place the other can use at once.
            assert.equal(await other.purgeMailbox(id(1)), true)
            assert.equal(
              await t.store.createMailbox({
                id: id(40),
                authKey: key,
                capabilityHash: cap,
                nowDay: 1,
                maxMailboxes: 5,
              }),
              'created',
            )
          } finally {
            await other.close()
          }
        }))

      test('a replayed nonce is refused once across instances', () =>
        withStore(harness, async (t) => {
          const other = await t.second!()
          try {
            await create(t.store, 1)
            const nonce = new Uint8Array(16).fill(4)
            const results = await Promise.all(
              Array.from({ length: 6 }, (_, i) =>
                (i % 2 === 0 ? t.store : other).useNonce(id(1), nonce, Date.now() + 600_000, 2),
              ),
            )
            assert.equal(results.filter(Boolean).length, 1)
          } finally {
            await other.close()
          }
        }))

      test('one instance sweeps at a time and the totals stay right', () =>
        withStore(harness, async (t) => {
          const other = await t.second!()
          try {
            await create(t.store, 1)
            for (let i = 0; i < 20; i++) {
              await t.store.deposit(
                { mailboxId: id(1), sealed: new Uint8Array(10), expiresAt: i < 15 ? 100 : 1e12 },
                { ...limits, maxMessagesPerMailbox: 100 },
              )
            }
            const [a, b] = await Promise.all([t.store.sweep(200, 0), other.sweep(200, 0)])
            assert.equal(a.messages + b.messages, 15)
            assert.deepEqual(await other.stats(), {
              mailboxes: 1,
              messages: 5,
              bytes: 50,
              oneTimePrekeys: 0,
            })
          } finally {
            await other.close()
          }
        }))

      test('every instance hears of every committed deposit in order, once, and of deleted mailboxes', () =>
        withStore(harness, async (t) => {
          const other = await t.second!()
          try {
            assert.ok(other.watchDeposits !== undefined)
            const heard: string[] = []
            const stop = await other.watchDeposits({
              deposit: (mailbox, n) => heard.push(`${mailbox[0]}:${n}`),
              closed: (mailbox) => heard.push(`${mailbox[0]}:closed`),
            })
            await create(t.store, 1)
            await create(t.store, 2)
            const expected: string[] = []
            for (let i = 0; i < 10; i++) {
              const m = (i % 2) + 1
              const store = i % 3 === 0 ? other : t.store
              const o = await store.deposit(
                { mailboxId: id(m), sealed: new Uint8Array(10), expiresAt: 1e12 },
                { ...limits, maxMessagesPerMailbox: 100 },
              )
              assert.ok(o.ok)
              expected.push(`${m}:${o.id}`)
            }
            // A refused deposit is not announced.
            const refused = await t.store.deposit(
              { mailboxId: id(9), sealed: new Uint8Array(10), expiresAt: 1e12 },
              limits,
            )
            assert.equal(refused.ok, false)
            // Deleting a mailbox (the owner's close, a purge) is announced; deleting none is not.
            assert.equal(await t.store.purgeMailbox(id(2)), true)
            assert.equal(await t.store.purgeMailbox(id(2)), false)
            expected.push('2:closed')
            const deadline = Date.now() + 5_000
            while (heard.length < expected.length && Date.now() < deadline) {
              await new Promise((r) => setTimeout(r, 10))
            }
            await new Promise((r) => setTimeout(r, 100))
            assert.deepEqual(heard, expected)
            stop()
          } finally {
            await other.close()
          }
        }))
    })
  })
}
