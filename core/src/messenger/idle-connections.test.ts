// Which connections the idle closer closes, and what counts as use (ADR 0910).
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Connection, Stream, StreamMiddleware } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import {
  IdleDirectConnections,
  noteConnectionUse,
  type IdleDirectComponents,
} from './idle-connections.ts'
import { pendingDeadlines } from '../wire/deadline.ts'

const PEER = '12D3KooWRNEyNJZepA1GFxhX3yRq1vBd9iAq83h8wp4qQ3KTeUMW'
const RELAY = `/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`
const CHAT = '/hestia/chat/1.0.0'
const FILE = '/hestia/file/1.0.0'
const IDLE_MS = 1_000
const RELAYED_IDLE_MS = 300

interface Fake {
  closed: boolean
  streams: { protocol: string }[]
}

function fakeConnection(id: string, kind: 'webrtc' | 'relay' | 'relayed', openedAt: number) {
  const addr =
    kind === 'webrtc'
      ? `${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`
      : kind === 'relayed'
        ? `${RELAY}/p2p-circuit/p2p/${PEER}`
        : RELAY
  const fake = {
    id,
    closed: false,
    streams: [] as { protocol: string }[],
    remoteAddr: multiaddr(addr),
    remotePeer: { toString: () => PEER },
    limits: kind === 'relayed' ? { seconds: 120 } : undefined,
    timeline: { open: openedAt },
    get status() {
      return this.closed ? 'closed' : 'open'
    },
    close: () => {
      fake.closed = true
      return Promise.resolve()
    },
    abort: () => {
      fake.closed = true
    },
  }
  return fake as unknown as Fake & Connection
}

function setup(connections: Connection[], keptProtocols: string[] = []) {
  const middleware = new Map<string, StreamMiddleware[]>()
  const registrar = {
    use: (p: string, m: StreamMiddleware[]) => void middleware.set(p, m),
    unuse: (p: string) => void middleware.delete(p),
    getMiddleware: (p: string) => middleware.get(p) ?? [],
  }
  const components: IdleDirectComponents = {
    registrar,
    connectionManager: { getConnections: () => connections.filter((c) => c.status === 'open') },
  }
  const logged: string[] = []
  const idle = new IdleDirectConnections(components, {
    log: (m) => logged.push(m),
    idleMs: IDLE_MS,
    relayedIdleMs: RELAYED_IDLE_MS,
    protocols: [CHAT, FILE],
    keptProtocols,
    checkMs: 3_600_000, // the test drives closeIdle itself
  })
  idle.start()
  /** A stream of `protocol` passes through the middleware libp2p runs (either direction). */
  const stream = (protocol: string, connection: Connection): void => {
    for (const mw of registrar.getMiddleware(protocol))
      void mw({ protocol } as unknown as Stream, connection, () => undefined)
  }
  return { idle, registrar, stream, logged }
}

describe('idle direct connections', () => {
  test('a direct connection that carried nothing for the idle time is closed; relay connections never', async () => {
    const t = Date.now()
    const direct = fakeConnection('d', 'webrtc', t)
    const relay = fakeConnection('r', 'relay', t - 10 * IDLE_MS)
    const { idle } = setup([direct, relay])
    assert.equal(idle.closeIdle(t + IDLE_MS - 1), 0)
    assert.equal(idle.closeIdle(t + IDLE_MS), 1)
    await Promise.resolve()
    assert.equal(direct.closed, true)
    assert.equal(relay.closed, false)
    idle.stop()
  })

  test('a relayed connection to a contact goes once no stream (the dial signalling) is open on it', async () => {
    const t = Date.now()
    const relayed = fakeConnection('c', 'relayed', t)
    relayed.streams.push({ protocol: '/webrtc-signaling/0.0.1' })
    const { idle } = setup([relayed])
    assert.equal(idle.closeIdle(t + RELAYED_IDLE_MS * 10), 0, 'signalling under way')
    relayed.streams.length = 0
    const ended = t + RELAYED_IDLE_MS * 10
    assert.equal(idle.closeIdle(ended + RELAYED_IDLE_MS - 1), 0)
    assert.equal(idle.closeIdle(ended + RELAYED_IDLE_MS), 1)
    await Promise.resolve()
    assert.equal(relayed.closed, true)
    idle.stop()
  })

  test('a chat or file stream in either direction restarts the clock; ping and identify do not', () => {
    const t = Date.now() - 5_000
    const direct = fakeConnection('d', 'webrtc', t)
    const { idle, stream } = setup([direct])
    stream('/ipfs/ping/1.0.0', direct)
    stream('/ipfs/id/1.0.0', direct)
    // Clock readings before a stream are at most its time of use, readings after at least.
    const beforeChat = Date.now()
    stream(CHAT, direct)
    assert.equal(idle.closeIdle(beforeChat + IDLE_MS - 1), 0, 'used just now')
    const beforeFile = Date.now()
    stream(FILE, direct)
    const afterFile = Date.now()
    assert.equal(idle.closeIdle(beforeFile + IDLE_MS - 1), 0)
    assert.equal(idle.closeIdle(afterFile + IDLE_MS), 1)
    idle.stop()
  })

  test('an open chat or file stream (a long transfer) keeps the connection however long ago it opened', () => {
    const t = Date.now() - 60_000
    const direct = fakeConnection('d', 'webrtc', t)
    direct.streams.push({ protocol: FILE })
    const { idle } = setup([direct])
    const later = Date.now() + 10 * IDLE_MS
    assert.equal(idle.closeIdle(later), 0)
    direct.streams.length = 0
    direct.streams.push({ protocol: '/ipfs/ping/1.0.0' })
    assert.equal(idle.closeIdle(later + IDLE_MS - 1), 0, 'the transfer just ended')
    assert.equal(idle.closeIdle(later + IDLE_MS), 1)
    idle.stop()
  })

  test('a kept chat stream that carries nothing does not hold the connection open (ADR 0424)', async () => {
    const t = Date.now()
    const direct = fakeConnection('d', 'webrtc', t)
    const { idle, stream } = setup([direct], [CHAT])
    // The kept stream opens with its first frame and then stays open, carrying nothing.
    stream(CHAT, direct)
    direct.streams.push({ protocol: CHAT })
    const opened = Date.now()
    assert.equal(idle.closeIdle(opened + IDLE_MS - 1), 0, 'its first frame was use')
    assert.equal(idle.closeIdle(opened + IDLE_MS), 1, 'still open, but idle: closed')
    await Promise.resolve()
    assert.equal(direct.closed, true)
    idle.stop()
  })

  test('each frame on a kept stream is use: the clock restarts at the last one', () => {
    const t = Date.now() - 10 * IDLE_MS
    const direct = fakeConnection('d', 'webrtc', t)
    const other = fakeConnection('o', 'webrtc', t)
    direct.streams.push({ protocol: CHAT })
    const { idle, logged } = setup([direct, other], [CHAT])
    const frames = [t + 2 * IDLE_MS, t + 5 * IDLE_MS, t + 5 * IDLE_MS + 500]
    for (const at of frames) noteConnectionUse(direct, at)
    // An earlier report never moves the clock back.
    noteConnectionUse(direct, t + IDLE_MS)
    const last = frames.at(-1)!
    assert.equal(idle.closeIdle(last + IDLE_MS - 1), 1, 'only the connection that carried nothing')
    assert.equal(other.closed, true)
    assert.equal(direct.closed, false)
    assert.equal(idle.closeIdle(last + IDLE_MS), 1)
    assert.match(logged[0]!, /idle direct connection .*the connection opened/)
    assert.match(logged[1]!, /last use 1 s ago \(a frame on a kept stream\)/)
    idle.stop()
  })

  test('with the chat stream kept, an open file stream still holds the connection', () => {
    const t = Date.now() - 60_000
    const direct = fakeConnection('d', 'webrtc', t)
    direct.streams.push({ protocol: CHAT }, { protocol: FILE })
    const { idle } = setup([direct], [CHAT])
    const later = Date.now() + 10 * IDLE_MS
    assert.equal(idle.closeIdle(later), 0, 'a transfer under way')
    direct.streams.splice(1, 1)
    assert.equal(idle.closeIdle(later + IDLE_MS - 1), 0, 'the transfer just ended')
    assert.equal(idle.closeIdle(later + IDLE_MS), 1)
    idle.stop()
  })

  test('libp2p appending the handler to the middleware list it reads does not grow the registered chain', () => {
    const direct = fakeConnection('d', 'webrtc', Date.now())
    const { idle, registrar } = setup([direct])
    // What libp2p 3.3.11 does with the list for every inbound stream.
    registrar.getMiddleware(CHAT).push(() => undefined)
    registrar.getMiddleware(CHAT).push(() => undefined)
    assert.equal(registrar.getMiddleware(CHAT).length, 1)
    idle.stop()
    assert.equal(registrar.getMiddleware(CHAT).length, 0, 'stop removes the hook')
  })

  test('a close gets the grace time on a cancellable deadline: a hung one is aborted then, a finished one holds no timer', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] })
    const before = pendingDeadlines()
    const flush = () => new Promise((r) => setImmediate(r))
    const at = Date.now() - 10 * IDLE_MS
    const hung = fakeConnection('h', 'webrtc', at)
    const quick = fakeConnection('q', 'webrtc', at)
    const signals = new Map<string, AbortSignal>()
    let aborted: Error | undefined
    hung.close = (options) => {
      signals.set('h', options!.signal!)
      return new Promise((_, reject) =>
        options!.signal!.addEventListener('abort', () => reject(options!.signal!.reason as Error)),
      )
    }
    hung.abort = (err) => {
      aborted = err
      hung.closed = true
    }
    quick.close = (options) => {
      signals.set('q', options!.signal!)
      quick.closed = true
      return Promise.resolve()
    }
    const { idle } = setup([hung, quick])
    assert.equal(idle.closeIdle(Date.now()), 2)
    await flush()
    assert.equal(quick.closed, true)
    assert.equal(pendingDeadlines(), before + 1, 'only the hung close is still timed')
    t.mock.timers.tick(1_999)
    await flush()
    assert.equal(hung.closed, false, 'within the grace time the close may still finish')
    t.mock.timers.tick(1)
    await flush()
    assert.equal(aborted?.name, 'TimeoutError', 'aborted once the grace time is up')
    assert.equal(hung.closed, true)
    assert.equal(signals.get('q')!.aborted, false, 'the finished close’s signal never fires')
    assert.equal(pendingDeadlines(), before)
    idle.stop()
  })

  test('an idle time of 0 or less is refused', () => {
    const components = {
      registrar: { use() {}, unuse() {}, getMiddleware: () => [] },
      connectionManager: { getConnections: () => [] },
    }
    assert.throws(
      () => new IdleDirectConnections(components, { idleMs: 0, protocols: [CHAT] }),
      RangeError,
    )
  })
})
