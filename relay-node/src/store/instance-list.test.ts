import { test } from 'node:test'
import assert from 'node:assert/strict'
import { advertisedInstances, instanceListProblem } from './instance-list.ts'

const A = '/dns4/a.example/tcp/443/wss/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
const B = '/dns4/b.example/tcp/443/wss/p2p/12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

void test('an instance list of dialable /p2p/ addresses is accepted as given', () => {
  assert.equal(instanceListProblem([]), undefined)
  assert.equal(instanceListProblem([A, B]), undefined)
  assert.match(instanceListProblem([`${A}x`.replace('/p2p/', '/x/')]) ?? '', /not a multiaddr/)
  assert.match(
    instanceListProblem([`/dns4/a.example/tcp/443/wss/p2p/${'1'.repeat(300)}`]) ?? '',
    /longer than/,
  )
})

void test('an instance does not advertise itself (its own peer ids, current and next)', () => {
  const idA = A.split('/p2p/')[1]!
  const idB = B.split('/p2p/')[1]!
  assert.deepEqual(advertisedInstances([A, B], [idA]), [B])
  assert.deepEqual(advertisedInstances([A, B], [idA, idB]), [])
  assert.deepEqual(advertisedInstances([A, B], ['12D3KooWsomeoneElse']), [A, B])
})
