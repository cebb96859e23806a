import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  fileFallbackSealedBytes,
  largestFallbackFile,
  RelayConfigError,
  resolveOptions,
} from './config.ts'

const MiB = 1024 * 1024

test('the file fallback cap defaults to 16 MiB, whose pieces fit the default 32 MiB quota', () => {
  const o = resolveOptions({ dataDir: '/tmp/x' })
  assert.equal(o.mailbox.fileFallbackCapBytes, 16 * MiB)
  assert.ok(fileFallbackSealedBytes(16 * MiB) <= o.mailbox.maxBytesPerMailbox)
})

test('with a smaller quota and no cap set, the announced cap shrinks to what fits', () => {
  const o = resolveOptions({ dataDir: '/tmp/x', mailbox: { maxBytesPerMailbox: 4 * MiB } })
  assert.equal(o.mailbox.fileFallbackCapBytes, largestFallbackFile(4 * MiB))
  assert.ok(fileFallbackSealedBytes(o.mailbox.fileFallbackCapBytes) <= 4 * MiB)
  assert.ok(fileFallbackSealedBytes(o.mailbox.fileFallbackCapBytes + 48 * 1024) > 4 * MiB)
})

test('an operator cap that cannot fit the quota is refused at start with what to change', () => {
  assert.throws(
    () =>
      resolveOptions({
        dataDir: '/tmp/x',
        mailbox: { fileFallbackCapBytes: 64 * MiB, maxBytesPerMailbox: 32 * MiB },
      }),
    (e: unknown) => e instanceof RelayConfigError && /lower the file fallback cap/.test(e.message),
  )
  assert.throws(
    () => resolveOptions({ dataDir: '/tmp/x', mailbox: { fileFallbackCapBytes: -1 } }),
    RelayConfigError,
  )
  // 0 announces no cap (clients then use their own default, as with a relay that predates it).
  assert.equal(
    resolveOptions({ dataDir: '/tmp/x', mailbox: { fileFallbackCapBytes: 0 } }).mailbox
      .fileFallbackCapBytes,
    0,
  )
})

test('the disk reserve defaults to 64 MiB; 0 turns it off; a negative or fractional one is refused', () => {
  assert.equal(resolveOptions({ dataDir: '/tmp/x' }).diskReserveBytes, 64 * MiB)
  assert.equal(resolveOptions({ dataDir: '/tmp/x', diskReserveBytes: 0 }).diskReserveBytes, 0)
  for (const bad of [-1, 0.5, Number.NaN]) {
    assert.throws(
      () => resolveOptions({ dataDir: '/tmp/x', diskReserveBytes: bad }),
      (e: unknown) => e instanceof RelayConfigError && /disk reserve/.test(e.message),
    )
  }
})

void test('hostile-load limits: defaults as documented; zero, negative or inverted budgets are refused', () => {
  const o = resolveOptions({ dataDir: '/tmp/x' })
  assert.equal(o.relay.handshakeDeadlineMs, 10_000)
  assert.equal(o.relay.maxHandshakingPerIp, 8)
  assert.equal(o.relay.partialFrameBytesPerConnection, 1024 * 1024)
  assert.equal(o.relay.partialFrameBytesTotal, 128 * 1024 * 1024)
  assert.equal(o.auditLogMaxBytes, 16 * 1024 * 1024)
  for (const relay of [
    { handshakeDeadlineMs: 0 },
    { maxHandshakingPerIp: -1 },
    { partialFrameBytesPerConnection: 1.5 },
    { partialFrameBytesPerConnection: 2048, partialFrameBytesTotal: 1024 },
  ]) {
    assert.throws(() => resolveOptions({ dataDir: '/tmp/x', relay }), RelayConfigError)
  }
  assert.throws(() => resolveOptions({ dataDir: '/tmp/x', auditLogMaxBytes: 0 }), RelayConfigError)
})

void test('--instances: only with a postgres store, only /p2p/ addresses, each once, at most 8', () => {
  const store = 'postgres://relay@127.0.0.1:5432/hestia'
  const a = '/ip4/10.0.0.2/tcp/4510/ws/p2p/12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
  assert.deepEqual(resolveOptions({ dataDir: '/tmp/x' }).instances, [])
  assert.deepEqual(resolveOptions({ dataDir: '/tmp/x', store, instances: [a] }).instances, [a])
  const refused: Array<[string[], string, RegExp]> = [
    [[a], 'sqlite', /shared postgres/],
    [['/ip4/10.0.0.2/tcp/4510/ws'], store, /must end in \/p2p\//],
    [['relay.example:443'], store, /not a multiaddr/],
    [[a, a], store, /twice/],
    [Array.from({ length: 9 }, (_, i) => `${a.slice(0, -1)}${i}`), store, /at most 8/],
  ]
  for (const [instances, s, why] of refused) {
    assert.throws(
      () => resolveOptions({ dataDir: '/tmp/x', store: s, instances }),
      (e: unknown) => e instanceof RelayConfigError && why.test(e.message),
      instances.join(' '),
    )
  }
})
