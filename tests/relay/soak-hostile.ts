/**
 * Hostile clients for the relay's hostile-load tests and the soak: each attack of issue 15, bounded
 * in bytes and time, against a relay on loopback. Every function reports what the attacker saw
 * (the typed answer, a reset, a closed socket), so tests can assert the relay's side of it.
 */
import type { Libp2p, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MAILBOX_PROTOCOL,
  MAX_REQUEST_FRAME_BYTES,
  MAX_RESPONSE_FRAME_BYTES,
  ab,
  encodeRequest,
  newMailboxCredentials,
  signAuth,
  signedBodyOf,
} from '@hestia/core/mailbox/index.ts'
import { Response } from '@hestia/core/mailbox/mailbox.pb.js'
import { randomBytes } from '@noble/hashes/utils.js'
import { connect } from 'node:net'

export const CIRCUIT_HOP = '/libp2p/circuit/relay/0.2.0/hop'
const KiB = 1024

export interface StreamOutcome {
  /** The relay's typed error, when it answered before the reset. */
  answer?: string
  /** The relay reset or closed the stream before the attacker was done. */
  cut: boolean
  /** Bytes the attacker got out before the cut. */
  sent: number
  ms: number
}

function ended(stream: Stream): boolean {
  return stream.status !== 'open' || stream.writeStatus !== 'writable'
}

/** Sends `total` bytes of `fill` in 16 KiB chunks until done or the relay cuts the stream. */
async function pump(stream: Stream, total: number, fill: number, signal: AbortSignal) {
  const chunk = new Uint8Array(16 * KiB).fill(fill)
  let sent = 0
  try {
    while (sent < total && !ended(stream)) {
      const n = Math.min(chunk.length, total - sent)
      if (!stream.send(n === chunk.length ? chunk : chunk.subarray(0, n))) {
        await stream.onDrain({ signal })
      }
      sent += n
    }
  } catch {
    // reset by the relay, or the attacker's own deadline
  }
  return sent
}

/** Reads one mailbox response, if the relay sends one before the stream ends. */
async function answerOf(stream: Stream, signal: AbortSignal): Promise<string | undefined> {
  try {
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    return Response.decode((await lp.read({ signal })).subarray()).error
  } catch {
    return undefined
  }
}

/** A length prefix that never ends: bytes that all carry the varint continuation bit. */
export async function endlessPrefix(
  node: Libp2p,
  relayAddr: string,
  protocol: string,
  bytes = 2 * 1024 * KiB,
  timeoutMs = 15_000,
): Promise<StreamOutcome> {
  const started = performance.now()
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await node.dialProtocol(multiaddr(relayAddr), protocol, {
    signal,
    runOnLimitedConnection: true,
  })
  const answer = protocol === MAILBOX_PROTOCOL ? answerOf(stream, signal) : undefined
  const sent = await pump(stream, bytes, 0x80, signal)
  const closed = waitClosed(stream, signal)
  const a = await answer
  const cut = await closed
  stream.abort(new Error('attacker done'))
  return { ...(a !== undefined ? { answer: a } : {}), cut, sent, ms: performance.now() - started }
}

async function waitClosed(stream: Stream, signal: AbortSignal): Promise<boolean> {
  if (stream.status !== 'open') return true
  return new Promise<boolean>((resolve) => {
    const done = () => resolve(true)
    stream.addEventListener('close', done, { once: true })
    signal.addEventListener('abort', () => resolve(stream.status !== 'open'), { once: true })
  })
}

/**
 * Half-sent frames: `streams` mailbox streams each announce a near-maximal frame, send `bodyBytes`
 * of it and stop. Resolves after `holdMs` with how many streams the relay cut.
 */
export async function halfFrames(
  node: Libp2p,
  relayAddr: string,
  streams: number,
  bodyBytes: number,
  holdMs: number,
): Promise<{ opened: number; cut: number }> {
  const signal = AbortSignal.timeout(holdMs + 10_000)
  const length = MAX_REQUEST_FRAME_BYTES - KiB
  const prefix = new Uint8Array([
    (length & 0x7f) | 0x80,
    ((length >> 7) & 0x7f) | 0x80,
    length >> 14,
  ])
  const opened: Stream[] = []
  for (let i = 0; i < streams; i++) {
    try {
      const s = await node.dialProtocol(multiaddr(relayAddr), MAILBOX_PROTOCOL, { signal })
      opened.push(s)
      s.send(prefix)
      await pump(s, bodyBytes, 0x42, signal)
    } catch {
      // the relay refused more streams on this connection, or reset it
    }
  }
  await new Promise((r) => setTimeout(r, holdMs))
  const cut = opened.filter((s) => s.status !== 'open').length
  for (const s of opened) s.abort(new Error('attacker done'))
  return { opened: opened.length, cut }
}

/** Sends whole frames and reads one answer each (raw bytes, so any frame can be sent). */
export async function framesAndAnswers(
  node: Libp2p,
  relayAddr: string,
  frames: Uint8Array[],
  timeoutMs = 10_000,
): Promise<Array<string | undefined>> {
  const signal = AbortSignal.timeout(timeoutMs)
  const stream = await node.dialProtocol(multiaddr(relayAddr), MAILBOX_PROTOCOL, { signal })
  const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
  const out: Array<string | undefined> = []
  try {
    for (const f of frames) {
      await lp.write(f, { signal })
      out.push(Response.decode((await lp.read({ signal })).subarray()).error)
    }
  } catch {
    out.push(undefined)
  } finally {
    stream.abort(new Error('attacker done'))
  }
  return out
}

/** A frame announcing more than the largest request, then its first bytes. */
export async function oversizeFrame(node: Libp2p, relayAddr: string): Promise<StreamOutcome> {
  const started = performance.now()
  const signal = AbortSignal.timeout(10_000)
  const stream = await node.dialProtocol(multiaddr(relayAddr), MAILBOX_PROTOCOL, { signal })
  const answer = answerOf(stream, signal)
  const length = 4 * MAX_REQUEST_FRAME_BYTES
  stream.send(new Uint8Array([(length & 0x7f) | 0x80, ((length >> 7) & 0x7f) | 0x80, length >> 14]))
  const sent = await pump(stream, 64 * KiB, 0x55, signal)
  const a = await answer
  const cut = await waitClosed(stream, signal)
  stream.abort(new Error('attacker done'))
  return { ...(a !== undefined ? { answer: a } : {}), cut, sent, ms: performance.now() - started }
}

/** Frames of random bytes (each should get `malformed`, the stream staying usable). */
export function garbageFrames(n: number, random: (n: number) => Uint8Array): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => random(1 + ((i * 97) % 400)))
}

/**
 * A captured signed request sent again: the attacker registers a mailbox of its own, signs one
 * fetch and sends those exact bytes twice. The second must be `replay`.
 */
export async function replayedSignature(
  node: Libp2p,
  relayAddr: string,
  now: () => number = Date.now,
): Promise<Array<string | undefined>> {
  const creds = newMailboxCredentials()
  const createBody = {
    authPublicKey: ab(creds.authPublicKey),
    capability: ab(creds.capability),
    managePublicKey: new Uint8Array(), // an ordinary mailbox (ADR 0137)
  }
  const sign = (op: 'create' | 'fetch', body: Uint8Array) =>
    signAuth({
      op,
      mailboxId: creds.mailboxId,
      secretKey: creds.authSecretKey,
      encodedBody: body,
      nowMs: now(),
      randomBytes,
    })
  const create = encodeRequest({
    create: { ...createBody, auth: sign('create', signedBodyOf('create', createBody)) },
  })
  const fetchBody = { limit: 1 }
  const fetch = encodeRequest({
    fetch: { ...fetchBody, auth: sign('fetch', signedBodyOf('fetch', fetchBody)) },
  })
  return framesAndAnswers(node, relayAddr, [create, fetch, fetch])
}

/**
 * TCP connections to the relay's port that never send a byte. Resolves after `holdMs` (or when all
 * closed) with how many the relay closed and how fast.
 */
export async function idleSockets(
  host: string,
  port: number,
  localAddress: string,
  n: number,
  holdMs: number,
): Promise<{ opened: number; closedByRelay: number; closeMs: number[] }> {
  const started = performance.now()
  const closeMs: number[] = []
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof connect> | undefined>((resolve) => {
          const s = connect({ host, port, localAddress })
          s.once('connect', () => resolve(s))
          s.once('error', () => resolve(undefined))
          s.once('close', () => closeMs.push(performance.now() - started))
        }),
    ),
  )
  const open = sockets.filter((s) => s !== undefined)
  const until = performance.now() + holdMs
  while (performance.now() < until && closeMs.length < open.length) {
    await new Promise((r) => setTimeout(r, 50))
  }
  const closedByRelay = closeMs.length
  for (const s of open) s.destroy()
  return { opened: open.length, closedByRelay, closeMs }
}
