// The unlocked data key kept for a restarted offscreen document (ADR 0523): it travels to the
// service worker as base64url of exactly 32 bytes (anything else is refused at validation) and
// comes back byte for byte; removed, it is gone.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseRequest, resultParsers } from '../host-control/validate.ts'
import { memorySessionKeys, relayedSessionKeys } from './session-keys.ts'

function relayOverValidation() {
  const stored = new Map<string, string>()
  return {
    stored,
    relay: {
      get: () => {
        parseRequest({ kind: 'session.key.get' })
        const raw: unknown = JSON.parse(JSON.stringify({ key: stored.get('k') ?? null }))
        return Promise.resolve(resultParsers['session.key.get'](raw).key)
      },
      put: (key: string) => {
        const request = parseRequest({ kind: 'session.key.put', key })
        if (request.kind === 'session.key.put') stored.set('k', request.key)
        return Promise.resolve()
      },
      remove: () => {
        parseRequest({ kind: 'session.key.remove' })
        stored.delete('k')
        return Promise.resolve()
      },
    },
  }
}

test('the relayed key comes back byte for byte, and not after remove', async () => {
  const { relay, stored } = relayOverValidation()
  const keys = relayedSessionKeys(relay)
  assert.equal(await keys.read(), null)
  const dataKey = Uint8Array.from({ length: 32 }, (_, i) => 255 - i)
  await keys.write(dataKey)
  assert.match(stored.get('k') ?? '', /^[A-Za-z0-9_-]{43}$/)
  assert.deepEqual(await keys.read(), dataKey)
  await keys.remove()
  assert.equal(await keys.read(), null)
  assert.equal(stored.size, 0)
})

test('a key that is not 32 bytes of base64url is refused where requests are checked', () => {
  for (const key of [
    '',
    'x'.repeat(42),
    'x'.repeat(44),
    `${'x'.repeat(42)}=`,
    'a'.repeat(43) + ' ',
  ])
    assert.throws(() => parseRequest({ kind: 'session.key.put', key }), {
      name: 'HostRequestError',
    })
  assert.throws(() => parseRequest({ kind: 'session.key.put', key: 'x'.repeat(43), extra: 1 }))
  assert.throws(() => resultParsers['session.key.get']({ key: 'short' }))
})

test("the memory copy is a copy: zeroing the caller's key does not change it", async () => {
  const keys = memorySessionKeys()
  const dataKey = new Uint8Array(32).fill(7)
  await keys.write(dataKey)
  dataKey.fill(0)
  assert.deepEqual(await keys.read(), new Uint8Array(32).fill(7))
})
