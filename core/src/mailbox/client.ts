/**
 * MailboxClient: the messenger's side of /hestia/mailbox/1.0.0. Platform-free: it takes a function
 * that opens a libp2p stream to the relay (over the client's own connection, not a relayed circuit),
 * a clock and randomness. One stream per request; subscribe keeps its stream for live pushes.
 */
import type { AbortOptions, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import { randomBytes as nobleRandomBytes } from '@noble/hashes/utils.js'
import { publicKeyFromSecret, signAuth } from './auth.ts'
import type { AuthOp } from './auth.ts'
import { decodeResponse, encodeRequest, signedBodyOf } from './codec.ts'
import { ab } from './bytes.ts'
import {
  CAPABILITY_MIN_BYTES,
  DEFAULT_EXPIRY_S,
  MAILBOX_ID_BYTES,
  MAX_FETCH_LIMIT,
  MAX_REQUESTS_PER_MAILBOX_STREAM,
  MAX_RESPONSE_FRAME_BYTES,
} from './constants.ts'
import { MailboxError } from './errors.ts'
import { deadline, withDeadline } from '../wire/deadline.ts'
import { openPrekey, sealPrekey } from './prekey-seal.ts'
import type { RelayInfo, Response, StoredMessage } from './mailbox.pb.js'

/** What the mailbox owner keeps secret. */
export interface MailboxCredentials {
  mailboxId: Uint8Array
  authSecretKey: Uint8Array
  authPublicKey: Uint8Array
  capability: Uint8Array
}

/** What a contact gets from the invite: enough to deposit and fetch prekeys, not to read. */
export interface DepositAddress {
  mailboxId: Uint8Array
  capability: Uint8Array
}

export interface MailboxMessage {
  id: bigint
  sealed: Uint8Array
  expiresAtMs: number
}

export interface MailboxClientInit {
  /** Opens a stream for MAILBOX_PROTOCOL on the connection to the relay. */
  openStream: (options: AbortOptions) => Promise<Stream>
  now?: () => number
  randomBytes?: (n: number) => Uint8Array
  /** Per-request timeout. */
  timeoutMs?: number
  /** Requests in flight at once, each on its own stream (the relay accepts 32 per connection). */
  maxStreams?: number
}

export interface Subscription {
  /** Resolves when the relay or the network ends the subscription. */
  readonly ended: Promise<void>
  close(): Promise<void>
}

const DEFAULT_TIMEOUT_MS = 15_000
/** Reuse a stream only if it was used this recently (the relay closes streams idle for 30 s). */
const STREAM_REUSE_MS = 10_000
const DEFAULT_MAX_STREAMS = 8
/** Streams kept open for reuse. */
const MAX_IDLE_STREAMS = DEFAULT_MAX_STREAMS

export function newMailboxCredentials(
  randomBytes: (n: number) => Uint8Array = nobleRandomBytes,
): MailboxCredentials {
  const authSecretKey = randomBytes(32)
  return {
    mailboxId: randomBytes(MAILBOX_ID_BYTES),
    authSecretKey,
    authPublicKey: publicKeyFromSecret(authSecretKey),
    capability: randomBytes(Math.max(CAPABILITY_MIN_BYTES, 32)),
  }
}

export function depositAddressOf(creds: MailboxCredentials): DepositAddress {
  return { mailboxId: creds.mailboxId, capability: creds.capability }
}

function toMessage(m: StoredMessage): MailboxMessage {
  return { id: m.id, sealed: m.sealed, expiresAtMs: Number(m.expiresAtMs) }
}

export class MailboxClient {
  private readonly openStream: MailboxClientInit['openStream']
  private readonly now: () => number
  private readonly randomBytes: (n: number) => Uint8Array
  private readonly timeoutMs: number
  private readonly idle: PooledStream[] = []
  private readonly maxStreams: number
  private inFlight = 0
  private readonly waiters: Array<() => void> = []

  constructor(init: MailboxClientInit) {
    this.openStream = init.openStream
    this.now = init.now ?? Date.now
    this.randomBytes = init.randomBytes ?? nobleRandomBytes
    this.timeoutMs = init.timeoutMs ?? DEFAULT_TIMEOUT_MS
    this.maxStreams = init.maxStreams ?? DEFAULT_MAX_STREAMS
  }

  /**
   * Registers the mailbox (idempotent for the same keys and capability). With `managePublicKey`
   * (ADR 0137), ack, close and publish_prekeys need that key's signature instead of the auth key's:
   * whoever holds only the auth key (a group's members) can read but not delete.
   */
  async create(
    creds: MailboxCredentials,
    opts: { managePublicKey?: Uint8Array } = {},
  ): Promise<void> {
    const body = {
      authPublicKey: ab(creds.authPublicKey),
      capability: ab(creds.capability),
      // Empty (not encoded) for an ordinary mailbox: its signed body is as before.
      managePublicKey: ab(opts.managePublicKey ?? new Uint8Array()),
    }
    const auth = this.sign('create', creds, signedBodyOf('create', body))
    await this.request({ create: { ...body, auth } })
  }

  /**
   * Deposits sealed bytes; resolves with the relay's id once the relay has committed them. With
   * `expectedId` (group mailboxes, ADR 0132) the relay stores them only if that is the id they
   * would get, else MailboxError('sequence_moved') with `nextId`.
   */
  async deposit(
    to: DepositAddress,
    sealed: Uint8Array,
    options: { expiryS?: number; expectedId?: bigint } = {},
  ): Promise<bigint> {
    const res = await this.request({
      deposit: {
        mailboxId: ab(to.mailboxId),
        capability: ab(to.capability),
        expiryS: options.expiryS ?? DEFAULT_EXPIRY_S,
        sealed: ab(sealed),
        ...(options.expectedId === undefined ? {} : { expectedId: options.expectedId }),
      },
    })
    return res.depositId
  }

  /**
   * Oldest-first batch of stored messages with ids above `afterId` (a reader's cursor, ADR 0132);
   * `more` says whether another fetch would return more.
   */
  async fetch(
    creds: MailboxCredentials,
    limit = MAX_FETCH_LIMIT,
    afterId = 0n,
  ): Promise<{ messages: MailboxMessage[]; more: boolean }> {
    const body = afterId === 0n ? { limit } : { limit, afterId }
    const auth = this.sign('fetch', creds, signedBodyOf('fetch', body))
    const res = await this.request({ fetch: { ...body, auth } })
    return { messages: res.messages.map(toMessage), more: res.more }
  }

  /** Deletes the given messages from the relay; resolves with how many it deleted. */
  async ack(creds: MailboxCredentials, ids: readonly bigint[]): Promise<number> {
    const body = { ids: [...ids] }
    const auth = this.sign('ack', creds, signedBodyOf('ack', body))
    const res = await this.request({ ack: { ...body, auth } })
    return res.deleted
  }

  /** Fetches everything stored, acking each batch after `onBatch` resolves. */
  async drain(
    creds: MailboxCredentials,
    onBatch: (messages: MailboxMessage[]) => Promise<void> | void,
  ): Promise<number> {
    let total = 0
    for (;;) {
      const { messages, more } = await this.fetch(creds)
      if (messages.length > 0) {
        await onBatch(messages)
        await this.ack(
          creds,
          messages.map((m) => m.id),
        )
        total += messages.length
      }
      if (!more || messages.length === 0) return total
    }
  }

  /**
   * Live push: the relay sends each new deposit for this mailbox down the stream while it stays
   * open. Pushed messages stay stored until acked, so a missed push is picked up by the next fetch.
   */
  async subscribe(
    creds: MailboxCredentials,
    onMessage: (message: MailboxMessage) => void,
  ): Promise<Subscription> {
    const body = {}
    const auth = this.sign('subscribe', creds, signedBodyOf('subscribe', body))
    const stream = await withDeadline(this.timeoutMs, (signal) => this.openStream({ signal }))
    const lp = lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES })
    try {
      await withDeadline(this.timeoutMs, (signal) =>
        lp.write(encodeRequest({ subscribe: { auth } }), { signal }),
      )
      const answer = await withDeadline(this.timeoutMs, (signal) => lp.read({ signal }))
      decodeResponse(answer.subarray())
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw typedFrameError(err)
    }
    const ended = (async () => {
      try {
        for (;;) {
          const res = decodeResponse((await lp.read()).subarray())
          if (res.push !== undefined) onMessage(toMessage(res.push))
        }
      } catch {
        // The stream ended (relay closed it, connection dropped, or close() below): the caller
        // re-subscribes and fetches on reconnect.
      }
    })()
    return {
      ended,
      close: async () => {
        await withDeadline(this.timeoutMs, (signal) => stream.close({ signal })).catch(() =>
          stream.abort(new Error('subscription closed')),
        )
        await ended
      },
    }
  }

  async publishPrekeys(
    creds: MailboxCredentials,
    signedBundle: Uint8Array,
    oneTimePrekeys: readonly Uint8Array[],
  ): Promise<number> {
    // Sealed to whoever holds the capability (the relay does not): ADR 0208, prekey-seal.ts.
    const seal = (kind: 'bundle' | 'oneTime', bytes: Uint8Array) =>
      ab(sealPrekey(creds, kind, bytes, this.randomBytes))
    const body = {
      signedBundle: seal('bundle', signedBundle),
      oneTimePrekeys: oneTimePrekeys.map((k) => seal('oneTime', k)),
    }
    const auth = this.sign('publishPrekeys', creds, signedBodyOf('publishPrekeys', body))
    const res = await this.request({ publishPrekeys: { ...body, auth } })
    return res.oneTimePrekeysLeft
  }

  /** The signed bundle and, while any are left, one one-time prekey that no one else will get. */
  async fetchPrekeys(
    of: DepositAddress,
  ): Promise<{ signedBundle: Uint8Array; oneTimePrekey?: Uint8Array; left: number }> {
    const res = await this.request({
      fetchPrekeys: { mailboxId: ab(of.mailboxId), capability: ab(of.capability) },
    })
    return {
      signedBundle: openPrekey(of, 'bundle', res.signedBundle),
      ...(res.oneTimePrekey.length > 0
        ? { oneTimePrekey: openPrekey(of, 'oneTime', res.oneTimePrekey) }
        : {}),
      left: res.oneTimePrekeysLeft,
    }
  }

  /**
   * Closes the mailbox for good (ADR 0211): the relay deletes it with its messages and prekeys;
   * deposits afterwards get `unknown_mailbox`. Closing a mailbox the relay no longer has rejects
   * with MailboxError('unknown_mailbox'), which callers treat as done.
   */
  async closeMailbox(creds: MailboxCredentials): Promise<void> {
    const body = {}
    const auth = this.sign('close', creds, signedBodyOf('close', body))
    await this.request({ close: { auth } })
  }

  /** The relay's identities (current and, during a key rotation, next), STUN port and caps. */
  async info(): Promise<RelayInfo> {
    const res = await this.request({ info: {} })
    if (res.info === undefined) throw new MailboxError('malformed', 'info response without info')
    return res.info
  }

  private sign(op: AuthOp, creds: MailboxCredentials, encodedBody: Uint8Array) {
    return signAuth({
      op,
      mailboxId: creds.mailboxId,
      secretKey: creds.authSecretKey,
      encodedBody,
      nowMs: this.now(),
      randomBytes: this.randomBytes,
    })
  }

  /**
   * One request/response. Streams are reused for later requests (the relay serves several
   * sequential requests per stream), which saves the protocol negotiation round trip; an idle
   * stream is retired well before the relay's idle timeout closes it.
   */
  private async request(body: Parameters<typeof encodeRequest>[0]): Promise<Response> {
    // One deadline for the wait for a slot, the stream and the exchange, cleared when it is over.
    const limit = deadline(this.timeoutMs)
    const { signal } = limit
    let frame: Uint8Array
    try {
      await this.acquireSlot(signal)
      try {
        const entry = this.takeIdle() ?? (await this.openPooled(signal))
        try {
          entry.requests++
          await entry.lp.write(encodeRequest(body), { signal })
          frame = (await entry.lp.read({ signal })).subarray()
        } catch (err) {
          entry.stream.abort(err instanceof Error ? err : new Error(String(err)))
          throw typedFrameError(err)
        }
        this.release(entry)
      } finally {
        this.releaseSlot()
      }
    } finally {
      limit.clear()
    }
    return decodeResponse(frame) // a typed error response leaves the stream usable
  }

  /** At most maxStreams requests in flight; the rest wait their turn (the relay caps streams). */
  private async acquireSlot(signal: AbortSignal): Promise<void> {
    if (this.inFlight < this.maxStreams) {
      this.inFlight++
      return
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = () => {
        signal.removeEventListener('abort', onAbort)
        resolve()
      }
      const onAbort = () => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        reject(signal.reason instanceof Error ? signal.reason : new Error('timed out'))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.waiters.push(waiter)
    })
  }

  private releaseSlot(): void {
    const next = this.waiters.shift()
    if (next !== undefined)
      next() // the slot passes straight to the next waiter
    else this.inFlight--
  }

  private async openPooled(signal: AbortSignal): Promise<PooledStream> {
    const stream = await this.openStream({ signal })
    return {
      stream,
      lp: lpStream(stream, { maxDataLength: MAX_RESPONSE_FRAME_BYTES }),
      lastUsed: 0,
      requests: 0,
    }
  }

  private takeIdle(): PooledStream | undefined {
    for (;;) {
      const entry = this.idle.pop()
      if (entry === undefined) return undefined
      if (this.now() - entry.lastUsed < STREAM_REUSE_MS && isUsable(entry.stream)) return entry
      entry.stream.abort(new Error('idle mailbox stream retired'))
    }
  }

  private release(entry: PooledStream): void {
    entry.lastUsed = this.now()
    // The relay closes a stream after MAX_REQUESTS_PER_MAILBOX_STREAM requests; a request sent on it
    // after that would meet the close instead of an answer.
    const spent = entry.requests >= MAX_REQUESTS_PER_MAILBOX_STREAM
    if (!spent && this.idle.length < MAX_IDLE_STREAMS && isUsable(entry.stream))
      this.idle.push(entry)
    else void entry.stream.close().catch(() => undefined)
  }

  /** Closes pooled streams (subscriptions are closed through their own handles). */
  async close(): Promise<void> {
    const idle = this.idle.splice(0)
    await Promise.all(idle.map(async (e) => e.stream.close().catch(() => undefined)))
  }
}

interface PooledStream {
  stream: Stream
  lp: ReturnType<typeof lpStream<Stream>>
  lastUsed: number
  /** Requests sent on this stream so far. */
  requests: number
}

/**
 * A relay answer longer than MAX_RESPONSE_FRAME_BYTES stops in the length-prefix reader with its
 * own error class; callers branch on MailboxError codes, so it becomes 'oversize' here.
 */
function typedFrameError(err: unknown): unknown {
  const name = (err as { name?: unknown } | null)?.name
  if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError') {
    return new MailboxError('oversize', 'the relay answered with a frame above the cap', {
      cause: err,
    })
  }
  return err
}

function isUsable(stream: Stream): boolean {
  return (
    stream.status === 'open' &&
    stream.writeStatus === 'writable' &&
    stream.remoteWriteStatus === 'writable' &&
    stream.readStatus === 'readable'
  )
}
