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
