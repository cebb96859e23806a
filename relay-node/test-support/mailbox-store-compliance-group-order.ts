/**
 * Compliance tests for the group mailbox's ordering (ADR 0132): a deposit with `expectedId` is a
 * compare-and-append — stored only if it gets exactly that id — so of several members committing
 * for the same epoch at once exactly one lands; the others get 'sequence_moved' with the id the
 * next deposit will get, and nothing of theirs is stored. Readers page with `afterId` (group
 * mailboxes are never acked). Run for every backend from mailbox-store-compliance.ts; on a shared
 * backend the racers are spread over two store instances (two relays).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { DepositOutcome, MailboxStore, QuotaLimits } from '../src/store/mailbox-store.ts'
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
const box = new Uint8Array(32).fill(0x47)
const cap = new Uint8Array(32).fill(0x48)
const key = new Uint8Array(32).fill(9)
const check = (expectedId?: bigint) => ({
  capabilityHash: cap,
  aliveSinceDay: 10,
  ...(expectedId === undefined ? {} : { expectedId }),
})
const sealed = (tag: number) => new Uint8Array(64).fill(tag)

function deposit(store: MailboxStore, tag: number, expectedId?: bigint): Promise<DepositOutcome> {
  return store.deposit(
    { mailboxId: box, sealed: sealed(tag), expiresAt: 1e12 },
    roomy,
    check(expectedId),
  )
}

async function tagsAfter(store: MailboxStore, afterId: bigint): Promise<number[]> {
  const { rows } = await store.fetch(box, 0, 64, 1e9, afterId)
  return rows.map((r) => r.sealed[0]!)
}

export function runGroupOrderCompliance(harness: MailboxStoreHarness, withStore: WithStore): void {
  test('group order: of 8 deposits expecting the same id exactly one is stored; the others are told the next id', () =>
    withStore(harness, async (t) => {
      const { store } = t
      await store.createMailbox({ id: box, authKey: key, capabilityHash: cap, nowDay: 10 })
      assert.deepEqual(await deposit(store, 1), { ok: true, id: 1n }) // an application message
      const other = harness.shared && t.second !== undefined ? await t.second() : store
      try {
        const racers = Array.from({ length: 8 }, (_, i) =>
          deposit(i % 2 === 0 ? store : other, 10 + i, 2n),
        )
        const outcomes = await Promise.all(racers)
        const won = outcomes.filter((o) => o.ok)
        assert.equal(won.length, 1, 'exactly one commit for the epoch is stored')
        assert.deepEqual(won[0], { ok: true, id: 2n })
        for (const o of outcomes.filter((x) => !x.ok)) {
          assert.deepEqual(o, { ok: false, reason: 'sequence_moved', nextId: 3n })
        }
        const winnerTag = 10 + outcomes.findIndex((o) => o.ok)
        assert.deepEqual(await tagsAfter(store, 0n), [1, winnerTag], 'the losers stored nothing')
        assert.equal((await store.getMailbox(box))?.messageCount, 2)
      } finally {
        if (other !== store) await other.close()
      }
    }))

  test('group order: a stale expected id is refused even far behind; an unconditional deposit still lands; fetch pages after a cursor', () =>
    withStore(harness, async ({ store }) => {
      await store.createMailbox({ id: box, authKey: key, capabilityHash: cap, nowDay: 10 })
      for (let i = 1; i <= 3; i++)
        assert.deepEqual(await deposit(store, i), { ok: true, id: BigInt(i) })
      assert.deepEqual(await deposit(store, 9, 1n), {
        ok: false,
        reason: 'sequence_moved',
        nextId: 4n,
      })
      // An id from the future is no better than one from the past.
      assert.deepEqual(await deposit(store, 9, 7n), {
        ok: false,
        reason: 'sequence_moved',
        nextId: 4n,
      })
      assert.deepEqual(await deposit(store, 4, 4n), { ok: true, id: 4n })
      assert.deepEqual(await deposit(store, 5), { ok: true, id: 5n })
      assert.deepEqual(await tagsAfter(store, 0n), [1, 2, 3, 4, 5])
      assert.deepEqual(await tagsAfter(store, 3n), [4, 5])
      assert.deepEqual(await tagsAfter(store, 5n), [])
      // The capability is still checked first: a wrong one is bad_capability, not sequence_moved.
      const wrong = await store.deposit(
        { mailboxId: box, sealed: sealed(1), expiresAt: 1e12 },
        roomy,
        { capabilityHash: key, aliveSinceDay: 10, expectedId: 1n },
      )
      assert.deepEqual(wrong, { ok: false, reason: 'bad_capability' })
    }))
}
