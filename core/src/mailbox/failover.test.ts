import { test } from 'node:test'
import assert from 'node:assert/strict'
import { depositWithFailover } from './failover.ts'
import type { DepositTarget } from './failover.ts'
import { MailboxError } from './errors.ts'

const to = { mailboxId: new Uint8Array(32), capability: new Uint8Array(32) }
const sealed = new Uint8Array(1024)

function target(answer: bigint | Error): DepositTarget & { calls: number } {
  const t = {
    calls: 0,
    deposit: () => {
      t.calls++
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)
    },
  }
  return t
}

void test('an unreachable first instance: the next one takes the deposit', async () => {
  const down = target(new Error('dial failed: ECONNREFUSED'))
  const up = target(7n)
  assert.deepEqual(await depositWithFailover([down, up], to, sealed), { index: 1, id: 7n })
  assert.equal(down.calls, 1)
})

void test('a database that is unavailable behind the first instance: the next one is tried', async () => {
  const first = target(new MailboxError('internal', 'the relay database is unavailable'))
  const second = target(3n)
  assert.deepEqual(await depositWithFailover([first, second], to, sealed), { index: 1, id: 3n })
})

void test('a final answer is not sent to another instance (it would answer the same)', async () => {
  for (const code of [
    'bad_capability',
    'mailbox_full',
    'rate_limited',
    'unknown_mailbox',
  ] as const) {
    const first = target(new MailboxError(code))
    const second = target(1n)
    await assert.rejects(depositWithFailover([first, second], to, sealed), (err: unknown) => {
      return err instanceof MailboxError && err.code === code
    })
    assert.equal(second.calls, 0, code)
  }
})

void test('the first instance that answers wins; none answering throws the last error', async () => {
  const ok = target(1n)
  const later = target(2n)
  assert.deepEqual(await depositWithFailover([ok, later], to, sealed), { index: 0, id: 1n })
  assert.equal(later.calls, 0)
  const last = new Error('second down too')
  await assert.rejects(
    depositWithFailover([target(new Error('first down')), target(last)], to, sealed),
    (err: unknown) => err === last,
  )
  await assert.rejects(depositWithFailover([], to, sealed), /no relay/)
})

void test('a later address that does not hold the mailbox is skipped: the first failure is reported', async () => {
  const down = new Error('home relay unreachable')
  const other = target(new MailboxError('unknown_mailbox'))
  await assert.rejects(
    depositWithFailover([target(down), other], to, sealed),
    (err: unknown) => err === down,
  )
  assert.equal(other.calls, 1)
  const third = target(9n)
  assert.deepEqual(
    await depositWithFailover(
      [target(down), target(new MailboxError('unknown_mailbox')), third],
      to,
      sealed,
    ),
    { index: 2, id: 9n },
  )
})
