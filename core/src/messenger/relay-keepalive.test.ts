import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Connection } from '@libp2p/interface'
import { RelayKeepAlive } from './relay-keepalive.ts'

/** A relay connection as the check sees it: open WebSocket, a yamux muxer that answers or not. */
function fakeRelayConnection(answer: boolean) {
  const state = { pings: 0, streams: 0, aborted: false }
  const connection = {
    status: 'open',
    limits: undefined,
    remoteAddr: { toString: () => '/ip4/127.0.0.1/tcp/1/ws' },
    muxer: {
      ping: ({ signal }: { signal?: AbortSignal } = {}) => {
        state.pings++
        if (answer) return Promise.resolve(1)
        return new Promise<number>((_, reject) =>
          signal?.addEventListener('abort', () => reject(signal.reason as Error)),
        )
      },
    },
    newStream: () => {
      state.streams++
      return Promise.reject(new Error('no streams here'))
    },
    abort: () => {
      state.aborted = true
      connection.status = 'closed'
    },
  }
  return { connection: connection as unknown as Connection, state }
}

test('each check is one muxer ping, no stream; a muxer that does not answer in time gets its connection aborted', async () => {
  const alive = fakeRelayConnection(true)
  const dead = fakeRelayConnection(false)
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => [alive.connection, dead.connection] } },
    { intervalMs: 3_600_000, timeoutMs: 50 },
  )
  assert.equal(await keepAlive.pingRelays(), 1)
  assert.deepEqual(alive.state, { pings: 1, streams: 0, aborted: false })
  assert.deepEqual(dead.state, { pings: 1, streams: 0, aborted: true })
})

test('started, it checks again after each jittered wait; stopped, it checks no more, even after a stop/start mid-check', async () => {
  const relay = fakeRelayConnection(true)
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => [relay.connection] } },
    { intervalMs: 40, timeoutMs: 1_000, jitter: 0.5 },
  )
  keepAlive.start()
  await new Promise((r) => setTimeout(r, 400))
  keepAlive.stop()
  keepAlive.start()
  keepAlive.stop()
  const seen = relay.state.pings
  // 400 ms at 20–60 ms a wait: at least 6 checks.
  assert.ok(seen >= 6, `checked ${seen} times`)
  await new Promise((r) => setTimeout(r, 300))
  assert.equal(relay.state.pings, seen, 'no check after stop')
})

test('an answered check lets go of its time limit: the signal the ping got never aborts afterwards', async () => {
  const relay = fakeRelayConnection(true)
  const signals: AbortSignal[] = []
  const muxer = (relay.connection as unknown as { muxer: { ping: (o?: object) => unknown } }).muxer
  const ping = muxer.ping
  muxer.ping = (options: { signal?: AbortSignal } = {}) => {
    if (options.signal !== undefined) signals.push(options.signal)
    return ping(options)
  }
  const keepAlive = new RelayKeepAlive(
    { connectionManager: { getConnections: () => [relay.connection] } },
    { intervalMs: 3_600_000, timeoutMs: 30 },
  )
  assert.equal(await keepAlive.pingRelays(), 0)
  await new Promise((r) => setTimeout(r, 90))
  assert.equal(signals.length, 1)
  assert.equal(signals[0]!.aborted, false, 'nothing aborts the finished ping')
  assert.equal(relay.state.aborted, false)
})
