/**
 * Shared helpers for the relay integration tests: a real libp2p client in Node that dials the relay
 * over WebSockets on loopback, and a MailboxClient bound to it.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import type { Libp2p } from '@libp2p/interface'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MAILBOX_PROTOCOL,
  MAX_RESPONSE_FRAME_BYTES,
  MailboxClient,
} from '@hestia/core/mailbox/index.ts'
import type { MailboxClientInit } from '@hestia/core/mailbox/index.ts'
import { Response } from '@hestia/core/mailbox/mailbox.pb.js'
import { lpStream } from '@libp2p/utils'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { DatabaseSync } from 'node:sqlite'
import { createLibp2p } from 'libp2p'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function tempDir(prefix = 'hestia-relay-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/**
 * A Node libp2p client. With `relayAddr`, it listens on that relay (reserves a circuit relay v2
 * slot there), as a browser does.
 */
export async function startClientNode(
  options: {
    relayListen?: boolean
    relayAddr?: string
    /**
     * false: no libp2p connection monitor (a ping stream every 10 s that aborts the connection
     * when an answer is late), as the messenger's nodes run (ADR 0910/0912).
     */
    connectionMonitor?: false
    /**
     * libp2p's inboundConnectionThreshold: new inbound connections per second per remote host
     * (default 5). Every relayed connection counts against the relay's IP, and libp2p opens a new
     * one for each dial over a circuit, so a test that dials this node through its relay more than
     * 5 times a second raises it.
     */
    inboundConnectionsPerSecond?: number
  } = {},
): Promise<Libp2p> {
  return createLibp2p({
    ...(options.connectionMonitor === false ? { connectionMonitor: { enabled: false } } : {}),
    ...(options.inboundConnectionsPerSecond !== undefined
      ? { connectionManager: { inboundConnectionThreshold: options.inboundConnectionsPerSecond } }
      : {}),
    addresses: {
      listen:
        options.relayAddr !== undefined
          ? [`${options.relayAddr}/p2p-circuit`]
          : options.relayListen === true
            ? ['/p2p-circuit']
            : [],
    },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Tests dial ws:// on loopback, which the default gater refuses.
    connectionGater: { denyDialMultiaddr: () => false },
    services: { identify: identify() },
  })
}

export function mailboxClientFor(
  node: Libp2p,
  relayAddr: string,
  extra: Partial<MailboxClientInit> = {},
): MailboxClient {
  const addr = multiaddr(relayAddr)
  return new MailboxClient({
    openStream: (opts) => node.dialProtocol(addr, MAILBOX_PROTOCOL, opts),
    ...extra,
  })
}

export function sealedOf(size: number, fill: number): Uint8Array {
  return new Uint8Array(size).fill(fill)
}

/** Sends raw frames on one stream and returns the decoded responses (error responses included). */
export async function rawExchange(
  node: Libp2p,
  relayAddr: string,
  frames: Uint8Array[],
  options: { prefix?: Uint8Array } = {},
): Promise<Response[]> {
  const stream = await node.dialProtocol(multiaddr(relayAddr), MAILBOX_PROTOCOL)
  const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
  const out: Response[] = []
  try {
    if (options.prefix !== undefined) stream.send(options.prefix)
    for (const f of frames) {
      await lp.write(f)
      out.push(Response.decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()))
    }
    if (options.prefix !== undefined && frames.length === 0) {
      out.push(Response.decode((await lp.read({ signal: AbortSignal.timeout(10_000) })).subarray()))
    }
  } finally {
    await stream.close().catch(() => undefined)
  }
  return out
}

/** A digest of every row in the relay database, read through a second connection (WAL allows it). */
export function databaseDigest(dataDir: string): string {
  const db = new DatabaseSync(join(dataDir, 'mailboxes.sqlite'), { readOnly: true })
  try {
    const h = createHash('sha256')
    for (const table of [
      'mailboxes',
      'messages',
      'auth_nonces',
      'prekey_bundles',
      'one_time_prekeys',
    ]) {
      for (const row of db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all()) {
        h.update(table)
        for (const v of Object.values(row)) h.update(v instanceof Uint8Array ? v : String(v))
      }
    }
    return h.digest('hex')
  } finally {
    db.close()
  }
}

/** A clock tests can move; pass `now` to both the relay and the clients. */
export function testClock(start = Date.now()): {
  now: () => number
  advance: (ms: number) => void
} {
  let t = start
  return { now: () => t, advance: (ms) => (t += ms) }
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

export const RELAY_BIN = join(
  import.meta.dirname,
  '..',
  '..',
  'relay-node',
  'bin',
  'hestia-relay.js',
)

export interface RelayProcess {
  child: ChildProcess
  multiaddrs: string[]
  stderr: () => string
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>
}

/** Starts `hestia-relay start ARGS` as a child and waits for the multiaddrs on stdout. */
export async function spawnRelay(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<RelayProcess> {
  const child = spawn(process.execPath, [RELAY_BIN, 'start', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  )
  const multiaddrs = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`relay did not start: ${err}`)), 20_000)
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes('\n')) {
        clearTimeout(timer)
        resolve(out.trim().split('\n'))
      }
    })
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`relay exited (${code}) before it was ready: ${err}`))
    })
  })
  return { child, multiaddrs, stderr: () => err, exited }
}
