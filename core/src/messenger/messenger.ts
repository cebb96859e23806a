/**
 * The messenger node: wires store, libp2p node, mailboxes, inbox and outbox together and serves
 * the typed client API (core/src/client/api.ts). One instance per running node, created by
 * createMessengerService (service.ts) once an identity exists.
 */
import {
  CLIENT_LIMITS,
  defaultSettings,
  fail,
  ok,
  type ClientEvent,
  type ClientEventListener,
  type ClientRequest,
  type ConnectivityStatus,
  type ConversationSummary,
  type MessageCursor,
  type RelayStatus,
  type ResponseFor,
  type Settings,
} from '../client/api.ts'
import type { MessageKey, MessageRecord, OutboxRecord } from '../store/records.ts'
import { STORE_LIMITS, StoreError } from '../store/store.ts'
import { isProtocolError } from '../wire/errors.ts'
import { registerChatProtocol } from './chat-protocol.ts'
import * as contacts from './contacts.ts'
import { randomId, reloadSecrets, type MessengerContext } from './context.ts'
import { encodeSigned } from '../crypto/codecs.ts'
import { PREKEY_KIND } from '../crypto/prekeys.ts'
import { addPrekey, prekeyBundle } from './identity.ts'
import { decodeSecrets, encodeSecrets } from './secrets.ts'
import { MessengerFiles, type MessengerFilesOptions } from './files.ts'
import { MessengerCalls } from './calls.ts'
import { Inbox } from './inbox.ts'
import { CHAT_PROTOCOL, MESSENGER_LIMITS, MESSENGER_TIMING, RECEIPT_KIND } from './limits.ts'
import { MailboxManager } from './mailbox-manager.ts'
import { InviteKeeper } from './invite-lifecycle.ts'
import { InviteProbe } from './invite-closed.ts'
import { RELAY_DIAL_TIMEOUT_MS, relayFailureReason, type RelayHealth } from './relay-health.ts'
import { checkRelayAddress } from '../client/relay-address.ts'
import { directConnection, peerIdOf } from './net.ts'
import { Outbox, type Route } from './outbox.ts'
import { encodePayload, type HelloBody } from './payload.ts'
import { decodeOutbound, fromBase64Url, toBase64Url } from './records.ts'
import { chatMessage, conversationSummary } from './views.ts'
import { multiaddr } from '@multiformats/multiaddr'
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
}

export class Messenger {
  readonly ctx: MessengerContext
  readonly #listeners = new Set<ClientEventListener>()
  readonly #mailboxes: MailboxManager
  readonly #invites: InviteKeeper
  readonly #inviteProbe: InviteProbe
  readonly #inbox: Inbox
  readonly #outbox: Outbox
  readonly #files: MessengerFiles | null
  readonly #calls: MessengerCalls
  readonly #devices = new Map<string, string>()
  #settings: Settings
  #keeper: ReturnType<typeof setInterval> | null = null
  #keeping: Promise<void> | null = null
  /** Per relay: the last dial's outcome and when to try again (issue 23). */
  readonly #relayHealth = new Map<
    string,
    RelayHealth & { failures: number; nextAttemptAt: number }
  >()
  #running = false
  #onConnect = (): void => {
    this.#outbox.kick()
    this.#emitConnectivity()
  }
  #onDisconnect = (): void => this.#emitConnectivity()

  constructor(ctx: Omit<MessengerContext, 'emit'>, options: MessengerOptions = {}) {
    this.ctx = { ...ctx, emit: (e) => this.#emit(e) }
    this.#settings = defaultSettings(options.defaultRelays ?? [])
    this.#mailboxes = new MailboxManager(this.ctx, (mailboxId, frame) =>
      this.#inbox.handle({ kind: 'mailbox', mailboxId }, frame).then(() => undefined),
    )
    this.#mailboxes.onChange = () => this.#emitConnectivity()
    this.#invites = new InviteKeeper(this.ctx, this.#mailboxes, () => this.relays()[0])
    this.#inviteProbe = new InviteProbe(this.ctx, (address) =>
      this.#mailboxes.fetchPrekeys(address),
    )
    this.#inbox = new Inbox(this.ctx, {
      devices: this.#devices,
      kickOutbox: () => this.#outbox.kick(),
      helloFor: (c, reply) => this.#helloFor(c, reply),
      notifyMessage: (c, conversationId) => this.#notify(c, conversationId),
      showReadReceipts: () => this.#settings.readReceipts,
      onFilePayload: (conversationId, messageId, body) =>
        this.#files?.receive(conversationId, messageId, body) ?? Promise.resolve(),
      onCallPayload: (contact, conversationId, payload) =>
        this.#calls.receive(contact, conversationId, payload),
      openInbound: (mailboxId) => this.#openInbound(mailboxId),
      contactMoved: (contactId) => this.#invites.contactMoved(contactId),
    })
    this.#outbox = new Outbox(this.ctx, this.#mailboxes, {
      relays: () => this.relays(),
      ensureInboundMailbox: (c) => this.#ensureInboundMailbox(c),
      helloFor: (c, reply) => this.#helloFor(c, reply),
      ...(options.onSent !== undefined ? { onSent: options.onSent } : {}),
    })
    this.#calls = new MessengerCalls(this.ctx, {
      sendNow: (contact, payload) => this.#outbox.sendNow(contact, payload),
      notifyRing: (contact, conversationId) => void this.#notify(contact, conversationId, 'call'),
    })
    this.#files =
      options.files === undefined
        ? null
        : new MessengerFiles(this.ctx, options.files, {
            devices: this.#devices,
            kickOutbox: () => this.#outbox.kick(),
            relayFileCap: (conversationId) => this.#relayFileCap(conversationId),
          })
  }

  /** The file side (null when the host passed no `files` option). */
  get files(): MessengerFiles | null {
    return this.#files
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
    const saved = await store.getSettings()
    if (saved !== undefined) this.#settings = saved
    for (const c of await store.listContacts()) {
      for (const dev of await store.listDevices(c.contactId))
        this.#devices.set(dev.deviceId, c.contactId)
      // Devices of a pending new key reach the inbox too (it holds what they send).
      for (const dev of c.keyChange?.devices ?? []) this.#devices.set(dev.deviceId, c.contactId)
    }
    await registerChatProtocol(net, async (from, frame) => {
      try {
        const outcome = await this.#inbox.handle(
          { kind: 'direct', deviceId: from.toString() },
          frame,
        )
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
      for (const c of await store.listContacts()) {
        if (c.inboundMailboxId !== null) this.#mailboxes.watch(c.inboundMailboxId, home)
      }
      for (const i of this.ctx.secrets.invites)
        this.#mailboxes.watch(i.mailboxId, home, { publishPrekeys: false })
    }
    this.#keeper = setInterval(() => void this.#keep(), MESSENGER_TIMING.keeperIntervalMs)
    await this.#keep()
    await this.#outbox.retryNow()
    this.#emitConnectivity()
  }

  async stop(): Promise<void> {
    this.#running = false
    if (this.#keeper !== null) clearInterval(this.#keeper)
    this.ctx.net.removeEventListener('peer:connect', this.#onConnect)
    this.ctx.net.removeEventListener('peer:disconnect', this.#onDisconnect)
    await this.#calls.stop()
    await this.#keeping
    await this.#files?.stop()
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
      await Promise.all(this.relays().map((relay) => this.#dialRelay(relay)))
      let bundle: Uint8Array | null
      try {
        bundle = prekeyBundle(this.ctx.local, this.ctx.secrets)
      } catch {
        bundle = null
      }
      await this.#mailboxes.maintain(bundle, (n) => this.#mintOneTimePrekeys(n))
      await this.#invites.maintain()
      await this.#inviteProbe.run()
    })().finally(() => {
      this.#keeping = null
    })
    return this.#keeping
  }

  /**
   * Dials a relay we are not connected to, and records why it failed (relay-health.ts). After a
   * failure it waits before the next attempt (doubling up to a minute); `retryRelay` skips that.
   */
  async #dialRelay(relay: string): Promise<void> {
    const now = this.ctx.platform.clock()
    let peer: string | null
    try {
      peer = relayPeer(relay)
      if (peer === null || this.ctx.net.getConnections(peerIdOf(peer)).length > 0) return
    } catch {
      return
    }
    const health = this.#relayHealth.get(relay)
    if (health !== undefined && now < health.nextAttemptAt) return
    const started = now
    try {
      await this.ctx.net.dial(multiaddr(relay), {
        signal: AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS),
      })
      this.#relayHealth.set(relay, {
        reason: null,
        since: this.ctx.platform.clock(),
        failures: 0,
        nextAttemptAt: 0,
      })
      await this.#outbox.retryNow()
      this.#emitConnectivity()
    } catch (err) {
      this.ctx.log(`relay ${relay} not reachable`, err)
      const ended = this.ctx.platform.clock()
      const reason = relayFailureReason(err, ended - started)
      const failures = (health?.failures ?? 0) + 1
      const waitMs = Math.min(RELAY_RETRY_MAX_MS, MESSENGER_TIMING.keeperIntervalMs * 2 ** failures)
      this.#relayHealth.set(relay, {
        reason,
        since: health?.reason === reason ? health.since : ended,
        failures,
        nextAttemptAt: ended + waitMs,
      })
      if (health?.reason !== reason) this.#emitConnectivity()
    }
  }

  /** The user asked to try a relay again now: forget its backoff and dial at once. */
  #retryRelay(address: string): ResponseFor<ClientRequest> {
    if (!this.relays().includes(address)) return fail('not_found', 'not one of our relays')
    this.#relayHealth.delete(address)
    this.#emitConnectivity()
    void this.#keep()
    return ok(this.connectivity())
  }

  /** New one-time prekeys for a mailbox: secrets stored first, then their signed halves. */
  async #mintOneTimePrekeys(count: number): Promise<Uint8Array[]> {
    const { store, platform } = this.ctx
    const minted = await store.transaction(async (tx) => {
      const identity = await tx.getIdentity()
      if (identity === undefined) throw new Error('no identity')
      const s = decodeSecrets(identity.secretKeys)
      const minted = Array.from({ length: count }, () =>
        addPrekey(s, platform, PREKEY_KIND.oneTimeX25519),
      )
      await tx.putIdentity({ ...identity, secretKeys: encodeSecrets(s) })
      return minted
    })
    await reloadSecrets(this.ctx)
    return minted.map((p) => encodeSigned(p.signed))
  }

  #helloFor(c: ContactRecord, reply: boolean): HelloBody | null {
    const relays = this.relays().slice(0, MESSENGER_LIMITS.relays)
    if (relays.length === 0 || c.inboundMailboxId === null) return null
    return this.#mailboxes.helloFor(c.inboundMailboxId, relays, reply)
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
        await tx.enqueueOutbox({
          conversationId: conv.conversationId,
          messageId: null,
          kind: 'control',
          payload: encodePayload({
            messageId: randomId(platform),
            sentAt: now,
            body: { kind: 'hello', hello },
          }),
          attempts: 0,
          nextAttemptAt: now,
          createdAt: now,
          lastError: null,
        })
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

  #notify(c: ContactRecord, conversationId: string, what: 'message' | 'call' = 'message') {
    const n = this.#settings.notifications
    if (!n.enabled) return Promise.resolve()
    const subject = what === 'call' ? 'Incoming call' : 'New message'
    const title = n.showNames ? `${subject} from ${c.displayName}` : subject
    try {
      this.ctx.notifier({ title, conversationId })
    } catch (err) {
      this.ctx.log('notifier failed', err)
    }
    return Promise.resolve()
  }

  #emit(event: ClientEvent): void {
    // A call with a contact now blocked or key-changed ends (calls.ts).
    if (
      event.type === 'contact.updated' &&
      (event.contact.trust === 'blocked' || event.contact.trust === 'key_changed')
    ) {
      void this.#calls.trustChanged(event.contact.contactId)
    }
    for (const l of this.#listeners) {
      try {
        l(event)
      } catch (err) {
        this.ctx.log('listener threw', err)
      }
    }
  }

  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  connectivity(): ConnectivityStatus {
    const now = this.ctx.platform.clock()
    const relays: RelayStatus[] = this.relays().map((address) => {
      let connected: boolean
      try {
        const peer = relayPeer(address)
        connected =
          peer !== null &&
          this.ctx.net.getConnections(peerIdOf(peer)).some((c) => c.status === 'open')
      } catch {
        connected = false
      }
      const health = this.#relayHealth.get(address)
      const failed = !connected && health?.reason != null
      return {
        address,
        state: connected ? 'connected' : failed ? 'error' : 'connecting',
        reserved: connected,
        mailboxReady: connected && this.#mailboxes.ready(address),
        rttMs: null,
        error: failed ? (health?.reason ?? null) : null,
        since: health?.since ?? now,
      }
    })
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
    this.#emit({ type: 'connectivity.changed', connectivity: this.connectivity() })
  }

  #deps(): contacts.ContactsDeps {
    return {
      ctx: this.ctx,
      mailboxes: this.#mailboxes,
      relays: () => this.relays(),
      kickOutbox: () => this.#outbox.kick(),
      kickKeeper: () => void this.#keep(),
      learnDevice: (deviceId, contactId) => this.#devices.set(deviceId, contactId),
      invites: this.#invites,
      helloFor: (c, reply) => this.#helloFor(c, reply),
      releaseFile: (conversationId, messageId, body) =>
        this.#files?.receive(conversationId, messageId, body) ?? Promise.resolve(),
    }
  }

  /** Serves one client request; never rejects. */
  async request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
    try {
      return await this.#dispatch(request)
    } catch (err) {
      if (err instanceof StoreError && err.code === 'storage_full') {
        return fail('storage_full', err.message)
      }
      if (isProtocolError(err)) return fail('invalid_request', err.message)
      this.ctx.log(`request ${request.type} failed`, err)
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      return fail('internal', message.slice(0, CLIENT_LIMITS.errorMessageMaxChars))
    }
  }

  async #dispatch(r: ClientRequest): Promise<ResponseFor<ClientRequest>> {
    const d = this.#deps()
    switch (r.type) {
      case 'connectivity.status':
        return ok(this.connectivity())
      case 'connectivity.retryRelay':
        return this.#retryRelay(r.address)
      case 'conversations.list':
        return ok({ conversations: await this.#conversations(r.query) })
      case 'messages.page':
        return this.#page(r.conversationId, r.before, r.limit)
      case 'messages.send':
        return this.#send(r.conversationId, r.text)
      case 'messages.retry':
        return this.#retry(r.conversationId, r.messageId)
      case 'messages.markRead':
        return this.#markRead(r.conversationId, r.upTo)
      case 'invite.mine':
        return contacts.myInvite(d)
      case 'invite.renew':
        return contacts.myInvite(d, true)
      case 'invite.accept':
        return contacts.acceptInvite(d, r.invite)
      case 'contact.info':
        return contacts.contactInfo(d, r.contactId)
      case 'contact.verify':
        return contacts.verifyContact(d, r.contactId, r.method, r.scannedPayload)
      case 'contact.acceptNewKey':
        return contacts.acceptNewKey(d, r.contactId)
      case 'contact.keepOldKey':
        return contacts.keepOldKey(d, r.contactId)
      case 'contact.allowNewKeys':
        return contacts.allowNewKeys(d, r.contactId)
      case 'contact.rename':
        return contacts.renameContact(d, r.contactId, r.displayName)
      case 'contact.setBlocked':
        return contacts.setBlocked(d, r.contactId, r.blocked)
      case 'contact.delete':
        return contacts.deleteContact(d, r.contactId)
      case 'settings.get':
        return ok(this.#settings)
      case 'settings.update': {
        const p = r.patch
        return this.#saveSettings({
          ...this.#settings,
          notifications: { ...this.#settings.notifications, ...p.notifications },
          readReceipts: p.readReceipts ?? this.#settings.readReceipts,
        })
      }
      case 'settings.addRelay': {
        const checked = checkRelayAddress(r.address, { allowPlainTcp: true })
        if (!checked.ok) return fail('relay_address_invalid', `${checked.part}: ${checked.hint}`)
        if (this.#settings.relays.includes(r.address)) return ok(this.#settings)
        return this.#saveSettings({
          ...this.#settings,
          relays: [...this.#settings.relays, r.address],
        })
      }
      case 'settings.removeRelay':
        return this.#saveSettings({
          ...this.#settings,
          relays: this.#settings.relays.filter((a) => a !== r.address),
        })
      case 'transfers.list':
        return this.#files === null ? ok({ transfers: [] }) : this.#files.list(r.conversationId)
      case 'transfer.offer':
        if (this.#files === null) break
        return this.#files.offer(r.conversationId, r.file)
      case 'transfer.accept':
      case 'transfer.decline':
      case 'transfer.pause':
      case 'transfer.resume':
      case 'transfer.cancel':
        if (this.#files === null) break
        return this.#files.act(TRANSFER_ACTION[r.type], r.transferId)
      case 'call.current':
        return ok({ call: this.#calls.current() })
      case 'call.start':
        return this.#calls.start(r.conversationId, r.media)
      case 'call.accept':
        return this.#calls.accept(r.callId)
      case 'call.decline':
        return this.#calls.decline(r.callId)
      case 'call.hangUp':
        return this.#calls.hangUp(r.callId)
      case 'call.setMuted':
        return this.#calls.setMuted(r.callId, r.muted)
      case 'call.setCamera':
        return this.#calls.setCamera(r.callId, r.cameraOn)
      case 'call.signal':
        return this.#calls.signal(r.callId, r.signal)
      default:
        break
    }
    return fail('unsupported', `${r.type} is not built yet`)
  }

  async #saveSettings(s: Settings): Promise<ResponseFor<ClientRequest>> {
    const relaysChanged = s.relays.join('\n') !== this.#settings.relays.join('\n')
    this.#settings = s
    await this.ctx.store.putSettings(s)
    if (relaysChanged) await this.#announceRelays()
    this.#emit({ type: 'settings.changed', settings: s })
    return ok(s)
  }

  async #conversations(query: string | null): Promise<ConversationSummary[]> {
    const store = this.ctx.store
    const list = await store.listConversations(CLIENT_LIMITS.conversationsMax)
    const out: ConversationSummary[] = []
    const q = query?.toLowerCase() ?? null
    // Read all summaries at once: one store read after another took ~0.4 ms each in IndexedDB
    // (the popup's first paint waits for this list).
    const summaries = await store.transaction((tx) =>
      Promise.all(list.map((c) => conversationSummary(tx, c))),
    )
    for (const s of summaries) {
      if (s === undefined) continue
      if (q !== null && !s.contact.displayName.toLowerCase().includes(q)) continue
      out.push(s)
    }
    return out
  }

  async #page(conversationId: string, before: MessageCursor | null, limit: number) {
    const store = this.ctx.store
    if ((await store.getConversation(conversationId)) === undefined) {
      return fail('not_found', 'no such conversation')
    }
    const key = before === null ? null : decodeCursor(before)
    if (before !== null && key === null) return fail('invalid_request', 'bad cursor')
    const n = Math.max(
      1,
      Math.min(limit, CLIENT_LIMITS.pageMaxMessages, STORE_LIMITS.pageMaxMessages),
    )
    const newestFirst = await store.pageMessages(conversationId, { before: key, limit: n + 1 })
    const page = newestFirst.slice(0, n)
    const oldest = page[page.length - 1]
    return ok({
      messages: page.reverse().map(chatMessage),
      olderCursor: newestFirst.length > n && oldest !== undefined ? encodeCursor(oldest) : null,
    })
  }

  async #send(conversationId: string, text: string) {
    const { store, platform } = this.ctx
    if (text.length === 0) return fail('invalid_request', 'empty message')
    if (text.length > CLIENT_LIMITS.messageTextMaxChars) return fail('too_large', 'text too long')
    const conv = await store.getConversation(conversationId)
    const contact = conv && (await store.getContact(conv.contactId))
    if (conv === undefined || contact === undefined)
      return fail('not_found', 'no such conversation')
    if (contact.blocked) return fail('contact_blocked', 'unblock the contact to send')
    if (contact.keyChange !== null) return fail('key_changed', 'verify or accept the new key first')
    const now = platform.clock()
    const id = randomId(platform)
    const message: MessageRecord = {
      messageId: toBase64Url(id),
      conversationId,
      direction: 'out',
      senderDeviceId: null,
      body: { kind: 'text', text },
      sentAt: now,
      receivedAt: now,
      delivery: 'queued',
      failure: null,
      readAt: null,
    }
    const payload = encodePayload({ messageId: id, sentAt: now, body: { kind: 'text', text } })
    const summary = await store.transaction(async (tx) => {
      await tx.addMessage(message)
      await tx.enqueueOutbox({
        conversationId,
        messageId: message.messageId,
        kind: 'message',
        payload,
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
        lastError: null,
      })
      const updated = { ...conv, lastMessageId: message.messageId, lastActivityAt: now }
      await tx.putConversation(updated)
      return conversationSummary(tx, updated)
    })
    this.#emit({ type: 'message.added', message: chatMessage(message) })
    if (summary !== undefined) this.#emit({ type: 'conversation.updated', conversation: summary })
    this.#outbox.kick()
    return ok({ message: chatMessage(message) })
  }

  async #retry(conversationId: string, messageId: string) {
    const { store, platform } = this.ctx
    const m = await store.getMessage(messageId)
    if (m === undefined || m.conversationId !== conversationId)
      return fail('not_found', 'no such message')
    if (m.delivery !== 'failed' || m.body.kind !== 'text')
      return fail('invalid_state', 'only failed messages')
    const now = platform.clock()
    m.delivery = 'queued'
    m.failure = null
    await store.transaction(async (tx) => {
      await tx.putMessage(m)
      await tx.enqueueOutbox({
        conversationId,
        messageId,
        kind: 'message',
        payload: encodePayload({
          messageId: fromBase64Url(messageId),
          sentAt: m.sentAt,
          body: { kind: 'text', text: m.body.kind === 'text' ? m.body.text : '' },
        }),
        attempts: 0,
        nextAttemptAt: now,
        createdAt: now,
        lastError: null,
      })
    })
    this.#emit({ type: 'message.updated', message: chatMessage(m) })
    this.#outbox.kick()
    return ok({ message: chatMessage(m) })
  }

  async #markRead(conversationId: string, upTo: string) {
    const { store, platform } = this.ctx
    const conv = await store.getConversation(conversationId)
    const m = await store.getMessage(upTo)
    if (conv === undefined || m === undefined || m.conversationId !== conversationId) {
      return fail('not_found', 'no such message')
    }
    const now = platform.clock()
    const readReceipts = this.#settings.readReceipts
    const { marked, summary } = await store.transaction(async (tx) => {
      const marked = await tx.markRead(
        conversationId,
        { receivedAt: m.receivedAt, messageId: m.messageId },
        now,
      )
      const unreadCount = await tx.countUnread(conversationId)
      const updated = { ...(await tx.getConversation(conversationId))!, unreadCount }
      await tx.putConversation(updated)
      if (readReceipts) {
        const ids = marked
          .filter((x) => x.body.kind === 'text')
          .map((x) => fromBase64Url(x.messageId))
        for (let i = 0; i < ids.length; i += MESSENGER_LIMITS.receiptIds) {
          await tx.enqueueOutbox({
            conversationId,
            messageId: null,
            kind: 'receipt',
            payload: encodePayload({
              messageId: randomId(platform),
              sentAt: now,
              body: {
                kind: 'receipt',
                receipt: 'read',
                messageIds: ids.slice(i, i + MESSENGER_LIMITS.receiptIds),
              },
            }),
            attempts: 0,
            nextAttemptAt: now,
            createdAt: now,
            lastError: null,
          })
        }
      }
      return { marked, summary: await conversationSummary(tx, updated) }
    })
    for (const x of marked) this.#emit({ type: 'message.updated', message: chatMessage(x) })
    if (summary !== undefined) this.#emit({ type: 'conversation.updated', conversation: summary })
    if (readReceipts) this.#outbox.kick()
    return ok({ unreadCount: summary?.unreadCount ?? 0 })
  }
}

void RECEIPT_KIND

/** The longest wait between dials of a relay that keeps failing. */
const RELAY_RETRY_MAX_MS = 60_000

const TRANSFER_ACTION = {
  'transfer.accept': 'accept',
  'transfer.decline': 'decline',
  'transfer.pause': 'pause',
  'transfer.resume': 'resume',
  'transfer.cancel': 'cancel',
} as const

/** The relay's PeerId string: what follows the last /p2p/. */
function relayPeer(address: string): string | null {
  const i = address.lastIndexOf('/p2p/')
  return i < 0 ? null : address.slice(i + 5).split('/')[0] || null
}

function encodeCursor(k: MessageKey): string {
  return `${k.receivedAt}.${k.messageId}`
}

function decodeCursor(c: string): MessageKey | null {
  const m = /^(\d{1,16})\.([A-Za-z0-9_-]{1,64})$/.exec(c)
  if (m === null) return null
  return { receivedAt: Number(m[1]), messageId: m[2]! }
}
