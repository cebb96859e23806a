/**
 * The relay side of /hestia/mailbox/1.0.0. Each stream carries sequential request/response frames;
 * a subscribe turns its stream into a push channel. A bad length prefix (longer than the largest
 * frame needs: `malformed`; announcing more than the largest frame: `oversize`) gets its typed error
 * and then a stream reset, since framing is lost; any other bad request gets its typed error and the
 * stream stays usable.
 */
import { signingKeyFor, storedAuthKey } from './mailbox-keys.ts'
import type { Connection, Stream } from '@libp2p/interface'
import { withDeadline } from '@hestia/core/wire/deadline.ts'
import { FrameLengthError, cappedLpStream } from './capped-lp-stream.ts'
import type { CappedLpStream } from './capped-lp-stream.ts'
import {
  AUTH_WINDOW_MS,
  MAX_FETCH_LIMIT,
  MAX_FETCH_RESPONSE_SEALED_BYTES,
  MAX_ONE_TIME_PREKEYS_STORED,
  MAX_REQUEST_FRAME_BYTES,
  MAX_REQUESTS_PER_MAILBOX_STREAM,
  MailboxError,
  ab,
  capabilityHash,
  checkAuthPublicKey,
  checkAuthTimestamp,
  decodeRequest,
  encodeErrorResponse,
  encodeResponse,
  equalBytes,
  toMailboxError,
  verifyAuth,
} from '@hestia/core/mailbox/index.ts'
import type {
  ParsedRequest,
  RelayInfo,
  RequestKind,
  ResponseFields,
} from '@hestia/core/mailbox/index.ts'
import type { Logger } from 'pino'
import { nodeEd25519Verify } from './ed25519-verify.ts'
import type { RelayMetrics } from './metrics.ts'
import { RateLimiter } from './rate-limit.ts'
import type { RateLimit } from './rate-limit.ts'
import type { MailboxStore } from './store/mailbox-store.ts'
import { MailboxSubscribers } from './mailbox-subscribers.ts'
import type { SubscriberReservation } from './mailbox-subscribers.ts'

export const DAY_MS = 86_400_000
/** Stored expiry times are rounded up to this, so the database does not keep exact deposit times. */
export const EXPIRY_GRANULARITY_MS = 10 * 60_000
/**
 * A message is delivered and kept until this long after its expiry (and nonces this long after
 * their bucket), so the relay clock jumping by up to this much, either way, never deletes mail
 * before the lifetime the sender asked for (ADR 0210).
 */
export const EXPIRY_GRACE_MS = 60 * 60_000
/** A stream that sends nothing for this long is closed. */
export const STREAM_IDLE_MS = 30_000
/** Requests one stream may carry before the relay closes it (the client retires it before). */
export const MAX_REQUESTS_PER_STREAM = MAX_REQUESTS_PER_MAILBOX_STREAM
/**
 * Live subscriptions one mailbox may have (ADR 0213). A group mailbox is shared by every member
 * device (up to 200, core/src/groups/limits.ts), and the relay must not know which mailboxes are
 * groups, so every mailbox gets room for a full group plus streams of members reconnecting before
 * their old stream is closed. A push frame is encoded once and shared by every subscriber queue.
 */
export const MAX_SUBSCRIBERS_PER_MAILBOX = 256
/**
 * Live subscriptions one connection identity (peer id) may hold on one mailbox (ADR 0213): a
 * device subscribes once per mailbox, plus a few whose old stream the relay has not yet seen close.
 * One hostile member of a group cannot take the mailbox's 256 places from the others.
 */
export const MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX = 4
export const MAX_SUBSCRIBERS_TOTAL = 20_000

export interface MailboxLimits {
  /** Longest message lifetime, whatever bucket the depositor asks for. */
  maxMessageTtlMs: number
  /** A mailbox nobody authenticated to for this long is deleted with its messages. */
  mailboxIdleTtlMs: number
  maxMessagesPerMailbox: number
  maxBytesPerMailbox: number
  /**
   * Largest file a client may send through a mailbox here as sealed pieces (announced in `info`).
   * Its pieces take about 4/3 of it (three 16 KiB chunks per 64 KiB envelope), so it must fit in
   * maxBytesPerMailbox with that overhead.
   */
  fileFallbackCapBytes: number
  maxTotalBytes: number
  maxMailboxes: number
  rate: {
    depositPerPeer: RateLimit
    depositPerIp: RateLimit
    readPerPeer: RateLimit
    readPerIp: RateLimit
    createPerIp: RateLimit
    prekeyFetchPerIp: RateLimit
  }
}

export interface MailboxServiceInit {
  store: MailboxStore
  limits: MailboxLimits
  now: () => number
  log: Logger
  metrics: RelayMetrics
  info: () => RelayInfo
  isBanned: (peer: string, ip: string) => boolean
  /** Counts a stream reset for bad framing (metric hestia_relay_streams_reset_total). */
  onFramingReset?: (reason: 'prefix_too_long' | 'frame_too_large') => void
}

type Outcome = { fields: ResponseFields; subscribe?: SubscriberReservation }

export function ipOf(connection: Connection): string {
  for (const c of connection.remoteAddr.getComponents()) {
    if (c.name === 'ip4' || c.name === 'ip6') return c.value ?? 'unknown'
  }
  return 'unknown'
}

/** Requests signed by a mailbox's owner key. */
type OwnerRequest = Exclude<ParsedRequest, { kind: 'deposit' | 'fetchPrekeys' | 'info' | 'create' }>

export class MailboxService {
  private readonly init: MailboxServiceInit
  private readonly limiters: Record<keyof MailboxLimits['rate'], RateLimiter>
  private readonly subscribers = new MailboxSubscribers({ writeTimeoutMs: STREAM_IDLE_MS })
  private stopped = false
  /** Set when the store is shared by several instances: pushes then come from its notifications. */
  private unwatch: (() => void) | undefined
  /** Notified deposits are read and pushed one after another, so they go out in commit order. */
  private pushChain: Promise<void> = Promise.resolve()

  constructor(init: MailboxServiceInit) {
    this.init = init
    const r = init.limits.rate
    this.limiters = {
      depositPerPeer: new RateLimiter(r.depositPerPeer, init.now),
      depositPerIp: new RateLimiter(r.depositPerIp, init.now),
      readPerPeer: new RateLimiter(r.readPerPeer, init.now),
      readPerIp: new RateLimiter(r.readPerIp, init.now),
      createPerIp: new RateLimiter(r.createPerIp, init.now),
      prekeyFetchPerIp: new RateLimiter(r.prekeyFetchPerIp, init.now),
    }
  }

  async start(): Promise<void> {
    const { store } = this.init
    if (store.watchDeposits !== undefined) {
      this.unwatch = await store.watchDeposits({
        deposit: (mailboxId, id) => {
          this.pushCommitted(mailboxId, id)
        },
        // Closed or purged on any instance: its subscriptions here end too (ADR 0211).
        closed: (mailboxId) => {
          this.subscribers.end(mailboxId)
        },
        gap: () => {
          // Deposits committed while the feed was down were not pushed: ending the live
          // subscriptions makes their clients re-subscribe and fetch them.
          this.init.log.info('deposit notifications resumed: live subscriptions restart')
          this.subscribers.endAll()
        },
      })
    }
  }

  /**
   * A deposit any instance sharing the store committed: pushed to this instance's subscribers of
   * that mailbox, if it has any (ADR 0230).
   */
  private pushCommitted(mailboxId: Uint8Array, id: bigint): void {
    if (this.stopped || this.subscribers.count(mailboxId) === 0) return
    this.pushChain = this.pushChain
      .then(async () => {
        const row = await this.init.store.getMessage(mailboxId, id)
        if (row === undefined) return // acknowledged or expired already
        this.subscribers.push(mailboxId, {
          id,
          sealed: ab(row.sealed),
          expiresAtMs: BigInt(row.expiresAt),
        })
      })
      .catch((err: unknown) => {
        // The subscriber finds the message with its next fetch.
        this.init.log.warn({ err }, 'could not read a deposit to push it')
      })
  }

  get subscriberTotal(): number {
    return this.subscribers.total
  }

  /** libp2p StreamHandler for MAILBOX_PROTOCOL. */
  readonly handleStream = async (stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const ip = ipOf(connection)
    const lp = cappedLpStream(stream, { maxFrameBytes: MAX_REQUEST_FRAME_BYTES })
    try {
      for (let i = 0; i < MAX_REQUESTS_PER_STREAM && !this.stopped; i++) {
        let frame: Uint8Array | null
        try {
          // A deadline, not AbortSignal.timeout: that one would keep its timer, and the stream its
          // listener holds, for STREAM_IDLE_MS after every read (core/src/wire/deadline.ts).
          frame = await withDeadline(STREAM_IDLE_MS, (signal) => lp.read({ signal }))
        } catch (err) {
          if (err instanceof FrameLengthError) {
            const code = err.code === 'frame_too_large' ? 'oversize' : 'malformed'
            this.count('frame', code)
            this.init.onFramingReset?.(err.code)
            await this.answerAndReset(lp, stream, new MailboxError(code, err.message))
          } else {
            await stream.close().catch(() => undefined) // idle timeout or reset
          }
          return
        }
        if (frame === null) break // the client closed its end between requests
        let parsed: ParsedRequest
        try {
          parsed = decodeRequest(frame)
        } catch (err) {
          // The length prefix kept the framing intact, so the stream stays usable after a bad body.
          const e = toMailboxError(err)
          this.count('frame', e.code)
          await withDeadline(STREAM_IDLE_MS, (signal) =>
            lp.write(encodeErrorResponse(e), { signal }),
          )
          continue
        }
        const started = performance.now()
        let response: Uint8Array
        let subscribe: SubscriberReservation | undefined
        try {
          const outcome = await this.process(parsed, peer, ip)
          response = encodeResponse(outcome.fields)
          subscribe = outcome.subscribe
          this.count(parsed.kind, 'ok')
        } catch (err) {
          const e = toMailboxError(err)
          if (e.code === 'internal')
            this.init.log.error({ err, op: parsed.kind }, 'mailbox request failed')
          this.count(parsed.kind, e.code)
          response = encodeErrorResponse(e)
        }
        this.init.metrics.requestSeconds.observe(
          { op: parsed.kind },
          (performance.now() - started) / 1000,
        )
        try {
          await withDeadline(STREAM_IDLE_MS, (signal) => lp.write(response, { signal }))
        } catch (err) {
          subscribe?.release()
          throw err
        }
        if (subscribe !== undefined) {
          this.subscribers.attach(subscribe, stream, lp)
          return
        }
      }
      await stream.close().catch(() => undefined)
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  private count(op: string, result: string): void {
    this.init.metrics.requests.inc({ op, result })
  }

  /**
   * The framing is lost: the typed answer goes out, then the stream is reset rather than closed,
   * so whatever the peer still sends is dropped instead of read.
   */
  private async answerAndReset(lp: CappedLpStream, stream: Stream, err: MailboxError) {
    try {
      await withDeadline(5_000, (signal) => lp.write(encodeErrorResponse(err), { signal }))
    } catch {
      // the peer is not reading: the reset below is all it gets
    }
    stream.abort(err)
  }

  private limit(name: keyof MailboxLimits['rate'], key: string): void {
    const waitMs = this.limiters[name].take(key)
    if (waitMs > 0) throw new MailboxError('rate_limited', undefined, { retryAfterMs: waitMs })
  }

  private rateLimit(kind: RequestKind, peer: string, ip: string): void {
    switch (kind) {
      case 'deposit':
        this.limit('depositPerPeer', peer)
        this.limit('depositPerIp', ip)
        return
      case 'create':
        this.limit('createPerIp', ip)
        return
      case 'fetchPrekeys':
        this.limit('prekeyFetchPerIp', ip)
        return
      default:
        this.limit('readPerPeer', peer)
        this.limit('readPerIp', ip)
    }
  }

  private today(): number {
    return Math.floor(this.init.now() / DAY_MS)
  }

  /**
   * The earliest last-seen day of a mailbox that has not idle-expired: one last seen on day d has
   * expired when (today - d) days are more than the idle TTL, that is when d < this.
   */
  private aliveSinceDay(): number {
    return Math.ceil(this.today() - this.init.limits.mailboxIdleTtlMs / DAY_MS)
  }

  /** Checks the auth of a signed request against the stored key, then burns its nonce. */
  private async authorise(req: OwnerRequest) {
    const mailbox = await this.verifySigned(req)
    if (!(await this.burnNonce(req))) throw new MailboxError('replay')
    return mailbox
  }

  /** The mailbox exists and its key signed this request, in the time window. */
  private async verifySigned(req: OwnerRequest) {
    const mailbox = await this.init.store.getMailbox(req.auth.mailboxId)
    if (mailbox === undefined) throw new MailboxError('unknown_mailbox')
    checkAuthTimestamp(req.auth, this.init.now())
    // A group mailbox signs deletes with its manage key (ADR 0137, mailbox-keys.ts).
    const key = signingKeyFor(req.kind, mailbox.authKey)
    verifyAuth(req.kind, req.auth, key, req.signedBody, nodeEd25519Verify)
    return mailbox
  }

  /**
   * Records the request's nonce durably; false for a replay. A timestamp accepted now is at most
   * now + window, so a replay is out of window by now + 2 windows: the nonce is kept that long,
   * counted on the relay's clock. The client's own timestamp is never stored (it would show the
   * device's clock offset; ADR 0208).
   */
  private burnNonce(req: OwnerRequest): Promise<boolean> {
    return this.init.store.useNonce(
      req.auth.mailboxId,
      req.auth.nonce,
      this.init.now() + 2 * AUTH_WINDOW_MS,
      this.today(),
    )
  }

  private async process(req: ParsedRequest, peer: string, ip: string): Promise<Outcome> {
    if (this.init.isBanned(peer, ip)) throw new MailboxError('banned')
    this.rateLimit(req.kind, peer, ip)
    const { store, limits } = this.init
    switch (req.kind) {
      case 'info':
        return { fields: { info: this.init.info() } }
      case 'create': {
        checkAuthTimestamp(req.auth, this.init.now())
        checkAuthPublicKey(req.body.authPublicKey)
        if (req.body.managePublicKey.length > 0) checkAuthPublicKey(req.body.managePublicKey)
        verifyAuth('create', req.auth, req.body.authPublicKey, req.signedBody, nodeEd25519Verify)
        // The cap is counted by the store in the creating transaction: with a shared store it
        // holds across every instance (ADR 0232).
        const outcome = await store.createMailbox({
          id: req.auth.mailboxId,
          authKey: storedAuthKey(req.body.authPublicKey, req.body.managePublicKey),
          capabilityHash: capabilityHash(req.body.capability),
          nowDay: this.today(),
          maxMailboxes: limits.maxMailboxes,
        })
        if (outcome === 'exists_other') throw new MailboxError('mailbox_exists')
        if (outcome === 'relay_full') throw new MailboxError('relay_full')
        return { fields: {} }
      }
      case 'deposit':
        return this.deposit(req)
      case 'fetch':
        return this.fetch(req)
      case 'ack': {
        await this.authorise(req)
        const deleted = await store.ack(req.auth.mailboxId, req.body.ids)
        return { fields: { deleted } }
      }
      case 'subscribe':
        return this.subscribe(req, peer)
      case 'publishPrekeys': {
        await this.authorise(req)
        const left = await store.publishPrekeys(
          req.auth.mailboxId,
          req.body.signedBundle,
          req.body.oneTimePrekeys,
          MAX_ONE_TIME_PREKEYS_STORED,
        )
        return { fields: { oneTimePrekeysLeft: left } }
      }
      case 'close':
        return this.close(req)
      case 'fetchPrekeys':
        return this.fetchPrekeys(req)
    }
  }

  /**
   * The owner's live subscription. The place is counted before the answer is written, so many
   * subscribes sent at once cannot pass the caps together; the relay must not learn which
   * mailboxes are groups, so the caps are the same for every mailbox (ADR 0213).
   */
  private async subscribe(
    req: Extract<ParsedRequest, { kind: 'subscribe' }>,
    peer: string,
  ): Promise<Outcome> {
    await this.authorise(req)
    const mailboxId = req.auth.mailboxId
    if (this.subscribers.count(mailboxId, peer) >= MAX_SUBSCRIBERS_PER_PEER_PER_MAILBOX) {
      throw new MailboxError('rate_limited', 'too many live subscriptions from this peer', {
        retryAfterMs: 60_000,
      })
    }
    if (
      this.subscribers.total >= MAX_SUBSCRIBERS_TOTAL ||
      this.subscribers.count(mailboxId) >= MAX_SUBSCRIBERS_PER_MAILBOX
    ) {
      throw new MailboxError('rate_limited', 'too many live subscriptions; fetch instead', {
        retryAfterMs: 60_000,
      })
    }
    return { fields: {}, subscribe: this.subscribers.reserve(mailboxId, peer) }
  }

  /** Anyone holding the capability; pushed to live subscribers once committed. */
  private async deposit(req: Extract<ParsedRequest, { kind: 'deposit' }>): Promise<Outcome> {
    const { store, limits } = this.init
    const { body } = req
    const ttl = Math.min(body.expiryS * 1000, limits.maxMessageTtlMs)
    const expiresAt =
      Math.ceil((this.init.now() + ttl) / EXPIRY_GRANULARITY_MS) * EXPIRY_GRANULARITY_MS
    // The mailbox's existence, capability and idle expiry are checked by the store with the
    // write, in that order: no read of its own per deposit (ADR 0240).
    const outcome = await store.deposit(
      { mailboxId: body.mailboxId, sealed: body.sealed, expiresAt },
      limits,
      {
        capabilityHash: capabilityHash(body.capability),
        aliveSinceDay: this.aliveSinceDay(),
        // Group mailboxes: compare-and-append (ADR 0132); 0 is an ordinary deposit.
        ...(body.expectedId !== undefined && body.expectedId > 0n
          ? { expectedId: body.expectedId }
          : {}),
      },
    )
    if (!outcome.ok) {
      const nextId = outcome.reason === 'sequence_moved' ? outcome.nextId : undefined
      throw new MailboxError(outcome.reason, undefined, { nextId })
    }
    this.init.metrics.depositedBytes.inc(body.sealed.length)
    // A shared store announces the deposit to every instance, this one included.
    if (this.unwatch === undefined) {
      this.subscribers.push(body.mailboxId, {
        id: outcome.id,
        sealed: body.sealed,
        expiresAtMs: BigInt(expiresAt),
      })
    }
    return { fields: { depositId: outcome.id } }
  }

  /** Anyone holding the capability: the bundle and one one-time prekey nobody else gets. */
  private async fetchPrekeys(
    req: Extract<ParsedRequest, { kind: 'fetchPrekeys' }>,
  ): Promise<Outcome> {
    const { store } = this.init
    const { body } = req
    const mailbox = await store.getMailbox(body.mailboxId)
    if (mailbox === undefined) throw new MailboxError('unknown_mailbox')
    if (!equalBytes(capabilityHash(body.capability), mailbox.capabilityHash)) {
      throw new MailboxError('bad_capability')
    }
    const taken = await store.takePrekey(body.mailboxId)
    if (taken === undefined) {
      // The owner may have closed it since the lookup above (the purge takes the bundle with it):
      // then it is gone, not open and empty. A link reader tells those apart (invite_closed).
      if ((await store.getMailbox(body.mailboxId)) === undefined)
        throw new MailboxError('unknown_mailbox')
      throw new MailboxError('no_prekeys')
    }
    return {
      fields: {
        signedBundle: ab(taken.bundle),
        ...(taken.oneTimePrekey !== undefined ? { oneTimePrekey: ab(taken.oneTimePrekey) } : {}),
        oneTimePrekeysLeft: taken.left,
      },
    }
  }

  /**
   * The owner's fetch. The read does not depend on the nonce, so it runs while the nonce commits
   * (one database round trip less per fetch, ADR 0233); a replay's rows are dropped unsent.
   */
  private async fetch(req: Extract<ParsedRequest, { kind: 'fetch' }>): Promise<Outcome> {
    await this.verifySigned(req)
    const limit = req.body.limit === 0 ? MAX_FETCH_LIMIT : req.body.limit
    const [fresh, { rows, more }] = await Promise.all([
      this.burnNonce(req),
      this.init.store.fetch(
        req.auth.mailboxId,
        this.init.now() - EXPIRY_GRACE_MS,
        limit,
        MAX_FETCH_RESPONSE_SEALED_BYTES,
        req.body.afterId ?? 0n,
      ),
    ])
    if (!fresh) throw new MailboxError('replay')
    const messages = rows.map((r) => ({
      id: r.id,
      sealed: ab(r.sealed),
      expiresAtMs: BigInt(r.expiresAt),
    }))
    return { fields: { messages, more } }
  }

  /**
   * The owner closes its mailbox (ADR 0211): the same deletion as an operator purge (messages,
   * prekeys, the mailbox row; nonce hashes expire on their own), and its live subscriptions end.
   * Later requests for the id, including a replay of this one, get unknown_mailbox.
   */
  private async close(req: Extract<ParsedRequest, { kind: 'close' }>): Promise<Outcome> {
    await this.authorise(req)
    await this.init.store.purgeMailbox(req.auth.mailboxId)
    this.subscribers.end(req.auth.mailboxId)
    return { fields: {} }
  }

  stop(): void {
    this.stopped = true
    this.unwatch?.()
    this.unwatch = undefined
    this.subscribers.abortAll('relay shutting down')
  }
}
