/**
 * Compliance tests for deposits checked by the store (ADR 0240): the relay passes the depositor's
 * capability hash and the idle-expiry day with the deposit instead of reading the mailbox first,
 * so the store must refuse exactly what the relay refused before, in the same order (unknown
 * mailbox, capability, idle expiry, then the quotas), change nothing for a refused deposit, and
 * keep ids, bytes and announcements right for batches that mix accepted and refused deposits.
 * Run for every backend from mailbox-store-compliance.ts.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type {
  DepositCheck,
  DepositOutcome,
  MailboxStore,
  QuotaLimits,
} from '../src/store/mailbox-store.ts'
import type { MailboxStoreHarness, StoreUnderTest } from './mailbox-store-compliance.ts'

type WithStore = (
  harness: MailboxStoreHarness,
  body: (t: StoreUnderTest) => Promise<void>,
) => Promise<void>

const roomy: QuotaLimits = {
  maxMessagesPerMailbox: 100,
  maxBytesPerMailbox: 1e9,
  maxTotalBytes: 1e9,
}
const id = (n: number) => new Uint8Array(32).fill(n)
const key = new Uint8Array(32).fill(9)
const capOf = (n: number) => new Uint8Array(32).fill(0x80 + n)
/** The mailboxes below are created on day 10; a check with this day accepts them. */
const alive: (n: number) => DepositCheck = (n) => ({ capabilityHash: capOf(n), aliveSinceDay: 10 })

async function create(store: MailboxStore, n: number): Promise<void> {
  await store.createMailbox({ id: id(n), authKey: key, capabilityHash: capOf(n), nowDay: 10 })
}

const result = (o: DepositOutcome) => (o.ok ? o.id : o.reason)

export function runDepositCheckCompliance(
  harness: MailboxStoreHarness,
  withStore: WithStore,
): void {
  test('a checked deposit is refused for an unknown mailbox, a wrong capability, an expired mailbox — in that order — and nothing changes', () =>
    withStore(harness, async ({ store }) => {
      await create(store, 1)
      const full: QuotaLimits = { ...roomy, maxMessagesPerMailbox: 0 }
      const dep = (m: number, check: DepositCheck, limits = roomy) =>
        store.deposit(
          { mailboxId: id(m), sealed: new Uint8Array(50), expiresAt: 1e12 },
          limits,
          check,
        )
      assert.deepEqual(await dep(2, alive(2)), { ok: false, reason: 'unknown_mailbox' })
      // Wrong capability, and past the quota too: the capability is checked first.
      assert.deepEqual(await dep(1, alive(2), full), { ok: false, reason: 'bad_capability' })
      // Last seen on day 10: alive since day 11 means it expired; with a wrong capability as well,
      // the capability answers first.
      const late = { capabilityHash: capOf(1), aliveSinceDay: 11 }
      assert.deepEqual(await dep(1, late, full), { ok: false, reason: 'mailbox_expired' })
      assert.deepEqual(await dep(1, { ...late, capabilityHash: capOf(3) }), {
        ok: false,
        reason: 'bad_capability',
      })
      assert.deepEqual(await dep(1, alive(1), full), { ok: false, reason: 'mailbox_full' })
      assert.deepEqual(await store.stats(), {
        mailboxes: 1,
        messages: 0,
        bytes: 0,
        oneTimePrekeys: 0,
      })
      assert.deepEqual(await dep(1, alive(1)), { ok: true, id: 1n }, 'no id was used up')
    }))

  test('one batch of checked deposits: refused ones change nothing, accepted ones keep dense ids in order and their own bytes', () =>
    withStore(harness, async ({ store }) => {
      await create(store, 1)
      await create(store, 2)
      // Sizes differ so that a wrong offset into the batch's bytes would show.
      const sealedOf = (i: number) => new Uint8Array(40 + i * 7).fill(i + 1)
      const plan: Array<[number, DepositCheck]> = [
        [1, alive(1)],
        [2, alive(2)],
        [1, alive(2)], // wrong capability
        [3, alive(3)], // no such mailbox
        [1, alive(1)],
        [2, alive(2)],
        [1, alive(1)],
      ]
      const outcomes = await Promise.all(
        plan.map(([m, check], i) =>
          store.deposit({ mailboxId: id(m), sealed: sealedOf(i), expiresAt: 1e12 }, roomy, check),
        ),
      )
      assert.deepEqual(outcomes.map(result), [
        1n,
        1n,
        'bad_capability',
        'unknown_mailbox',
        2n,
        2n,
        3n,
      ])
      const one = await store.fetch(id(1), 0, 10, 1e9)
      assert.deepEqual(
        one.rows.map((r) => [r.id, r.sealed]),
        [
          [1n, sealedOf(0)],
          [2n, sealedOf(4)],
          [3n, sealedOf(6)],
        ],
      )
      const two = await store.fetch(id(2), 0, 10, 1e9)
      assert.deepEqual(
        two.rows.map((r) => [r.id, r.sealed]),
        [
          [1n, sealedOf(1)],
          [2n, sealedOf(5)],
        ],
      )
      const bytes = [0, 1, 4, 5, 6].reduce((s, i) => s + sealedOf(i).length, 0)
      assert.deepEqual(await store.stats(), { mailboxes: 2, messages: 5, bytes, oneTimePrekeys: 0 })
    }))

  test('one batch all accepted, then one that reaches the quotas halfway: the same outcomes as one by one', () =>
    withStore(harness, async ({ store }) => {
      await create(store, 1)
      await create(store, 2)
      const limits: QuotaLimits = {
        maxMessagesPerMailbox: 5,
        maxBytesPerMailbox: 1e9,
        maxTotalBytes: 900,
      }
      // Each envelope's bytes tell its size: a wrong offset into the batch's bytes would show.
      const sealed = (size: number) => new Uint8Array(size).fill(size % 251)
      const dep = (m: number, size: number) =>
        store.deposit({ mailboxId: id(m), sealed: sealed(size), expiresAt: 1e12 }, limits, alive(m))
      const first = await Promise.all([dep(1, 90), dep(2, 100), dep(1, 110), dep(1, 100)])
      assert.deepEqual(first.map(result), [1n, 1n, 2n, 3n])
      const stored = await store.fetch(id(1), 0, 10, 1e9)
      assert.deepEqual(
        stored.rows.map((r) => r.sealed),
        [sealed(90), sealed(110), sealed(100)],
      )
      assert.deepEqual((await store.getMessage(id(2), 1n))?.sealed, sealed(100))
      // Mailbox 1 holds 3 of 5 messages, the relay 400 of 900 bytes. In order: 1 ok (4), 1 ok
      // (5), 1 full, 2 ok (700 bytes), 2 past the relay's bytes, 2 small enough to fit.
      const second = await Promise.all([
        dep(1, 100),
        dep(1, 100),
        dep(1, 10),
        dep(2, 100),
        dep(2, 250),
        dep(2, 50),
      ])
      assert.deepEqual(second.map(result), [4n, 5n, 'mailbox_full', 2n, 'relay_full', 3n])
      assert.deepEqual(await store.stats(), {
        mailboxes: 2,
        messages: 8,
        bytes: 750,
        oneTimePrekeys: 0,
      })
    }))

  if (!harness.shared) return

  test('a batch of deposits on one instance (150: several notifications) is announced to another in order, once', () =>
    withStore(harness, async (t) => {
      const other = await t.second!()
      try {
        const heard: string[] = []
        const stop = await other.watchDeposits!({
          deposit: (mailbox, n) => heard.push(`${mailbox[0]}:${n}`),
        })
        await create(t.store, 1)
        await create(t.store, 2)
        // 150 in one batch: more than one notification's worth of announcements.
        const plan = Array.from({ length: 150 }, (_, i) => ((i * 7) % 3 === 0 ? 1 : 2))
        const outcomes = await Promise.all(
          plan.map((m) =>
            t.store.deposit(
              { mailboxId: id(m), sealed: new Uint8Array(20), expiresAt: 1e12 },
              roomy,
              alive(m),
            ),
          ),
        )
        const expected = outcomes.map((o, i) => `${plan[i]}:${result(o)}`)
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
}
