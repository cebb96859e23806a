/**
 * Mailbox connections on throwaway identities (issue #18, ADR 0754). The device's libp2p key is in
 * its device certificate, which every contact holds, and it holds the relay reservation; a mailbox
 * request made with it tells the relay whose mailbox that is. So mailbox traffic goes over small
 * libp2p nodes of its own, each with a fresh PeerId that nothing else uses, built by the host
 * (`CreateMailboxNode`; core builds no nodes):
 *
 * - one per mailbox we own (create, publish, subscribe, fetch, ack, close), kept while we watch it;
 *   past `ownPerRelay` mailboxes on one relay, later ones share the least used of those links (a
 *   group the relay can link; the cap keeps a user under the relay's per-address connection limit);
 * - one per contact mailbox we deposit into or fetch a bundle from, closed after `depositIdleMs`
 *   without use, so a later burst comes from yet another PeerId.
 *
 * What is left to link them is the network address and timing of the connections (PRIVACY.md).
 */
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { MailboxClient } from '../mailbox/client.ts'
import { MAILBOX_PROTOCOL } from '../mailbox/constants.ts'

/** A started libp2p node with a fresh key that only dials relays: no listen address, no services. */
export type MailboxNode = Pick<Libp2p, 'peerId' | 'dialProtocol' | 'stop'>

/** Builds and starts a MailboxNode with a new random key (the host's transport stack and gater). */
export type CreateMailboxNode = () => Promise<MailboxNode>

export const MAILBOX_LINK_LIMITS = {
  /**
   * Own-mailbox links per relay. The relay allows 32 connections per IP address (a household behind
   * one NAT shares them); 12 leaves room for the reserved node, deposit links and other users.
   */
  ownPerRelay: 12,
  /** A deposit link unused this long is closed; the next deposit gets a new identity. */
  depositIdleMs: 60_000,
  /**
   * New links per relay per second. A relay accepts 5 new connections per second per IP address
   * and 8 handshakes at once (relay-node config); a burst above that is dropped mid-handshake.
   */
  connectsPerSecond: 3,
}

interface Link {
  readonly relay: string
  readonly client: MailboxClient
  node: Promise<MailboxNode> | null
  /** Released: requests still made on its client fail instead of building a node nobody stops. */
  closed: boolean
  /** Own mailboxes (ids) or the one deposit target using this link. */
  readonly users: Set<string>
  readonly kind: 'own' | 'deposit'
  lastUsed: number
}

export interface MailboxLinksInit {
  create: CreateMailboxNode
  clock: () => number
  random: (n: number) => Uint8Array
  timeoutMs: number
  log: (message: string, err?: unknown) => void
  limits?: Partial<typeof MAILBOX_LINK_LIMITS>
}

export class MailboxLinks {
  readonly #init: MailboxLinksInit
  readonly #limits: typeof MAILBOX_LINK_LIMITS
  /** own mailbox id, or `relay mailboxId` of a deposit target → its link. */
  readonly #byUser = new Map<string, Link>()
  /** Per relay: when the last link builds were allowed to start (for connectsPerSecond). */
  readonly #starts = new Map<string, number[]>()
  #stopped = false

  constructor(init: MailboxLinksInit) {
    this.#init = init
    this.#limits = { ...MAILBOX_LINK_LIMITS, ...init.limits }
  }

  /** The client for one of our mailboxes on `relay`. */
  own(mailboxId: string, relay: string): MailboxClient {
    const existing = this.#byUser.get(mailboxId)
    if (existing !== undefined && existing.relay === relay) return existing.client
    if (existing !== undefined) this.releaseOwn(mailboxId)
    const links = this.#links('own', relay)
    const link =
      links.length < this.#limits.ownPerRelay
        ? this.#newLink('own', relay)
        : links.reduce((a, b) => (b.users.size < a.users.size ? b : a))
    link.users.add(mailboxId)
    this.#byUser.set(mailboxId, link)
    return link.client
  }

  /** The client for depositing into (or fetching the bundle of) a contact's mailbox on `relay`. */
  deposit(relay: string, mailboxId: string): MailboxClient {
    const key = `${relay} ${mailboxId}`
    let link = this.#byUser.get(key)
    if (link === undefined) {
      link = this.#newLink('deposit', relay)
      link.users.add(key)
      this.#byUser.set(key, link)
    }
    link.lastUsed = this.#init.clock()
    return link.client
  }

  /** We no longer own or watch this mailbox: its link closes once no other mailbox uses it. */
  releaseOwn(mailboxId: string): void {
    const link = this.#byUser.get(mailboxId)
    if (link === undefined) return
    this.#byUser.delete(mailboxId)
    link.users.delete(mailboxId)
    if (link.users.size === 0) void this.#close(link)
  }

  /** Closes deposit links idle for depositIdleMs (called by the keeper). */
  sweep(): void {
    const now = this.#init.clock()
    for (const [key, link] of this.#byUser) {
      if (link.kind !== 'deposit' || now - link.lastUsed < this.#limits.depositIdleMs) continue
      this.#byUser.delete(key)
      void this.#close(link)
    }
  }

  /** Open links: own and deposit (for the connection budget in diagnostics and tests). */
  counts(): { own: number; deposit: number } {
    const links = new Set(this.#byUser.values())
    let own = 0
    for (const l of links) if (l.kind === 'own') own++
    return { own, deposit: links.size - own }
  }

  async stop(): Promise<void> {
    this.#stopped = true
    const links = new Set(this.#byUser.values())
    this.#byUser.clear()
    await Promise.all([...links].map((l) => this.#close(l)))
  }

  #links(kind: Link['kind'], relay: string): Link[] {
    const set = new Set<Link>()
    for (const l of this.#byUser.values()) if (l.kind === kind && l.relay === relay) set.add(l)
    return [...set]
  }

  #newLink(kind: Link['kind'], relay: string): Link {
    const address = multiaddr(relay)
    const link: Link = {
      relay,
      kind,
      users: new Set(),
      node: null,
      closed: false,
      lastUsed: this.#init.clock(),
      client: new MailboxClient({
        openStream: async (options) => {
          const node = await this.#nodeOf(link)
          return node.dialProtocol(address, MAILBOX_PROTOCOL, options)
        },
        now: this.#init.clock,
        randomBytes: this.#init.random,
        timeoutMs: this.#init.timeoutMs,
      }),
    }
    return link
  }

  /** The link's node, built on first use; a failed build is tried again on the next request. */
  #nodeOf(link: Link): Promise<MailboxNode> {
    if (this.#stopped || link.closed) return Promise.reject(new Error('mailbox link closed'))
    if (link.node === null) {
      const building = this.#paced(link.relay).then(() => {
        if (link.closed || this.#stopped) throw new Error('mailbox link closed')
        return this.#init.create()
      })
      link.node = building
      building.catch(() => {
        if (link.node === building) link.node = null
      })
    }
    return link.node
  }

  /** Resolves when another link to `relay` may connect without exceeding connectsPerSecond. */
  async #paced(relay: string): Promise<void> {
    const starts = this.#starts.get(relay) ?? []
    this.#starts.set(relay, starts)
    const now = Date.now()
    while (starts.length > 0 && starts[0]! <= now - 1_000) starts.shift()
    // This build's slot: the earliest moment with fewer than connectsPerSecond in the second before.
    const slot =
      starts.length < this.#limits.connectsPerSecond
        ? now
        : starts[starts.length - this.#limits.connectsPerSecond]! + 1_000
    starts.push(slot)
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now))
  }

  async #close(link: Link): Promise<void> {
    const node = link.node
    link.node = null
    link.closed = true
    await link.client.close().catch(() => undefined)
    if (node === null) return
    try {
      await (await node).stop()
    } catch (err) {
      this.#init.log('mailbox link did not stop cleanly', err)
    }
  }
}
