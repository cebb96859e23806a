import { test } from 'node:test'
import assert from 'node:assert/strict'
import { isProtocolError } from '../wire/errors.ts'
import { decodeGroupContent, encodeGroupContent, type GroupContent } from './content.ts'

test('group content: every kind round-trips', () => {
  const cases: GroupContent[] = [
    { kind: 'text', text: 'hello 👋' },
    { kind: 'rename', name: 'Book club' },
    { kind: 'leave' },
    {
      kind: 'mailbox',
      mailboxId: new Uint8Array(32).fill(1),
      authSecret: new Uint8Array(32).fill(2),
      capability: new Uint8Array(32).fill(3),
      relay: '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay',
    },
  ]
  for (const c of cases) assert.deepEqual(decodeGroupContent(encodeGroupContent(c)), c)
})

test('group content: what a hostile member could send is refused as malformed', () => {
  const bad = [
    new Uint8Array([]),
    new Uint8Array([9, 65]),
    new Uint8Array([1]),
    new Uint8Array([1, 0xff, 0xfe]),
    new Uint8Array([2]),
    new Uint8Array([3, 0]),
    new Uint8Array(97).fill(4),
    Uint8Array.of(4, ...new Uint8Array(96), 0xff),
    encodeGroupContent({ kind: 'rename', name: 'x'.repeat(129) }),
    encodeGroupContent({ kind: 'text', text: 'x'.repeat(4001) }),
  ]
  for (const b of bad) {
    assert.throws(
      () => decodeGroupContent(b),
      (e) => isProtocolError(e) && e.code === 'malformed',
    )
  }
})

test('group content: 100,000 random inputs throw only ProtocolError', () => {
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 0xff
  for (let i = 0; i < 100_000; i++) {
    const b = new Uint8Array(next() % 2 === 0 ? next() % 12 : 90 + (next() % 20))
    for (let j = 0; j < b.length; j++) b[j] = j === 0 ? next() % 6 : next()
    try {
      decodeGroupContent(b)
    } catch (e) {
      assert.ok(isProtocolError(e), String(e))
    }
  }
})
