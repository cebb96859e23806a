// TURN credentials (ADR 0450): what the relay hands out and which settings it refuses to start
// with. That coturn itself accepts them is checked in the namespace test (tests/nat/).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac } from 'node:crypto'
import { RelayConfigError, resolveOptions } from './config.ts'
import { turnFromEnv, turnServers } from './turn-credentials.ts'

const SECRET = 'a-long-shared-secret-for-coturn'
const URLS = ['turn:relay.example:3479?transport=udp']

test('credentials: the username is the expiry in Unix seconds, the credential its HMAC-SHA1 under the secret', () => {
  const now = Date.UTC(2026, 11, 6, 12, 0, 0)
  const [server, ...rest] = turnServers({ urls: URLS, secret: SECRET, ttlSeconds: 3600 }, now)
  assert.equal(rest.length, 0)
  assert.deepEqual(server!.urls, URLS)
  assert.equal(server!.username, String(now / 1000 + 3600))
  assert.equal(server!.expiresAtMs, BigInt(now + 3_600_000))
  const expected = createHmac('sha1', SECRET).update(server!.username).digest('base64')
  assert.equal(server!.credential, expected)
  // Another secret gives another credential: a client cannot make its own.
  const other = turnServers({ urls: URLS, secret: SECRET + 'x', ttlSeconds: 3600 }, now)[0]!
  assert.notEqual(other.credential, server!.credential)
})

test('no TURN URLs: no servers in the answer, and no secret needed', () => {
  assert.deepEqual(turnServers({ urls: [], secret: '', ttlSeconds: 3600 }, Date.now()), [])
  assert.deepEqual(resolveOptions({ dataDir: '/tmp/x' }).turn.urls, [])
})

test('settings the relay refuses to start with: each a RelayConfigError saying what is wrong', () => {
  const bad: Array<[object, RegExp]> = [
    [{ urls: URLS, secret: 'short' }, /secret shared with coturn/],
    [{ urls: URLS }, /secret shared with coturn/],
    [{ urls: ['http://relay.example'], secret: SECRET }, /not a turn/],
    [{ urls: ['turn:relay.example:3479 --evil'], secret: SECRET }, /not a turn/],
    [{ urls: URLS, secret: SECRET, ttlSeconds: 5 }, /lifetime/],
    [{ urls: URLS, secret: SECRET, ttlSeconds: 30 * 86_400 }, /lifetime/],
    [{ urls: [...URLS, ...URLS, ...URLS, ...URLS, ...URLS], secret: SECRET }, /at most 4/],
  ]
  for (const [turn, message] of bad) {
    assert.throws(
      () => resolveOptions({ dataDir: '/tmp/x', turn }),
      (err: unknown) => err instanceof RelayConfigError && message.test(err.message),
      JSON.stringify(turn),
    )
  }
  const ok = resolveOptions({ dataDir: '/tmp/x', turn: { urls: URLS, secret: SECRET } })
  assert.equal(ok.turn.ttlSeconds, 12 * 3600)
})

test('environment: URLs comma-separated, lifetime in hours; unset values leave the config file alone', () => {
  assert.deepEqual(
    turnFromEnv({
      HESTIA_RELAY_TURN_URLS: 'turn:a.example:3479,turns:a.example:5349',
      HESTIA_RELAY_TURN_SECRET: SECRET,
      HESTIA_RELAY_TURN_TTL_HOURS: '0.5',
    }),
    { urls: ['turn:a.example:3479', 'turns:a.example:5349'], secret: SECRET, ttlSeconds: 1800 },
  )
  assert.deepEqual(turnFromEnv({}), { urls: undefined, secret: undefined, ttlSeconds: undefined })
})
