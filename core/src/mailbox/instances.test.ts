import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CommunityInstances, onFirstInstance } from './instances.ts'
import { MailboxError } from './errors.ts'

const HOME = '/ip4/10.0.0.1/tcp/443/wss/p2p/12D3KooWHome'
const TWO = '/ip4/10.0.0.2/tcp/443/wss/p2p/12D3KooWTwo'
const THREE = '/dns4/three.example/tcp/443/wss/p2p/12D3KooWThree'
const OTHER = '/dns4/elsewhere.example/tcp/443/wss/p2p/12D3KooWOther'

void test('what a home relay advertises: kept in order, junk and duplicates dropped', () => {
  const c = new CommunityInstances()
  assert.equal(c.known(HOME), false)
  assert.deepEqual(c.of(HOME), [HOME], 'before it answered: the home relay alone')
  const changed = c.learn(HOME, [TWO, 'not an address', TWO, HOME, '/ip4/1.2.3.4/tcp/1', THREE])
  assert.equal(changed, true)
  assert.deepEqual(c.of(HOME), [HOME, TWO, THREE])
  assert.equal(c.learn(HOME, [TWO, THREE]), false, 'the same list again is no change')
  assert.equal(c.learn(HOME, [THREE]), true, 'an instance removed is a change')
  const long = `/ip4/1.2.3.4/tcp/1/p2p/${'x'.repeat(300)}`
  c.learn(HOME, [long, ...Array.from({ length: 20 }, (_, i) => `${TWO}${i}`)])
  assert.equal(c.of(HOME).length, 9, 'the home relay and at most 8 instances')
  assert.ok(!c.of(HOME).includes(long), 'an over-long address is not kept')
})

void test('a relay with no instances is known but changes nothing for contacts', () => {
  const c = new CommunityInstances()
  assert.equal(c.learn(HOME, []), false)
  assert.equal(c.known(HOME), true)
  assert.deepEqual(c.helloRelays([HOME, OTHER], 4), [HOME, OTHER])
})

void test('try order starts at the instance in use and wraps around', () => {
  const c = new CommunityInstances()
  c.learn(HOME, [TWO, THREE])
  assert.deepEqual(c.tryOrder(HOME, HOME), [HOME, TWO, THREE])
  assert.deepEqual(c.tryOrder(HOME, TWO), [TWO, THREE, HOME])
  assert.deepEqual(c.tryOrder(HOME, OTHER), [HOME, TWO, THREE], 'unknown in-use: from home')
})

void test("a Hello names the home relay's instances right after it, within the contact's cap", () => {
  const c = new CommunityInstances()
  c.learn(HOME, [TWO, THREE])
  assert.deepEqual(c.helloRelays([HOME, OTHER], 4), [HOME, TWO, THREE, OTHER])
  assert.deepEqual(c.helloRelays([HOME, OTHER], 2), [HOME, TWO])
  assert.deepEqual(c.helloRelays([HOME, TWO], 4), [HOME, TWO, THREE], 'no duplicates')
  assert.deepEqual(c.helloRelays([], 4), [])
})

void test('onFirstInstance: a down instance is passed over, the next one answers', async () => {
  const tried: string[] = []
  const got = await onFirstInstance([HOME, TWO, THREE], (a) => {
    tried.push(a)
    if (a === HOME) return Promise.reject(new Error('dial failed: ECONNREFUSED'))
    if (a === TWO) return Promise.reject(new MailboxError('internal', 'database unavailable'))
    return Promise.resolve(42)
  })
  assert.deepEqual(got, { address: THREE, value: 42 })
  assert.deepEqual(tried, [HOME, TWO, THREE])
})

void test('onFirstInstance: a final answer is not tried elsewhere', async () => {
  const tried: string[] = []
  await assert.rejects(
    onFirstInstance([HOME, TWO], (a) => {
      tried.push(a)
      return Promise.reject(new MailboxError('bad_signature', 'no'))
    }),
    (err: unknown) => err instanceof MailboxError && err.code === 'bad_signature',
  )
  assert.deepEqual(tried, [HOME])
})

void test('onFirstInstance: all down, or the others are not instances: the first failure', async () => {
  const down = new Error('dial failed: ECONNREFUSED')
  await assert.rejects(
    onFirstInstance([HOME, TWO], (a) =>
      Promise.reject(a === HOME ? down : new MailboxError('unknown_mailbox', 'not here')),
    ),
    (err: unknown) => err === down,
  )
  await assert.rejects(
    onFirstInstance([], () => Promise.resolve(1)),
    /no relay instance/,
  )
})

void test('a kept list: restored at start (checked again), asked again, and what is kept after', () => {
  const c = new CommunityInstances()
  c.restore({
    lists: [
      { home: HOME, instances: [TWO, 'junk', HOME, THREE], learntAt: 5 },
      // A tampered or half-written record: skipped, nothing thrown.
      { home: 7, instances: [TWO] } as never,
      { home: OTHER, instances: 'x' } as never,
    ],
  })
  assert.deepEqual(c.tryOrder(HOME, HOME), [HOME, TWO, THREE], 'fails over before any answer')
  assert.equal(c.known(HOME), false, 'a restored list is asked again in this process')
  assert.deepEqual(c.of(OTHER), [OTHER])
  // Instance TWO answers (it does not list itself): it stays in the list, home is not added.
  assert.equal(c.learn(HOME, [HOME, THREE], { now: 9, via: TWO }), false)
  assert.equal(c.known(HOME), true)
  assert.deepEqual(c.record(), { lists: [{ home: HOME, instances: [TWO, THREE], learntAt: 9 }] })
  c.restore({ lists: [{ home: HOME, instances: [], learntAt: 1 }] })
  assert.deepEqual(c.of(HOME), [HOME, TWO, THREE], 'an answer in this process beats the store')
})

void test('lists are kept for at most 8 home relays, the oldest answer dropped first', () => {
  const c = new CommunityInstances()
  const homes = Array.from({ length: 10 }, (_, i) => `${HOME}${i}`)
  for (const [i, h] of homes.entries()) c.learn(h, [TWO], { now: i })
  const kept = c.record().lists.map((l) => l.home)
  assert.deepEqual(kept, homes.slice(2))
})
