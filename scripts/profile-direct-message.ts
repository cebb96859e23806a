/**
 * Where a direct message's round trip goes (issue #21): two real messengers (the integration
 * harness: a relay on 127.0.0.1, libp2p over WebRTC through node-datachannel on loopback, in-memory
 * stores) exchange N texts one after another, and every stage of each one is time-stamped on one
 * clock: A's request → stored → ratchet encrypt (A's session write) → chat stream opened → frame
 * written → B's handler → B's store reads → B's commit → message.added on B → B's receipt
 * (encrypt, stream, write) → A's commit → message.updated `delivered` on A.
 *
 * Prints one row per stage seen in at least 80 % of the messages: its median offset from the
 * request, the step from the row before, and p90. The stores are in memory here: in the extension
 * each store call is an IndexedDB transaction (the browser bench measures that).
 *
 *   node_modules/.bin/node scripts/profile-direct-message.ts [N=60]
 *   HESTIA_CHAT_STREAM_IDLE_MS=0 node_modules/.bin/node scripts/profile-direct-message.ts  (a stream per frame)
 *   node_modules/.bin/node --cpu-prof --cpu-prof-dir=/tmp/prof scripts/profile-direct-message.ts 300
 *   node_modules/.bin/node scripts/cpu-profile-summary.ts /tmp/prof/<file>.cpuprofile
 */
import type { Connection, Stream } from '@libp2p/interface'
import type { MessengerNode } from '@hestia/core/messenger/index.ts'
import { CHAT_PROTOCOL } from '@hestia/core/messenger/limits.ts'
import type { MessengerStore } from '@hestia/core/store/index.ts'
import {
  TestPeer,
  connectPeers,
  ensureDirect,
  releaseWebRTC,
  startTestRelay,
  waitUntil,
} from '../tests/integration/support/messenger-harness.ts'

const n = Number(process.argv[2] ?? 60)
const WARMUP = 5
const TEXT = 'x'.repeat(32)

type Side = 'A' | 'B'
interface Mark {
  side: Side
  label: string
  t: number
}
const marks: Mark[] = []
const mark = (side: Side, label: string): void => {
  marks.push({ side, label, t: performance.now() })
}

/** Every store method of `store` marks its call and its settling. */
function instrumentStore(side: Side, store: MessengerStore): void {
  const target = store as unknown as Record<string, unknown>
  const names = new Set<string>()
  for (let o: object | null = store; o !== null && o !== Object.prototype;) {
    for (const k of Object.getOwnPropertyNames(o)) names.add(k)
    o = Object.getPrototypeOf(o) as object | null
  }
  for (const name of names) {
    const fn = target[name]
    if (name === 'constructor' || typeof fn !== 'function') continue
    target[name] = (...args: unknown[]) => {
      mark(side, `store.${name} >`)
      const out = (fn as (...a: unknown[]) => unknown).apply(store, args)
      if (out instanceof Promise)
        return out.finally(() => {
          mark(side, `store.${name} <`)
        })
      return out
    }
  }
}

const seenStreams = new WeakSet<Stream>()
function instrumentStream(side: Side, dir: string, stream: Stream): void {
  if (seenStreams.has(stream)) return
  seenStreams.add(stream)
  const send = stream.send.bind(stream)
  stream.send = (data) => {
    mark(side, `${dir} stream: send`)
    return send(data)
  }
  stream.addEventListener('message', () => mark(side, `${dir} stream: data in`))
  stream.addEventListener('close', () => mark(side, `${dir} stream: closed`))
}

const seenConnections = new WeakSet<Connection>()
function instrumentConnection(side: Side, c: Connection): void {
  if (seenConnections.has(c)) return
  seenConnections.add(c)
  const open = c.newStream.bind(c)
  c.newStream = async (protocols, options) => {
    const chat = [protocols].flat().includes(CHAT_PROTOCOL)
    if (!chat) return open(protocols, options)
    mark(side, 'newStream >')
    const stream = await open(protocols, options)
    mark(side, 'newStream <')
    instrumentStream(side, 'out', stream)
    return stream
  }
}

/** Marks chat streams in (the handler) and out (newStream on any connection the messenger lists). */
function instrumentNode(side: Side, node: MessengerNode): void {
  const handle = node.handle.bind(node)
  node.handle = (protocol, handler, options) =>
    handle(
      protocol,
      protocol === CHAT_PROTOCOL
        ? (stream, connection) => {
            mark(side, 'in stream: handler')
            instrumentStream(side, 'in', stream)
            return handler(stream, connection)
          }
        : handler,
      options,
    )
  const getConnections = node.getConnections.bind(node)
  node.getConnections = (peer) => {
    const list = getConnections(peer)
    for (const c of list) instrumentConnection(side, c)
    return list
  }
}

function peer(side: Side, relays: string[]): TestPeer {
  const p = new TestPeer(side, relays)
  p.receiptDelay = { minMs: 0, maxMs: 0 }
  // HESTIA_CHAT_STREAM_IDLE_MS=0: one stream per frame (before ADR 0422), for comparison.
  const keep = process.env.HESTIA_CHAT_STREAM_IDLE_MS
  if (keep !== undefined) p.chatStreamIdleMs = Number(keep)
  p.instrument = {
    node: (node) => instrumentNode(side, node),
    store: (store) => instrumentStore(side, store),
  }
  return p
}

function percentile(values: number[], q: number): number {
  const s = [...values].sort((x, y) => x - y)
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!
}

const relay = await startTestRelay()
const relays = [relay.multiaddrs[0]!]
const a = await peer('A', relays).start()
const b = await peer('B', relays).start()
const { convA } = await connectPeers(a, b)
await ensureDirect(a, b, relays[0]!)
await ensureDirect(b, a, relays[0]!).catch(() => undefined)

const delivered = new Map<string, () => void>()
a.service.client.subscribe((e) => {
  if (e.type === 'message.updated') {
    mark('A', `event message.updated ${e.message.delivery}`)
    if (e.message.delivery === 'delivered') delivered.get(e.message.messageId)?.()
  } else if (e.type === 'message.added') mark('A', 'event message.added')
})
b.service.client.subscribe((e) => {
  if (e.type === 'message.added') mark('B', 'event message.added')
})

/** Each message's marks as offsets from its request, keyed side:label#occurrence. */
const windows: Map<string, number>[] = []
const rtts: number[] = []
for (let i = 0; i < WARMUP + n; i++) {
  // Quiet between messages, as a person typing: the last receipt's outbox pass has finished.
  await new Promise((r) => setTimeout(r, 20))
  const from = marks.length
  const t0 = performance.now()
  mark('A', 'request')
  let done!: () => void
  const got = new Promise<void>((r) => (done = r))
  const sent = await a.must({ type: 'messages.send', conversationId: convA, text: TEXT })
  delivered.set(sent.message.messageId, done)
  await Promise.race([
    got,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no receipt in 10 s')), 10_000)),
  ])
  rtts.push(performance.now() - t0)
  if (i < WARMUP) continue
  const seen = new Map<string, number>()
  const offsets = new Map<string, number>()
  for (const m of marks.slice(from)) {
    const base = `${m.side}: ${m.label}`
    const k = (seen.get(base) ?? 0) + 1
    seen.set(base, k)
    offsets.set(`${base} #${k}`, m.t - t0)
  }
  windows.push(offsets)
}
const direct = a.sent.filter((s) => s.kind === 'message' && s.route === 'direct').length
const measured = rtts.slice(WARMUP)

const keys = new Set(windows.flatMap((w) => [...w.keys()]))
const rows = [...keys]
  .map((key) => {
    const values = windows.flatMap((w) => (w.has(key) ? [w.get(key)!] : []))
    return { key, share: values.length / windows.length, p50: percentile(values, 0.5), values }
  })
  .filter((r) => r.share >= 0.8)
  .sort((x, y) => x.p50 - y.p50)
console.log(
  `direct message round trips, Node ↔ Node over WebRTC (node-datachannel), ${n} messages ` +
    `(${direct} of ${WARMUP + n} went direct): request → delivered p50 ` +
    `${percentile(measured, 0.5).toFixed(2)} ms, p90 ${percentile(measured, 0.9).toFixed(2)} ms`,
)
console.log('offset p50 (ms) | step (ms) | offset p90 | stage')
let previous = 0
for (const r of rows) {
  console.log(
    `${r.p50.toFixed(2).padStart(8)} | ${(r.p50 - previous).toFixed(2).padStart(6)} | ` +
      `${percentile(r.values, 0.9).toFixed(2).padStart(8)} | ${r.key}` +
      (r.share < 1 ? ` (${Math.round(r.share * 100)} %)` : ''),
  )
  previous = r.p50
}

await a.stop()
await b.stop()
await waitUntil('nodes stopped', () => true)
await relay.stop()
releaseWebRTC()
