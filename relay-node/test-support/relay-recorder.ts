/**
 * Test-only: everything a relay operator could keep (issue #18's threat model). Every libp2p
 * connection the relay accepted (PeerId, remote address, time), every stream it served (protocol,
 * time, bytes each way, and the bytes it read, which the relay holds in the clear after noise),
 * every mailbox request decoded from those bytes (operation, mailbox id, sealed size), PeerIds that
 * held a circuit-relay reservation, and at the end the database files, the log and the metrics.
 *
 * It taps the relay through libp2p's public stream middleware (`node.use`) and connection events,
 * so the relay's own code runs unchanged. Never imported by shipped code (lint zones forbid it).
 */
import type { Connection, Stream } from '@libp2p/interface'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Request } from '@hestia/core/mailbox/mailbox.pb.js'
import type { RelayHandle } from '../src/relay.ts'

export type MailboxOp =
  | 'create'
  | 'deposit'
  | 'fetch'
  | 'ack'
  | 'subscribe'
  | 'publishPrekeys'
  | 'fetchPrekeys'
  | 'info'
  | 'close'

/** Operations only the mailbox owner can make (signed with the mailbox's key). */
export const OWNER_OPS: ReadonlySet<MailboxOp> = new Set([
  'create',
  'fetch',
  'ack',
  'subscribe',
  'publishPrekeys',
  'close',
])

export interface RecordedConnection {
  id: number
  peerId: string
  remoteAddr: string
  openedAt: number
}

export interface RecordedStream {
  connection: number
  peerId: string
  remoteAddr: string
  protocol: string
  openedAt: number
  bytesIn: number
  bytesOut: number
  /** What the relay read on this stream (after noise and yamux: what its process holds). */
  received: Uint8Array[]
  /** What the relay wrote on this stream. */
  sent: Uint8Array[]
}

export interface RecordedRequest {
  peerId: string
  remoteAddr: string
  connection: number
  at: number
  op: MailboxOp
  /** hex; empty for `info`. */
  mailboxId: string
  /** Deposit: the sealed envelope's length. */
  sealedBytes?: number
  /** Deposit: the sealed envelope (what the relay stores, or refuses on a moved sequence). */
  sealed?: Uint8Array
  /** Create: the mailbox's auth public key (hex). */
  authPublicKey?: string
}

export interface RelayRecord {
  connections: RecordedConnection[]
  streams: RecordedStream[]
  requests: RecordedRequest[]
  /** PeerIds that ever held a circuit-relay v2 reservation. */
  reservationHolders: Set<string>
  /** Every file under the data directory (database, WAL, identity, relay.json, …). */
  files: Map<string, Buffer>
  log: string
  metrics: string
}

export interface RelayRecorder {
  /** A snapshot: files, log and metrics read now. */
  record(): Promise<RelayRecord>
  stop(): void
}

const OPS: readonly MailboxOp[] = [
  'create',
  'deposit',
  'fetch',
  'ack',
  'subscribe',
  'publishPrekeys',
  'fetchPrekeys',
  'info',
  'close',
]
const MAILBOX_PROTOCOL_PREFIX = '/hestia/mailbox/'
const RESERVATION_POLL_MS = 50

export interface RecorderOptions {
  /** The relay's log file (startRelay `logDestination`). */
  logFile?: string
  /** The admin port's /metrics (the relay must run with an admin port). */
  metricsUrl?: string
}

/** Starts recording `relay` now (connections opened before are not seen: start it first). */
export function recordRelay(relay: RelayHandle, options: RecorderOptions = {}): RelayRecorder {
  const node = relay.node
  const connections: RecordedConnection[] = []
  const ids = new WeakMap<Connection, number>()
  const streams: RecordedStream[] = []
  const requests: RecordedRequest[] = []
  const reservationHolders = new Set<string>()
  const idOf = (c: Connection): number => {
    let id = ids.get(c)
    if (id === undefined) {
      id = connections.length
      ids.set(c, id)
      connections.push({
        id,
        peerId: c.remotePeer.toString(),
        remoteAddr: c.remoteAddr.toString(),
        openedAt: Date.now(),
      })
    }
    return id
  }
  const onOpen = (e: CustomEvent<Connection>): void => void idOf(e.detail)
  node.addEventListener('connection:open', onOpen)
  for (const c of node.getConnections()) idOf(c)

  const restore = copyMiddlewareOnRead(node)
  const protocols = node.getProtocols()
  for (const protocol of protocols) {
    node.use(protocol, (stream, connection, next) => {
      const entry = tapStream(stream, connection, idOf(connection))
      streams.push(entry)
      if (protocol.startsWith(MAILBOX_PROTOCOL_PREFIX)) decodeRequests(stream, entry, requests)
      next(stream, connection)
    })
  }
  const services = node.services as { relay?: { reservations: Map<unknown, unknown> } }
  const poll = setInterval(() => {
    for (const peer of services.relay?.reservations.keys() ?? [])
      reservationHolders.add(String(peer))
  }, RESERVATION_POLL_MS)
  poll.unref()

  return {
    async record() {
      for (const peer of services.relay?.reservations.keys() ?? [])
        reservationHolders.add(String(peer))
      return {
        connections: [...connections],
        streams: [...streams],
        requests: [...requests],
        reservationHolders: new Set(reservationHolders),
        files: readTree(relay.dataDir),
        log: options.logFile !== undefined ? readFileSync(options.logFile, 'utf8') : '',
        metrics:
          options.metricsUrl !== undefined ? await (await fetch(options.metricsUrl)).text() : '',
      }
    },
    stop() {
      clearInterval(poll)
      node.removeEventListener('connection:open', onOpen)
      for (const protocol of protocols) node.unuse(protocol)
      restore()
    },
  }
}

/**
 * libp2p 3.x appends the handler to the registered middleware array on every inbound stream, so
 * once any middleware is registered the n-th stream would run the handler n times
 * (docs/upstream/libp2p-middleware-chain.md). Handing out copies keeps the chain as registered.
 */
function copyMiddlewareOnRead(node: RelayHandle['node']): () => void {
  type Registrar = { getMiddleware: (protocol: string) => unknown[] }
  const registrar = (node as unknown as { components: { registrar: Registrar } }).components
    .registrar
  const original = registrar.getMiddleware
  const read = original.bind(registrar)
  registrar.getMiddleware = (protocol) => [...read(protocol)]
  return () => {
    registrar.getMiddleware = original
  }
}

function tapStream(stream: Stream, connection: Connection, id: number): RecordedStream {
  const entry: RecordedStream = {
    connection: id,
    peerId: connection.remotePeer.toString(),
    remoteAddr: connection.remoteAddr.toString(),
    protocol: stream.protocol,
    openedAt: Date.now(),
    bytesIn: 0,
    bytesOut: 0,
    received: [],
    sent: [],
  }
  stream.addEventListener('message', (e) => {
    const bytes = e.data.subarray()
    entry.bytesIn += bytes.length
    entry.received.push(bytes.slice())
  })
  const send = stream.send.bind(stream)
  stream.send = (data) => {
    const bytes = data.subarray()
    entry.bytesOut += bytes.length
    entry.sent.push(bytes.slice())
    return send(data)
  }
  return entry
}

/** Reads the length-prefixed mailbox requests off the bytes the relay receives on `stream`. */
function decodeRequests(stream: Stream, entry: RecordedStream, out: RecordedRequest[]): void {
  let buffer: Uint8Array = new Uint8Array(0)
  stream.addEventListener('message', () => {
    buffer = concat(buffer, entry.received[entry.received.length - 1]!)
    for (;;) {
      const header = readVarint(buffer)
      if (header === undefined || buffer.length < header.size + header.value) return
      const frame = buffer.subarray(header.size, header.size + header.value)
      buffer = buffer.slice(header.size + header.value)
      const parsed = parseRequest(frame)
      if (parsed !== undefined)
        out.push({
          peerId: entry.peerId,
          remoteAddr: entry.remoteAddr,
          connection: entry.connection,
          at: Date.now(),
          ...parsed,
        })
    }
  })
}

function parseRequest(
  frame: Uint8Array,
):
  | Pick<RecordedRequest, 'op' | 'mailboxId' | 'sealedBytes' | 'sealed' | 'authPublicKey'>
  | undefined {
  let req: Request
  try {
    req = Request.decode(frame)
  } catch {
    return undefined
  }
  const body = req as unknown as Record<string, unknown>
  const op = OPS.find((o) => body[o] !== undefined && body[o] !== null)
  if (op === undefined) return undefined
  const hex = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString('hex')
  switch (op) {
    case 'deposit':
      return {
        op,
        mailboxId: hex(req.deposit!.mailboxId),
        sealedBytes: req.deposit!.sealed.length,
        sealed: req.deposit!.sealed,
      }
    case 'fetchPrekeys':
      return { op, mailboxId: hex(req.fetchPrekeys!.mailboxId) }
    case 'info':
      return { op, mailboxId: '' }
    case 'create':
      return {
        op,
        mailboxId: hex(req.create!.auth?.mailboxId),
        authPublicKey: hex(req.create!.authPublicKey),
      }
    default: {
      const signed = body[op] as { auth?: { mailboxId?: Uint8Array } }
      return { op, mailboxId: hex(signed.auth?.mailboxId) }
    }
  }
}

function readVarint(bytes: Uint8Array): { value: number; size: number } | undefined {
  let value = 0
  for (let i = 0; i < Math.min(bytes.length, 5); i++) {
    value += (bytes[i]! & 0x7f) * 2 ** (7 * i)
    if ((bytes[i]! & 0x80) === 0) return { value, size: i + 1 }
  }
  return undefined
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function readTree(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = statSync(path)
    if (st.isDirectory()) for (const [k, v] of readTree(path)) files.set(join(name, k), v)
    else files.set(name, readFileSync(path))
  }
  return files
}
