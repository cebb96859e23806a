/**
 * The messenger node: wires store, libp2p node, mailboxes, inbox and outbox together. One instance
 * per running node, created by createMessengerService (service.ts) once an identity exists. The
 * client API reaches it through the handlers in handlers/ (ADR 0510), which get `parts`: its
 * collaborators, not the messenger itself. Its events go out through `ctx.emit` (the one hub).
 */
import {
  fail,
  ok,
  type ClientEvent,
  type ClientFailure,
  type ConnectivityStatus,
} from '../client/api.ts'
import type { OutboxRecord } from '../store/records.ts'
import { registerChatProtocol } from './chat-protocol.ts'
import type * as contacts from './contacts.ts'
import { changeSecrets, reloadSecrets, type MessengerContext } from './context.ts'
import { encodeSigned } from '../crypto/codecs.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { addPrekey, prekeyBundle } from './identity.ts'
import { MessengerFiles, type MessengerFilesOptions } from './files.ts'
import { MessengerCalls } from './calls.ts'
import { CallIceServers } from './call-ice-servers.ts'
import { MessengerGroups } from './groups/messenger-groups.ts'
import { Inbox, type FrameEffects, type FrameOutcome, type FrameSource } from './inbox.ts'
import { acceptReplacementNotice, isReplacementNotice } from './device-replaced.ts'
import { followUpRestore } from './restore-followup.ts'
import { greetContactsAsCompanion } from './devices/companion-hellos.ts'
import { OwnChannel } from './devices/own-channel.ts'
import { notifyUser } from './notify.ts'
import { CHAT_PROTOCOL, MESSENGER_LIMITS, MESSENGER_TIMING } from './limits.ts'
import { MailboxManager } from './mailbox-manager.ts'
import type { CreateMailboxNode } from './mailbox-links.ts'
import { MailboxRotation, type ROTATION_TIMING } from './mailbox-rotation.ts'
import { InviteKeeper } from './invite-lifecycle.ts'
import { InviteProbe } from './invite-closed.ts'
import { RelayLinks } from './relay-links.ts'
import { directConnection, peerIdOf } from './net.ts'
import { Outbox, type Route } from './outbox.ts'
import { queueHello, queueReceipts } from './outbox-rows.ts'
import { DEFAULT_RECEIPT_DELAY, ReceiptBatcher, type ReceiptDelay } from './receipt-batcher.ts'
import type { HelloBody } from './payload.ts'
import { decodeOutbound } from './records.ts'
import type { MessagesDeps } from './messages.ts'
import { MessengerSettings } from './settings.ts'
import { refuseDirect, relayOnlyNet } from './relay-only.ts'
import type { ContactRecord } from '../store/records.ts'

export interface MessengerOptions {
  /** Relays used until the user saves settings (the dev build passes the local relay). */
  defaultRelays?: string[]
  /** Told after every successful send: route and time from enqueue (tests log latencies). */
  onSent?: (item: OutboxRecord, route: Route, frame: Uint8Array) => void
  /**
   * File transfer (docs/protocol/files.md): the host's staged-file sources and disk-backed sinks.
   * Absent: `transfer.*` requests answer `unsupported` and incoming offers show as file messages
   * that cannot be accepted on this device.
   */
  files?: MessengerFilesOptions
  /** The window delivery receipts wait in (ADR 0751); tests shorten it. Default 1–30 s. */
  receiptDelay?: ReceiptDelay
  /**
   * Builds a started libp2p node with a fresh key for mailbox traffic (ADR 0754): our own
   * mailboxes and deposits then never use the reserved, long-term PeerId. Absent (unit-test
   * fixtures): mailbox requests go over the node itself.
   */
  createMailboxNode?: CreateMailboxNode
  /** Mailbox rotation timing (ADR 0755); tests shorten the grace after a contact switched. */
  rotation?: Partial<typeof ROTATION_TIMING>
  /** How long a chat stream to a contact stays open without a frame (ADR 0422); 0: none kept. */
  chatStreamIdleMs?: number
}

/**
 * What the client-API handlers (handlers/*.ts) work with: the messenger's collaborators, not the
 * messenger. Each API area takes the slice it needs.
 */
export interface MessengerParts extends MessagesDeps {
  readonly contacts: contacts.ContactsDeps
  readonly settings: MessengerSettings
  readonly files: MessengerFiles | null
  readonly calls: MessengerCalls
  /** The call window's STUN and TURN servers, from our own relays (ADR 0452). */
  readonly callIce: CallIceServers
  readonly groups: MessengerGroups
  /** The channel to our other devices (issue 19, ADR 0762). */
  readonly own: OwnChannel
  connectivity(): ConnectivityStatus
  retryRelay(address: string): { ok: true; value: ConnectivityStatus } | ClientFailure
}

export class Messenger {
  readonly ctx: MessengerContext
  /** For the client-API handlers (handlers/index.ts). */
  readonly parts: MessengerParts
  readonly #settings: MessengerSettings
  readonly #mailboxes: MailboxManager
  readonly #rotation: MailboxRotation
  readonly #invites: InviteKeeper
  readonly #inviteProbe: InviteProbe
  readonly #inbox: Inbox
  readonly #outbox: Outbox
  readonly #receipts: ReceiptBatcher
  readonly #files: MessengerFiles | null
  readonly #calls: MessengerCalls
  readonly #groups: MessengerGroups
  /** The channel to our other devices (issue 19, ADR 0762); its parts are read when used. */
  readonly #own: OwnChannel = new OwnChannel({
    ctx: () => this.ctx,
    relays: () => this.relays(),
    mailboxes: () => this.#mailboxes,
    retryOutbox: () => this.#outbox.retryNow(),
    live: () => ({ ...this.parts, files: this.#files?.engine }),
  })
  readonly #devices = new Map<string, string>()
  #keeper: ReturnType<typeof setInterval> | null = null
  #keeping: Promise<void> | null = null
  readonly #links: RelayLinks
  #running = false
  /** Set by stop(): incoming frames are refused (a mailbox keeps them, a direct sender retries). */
  #stopping = false
  /** Incoming frames being processed, and the restore follow-up: stop() waits for them. */
  readonly #inflight = new Set<Promise<unknown>>()
  #onConnect = (): void => {
    this.#outbox.kick()
    this.#emitConnectivity()
  }
  #onDisconnect = (): void => this.#emitConnectivity()

  /** `ctx.emit` is the one event hub (the service's ClientEventHub). */
  constructor(ctx: MessengerContext, options: MessengerOptions = {}) {
    this.ctx = {
      ...ctx,
      // Direct dials refused while relay-only is on (ADR 0752); #settings exists by the first dial.
      net: relayOnlyNet(ctx.net, () => this.#relayOnly()),
      emit: (e) => {
        this.#react(e)
        ctx.emit(e)
      },
    }
    this.#settings = new MessengerSettings(this.ctx, options.defaultRelays ?? [], () =>
      this.#announceRelays(),
    )
    this.#mailboxes = new MailboxManager(
      this.ctx,
      (mailboxId, frame) => this.#receiveMailbox(mailboxId, frame),
      options.createMailboxNode,
    )
    this.#rotation = this.#createRotation(options)
    this.#mailboxes.onChange = () => this.#emitConnectivity()
    this.#links = new RelayLinks(this.ctx, {
      connected: () => this.#outbox.retryNow(),
      changed: () => this.#emitConnectivity(),
    })
    this.#invites = new InviteKeeper(this.ctx, this.#mailboxes, () => this.relays()[0])
    this.#inviteProbe = new InviteProbe(this.ctx, (address) =>
      this.#mailboxes.fetchPrekeys(address),
    )
    this.#inbox = this.#createInbox()
    this.#outbox = new Outbox(this.ctx, this.#mailboxes, {
      relays: () => this.relays(),
      ensureInboundMailbox: (c) => this.#ensureInboundMailbox(c),
      helloFor: (c, reply) => this.#helloFor(c, reply),
      sentToContact: (c, payload) => this.#own.copySent(c, payload),
      ...(options.onSent !== undefined ? { onSent: options.onSent } : {}),
      ...(options.chatStreamIdleMs !== undefined
        ? { chatStreamIdleMs: options.chatStreamIdleMs }
        : {}),
    })
    this.#receipts = new ReceiptBatcher({
      delay: options.receiptDelay ?? DEFAULT_RECEIPT_DELAY,
      random: this.ctx.platform.random,
      delayed: () => this.#settings.current.delayReceipts,
      send: (conversationId, ids) => this.#queueDeliveredReceipts(conversationId, ids),
      log: (m, e) => this.ctx.log(m, e),
    })
    this.#calls = new MessengerCalls(this.ctx, {
      sendNow: (contact, payload) => this.#outbox.sendNow(contact, payload),
      notifyRing: (contact, conversationId) =>
        notifyUser(this.ctx, this.#settings.current, contact, conversationId, 'call'),
      relayOnly: () => this.#relayOnly(),
    })
    this.#groups = this.#createGroups(options.receiptDelay ?? DEFAULT_RECEIPT_DELAY)
    this.#files =
      options.files === undefined
        ? null
        : new MessengerFiles(this.ctx, options.files, {
            devices: this.#devices,
            kickOutbox: () => this.#outbox.kick(),
            relayFileCap: (conversationId) => this.#relayFileCap(conversationId),
            relayOnly: () => this.#relayOnly(),
          })
    this.parts = {
      ctx: this.ctx,
      kickOutbox: () => this.#outbox.kick(),
      sendPresealed: (p) => this.#outbox.sendPresealed(p),
      readReceipts: () => this.#settings.current.readReceipts,
      contacts: this.#contactsDeps(),
      settings: this.#settings,
      files: this.#files,
      calls: this.#calls,
      callIce: this.#createCallIce(),
      groups: this.#groups,
      own: this.#own,
      connectivity: () => this.connectivity(),
      retryRelay: (address) => this.#retryRelay(address),
    }
  }

  /** The file side (null when the host passed no `files` option). */
  get files(): MessengerFiles | null {
    return this.#files
  }

  /** Groups (issue 20): the client API's groups.* and tests. */
  get groups(): MessengerGroups {
    return this.#groups
  }

  #createCallIce(): CallIceServers {
    return new CallIceServers({
      relays: () => this.relays(),
      turnOffers: async (relay) => (await this.#mailboxes.clientFor(relay).info()).turnServers,
      clock: this.ctx.platform.clock,
      log: (m, e) => this.ctx.log(m, e),
    })
  }

  #createGroups(receiptDelay: ReceiptDelay): MessengerGroups {
    return new MessengerGroups(this.ctx, {
      // Group delivery receipts wait like 1:1 ones (ADR 0780).
      receipts: { delay: receiptDelay, delayed: () => this.#settings.current.delayReceipts },
      sendDirect: (contact, payload) => this.#outbox.sendDirect(contact, payload),
      kickOutbox: () => this.#outbox.kick(),
      ownMailboxClient: (relay, mailboxId) => this.#mailboxes.ownClient(mailboxId, relay),
      relays: () => this.relays(),
    })
  }

  /** The call side (docs/protocol/calls.md); tests shorten its timings. */
  get calls(): MessengerCalls {
    return this.#calls
  }

  /** Our relays; the first holds our mailboxes. */
  relays(): string[] {
    return this.#settings.relays
  }

  async start(): Promise<void> {
    const { store, net } = this.ctx
    this.#stopping = false
    await this.#settings.load()
    if (this.#relayOnly()) await refuseDirect(net)
    for (const c of await store.listContacts()) {
      for (const dev of await store.listDevices(c.contactId))
        this.#devices.set(dev.deviceId, c.contactId)
      // Devices of a pending new key reach the inbox too (it holds what they send).
      for (const dev of c.keyChange?.devices ?? []) this.#devices.set(dev.deviceId, c.contactId)
    }
    await registerChatProtocol(net, async (from, frame) => {
      try {
        const source = { kind: 'direct', deviceId: from.toString() } as const
        const outcome = await this.#inbound(() => this.#receive(source, frame))
        return outcome !== 'dropped'
      } catch (err) {
        this.ctx.log('direct frame rejected', err)
        return false
      }
    })
    net.addEventListener('peer:connect', this.#onConnect)
    net.addEventListener('peer:disconnect', this.#onDisconnect)
    await this.#files?.start()
    this.#running = true
    const home = this.relays()[0]
    if (home !== undefined) {
      const contacts = await store.listContacts()
      for (const c of contacts) {
        if (c.inboundMailboxId !== null) this.#mailboxes.watch(c.inboundMailboxId, home)
      }
      this.#rotation.start(contacts)
      for (const i of this.ctx.secrets.invites)
        this.#mailboxes.watch(i.mailboxId, home, { publishPrekeys: false })
    }
    // Group mailboxes: subscribed (live delivery) without holding up the start.
    void this.#groups.start().catch((err) => this.ctx.log('groups start', err))
    this.#keeper = setInterval(() => void this.#keep(), MESSENGER_TIMING.keeperIntervalMs)
    await this.#keep()
    await this.#outbox.retryNow()
    this.#emitConnectivity()
  }

  /** Once it resolves nothing of this messenger touches the store (the host may close it). */
  async stop(): Promise<void> {
    this.#running = false
    this.#stopping = true
    if (this.#keeper !== null) clearInterval(this.#keeper)
    this.ctx.net.removeEventListener('peer:connect', this.#onConnect)
    this.ctx.net.removeEventListener('peer:disconnect', this.#onDisconnect)
    // Frames being processed finish first: their receipts reach the batcher, which stop() writes
    // to the outbox (sent after the next start), and their invite closes reach the keeper.
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#receipts.stop()
    await this.#calls.stop()
    await this.#keeping
    await this.#invites.stop()
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight])
    await this.#own.stop() // history transfers and sync retries end before mailboxes and store
    await this.#files?.stop()
    await this.#groups.stop()
    await this.#outbox.stop()
    await this.#mailboxes.stop()
    await this.ctx.net.unhandle(CHAT_PROTOCOL).catch(() => undefined)
  }

  /**
   * Retries every waiting outbox item now, whatever its backoff said. Hosts call it when the
   * network comes back (browser `online` event, wake from sleep).
   */
  async flushOutbox(): Promise<void> {
    await this.#outbox.retryNow()
  }

  /** Relay connections and mailbox subscriptions, repaired every keeperIntervalMs. */
  #keep(): Promise<void> {
    if (this.#keeping !== null || !this.#running) return this.#keeping ?? Promise.resolve()
    this.#keeping = (async () => {
      // In parallel: a relay that times out must not hold up the others.
      await Promise.all(this.relays().map((relay) => this.#links.dial(relay)))
      let bundle: Uint8Array | null
      try {
        bundle = prekeyBundle(this.ctx.local, this.ctx.secrets)
      } catch {
        bundle = null
      }
      // A companion signs no prekeys (ADR 0762): its mailboxes offer none (PQXDH runs without).
      const mint = (n: number) =>
        this.ctx.local.companion === true ? Promise.resolve([]) : this.#mintOneTimePrekeys(n)
      await this.#mailboxes.maintain(bundle, mint)
      await this.#rotation.maintain()
      await this.#invites.maintain()
      await this.#inviteProbe.run()
      // Not awaited: a slow relay must not hold up the start (restore-followup.ts runs it once);
      // stop() waits for it.
      void this.#track(
        followUpRestore({
          ctx: this.ctx,
          relays: () => this.relays(),
          helloFor: (c, reply) => this.#helloFor(c, reply),
          ensureInboundMailbox: (c) => this.#ensureInboundMailbox(c),
          deposit: (address, frame) => this.#mailboxes.deposit(address, frame),
          kickOutbox: () => this.#outbox.kick(),
        }).catch((err: unknown) => this.ctx.log('restore follow-up not finished yet', err)),
      )
      void this.#track(this.#own.start())
      void this.#track(
        greetContactsAsCompanion({
          ctx: this.ctx,
          helloFor: (c, reply) => this.#helloFor(c, reply),
          ensureInboundMailbox: (c) => this.#ensureInboundMailbox(c),
          kickOutbox: () => this.#outbox.kick(),
        }).catch((err: unknown) => this.ctx.log('companion hellos not queued yet', err)),
      )
    })().finally(() => {
      this.#keeping = null
    })
    return this.#keeping
  }

  /** The user asked to try a relay again now: forget its backoff and dial at once. */
  #retryRelay(address: string): { ok: true; value: ConnectivityStatus } | ClientFailure {
    if (!this.relays().includes(address)) return fail('not_found', 'not one of our relays')
    this.#links.forgetFailures(address)
    this.#emitConnectivity()
    void this.#keep()
    return ok(this.connectivity())
  }

  /** New one-time prekeys for a mailbox: secrets stored first, then their signed halves. */
  async #mintOneTimePrekeys(count: number): Promise<Uint8Array[]> {
    const { platform } = this.ctx
    const minted = await changeSecrets(this.ctx, (s) =>
      Array.from({ length: count }, () => addPrekey(s, platform, PREKEY_KIND.oneTimeX25519)),
    )
    return minted.map((p) => encodeSigned(p.signed))
  }

  #createInbox(): Inbox {
    return new Inbox(this.ctx, {
      devices: this.#devices,
      helloFor: (c, reply) => this.#helloFor(c, reply),
      showReadReceipts: () => this.#settings.current.readReceipts,
      // Receipts not delayed are queued, and sealed, in the message's commit (ADR 0441).
      receiptsAtOnce: () => !this.#settings.current.delayReceipts,
    })
  }

  #createRotation(options: MessengerOptions): MailboxRotation {
    return new MailboxRotation({
      ctx: this.ctx,
      mailboxes: this.#mailboxes,
      relays: () => this.relays(),
      helloFor: (c, reply) => this.#helloFor(c, reply),
      kickOutbox: () => this.#outbox.kick(),
      ...(options.rotation !== undefined ? { timing: options.rotation } : {}),
    })
  }

  /** A frame from one of our mailboxes; a retiring one's count as the contact's current (ADR 0755). */
  async #receiveMailbox(mailboxId: string, frame: Uint8Array): Promise<void> {
    await this.#inbound(async () => {
      if (this.#own.owns(mailboxId)) return this.#own.receive(frame)
      const current = await this.#rotation.sourceFor(mailboxId)
      await this.#receive({ kind: 'mailbox', mailboxId: current }, frame)
    })
  }

  /**
   * Runs one incoming frame's processing where stop() can wait for it. Refused once stop() began
   * (not a ProtocolError: the mailbox manager keeps the frame on the relay for the next start).
   */
  #inbound<T>(work: () => Promise<T>): Promise<T> {
    if (this.#stopping) return Promise.reject(new Error('messenger stopping: frame not taken'))
    return this.#track(work())
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inflight.add(work)
    const forget = () => void this.#inflight.delete(work)
    work.then(forget, forget)
    return work
  }

  /** One incoming frame (direct stream or mailbox): the inbox commits it, its effects apply here. */
  async #receive(source: FrameSource, frame: Uint8Array): Promise<FrameOutcome> {
    if (source.kind === 'mailbox' && isReplacementNotice(frame))
      return acceptReplacementNotice(this.ctx, frame)
    const { outcome } = await this.#inbox.handle(source, frame, (e) => this.#applyFrameEffects(e))
    return outcome
  }

  /** What a committed frame caused (FrameEffects, in its order); under the contact's lock. */
  async #applyFrameEffects(e: FrameEffects): Promise<void> {
    this.#devices.set(e.learnDevice.deviceId, e.learnDevice.contactId)
    if (e.reloadSecrets) await reloadSecrets(this.ctx)
    for (const event of e.events) this.ctx.emit(event)
    if (e.file !== null && this.#files !== null) {
      try {
        // The sending device: an offer is pulled from it, an accept binds the file to it.
        const { conversationId, messageId, body } = e.file
        await this.#files.receive(conversationId, messageId, body, e.learnDevice.deviceId)
      } catch (err) {
        // The frame is committed; a transfer the engine refuses stays as it was.
        this.ctx.log(`file payload ${e.file.body.kind} not taken`, err)
      }
    }
    if (e.call !== null) {
      try {
        this.#calls.receive(e.call.contact, e.call.conversationId, e.call.payload)
      } catch (err) {
        this.ctx.log('call signal not taken', err)
      }
    }
    if (e.group !== null) {
      // After the commit, outside the contact's lock: a group step may send to this contact.
      const g = e.group
      void this.#groups.receive(g.contact, g.bytes).catch((err) => this.ctx.log('group', err))
    }
    if (e.notify !== null)
      notifyUser(this.ctx, this.#settings.current, e.notify.contact, e.notify.conversationId)
    if (e.receipt !== null) this.#receipts.add(e.receipt.conversationId, [e.receipt.messageId])
    if (e.route?.kind === 'open_inbound') await this.#openInbound(e.route.mailboxId)
    else if (e.route?.kind === 'contact_moved') this.#invites.contactMoved(e.route.contactId)
    if (e.presealed !== null) this.#outbox.sendPresealed(e.presealed)
    if (e.kickOutbox) this.#outbox.kick()
  }

  async #queueDeliveredReceipts(conversationId: string, ids: Uint8Array[]): Promise<void> {
    const { store, platform } = this.ctx
    const now = platform.clock()
    await store.transaction((tx) =>
      queueReceipts(tx, conversationId, 'delivered', ids, platform, now),
    )
    this.#outbox.kick()
  }

  #helloFor(c: ContactRecord, reply: boolean): HelloBody | null {
    const relays = this.relays().slice(0, MESSENGER_LIMITS.relays)
    if (relays.length === 0 || c.inboundMailboxId === null) return null
    const hello = this.#mailboxes.helloFor(c.inboundMailboxId, relays, reply)
    const replaces = this.ctx.secrets.restoredFrom?.deviceId
    return replaces === undefined ? hello : { ...hello, replacesDevice: replaces }
  }

  /**
   * Our relays changed: tell every contact where to reach us now. Each gets a Hello (reply = true,
   * so it is not answered) naming the new relays; our mailbox for them keeps its id and keys and is
   * created on the new first relay by the keeper (keys derive from the id, ADR 0702). The host
   * rebuilds the node with the new relays (listen slots are fixed at creation).
   */
  async #announceRelays(): Promise<void> {
    const { store, platform } = this.ctx
    const now = platform.clock()
    await store.transaction(async (tx) => {
      for (const c of await tx.listContacts()) {
        const hello = this.#helloFor(c, true)
        const conv = await tx.getConversationByContact(c.contactId)
        if (hello === null || conv === undefined || c.blocked) continue
        await queueHello(tx, conv.conversationId, hello, platform, now)
      }
    })
    this.#outbox.kick()
  }

  /** The file fallback cap announced by the relay that holds this conversation's contact mailbox. */
  async #relayFileCap(conversationId: string): Promise<number | undefined> {
    const conv = await this.ctx.store.getConversation(conversationId)
    const contact = conv && (await this.ctx.store.getContact(conv.contactId))
    const outbound = contact === undefined ? null : decodeOutbound(contact.outboundMailbox)
    return outbound === null ? undefined : this.#mailboxes.fileFallbackCap(outbound)
  }

  /**
   * A contact's fresh inbound mailbox, named in our reply to their invite Hello (ADR 0730): created
   * now, before the reply can reach them, and watched. A relay out of reach is retried by the
   * keeper (the contact's deposits get unknown_mailbox until then and are retried).
   */
  async #openInbound(mailboxId: string): Promise<void> {
    const home = this.relays()[0]
    if (home === undefined) return
    this.#mailboxes.watch(mailboxId, home)
    try {
      await this.#mailboxes.open(mailboxId, home, null)
    } catch (err) {
      this.ctx.log('fresh contact mailbox not created yet', err)
    }
    void this.#keep()
  }

  async #ensureInboundMailbox(c: ContactRecord): Promise<ContactRecord> {
    if (c.inboundMailboxId !== null) return c
    const home = this.relays()[0]
    if (home === undefined) throw new Error('no relay of ours')
    const mailboxId = this.#mailboxes.newMailboxId()
    await this.#mailboxes.open(mailboxId, home, prekeyBundle(this.ctx.local, this.ctx.secrets))
    const updated = { ...c, inboundMailboxId: mailboxId, updatedAt: this.ctx.platform.clock() }
    await this.ctx.store.putContact(updated)
    this.#mailboxes.watch(mailboxId, home)
    return updated
  }

  /** What the messenger itself does about its own events, before they go out. */
  #relayOnly(): boolean {
    return this.#settings.current.relayOnly
  }

  #logFiles = (err: unknown): void => this.ctx.log('files: stopping a contact failed', err)

  #react(event: ClientEvent): void {
    // A contact added or changed on the primary reaches our companions (ADR 0762).
    if (this.#running) void this.#own.onEvent(event)
    if (event.type === 'settings.changed' && event.settings.relayOnly && this.#running)
      void refuseDirect(this.ctx.net).catch((err: unknown) => this.ctx.log('relay-only', err))
    // A call with a contact now blocked or key-changed ends (calls.ts).
    if (
      event.type === 'contact.updated' &&
      (event.contact.trust === 'blocked' || event.contact.trust === 'key_changed')
    ) {
      void this.#calls.trustChanged(event.contact.contactId)
    }
    // A blocked or deleted contact's file transfers stop too (review RF-9).
    if (event.type === 'contact.updated' && event.contact.trust === 'blocked')
      void this.#files?.trustChanged(event.contact.contactId).catch(this.#logFiles)
    if (event.type === 'conversation.removed')
      void this.#files?.conversationRemoved(event.conversationId).catch(this.#logFiles)
  }

  connectivity(): ConnectivityStatus {
    const relays = this.#links.statuses(this.relays(), (a) => this.#mailboxes.serving(a))
    let directPeers = 0
    for (const deviceId of this.#devices.keys()) {
      try {
        if (directConnection(this.ctx.net, peerIdOf(deviceId)) !== undefined) directPeers++
      } catch {
        // not a PeerId string
      }
    }
    return { nodeRunning: this.#running, relays, directPeers }
  }

  #emitConnectivity(): void {
    if (!this.#running) return
    this.ctx.emit({ type: 'connectivity.changed', connectivity: this.connectivity() })
  }

  #contactsDeps(): contacts.ContactsDeps {
    return {
      ctx: this.ctx,
      mailboxes: this.#mailboxes,
      relays: () => this.relays(),
      kickOutbox: () => this.#outbox.kick(),
      kickKeeper: () => void this.#keep(),
      rotateMailbox: (contactId) => this.#rotation.rotate(contactId),
      learnDevice: (deviceId, contactId) => this.#devices.set(deviceId, contactId),
      invites: this.#invites,
      helloFor: (c, reply) => this.#helloFor(c, reply),
      releaseFile: (conversationId, messageId, body) =>
        this.#files?.receive(conversationId, messageId, body) ?? Promise.resolve(),
    }
  }
}
