/**
 * Our mailboxes (one per contact relationship, plus one per pending invite) on our home relay:
 * create them, publish a prekey bundle for session resets, keep a live subscription per mailbox,
 * fetch everything stored on start and after every reconnect, and deposit into contacts' mailboxes.
 * A sealed message is acked on the relay only after the inbox has handled it (stored or dropped).
 */
import { multiaddr } from '@multiformats/multiaddr'
import { fromBase64Url, toBase64Url } from '../crypto/bytes.ts'
import { openSealed, sealForMailbox } from '../crypto/sealed-envelope.ts'
import { MAILBOX_PROTOCOL } from '../mailbox/constants.ts'
import { MailboxClient, type MailboxMessage, type Subscription } from '../mailbox/client.ts'
import { MailboxError } from '../mailbox/errors.ts'
import { depositWithFailover } from '../mailbox/failover.ts'
import { MailboxLinks, type CreateMailboxNode } from './mailbox-links.ts'
import { CommunityInstances, onFirstInstance } from '../mailbox/instances.ts'
import { isProtocolError } from '../wire/errors.ts'
import type { MessengerContext } from './context.ts'
import type { MailboxServing } from './relay-links.ts'
import { MESSENGER_LIMITS } from './limits.ts'
import type { HelloBody } from './payload.ts'
import { ownedMailbox, type OwnedMailbox } from './secrets.ts'
import { SIZE_CLASS_MIN_BUCKET, type TrafficClass } from './size-classes.ts'

/** Below this many one-time prekeys left on a mailbox, publish another batch. */
export const ONE_TIME_PREKEYS_LOW = 3
export const ONE_TIME_PREKEYS_BATCH = 5
const MAILBOX_REQUEST_TIMEOUT_MS = 8_000

/** What the inbox does with an opened frame from one of our mailboxes. */
export type MailboxFrameHandler = (mailboxId: string, frame: Uint8Array) => Promise<void>

interface Watched {
  mailboxId: string
  owned: OwnedMailbox
  /** Our home relay for it (settings); `relay` is the instance of its community in use (ADR 0231). */
  home: string
  relay: string
  created: boolean
  subscription: Subscription | null
  /** A keeper pass creating and subscribing it now; close() waits for it, then closes. */
  attaching: Promise<unknown> | null
  /** Messages of one mailbox are handled strictly one after another, oldest first. */
  chain: Promise<void>
  handled: Set<bigint>
  /** A message failed for a transient reason: fetch again on the next pass. */
  refetch: boolean
  /** Publish our bundle and one-time prekeys here (contact mailboxes; never invite mailboxes). */
  publish: boolean
}

export class MailboxManager {
  readonly #ctx: MessengerContext
  readonly #onFrame: MailboxFrameHandler
  readonly #clients = new Map<string, MailboxClient>()
  readonly #fileCaps = new Map<string, Promise<number | undefined>>()
  readonly #watched = new Map<string, Watched>()
  /** Throwaway identities for mailbox traffic (ADR 0754); null: the host gave no factory. */
  readonly #links: MailboxLinks | null
  readonly #instances = new CommunityInstances()
  /** Per home relay, the instance the last subscription went to: the others start there too. */
  readonly #inUse = new Map<string, string>()
  /** The instance lists kept in the store, read once before the first is needed. */
  #restored: Promise<void> | null = null
  /** Called whenever a mailbox's readiness changes (for connectivity events). */
  onChange: () => void = () => undefined
  #stopped = false

  constructor(
    ctx: MessengerContext,
    onFrame: MailboxFrameHandler,
    createMailboxNode?: CreateMailboxNode,
  ) {
    this.#ctx = ctx
    this.#onFrame = onFrame
    this.#links =
      createMailboxNode === undefined
        ? null
        : new MailboxLinks({
            create: createMailboxNode,
            clock: ctx.platform.clock,
            random: ctx.platform.random,
            timeoutMs: MAILBOX_REQUEST_TIMEOUT_MS,
            log: (m, e) => ctx.log(m, e),
          })
  }

  /**
   * The client for requests about our own mailbox: its own throwaway identity (ADR 0754), or the
   * node's connection when the host gave no factory (unit-test fixtures).
   */
  #own(mailboxId: string, relay: string): MailboxClient {
    return this.#links?.own(mailboxId, relay) ?? this.clientFor(relay)
  }

  /** The client for depositing into, or fetching the bundle of, a contact's mailbox. */
  #toContact(relay: string, mailboxId: Uint8Array): MailboxClient {
    return this.#links?.deposit(relay, toBase64Url(mailboxId)) ?? this.clientFor(relay)
  }

  /** The client for a mailbox of ours that is not watched (a group mailbox, issue 20). */
  ownClient(mailboxId: string, relay: string): MailboxClient {
    return this.#own(mailboxId, relay)
  }

  /** Open mailbox links (own, deposit): what the node keeps connected besides its relays. */
  linkCounts(): { own: number; deposit: number } {
    return this.#links?.counts() ?? { own: 0, deposit: 0 }
  }

  /** The node's own connection: only for requests that name no mailbox (relay info). */
  clientFor(relay: string): MailboxClient {
    let c = this.#clients.get(relay)
    if (c === undefined) {
      const addr = multiaddr(relay)
      c = new MailboxClient({
        openStream: (o) => this.#ctx.net.dialProtocol(addr, MAILBOX_PROTOCOL, o),
        now: this.#ctx.platform.clock,
        randomBytes: this.#ctx.platform.random,
        timeoutMs: MAILBOX_REQUEST_TIMEOUT_MS,
      })
      this.#clients.set(relay, c)
    }
    return c
  }

  owned(mailboxId: string): OwnedMailbox {
    return ownedMailbox(this.#ctx.secrets.mailboxRoot, fromBase64Url(mailboxId))
  }

  /**
   * The deposit address a contact needs for mailbox `mailboxId` on `relays[0]`; the relay list
   * names the home relay's instances right after it, so the contact can deposit through any of them.
   */
  helloFor(mailboxId: string, relays: string[], reply: boolean): HelloBody {
    const o = this.owned(mailboxId)
    return {
      displayName: this.#ctx.local.displayName,
      relays: this.relaysFor(relays),
      mailboxId: o.credentials.mailboxId,
      mailboxCapability: o.credentials.capability,
      mailboxSealKey: o.seal.publicKey,
      reply,
    }
  }

  /**
   * The relay list to give a contact (Hello, invite card): our home relay, the other instances of
   * its community (ADR 0231), then our other relays, within the per-contact cap.
   */
  relaysFor(relays: readonly string[]): string[] {
    return this.#instances.helloRelays(relays, MESSENGER_LIMITS.relays)
  }

  /** A fresh mailbox id (its keys derive from it). */
  newMailboxId(): string {
    return toBase64Url(this.#ctx.platform.random(32))
  }

  /** Creates the mailbox on the relay and publishes our bundle to it. Idempotent. */
  async open(mailboxId: string, relay: string, bundle: Uint8Array | null): Promise<void> {
    const o = this.owned(mailboxId)
    const client = this.#own(mailboxId, relay)
    await client.create(o.credentials)
    // Before an invite card or Hello for this mailbox is made, so it can name the instances.
    await this.#learnInstances(relay, relay)
    if (bundle !== null) await client.publishPrekeys(o.credentials, bundle, [])
  }

  /**
   * Starts watching (subscribe + drain, repaired by `maintain`). An invite mailbox gets no prekeys
   * (`publishPrekeys: false`): the invite carries the bundle and its one reserved one-time prekey,
   * and anyone who saw the link could otherwise drain the rest (ADR 0730).
   */
  watch(mailboxId: string, relay: string, options: { publishPrekeys?: boolean } = {}): void {
    if (this.#watched.has(mailboxId)) return
    this.#watched.set(mailboxId, {
      mailboxId,
      owned: this.owned(mailboxId),
      home: relay,
      relay,
      created: false,
      subscription: null,
      attaching: null,
      chain: Promise.resolve(),
      handled: new Set(),
      refetch: false,
      publish: options.publishPrekeys ?? true,
    })
  }

  /**
   * Fetches and handles everything stored in a watched mailbox now, oldest first, and resolves once
   * the relay returned nothing new and every message was handled (acked or kept for a retry).
   */
  async drainNow(mailboxId: string): Promise<void> {
    const w = this.#watched.get(mailboxId)
    if (w === undefined) return
    const client = this.#own(w.mailboxId, w.relay)
    for (let pass = 0; pass < 1_000 && !this.#stopped; pass++) {
      const { messages } = await client.fetch(w.owned.credentials)
      const fresh = messages.filter((m) => !w.handled.has(m.id))
      for (const m of fresh) this.#enqueue(w, m)
      await w.chain
      if (fresh.length === 0 || w.refetch) {
        if (w.refetch) throw new Error('a message was kept for a retry')
        return
      }
    }
  }

  /**
   * Closes our mailbox at the relay for good (ADR 0211): stops watching it first, so the keeper never
   * re-creates it, then sends the owner-signed close. A keeper pass already attaching to it (its
   * create may still be on the way) is waited for and drops what it attached, so the close comes
   * last. A relay that no longer has it counts as closed.
   */
  async close(mailboxId: string, relay: string): Promise<void> {
    const w = this.#watched.get(mailboxId)
    this.#unwatch(mailboxId)
    await w?.attaching?.catch(() => undefined)
    await w?.chain
    try {
      await this.#own(mailboxId, relay).closeMailbox(this.owned(mailboxId).credentials)
    } catch (err) {
      if (err instanceof MailboxError && err.code === 'unknown_mailbox') return
      throw err
    } finally {
      this.#links?.releaseOwn(mailboxId)
    }
  }

  /** Stops watching and closes the mailbox's link (its identity is never used again). */
  unwatch(mailboxId: string): void {
    const w = this.#watched.get(mailboxId)
    this.#unwatch(mailboxId)
    void (w?.chain ?? Promise.resolve()).then(() => this.#links?.releaseOwn(mailboxId))
  }

  #unwatch(mailboxId: string): void {
    const w = this.#watched.get(mailboxId)
    this.#watched.delete(mailboxId)
    void w?.subscription?.close().catch(() => undefined)
  }

  ready(relay: string): boolean {
    return this.serving(relay).ready
  }

  /** Whether every mailbox of home relay `relay` is subscribed, and on which other instance. */
  serving(relay: string): MailboxServing {
    const list = [...this.#watched.values()].filter((w) => w.home === relay)
    const ready = list.length === 0 || list.every((w) => w.subscription !== null)
    const elsewhere = list.find((w) => w.subscription !== null && w.relay !== relay)
    return { ready, via: elsewhere?.relay ?? null }
  }

  /**
   * Re-subscribes and drains every watched mailbox that has no live subscription. On the first pass
   * per process it (re)publishes our bundle and tops the mailbox up with one-time prekeys from
   * `mint` (which stores their secrets before they are handed out).
   */
  async maintain(
    bundle: Uint8Array | null,
    mint: (count: number) => Promise<Uint8Array[]> = () => Promise.resolve([]),
  ): Promise<void> {
    this.#links?.sweep()
    for (const w of this.#watched.values()) {
      if (!this.#stopped && w.subscription !== null && w.refetch) {
        w.refetch = false
        try {
          const { messages } = await this.#own(w.mailboxId, w.relay).fetch(w.owned.credentials)
          for (const m of messages) this.#enqueue(w, m)
        } catch (err) {
          w.refetch = true
          this.#ctx.log('mailbox refetch failed', err)
        }
      }
      if (this.#stopped || w.subscription !== null) continue
      try {
        // Known before the first subscription pushes anything, so every Hello names the instances.
        await this.#learnInstances(w.home, w.relay)
        // Closed (or unwatched) meanwhile: creating it now would bring it back, empty (no_prekeys).
        if (this.#watched.get(w.mailboxId) !== w) continue
        // The instance in use first; when it is down, the next instance of the same community.
        const attaching = onFirstInstance(
          this.#instances.tryOrder(w.home, this.#inUse.get(w.home) ?? w.relay),
          (a) => this.#attach(w, a, bundle, mint),
        )
        w.attaching = attaching
        const { address, value: sub } = await attaching.finally(() => (w.attaching = null))
        if (this.#watched.get(w.mailboxId) !== w) {
          void sub.close().catch(() => undefined)
          continue
        }
        w.relay = address
        this.#inUse.set(w.home, address)
        w.subscription = sub
        this.onChange()
        void sub.ended.then(() => {
          if (w.subscription === sub) {
            w.subscription = null
            this.onChange()
          }
        })
        // Subscribe first, then fetch: anything deposited in between arrives at least once.
        const client = this.#own(w.mailboxId, w.relay)
        const { messages } = await client.fetch(w.owned.credentials)
        for (const m of messages) this.#enqueue(w, m)
        let more = messages.length > 0
        while (more && !this.#stopped) {
          await w.chain
          const next = await client.fetch(w.owned.credentials)
          const fresh = next.messages.filter((m) => !w.handled.has(m.id))
          for (const m of fresh) this.#enqueue(w, m)
          more = next.more && fresh.length > 0
        }
      } catch (err) {
        this.#ctx.log(`mailbox ${w.mailboxId.slice(0, 8)}: not reachable yet`, err)
      }
    }
  }

  /** Creates the mailbox (first time), publishes our prekeys and subscribes, on instance `address`. */
  async #attach(
    w: Watched,
    address: string,
    bundle: Uint8Array | null,
    mint: (count: number) => Promise<Uint8Array[]>,
  ): Promise<Subscription> {
    const client = this.#own(w.mailboxId, address)
    if (!w.created) {
      await client.create(w.owned.credentials)
      if (bundle !== null && w.publish) {
        const left = await client.publishPrekeys(w.owned.credentials, bundle, [])
        if (left < ONE_TIME_PREKEYS_LOW) {
          const fresh = await mint(ONE_TIME_PREKEYS_BATCH)
          if (fresh.length > 0) await client.publishPrekeys(w.owned.credentials, bundle, fresh)
        }
      }
      w.created = true
    }
    return client.subscribe(w.owned.credentials, (m) => this.#enqueue(w, m))
  }

  /**
   * Asks the instance in use, once per home relay and process, which other instances share its
   * store (RelayInfo.instances). Contacts get the list in the next Hello we send them (a new
   * contact, a change of our relays, the weekly mailbox rotation of ADR 0755), not in a round of
   * Hellos to every contact at start: that burst would tie all our mailboxes together by time.
   */
  async #learnInstances(home: string, via: string): Promise<void> {
    // The lists kept from earlier runs first: with the home instance down at start, the others
    // are still tried (ADR 0234).
    this.#restored ??= this.#ctx.store
      .getRelayInstances()
      .then((kept) => this.#instances.restore(kept))
      .catch((err: unknown) => this.#ctx.log('kept relay instances not readable', err))
    await this.#restored
    if (this.#instances.known(home)) return
    try {
      const info = await this.clientFor(via).info()
      this.#instances.learn(home, info.instances, { now: this.#ctx.platform.clock(), via })
      await this.#ctx.store.putRelayInstances(this.#instances.record())
    } catch (err) {
      this.#ctx.log('relay instances not known yet', err)
    }
  }

  #enqueue(w: Watched, m: MailboxMessage): void {
    if (w.handled.has(m.id)) return
    w.handled.add(m.id)
    // Taken now, while watched: an ack after an unwatch fails on the closed link, never opens one.
    const client = this.#own(w.mailboxId, w.relay)
    w.chain = w.chain.then(async () => {
      try {
        const frame = await openSealed(w.owned.seal.secretKey, m.sealed)
        await this.#onFrame(w.mailboxId, frame)
      } catch (err) {
        if (!isProtocolError(err)) {
          // Not the message's fault (a store conflict, a closing store): keep it on the relay and
          // fetch it again on the next maintenance pass.
          this.#ctx.log('mailbox message kept for a retry', err)
          w.handled.delete(m.id)
          w.refetch = true
          return
        }
        this.#ctx.log('mailbox message dropped', err)
      }
      // Handled (stored or dropped as invalid): remove it from the relay. Once acked the relay
      // never returns it again, so the id can be forgotten (the set stays small).
      await client.ack(w.owned.credentials, [m.id]).catch(() => undefined)
      w.handled.delete(m.id)
    })
  }

  /**
   * Deposits on the contact's first relay; when it cannot be reached, on the next ones it listed
   * (instances of one community sharing a store serve the same mailbox: ADR 0230).
   */
  async deposit(
    hello: HelloBody,
    frame: Uint8Array,
    traffic: TrafficClass = 'chat',
  ): Promise<void> {
    if (hello.relays.length === 0) throw new Error('contact has no relay')
    const sealed = await sealForMailbox(hello.mailboxSealKey, frame, {
      minBucket: SIZE_CLASS_MIN_BUCKET[traffic],
    })
    await depositWithFailover(
      hello.relays
        .slice(0, MESSENGER_LIMITS.relays)
        .map((relay) => this.#toContact(relay, hello.mailboxId)),
      { mailboxId: hello.mailboxId, capability: hello.mailboxCapability },
      sealed,
    )
  }

  /**
   * The largest file the contact's relay lets us put through its mailbox as sealed pieces
   * (RelayInfo.file_fallback_cap_bytes), or undefined when it announces none. Asked once per relay.
   */
  async fileFallbackCap(hello: HelloBody): Promise<number | undefined> {
    const relay = hello.relays[0]
    if (relay === undefined) return undefined
    let cap = this.#fileCaps.get(relay)
    if (cap === undefined) {
      cap = this.#toContact(relay, hello.mailboxId)
        .info()
        .then((info) => (info.fileFallbackCapBytes > 0 ? info.fileFallbackCapBytes : undefined))
      // A failed ask is asked again next time (the relay may be restarting).
      cap.catch(() => this.#fileCaps.delete(relay))
      this.#fileCaps.set(relay, cap)
    }
    return cap
  }

  /** The contact's bundle and, while any are left, a one-time prekey (encoded signed container). */
  async fetchPrekeys(
    hello: HelloBody,
  ): Promise<{ signedBundle: Uint8Array; oneTimePrekey?: Uint8Array }> {
    const relay = hello.relays[0]
    if (relay === undefined) throw new Error('contact has no relay')
    return this.#toContact(relay, hello.mailboxId).fetchPrekeys({
      mailboxId: hello.mailboxId,
      capability: hello.mailboxCapability,
    })
  }

  async stop(): Promise<void> {
    this.#stopped = true
    const subs = [...this.#watched.values()].flatMap((w) =>
      w.subscription ? [w.subscription] : [],
    )
    await Promise.all(subs.map((s) => s.close().catch(() => undefined)))
    await Promise.all([...this.#watched.values()].map((w) => w.chain))
    await this.#links?.stop()
  }
}
