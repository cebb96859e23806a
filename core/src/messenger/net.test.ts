// Which direct connection the messenger uses, and what it does with one that cannot open a stream
// (a one-sided connection whose other end already dropped it; ADR 0907).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Connection, Stream } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import {
  dialDirectInBackground,
  directConnection,
  newDirectStream,
  type MessengerNet,
} from './net.ts'

const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const relay = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'

interface FakeConnection {
  id: string
  status: 'open' | 'closed'
  aborted?: Error
  /** What newStream does: resolve with a stream, or fail with this error. */
  streamFails?: Error
  opened: string[]
}

function fakeConnection(
  id: string,
  openedAt: number,
  kind: 'webrtc' | 'relayed' | 'limited' = 'webrtc',
  streamFails?: Error,
): FakeConnection & Connection {
  const remoteAddr = multiaddr(
    kind === 'webrtc'
      ? `${relay}/p2p-circuit/webrtc/p2p/${peer.toString()}`
      : `${relay}/p2p-circuit/p2p/${peer.toString()}`,
  )
  const fake = {
    id,
    status: 'open' as FakeConnection['status'],
    aborted: undefined as Error | undefined,
    streamFails,
    opened: [] as string[],
    remotePeer: peer,
    remoteAddr,
    limits: kind === 'limited' ? { bytes: 1n } : undefined,
    timeline: { open: openedAt },
    async newStream(protocol: string, options: { signal: AbortSignal }): Promise<Stream> {
      await Promise.resolve() // a stream opens asynchronously
      options.signal.throwIfAborted()
      if (fake.status !== 'open')
        throw Object.assign(new Error('closed'), { name: 'ConnectionClosedError' })
      if (fake.streamFails !== undefined) throw fake.streamFails
      fake.opened.push(protocol)
      return { id: `${id}/${protocol}` } as unknown as Stream
    },
    abort(err: Error): void {
      fake.aborted = err
      fake.status = 'closed'
    },
  }
  return fake as unknown as FakeConnection & Connection
}

function netWith(connections: Connection[]): MessengerNet {
  return {
    getConnections: () => connections.filter((c) => c.status === 'open'),
  } as unknown as MessengerNet
}

const timeout = () => Object.assign(new Error('signal timed out'), { name: 'TimeoutError' })
const refused = () =>
  Object.assign(new Error('protocol selection failed'), { name: 'UnsupportedProtocolError' })

describe('direct connection choice', () => {
  test('the newest open direct connection wins over older ones', () => {
    const old = fakeConnection('old', 1_000)
    const fresh = fakeConnection('fresh', 5_000)
    const middle = fakeConnection('middle', 3_000)
    assert.equal(directConnection(netWith([old, fresh, middle]), peer)?.id, 'fresh')
  })

  test('relayed and limited connections are never direct, however new', () => {
    const direct = fakeConnection('direct', 1_000)
    const relayed = fakeConnection('relayed', 9_000, 'relayed')
    const limited = fakeConnection('limited', 9_500, 'limited')
    assert.equal(directConnection(netWith([direct, relayed, limited]), peer)?.id, 'direct')
    assert.equal(directConnection(netWith([relayed, limited]), peer), undefined)
  })
})

describe('opening a stream on a direct connection', () => {
  test('a connection that cannot open a stream is aborted; the older direct one carries it', async () => {
    const older = fakeConnection('older', 1_000)
    const oneSided = fakeConnection('one-sided', 2_000, 'webrtc', timeout())
    const net = netWith([older, oneSided])
    const stream = await newDirectStream(net, oneSided, '/hestia/chat/1', {
      signal: AbortSignal.timeout(1_000),
    })
    assert.equal((stream as unknown as { id: string }).id, 'older//hestia/chat/1')
    assert.equal(oneSided.aborted?.name, 'TimeoutError')
    assert.equal(directConnection(net, peer)?.id, 'older', 'the next send does not pick it again')
  })

  test('the only connection fails: aborted, the error goes up, the next send dials afresh', async () => {
    const oneSided = fakeConnection('one-sided', 2_000, 'webrtc', timeout())
    const net = netWith([oneSided])
    await assert.rejects(
      newDirectStream(net, oneSided, '/hestia/chat/1', { signal: AbortSignal.timeout(1_000) }),
      { name: 'TimeoutError' },
    )
    assert.equal(oneSided.status, 'closed')
    assert.equal(directConnection(net, peer), undefined)
  })

  test('a peer that refuses the protocol keeps its connection and nothing else is tried', async () => {
    const answering = fakeConnection('answering', 1_000, 'webrtc', refused())
    const newer = fakeConnection('newer', 2_000)
    const net = netWith([answering, newer])
    await assert.rejects(
      newDirectStream(net, answering, '/hestia/chat/1', { signal: AbortSignal.timeout(1_000) }),
      { name: 'UnsupportedProtocolError' },
    )
    assert.equal(answering.status, 'open')
    assert.deepEqual(newer.opened, [])
  })

  test('one retry at most, and none once the budget is spent', async () => {
    const a = fakeConnection('a', 1_000, 'webrtc', timeout())
    const b = fakeConnection('b', 2_000, 'webrtc', timeout())
    const c = fakeConnection('c', 3_000, 'webrtc', timeout())
    await assert.rejects(
      newDirectStream(netWith([a, b, c]), a, '/p', { signal: AbortSignal.timeout(1_000) }),
    )
    assert.deepEqual(
      [a.status, b.status, c.status],
      ['closed', 'open', 'closed'],
      'a, then the newest (c); b stays for the next send',
    )

    const spent = new AbortController()
    const x = fakeConnection('x', 1_000)
    const y = fakeConnection('y', 2_000)
    x.streamFails = timeout()
    const net = netWith([x, y])
    const attempt = newDirectStream(net, x, '/p', { signal: spent.signal })
    spent.abort()
    await assert.rejects(attempt)
    assert.deepEqual(y.opened, [], 'no second attempt after the deadline')
    assert.equal(y.status, 'open', 'a connection never tried is not dropped')
  })
})

describe('a background dial', () => {
  /** A node whose dial records its signal; `answer` decides what the dial does with it. */
  function dialingNet(answer: (signal: AbortSignal) => Promise<Connection>) {
    const signals: AbortSignal[] = []
    const net = {
      dial: (_addr: unknown, options: { signal: AbortSignal }) => {
        signals.push(options.signal)
        return answer(options.signal)
      },
    } as unknown as MessengerNet
    return { net, signals }
  }
  const logged = () => {
    const lines: string[] = []
    return { lines, log: (m: string) => void lines.push(m) }
  }
  const settle = (ms: number) => new Promise((r) => setTimeout(r, ms))

  test('a dial that ended leaves its signal alone after the budget (nothing held until then)', async () => {
    const connection = fakeConnection('d', 1_000)
    const { net, signals } = dialingNet(() => Promise.resolve(connection))
    const { lines, log } = logged()
    dialDirectInBackground(net, peer, [relay], 40, log)
    await settle(120) // three budgets: AbortSignal.timeout would have fired by now
    assert.equal(signals.length, 1)
    assert.equal(signals[0]!.aborted, false, 'the finished dial’s signal never aborts')
    assert.deepEqual(lines, [], 'the dial got its connection')
  })

  test('a dial that never answers is given up at the budget with a TimeoutError, and may run again', async () => {
    const { net, signals } = dialingNet(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }),
        ),
    )
    const { lines, log } = logged()
    dialDirectInBackground(net, peer, [relay], 40, log)
    dialDirectInBackground(net, peer, [relay], 40, log) // a burst: still one dial
    assert.equal(signals.length, 1)
    await settle(120)
    assert.equal((signals[0]!.reason as Error).name, 'TimeoutError')
    assert.deepEqual(lines, ['background dial: no direct connection'])
    dialDirectInBackground(net, peer, [relay], 40, log)
    assert.equal(signals.length, 2, 'the peer is no longer marked as being dialled')
  })
})
