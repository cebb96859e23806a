/**
 * An in-memory MessengerClient with realistic fixture data, for UI development and component tests.
 * Deterministic: time comes from the injected clock, randomness from a seed, and nothing happens on
 * its own unless a `schedule` function is given (then sends progress queued → sent → delivered and
 * transfers advance). Tests drive it through `controls` instead.
 *
 * Every response and event goes through a JSON round trip, as on a Chrome runtime port, so a UI
 * that works against this client cannot depend on shared object identity or non-JSON values.
 *
 * ```ts
 * const clock = createManualClock(Date.UTC(2026, 10, 23, 12))
 * const client = createFixtureClient({ clock })
 * const list = await client.request({ type: 'conversations.list', query: null })
 * ```
 */
import { CLIENT_LIMITS, defaultSettings, fail, ok } from '../src/client/api.ts'
import type {
  CallInfo,
  ChatMessage,
  VaultRequestType,
  ClientEvent,
  ClientEventListener,
  ClientFailure,
  ClientRequest,
  ClientRequestType,
  ClientResponse,
  ConnectivityStatus,
  ContactId,
  ContactInfo,
  ContactSummary,
  ConversationSummary,
  FileTransfer,
  IdentityStatus,
  Invite,
  MessengerClient,
  RelayStatus,
  RequestFor,
  ResponseFor,
  ResultFor,
  Settings,
  SystemEvent,
  Timestamp,
  TransferState,
  TrustState,
} from '../src/client/api.ts'
import {
  FIXTURE_CONTACTS,
  buildHistory,
  buildTransfers,
  fillerContact,
  createPrng,
  fixtureId,
} from './fixture-data.ts'
import { failureFromError } from '../src/client/dispatch.ts'
import { parseClientRequest } from '../src/client/validate.ts'
import { isVaultRequestType } from '../src/client/api.ts'
import { FixtureVault } from './fixture-vault.ts'
import { fixtureExport, fixtureImport } from './fixture-backup.ts'
import {
  FixtureDevices,
  type FixtureDeviceControls,
  type FixtureDevicesRequestType,
} from './fixture-devices.ts'

export interface Clock {
  now(): Timestamp
}

export interface ManualClock extends Clock {
  advance(ms: number): void
  set(time: Timestamp): void
}

export function createManualClock(start: Timestamp): ManualClock {
  let time = start
  return {
    now: () => time,
    advance: (ms) => {
      time += ms
    },
    set: (value) => {
      time = value
    },
  }
}

/** Runs `task` after `delayMs`; for a live demo pass `(ms, task) => void setTimeout(task, ms)`. */
export type Scheduler = (delayMs: number, task: () => void) => void

export interface FixtureClientOptions {
  clock: Clock
  /** PRNG seed for ids and texts (default 1). */
  seed?: number
  /** Start without an identity, to show first run (default false). */
  firstRun?: boolean
  /** Messages in the long conversation (default 10,000). */
  longHistory?: number
  /** Generated extra conversations for list performance work (default 0). */
  extraContacts?: number
  /** When given, sends and transfers progress by themselves; otherwise only through `controls`. */
  schedule?: Scheduler
}

/** Hooks that play the network's part in tests and demos. */
export interface FixtureControls {
  /**
   * The contact with this fixture key: 'alice' (verified, long history), 'bob' (unverified),
   * 'carol' and 'hiro' (key changed), 'dmitri' and 'ines' (blocked), 'erin' (transfers), 'fatima'
   * (verified, failed sends), 'gus' (no messages yet), 'filler-N' (extraContacts).
   */
  contactId(key: string): ContactId
  /**
   * An incoming text message from the contact; returns the stored message. `listUpdateDelayMs`
   * sends the conversation's summary that long after the message, as the extension's port does
   * (each event in its own task), instead of at once.
   */
  receiveText(
    contactId: ContactId,
    text: string,
    options?: { listUpdateDelayMs?: number },
  ): ChatMessage
  /** Moves an outgoing message one delivery step (queued → sent → delivered → read). */
  advanceDelivery(messageId: string): ChatMessage
  /** The next `count` sends fail with `peer_unreachable` when advanced. */
  failNextSends(count: number): void
  /** The contact added or removed a device: the notice line (nothing else changes). */
  contactDevicesChanged(contactId: ContactId, event: 'device_added' | 'device_removed'): void
  /** Marks a contact's key as changed (shows the key-change flow). */
  changeContactKey(contactId: ContactId): void
  setRelayState(address: string, state: RelayStatus['state'], error?: string | null): void
  setDirectPeers(count: number): void
  /** Advances every running transfer by `elapsedMs` of transfer time at its current rate. */
  progressTransfers(elapsedMs: number): void
  /** An incoming call from the contact. */
  ringIncomingCall(contactId: ContactId, media: CallInfo['media']): CallInfo
  /** The remote side answers our outgoing call. */
  answerOutgoingCall(): CallInfo
  /** The QR payload that `contact.verify` with method `qr` accepts for this contact. */
  verificationPayloadOf(contactId: ContactId): string
  /** A valid invite link from a new person. */
  inviteFrom(displayName: string): string
  /** How many messages the fixture serves for a conversation. */
  historyLength(conversationId: string): number
  /** The other device of a link, and the primary removing this device (fixture-devices.ts). */
  devices: FixtureDeviceControls
}

export interface FixtureClient extends MessengerClient {
  readonly controls: FixtureControls
}

interface ContactState {
  contactId: ContactId
  conversationId: string
  displayName: string
  verified: boolean
  keyChanged: boolean
  blocked: boolean
  addedAt: Timestamp
  keyChangedAt: Timestamp | null
  keyGeneration: number
  safetyNumber: string[]
  /** Messages under the pending new key (ADR 0720): released on verify/accept, else deleted. */
  held: ChatMessage[]
  refusedKeys: number
}

const INVITE_PREFIX = 'hestia:invite/'
const FIXTURE_INVITE_CHARS = 2_792

function isDevicesRequest(
  request: ClientRequest,
): request is RequestFor<FixtureDevicesRequestType> {
  return request.type.startsWith('devices.')
}

function cursorOf(index: number): string {
  return `fx1.${index}`
}

function indexOfCursor(cursor: string): number | null {
  const match = /^fx1\.([0-9]{1,9})$/.exec(cursor)
  return match?.[1] === undefined ? null : Number(match[1])
}

/** A JSON round trip: what a Chrome runtime port does to every message. */
function overPort<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

function previewText(message: ChatMessage): string {
  const { body } = message
  if (body.kind === 'text') {
    const max = CLIENT_LIMITS.previewMaxChars
    return body.text.length > max ? `${body.text.slice(0, max)}…` : body.text
  }
  return body.kind === 'file' ? body.name : ''
}

export function createFixtureClient(options: FixtureClientOptions): FixtureClient {
  return new FixtureMessenger(options)
}

class FixtureMessenger implements FixtureClient {
  readonly controls: FixtureControls
  readonly #clock: Clock
  readonly #random: () => number
  readonly #schedule: Scheduler | undefined
  readonly #listeners = new Set<ClientEventListener>()
  #identity: IdentityStatus
  #settings: Settings
  #relays: RelayStatus[]
  #directPeers = 2
  readonly #contacts = new Map<ContactId, ContactState>()
  readonly #messages = new Map<string, ChatMessage[]>() // by conversation, oldest first
  readonly #messageIndex = new Map<string, { conversationId: string; index: number }>()
  readonly #transfers = new Map<string, FileTransfer>()
  readonly #contactKeys = new Map<string, ContactId>()
  #call: CallInfo | null = null
  readonly #devices: FixtureDevices
  #failuresPending = 0
  readonly #failing = new Set<string>()
  #inviteCounter = 0
  #inviteGeneration = 0
  #transferLoopScheduled = false
  readonly #vault = new FixtureVault(
    (vault) => this.#emit({ type: 'vault.changed', vault }),
    () => {
      this.#identity = { state: 'none' }
      this.#devices.erased()
      this.#contacts.clear()
      this.#messages.clear()
      this.#messageIndex.clear()
      this.#transfers.clear()
    },
  )

  constructor(options: FixtureClientOptions) {
    this.#clock = options.clock
    this.#random = createPrng(options.seed ?? 1)
    this.#schedule = options.schedule
    const now = this.#clock.now()
    this.#identity = options.firstRun
      ? { state: 'none' }
      : {
          state: 'ready',
          displayName: 'Robin',
          fingerprint: 'q3Zt8vXc1LmN',
          createdAt: now - 200 * 86_400_000,
        }
    const relays = [
      '/dns4/relay.hestia.example/tcp/443/wss/p2p/12D3KooWHestiaRelayOneFixture1111111111111111',
      '/dns4/community-relay.example.net/tcp/443/wss/p2p/12D3KooWHestiaRelayTwoFixture222222222222',
    ]
    this.#settings = defaultSettings(relays)
    this.#relays = [
      {
        address: relays[0] ?? '',
        state: 'connected',
        reserved: true,
        mailboxReady: true,
        rttMs: 38,
        error: null,
        since: now - 3_600_000,
      },
      {
        address: relays[1] ?? '',
        state: 'error',
        reserved: false,
        mailboxReady: false,
        rttMs: null,
        error: 'unreachable: connection refused',
        since: now - 120_000,
      },
    ]
    if (!options.firstRun)
      this.#seed(now, options.longHistory ?? 10_000, options.extraContacts ?? 0)
    this.#devices = this.#makeDevices(options.firstRun !== true)
    this.controls = this.#makeControls()
    this.#ensureTransferLoop()
  }

  // MessengerClient ---------------------------------------------------------------------------

  request<T extends ClientRequest>(request: T): Promise<ResponseFor<T>> {
    let response: ClientResponse
    try {
      response = this.#handle(parseClientRequest(overPort(request)))
    } catch (error) {
      response = failureFromError(error)
    }
    return Promise.resolve(overPort(response) as ResponseFor<T>)
  }

  subscribe(listener: ClientEventListener): () => void {
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  // Fixture data ------------------------------------------------------------------------------

  #seed(now: Timestamp, longHistory: number, extraContacts: number): void {
    const fillers = Array.from({ length: extraContacts }, (_, i) => fillerContact(i))
    for (const spec of [...FIXTURE_CONTACTS, ...fillers]) {
      const contactId = `ct-${spec.key}`
      const conversationId = `cv-${spec.key}`
      const history = buildHistory(
        { ...spec, history: spec.key === 'alice' ? longHistory : spec.history },
        conversationId,
        now,
        this.#random,
      )
      this.#contacts.set(contactId, {
        contactId,
        conversationId,
        displayName: spec.displayName,
        verified: spec.verified && !spec.keyChanged,
        keyChanged: spec.keyChanged,
        blocked: spec.blocked,
        addedAt: history[0]?.sentAt ?? now - 600_000,
        keyChangedAt: spec.keyChanged ? now - 7_200_000 : null,
        keyGeneration: 0,
        safetyNumber: this.#safetyNumber(),
        held: spec.keyChanged ? this.#heldMessages(conversationId, now - 7_000_000) : [],
        refusedKeys: 0,
      })
      this.#contactKeys.set(spec.key, contactId)
      if (spec.keyChanged) {
        history.push(this.#systemMessage(conversationId, 'key_changed', now - 7_200_000))
      }
      if (spec.key === 'erin') {
        const { transfers, messages } = buildTransfers(conversationId, now, this.#random)
        for (const transfer of transfers) this.#transfers.set(transfer.transferId, transfer)
        history.push(...messages)
      }
      history.sort((a, b) => a.receivedAt - b.receivedAt || a.messageId.localeCompare(b.messageId))
      this.#messages.set(conversationId, history)
      history.forEach((message, index) =>
        this.#messageIndex.set(message.messageId, { conversationId, index }),
      )
    }
  }

  #safetyNumber(): string[] {
    return Array.from({ length: 12 }, () =>
      String(Math.floor(this.#random() * 100_000)).padStart(5, '0'),
    )
  }

  /** Two texts that arrived under the new key of a key-changed fixture contact. */
  #heldMessages(conversationId: string, at: Timestamp): ChatMessage[] {
    return ['Hi, it’s me on my new laptop', 'Can you check the new key?'].map((text, i) => ({
      messageId: fixtureId(this.#random),
      conversationId,
      direction: 'in' as const,
      body: { kind: 'text' as const, text },
      sentAt: at + i * 60_000,
      receivedAt: at + i * 60_000,
      delivery: null,
      failure: null,
      readAt: null,
    }))
  }

  /** Verify or accept: the held messages enter the thread, in order, unread. */
  #releaseHeld(contact: ContactState): void {
    const now = this.#clock.now()
    const held = contact.held
    contact.held = []
    held.forEach((m, i) =>
      this.#append({ ...m, receivedAt: now - (held.length - i), readAt: null }),
    )
  }

  #systemMessage(conversationId: string, event: SystemEvent, at: Timestamp): ChatMessage {
    return {
      messageId: fixtureId(this.#random),
      conversationId,
      direction: 'in',
      body: { kind: 'system', event },
      sentAt: at,
      receivedAt: at,
      delivery: null,
      failure: null,
      readAt: at,
    }
  }

  // Derived views -----------------------------------------------------------------------------

  #trust(contact: ContactState): TrustState {
    if (contact.blocked) return 'blocked'
    if (contact.keyChanged) return 'key_changed'
    return contact.verified ? 'verified' : 'unverified'
  }

  #summary(contact: ContactState): ContactSummary {
    return {
      contactId: contact.contactId,
      conversationId: contact.conversationId,
      displayName: contact.displayName,
      verified: contact.verified,
      trust: this.#trust(contact),
      heldCount: contact.held.length,
    }
  }

  #conversation(contact: ContactState): ConversationSummary {
    const history = this.#messages.get(contact.conversationId) ?? []
    const last = history[history.length - 1]
    let unread = 0
    for (let i = history.length - 1; i >= 0; i--) {
      const message = history[i]
      if (message === undefined || message.direction === 'out') continue
      if (message.readAt !== null) break
      unread++
    }
    return {
      conversationId: contact.conversationId,
      contact: this.#summary(contact),
      lastMessage:
        last === undefined
          ? null
          : {
              messageId: last.messageId,
              direction: last.direction,
              kind: last.body.kind,
              text: previewText(last),
              sentAt: last.sentAt,
              delivery: last.delivery,
              ...(last.body.kind === 'system' ? { event: last.body.event } : {}),
              ...(last.body.kind === 'call'
                ? { call: { media: last.body.media, outcome: last.body.outcome } }
                : {}),
            },
      unreadCount: unread,
      lastActivityAt: last?.receivedAt ?? contact.addedAt,
    }
  }

  #connectivity(): ConnectivityStatus {
    return { nodeRunning: true, relays: this.#relays, directPeers: this.#directPeers }
  }

  // Events ------------------------------------------------------------------------------------

  #emit(event: ClientEvent): void {
    for (const listener of [...this.#listeners]) listener(overPort(event))
  }

  #emitConversation(contact: ContactState): void {
    this.#emit({ type: 'conversation.updated', conversation: this.#conversation(contact) })
  }

  // Lookups -----------------------------------------------------------------------------------

  #contact(contactId: ContactId): ContactState | ClientFailure {
    return this.#contacts.get(contactId) ?? fail('not_found', `No contact ${contactId}`)
  }

  #contactByConversation(conversationId: string): ContactState | ClientFailure {
    for (const contact of this.#contacts.values())
      if (contact.conversationId === conversationId) return contact
    return fail('not_found', `No conversation ${conversationId}`)
  }

  #findMessage(messageId: string): ChatMessage | undefined {
    const at = this.#messageIndex.get(messageId)
    return at === undefined ? undefined : this.#messages.get(at.conversationId)?.[at.index]
  }

  #append(message: ChatMessage): void {
    const history = this.#messages.get(message.conversationId) ?? []
    this.#messages.set(message.conversationId, history)
    history.push(message)
    this.#messageIndex.set(message.messageId, {
      conversationId: message.conversationId,
      index: history.length - 1,
    })
    this.#emit({ type: 'message.added', message })
  }

  // Requests ----------------------------------------------------------------------------------

  #handle(request: ClientRequest): ClientResponse {
    if (isVaultRequestType(request.type))
      return this.#vault.handle(request as Parameters<FixtureVault['handle']>[0])
    const locked = this.#vault.refuseWhileLocked()
    if (locked !== null) return locked
    if (request.type === 'identity.status') return ok(this.#identity)
    if (request.type === 'identity.create') return this.#createIdentity(request)
    if (request.type === 'backup.import') return this.#importBackup(request)
    if (isDevicesRequest(request) && this.#devices.answersWithoutIdentity(request.type))
      return this.#devices.handle(request)
    if (this.#identity.state === 'none') return fail('no_identity', 'Create an identity first')
    if (isDevicesRequest(request)) return this.#devices.handle(request)
    const handler = this.#handlers[request.type] as (r: ClientRequest) => ClientResponse
    return handler(request)
  }

  #importBackup(request: RequestFor<'backup.import'>): ClientResponse {
    const imported = fixtureImport(request, this.#identity)
    if (!imported.ok) return imported
    this.#identity = imported.value.identity
    this.#emit({ type: 'identity.changed', identity: this.#identity })
    return imported
  }

  #createIdentity(request: RequestFor<'identity.create'>): ClientResponse {
    if (this.#identity.state === 'ready')
      return fail('identity_exists', 'An identity already exists on this device')
    this.#identity = {
      state: 'ready',
      displayName: request.displayName,
      fingerprint: fixtureId(this.#random).slice(0, 12),
      createdAt: this.#clock.now(),
    }
    this.#devices.identityCreated()
    this.#emit({ type: 'identity.changed', identity: this.#identity })
    return ok(this.#identity)
  }

  #makeDevices(seeded: boolean): FixtureDevices {
    return new FixtureDevices(
      {
        now: () => this.#clock.now(),
        random: () => this.#random(),
        emit: (event) => this.#emit(event),
        identity: () => this.#identity,
        becomeCompanion: (identity) => {
          this.#identity = identity
          this.#emit({ type: 'identity.changed', identity })
        },
        erase: () => {
          this.#identity = { state: 'none' }
          this.#contacts.clear()
          this.#messages.clear()
          this.#messageIndex.clear()
          this.#transfers.clear()
          this.#emit({ type: 'identity.changed', identity: this.#identity })
        },
        ...(this.#schedule === undefined ? {} : { schedule: this.#schedule }),
      },
      seeded,
    )
  }

  readonly #handlers: {
    [
      K in Exclude<
        ClientRequestType,
        | 'identity.status'
        | 'identity.create'
        | 'backup.import'
        | VaultRequestType
        | FixtureDevicesRequestType
      >
    ]: (request: RequestFor<K>) => ClientResponse<ResultFor<K>> | ClientFailure
  } = {
    // Groups (issue 20) are not played by the fixture yet.
    'groups.create': () => fail('unsupported', 'groups are not in the fixture yet'),
    'groups.list': () => ok({ groups: [] }),
    'groups.addMembers': () => fail('not_found', 'no such group'),
    'groups.removeMember': () => fail('not_found', 'no such group'),
    'groups.send': () => fail('not_found', 'no such group'),
    'groups.messages': () => fail('not_found', 'no such group'),
    'groups.rename': () => fail('not_found', 'no such group'),
    'groups.leave': () => fail('not_found', 'no such group'),
    'groups.members': () => fail('not_found', 'no such group'),
    'groups.promote': () => fail('not_found', 'no such group'),
    'groups.demote': () => fail('not_found', 'no such group'),
    'backup.export': (request) =>
      fixtureExport(
        request,
        this.#identity,
        {
          contacts: this.#contacts.size,
          messages: [...this.#messages.values()].reduce((n, list) => n + list.length, 0),
        },
        this.#clock.now(),
        this.#random,
      ),
    'connectivity.status': () => ok(this.#connectivity()),
    'connectivity.retryRelay': ({ address }) => {
      const relay = this.#relays.find((r) => r.address === address)
      if (relay === undefined) return fail('not_found', `No relay ${address}`)
      this.#relays = this.#relays.map((r) =>
        r.address === address ? { ...r, state: 'connecting', error: null } : r,
      )
      this.#emit({ type: 'connectivity.changed', connectivity: this.#connectivity() })
      return ok(this.#connectivity())
    },
    'conversations.list': ({ query }) => {
      const needle = query?.trim().toLocaleLowerCase() ?? ''
      const conversations = [...this.#contacts.values()]
        .filter((c) => needle === '' || c.displayName.toLocaleLowerCase().includes(needle))
        .map((c) => this.#conversation(c))
        .sort((a, b) => b.lastActivityAt - a.lastActivityAt)
      return ok({ conversations })
    },
    'messages.page': ({ conversationId, before, limit }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const history = this.#messages.get(contact.conversationId) ?? []
      let end = history.length
      if (before !== null) {
        const index = indexOfCursor(before)
        if (index === null || index > history.length)
          return fail('invalid_request', 'Unknown cursor: pass back olderCursor unchanged')
        end = index
      }
      const start = Math.max(0, end - limit)
      return ok({
        messages: history.slice(start, end),
        olderCursor: start > 0 ? cursorOf(start) : null,
      })
    },
    'messages.send': ({ conversationId, text }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const blocked = this.#sendBlocked(contact)
      if (blocked !== null) return blocked
      const now = this.#clock.now()
      const message: ChatMessage = {
        messageId: fixtureId(this.#random),
        conversationId,
        direction: 'out',
        body: { kind: 'text', text },
        sentAt: now,
        receivedAt: now,
        delivery: 'queued',
        failure: null,
        readAt: null,
      }
      if (this.#failuresPending > 0) {
        this.#failuresPending--
        this.#failing.add(message.messageId)
      }
      this.#append(message)
      this.#emitConversation(contact)
      this.#autoDeliver(message.messageId)
      return ok({ message })
    },
    'messages.retry': ({ conversationId, messageId }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const message = this.#findMessage(messageId)
      if (message === undefined || message.conversationId !== conversationId)
        return fail('not_found', `No message ${messageId} in this conversation`)
      if (message.delivery !== 'failed')
        return fail('invalid_state', 'Only failed messages can be retried')
      const blocked = this.#sendBlocked(contact)
      if (blocked !== null) return blocked
      message.delivery = 'queued'
      message.failure = null
      this.#emit({ type: 'message.updated', message })
      this.#emitConversation(contact)
      this.#autoDeliver(message.messageId)
      return ok({ message })
    },
    'messages.markRead': ({ conversationId, upTo }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const at = this.#messageIndex.get(upTo)
      if (at === undefined || at.conversationId !== conversationId)
        return fail('not_found', `No message ${upTo} in this conversation`)
      const history = this.#messages.get(conversationId) ?? []
      const now = this.#clock.now()
      for (let i = at.index; i >= 0; i--) {
        const message = history[i]
        if (message === undefined || message.direction === 'out') continue
        if (message.readAt !== null) break
        message.readAt = now
        this.#emit({ type: 'message.updated', message })
      }
      const summary = this.#conversation(contact)
      this.#emit({ type: 'conversation.updated', conversation: summary })
      return ok({ unreadCount: summary.unreadCount })
    },
    'invite.mine': () => ok(this.#invite()),
    'invite.renew': () => {
      this.#inviteGeneration++
      return ok(this.#invite())
    },
    'invite.accept': ({ invite }) => this.#acceptInvite(invite.trim()),
    'contact.info': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      const info: ContactInfo = {
        contact: this.#summary(contact),
        safetyNumber: contact.safetyNumber,
        myVerificationQr: `hestia:verify/${contact.safetyNumber.join('')}`,
        devices: [
          {
            deviceId: `12D3KooW${contact.contactId}Device1`,
            addedAt: contact.addedAt,
            lastSeenAt: this.#clock.now() - 60_000,
          },
        ],
        addedAt: contact.addedAt,
        keyChangedAt: contact.keyChangedAt,
        relays: [this.#settings.relays[0] ?? ''],
        refusedKeys: contact.refusedKeys,
      }
      return ok(info)
    },
    'contact.verify': ({ contactId, method, scannedPayload }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      if (method === 'qr' && scannedPayload !== this.#verificationPayload(contact))
        return fail('verification_mismatch', 'The scanned code is not this contact’s current key')
      const wasKeyChange = contact.keyChanged
      contact.verified = true
      contact.keyChanged = false
      contact.keyChangedAt = null
      this.#releaseHeld(contact)
      this.#append(
        this.#systemMessage(
          contact.conversationId,
          wasKeyChange ? 'new_key_accepted' : 'verified',
          this.#clock.now(),
        ),
      )
      return this.#contactChanged(contact)
    },
    'contact.acceptNewKey': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      if (!contact.keyChanged) return fail('invalid_state', 'This contact’s key did not change')
      contact.keyChanged = false
      contact.verified = false
      contact.keyChangedAt = null
      this.#releaseHeld(contact)
      this.#append(
        this.#systemMessage(contact.conversationId, 'new_key_accepted', this.#clock.now()),
      )
      return this.#contactChanged(contact)
    },
    'contact.keepOldKey': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      if (!contact.keyChanged) return fail('invalid_state', 'This contact’s key did not change')
      contact.keyChanged = false
      contact.keyChangedAt = null
      contact.held = []
      contact.refusedKeys += 1
      this.#append(
        this.#systemMessage(contact.conversationId, 'new_key_refused', this.#clock.now()),
      )
      return this.#contactChanged(contact)
    },
    'contact.allowNewKeys': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      if (contact.refusedKeys === 0) return fail('invalid_state', 'No key was refused')
      contact.refusedKeys = 0
      return this.#contactChanged(contact)
    },
    'contact.rename': ({ contactId, displayName }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      contact.displayName = displayName
      return this.#contactChanged(contact)
    },
    'contact.setBlocked': ({ contactId, blocked }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      if (contact.blocked !== blocked) {
        contact.blocked = blocked
        this.#append(
          this.#systemMessage(
            contact.conversationId,
            blocked ? 'blocked' : 'unblocked',
            this.#clock.now(),
          ),
        )
      }
      return this.#contactChanged(contact)
    },
    'contact.delete': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      this.#contacts.delete(contactId)
      for (const message of this.#messages.get(contact.conversationId) ?? [])
        this.#messageIndex.delete(message.messageId)
      this.#messages.delete(contact.conversationId)
      for (const [id, transfer] of this.#transfers)
        if (transfer.conversationId === contact.conversationId) this.#transfers.delete(id)
      this.#emit({ type: 'conversation.removed', conversationId: contact.conversationId })
      return ok({})
    },
    // The fixture has no relay: a rotation changes nothing the UI can see but succeeds.
    'contact.rotateMailbox': ({ contactId }) => {
      const contact = this.#contact(contactId)
      if ('ok' in contact) return contact
      return this.#contactChanged(contact)
    },
    'settings.get': () => ok(this.#settings),
    'settings.update': ({ patch }) => {
      const notifications = { ...this.#settings.notifications }
      if (patch.notifications?.enabled !== undefined)
        notifications.enabled = patch.notifications.enabled
      if (patch.notifications?.showNames !== undefined)
        notifications.showNames = patch.notifications.showNames
      this.#settings = {
        ...this.#settings,
        notifications,
        readReceipts: patch.readReceipts ?? this.#settings.readReceipts,
        delayReceipts: patch.delayReceipts ?? this.#settings.delayReceipts,
        relayOnly: patch.relayOnly ?? this.#settings.relayOnly,
      }
      return this.#settingsChanged()
    },
    'settings.addRelay': ({ address }) => {
      if (
        !/^\/(dns4|dns6|dns|ip4|ip6)\/[^/]+\/tcp\/[0-9]+\/(wss|ws|tls\/ws)(\/p2p\/[1-9A-HJ-NP-Za-km-z]+)?$/.test(
          address,
        )
      )
        return fail(
          'relay_address_invalid',
          'Expected a multiaddr like /dns4/relay.example/tcp/443/wss/p2p/12D3…',
        )
      if (this.#settings.relays.includes(address)) return ok(this.#settings)
      if (this.#settings.relays.length >= CLIENT_LIMITS.relaysMax)
        return fail('too_large', `At most ${CLIENT_LIMITS.relaysMax} relays`)
      this.#settings = { ...this.#settings, relays: [...this.#settings.relays, address] }
      this.#relays = [
        ...this.#relays,
        {
          address,
          state: 'connecting',
          reserved: false,
          mailboxReady: false,
          rttMs: null,
          error: null,
          since: this.#clock.now(),
        },
      ]
      this.#emit({ type: 'connectivity.changed', connectivity: this.#connectivity() })
      return this.#settingsChanged()
    },
    'settings.removeRelay': ({ address }) => {
      if (!this.#settings.relays.includes(address))
        return fail('not_found', 'This relay is not in the list')
      this.#settings = {
        ...this.#settings,
        relays: this.#settings.relays.filter((r) => r !== address),
      }
      this.#relays = this.#relays.filter((r) => r.address !== address)
      this.#emit({ type: 'connectivity.changed', connectivity: this.#connectivity() })
      return this.#settingsChanged()
    },
    'transfers.list': ({ conversationId }) =>
      ok({
        transfers: [...this.#transfers.values()].filter(
          (t) => conversationId === null || t.conversationId === conversationId,
        ),
      }),
    'transfer.offer': ({ conversationId, file }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const blocked = this.#sendBlocked(contact)
      if (blocked !== null) return blocked
      const now = this.#clock.now()
      const transfer: FileTransfer = {
        transferId: fixtureId(this.#random),
        conversationId,
        messageId: fixtureId(this.#random),
        direction: 'out',
        name: file.name,
        size: file.size,
        mimeType: file.mimeType,
        state: 'offered',
        route: null,
        progress: { bytes: 0, total: file.size, rateBytesPerSec: 0, etaSeconds: null },
        error: null,
        updatedAt: now,
      }
      this.#transfers.set(transfer.transferId, transfer)
      this.#append({
        messageId: transfer.messageId,
        conversationId,
        direction: 'out',
        body: {
          kind: 'file',
          transferId: transfer.transferId,
          name: file.name,
          size: file.size,
          mimeType: file.mimeType,
        },
        sentAt: now,
        receivedAt: now,
        delivery: 'queued',
        failure: null,
        readAt: null,
      })
      this.#emitConversation(contact)
      this.#emit({ type: 'transfer.updated', transfer })
      return ok({ transfer })
    },
    'transfer.accept': ({ transferId }) =>
      this.#moveTransfer(transferId, ['offered'], 'transferring', 'in'),
    'transfer.decline': ({ transferId }) =>
      this.#moveTransfer(transferId, ['offered'], 'declined', 'in'),
    'transfer.pause': ({ transferId }) =>
      this.#moveTransfer(transferId, ['transferring', 'waiting'], 'paused'),
    'transfer.resume': ({ transferId }) =>
      this.#moveTransfer(transferId, ['paused'], 'transferring'),
    'transfer.cancel': ({ transferId }) =>
      this.#moveTransfer(transferId, ['offered', 'waiting', 'transferring', 'paused'], 'cancelled'),
    'call.current': () => ok({ call: this.#call }),
    // No relay, so no STUN or TURN server: host candidates only.
    'call.iceServers': () => ok({ iceServers: [] }),
    'call.start': ({ conversationId, media }) => {
      const contact = this.#contactByConversation(conversationId)
      if ('ok' in contact) return contact
      const blocked = this.#sendBlocked(contact)
      if (blocked !== null) return blocked
      if (this.#call !== null && this.#call.state !== 'ended')
        return fail('busy', 'A call is already in progress')
      return this.#setCall(this.#newCall(contact, 'out', media))
    },
    'call.accept': ({ callId }) =>
      this.#callAction(callId, ['incoming_ringing'], (call) => ({
        ...call,
        state: 'active',
        connectedAt: this.#clock.now(),
      })),
    'call.decline': ({ callId }) =>
      this.#callAction(callId, ['incoming_ringing'], (call) => this.#endCall(call, 'declined')),
    'call.hangUp': ({ callId }) =>
      this.#callAction(
        callId,
        ['outgoing_ringing', 'incoming_ringing', 'connecting', 'active'],
        (call) => this.#endCall(call, 'hangup'),
      ),
    'call.setMuted': ({ callId, muted }) =>
      this.#callAction(callId, ['outgoing_ringing', 'connecting', 'active'], (call) => ({
        ...call,
        muted,
      })),
    'call.setCamera': ({ callId, cameraOn }) =>
      this.#callAction(callId, ['outgoing_ringing', 'connecting', 'active'], (call) =>
        call.media === 'video' ? { ...call, cameraOn } : call,
      ),
    'call.signal': ({ callId }) => {
      if (this.#call?.callId !== callId || this.#call.state === 'ended')
        return fail('not_found', `No call ${callId} in progress`)
      return ok({})
    },
  }

  // Request helpers ---------------------------------------------------------------------------

  #sendBlocked(contact: ContactState): ClientFailure | null {
    if (contact.blocked) return fail('contact_blocked', 'Unblock this contact to send')
    if (contact.keyChanged) return fail('key_changed', 'Verify or accept the new key to send')
    return null
  }

  #verificationPayload(contact: ContactState): string {
    return `hestia:verify/${contact.contactId}/${contact.keyGeneration}/${contact.safetyNumber.join('')}`
  }

  #contactChanged(contact: ContactState): ClientResponse<{ contact: ContactSummary }> {
    const summary = this.#summary(contact)
    this.#emit({ type: 'contact.updated', contact: summary })
    this.#emitConversation(contact)
    return ok({ contact: summary })
  }

  #settingsChanged(): ClientResponse<Settings> {
    this.#emit({ type: 'settings.changed', settings: this.#settings })
    return ok(this.#settings)
  }

  #invite(): Invite {
    const random = createPrng(7 + this.#inviteGeneration)
    // As long as a real invite with one relay and its ML-KEM prekey (2,792 characters), so the
    // preview shows the dense QR code users get.
    let payload = INVITE_PREFIX
    while (payload.length < FIXTURE_INVITE_CHARS) payload += fixtureId(random)
    payload = payload.slice(0, FIXTURE_INVITE_CHARS)
    return { link: payload, qrPayload: payload, expiresAt: this.#clock.now() + 7 * 86_400_000 }
  }

  #acceptInvite(invite: string): ClientResponse<ResultFor<'invite.accept'>> {
    if (!invite.startsWith(INVITE_PREFIX)) return fail('invite_invalid', 'Not a hestia: invite')
    if (invite === this.#invite().link) return fail('invite_self', 'This is your own invite')
    const rest = invite.slice(INVITE_PREFIX.length)
    if (rest.startsWith('expired')) return fail('invite_expired', 'The invite expired')
    const match = /^new\/([0-9]+)\/(.+)$/.exec(rest)
    if (match === null) return fail('invite_invalid', 'The invite signature does not verify')
    const contactId = `ct-invite-${match[1] ?? ''}`
    const existing = this.#contacts.get(contactId)
    if (existing !== undefined) return ok({ contact: this.#summary(existing), created: false })
    const now = this.#clock.now()
    const contact: ContactState = {
      contactId,
      conversationId: `cv-invite-${match[1] ?? ''}`,
      displayName: decodeURIComponent(match[2] ?? 'New contact').slice(
        0,
        CLIENT_LIMITS.displayNameMaxChars,
      ),
      verified: false,
      keyChanged: false,
      blocked: false,
      addedAt: now,
      keyChangedAt: null,
      keyGeneration: 0,
      safetyNumber: this.#safetyNumber(),
      held: [],
      refusedKeys: 0,
    }
    this.#contacts.set(contactId, contact)
    this.#messages.set(contact.conversationId, [])
    this.#append(this.#systemMessage(contact.conversationId, 'contact_added', now))
    this.#emit({ type: 'contact.updated', contact: this.#summary(contact) })
    this.#emitConversation(contact)
    return ok({ contact: this.#summary(contact), created: true })
  }

  #moveTransfer(
    transferId: string,
    from: TransferState[],
    to: TransferState,
    onlyDirection?: 'in' | 'out',
  ): ClientResponse<{ transfer: FileTransfer }> {
    const transfer = this.#transfers.get(transferId)
    if (transfer === undefined) return fail('not_found', `No transfer ${transferId}`)
    if (onlyDirection !== undefined && transfer.direction !== onlyDirection)
      return fail(
        'invalid_state',
        `Only the ${onlyDirection === 'in' ? 'receiver' : 'sender'} can do this`,
      )
    if (!from.includes(transfer.state))
      return fail('invalid_state', `The transfer is ${transfer.state}`)
    transfer.state = to
    transfer.route = to === 'transferring' ? 'direct' : transfer.route
    if (to === 'transferring' && transfer.progress.rateBytesPerSec === 0)
      transfer.progress.rateBytesPerSec = 20_000_000
    if (to !== 'transferring') {
      transfer.progress.rateBytesPerSec = 0
      transfer.progress.etaSeconds = null
    }
    transfer.updatedAt = this.#clock.now()
    this.#emit({ type: 'transfer.updated', transfer })
    this.#ensureTransferLoop()
    return ok({ transfer })
  }

  #newCall(contact: ContactState, direction: 'in' | 'out', media: CallInfo['media']): CallInfo {
    return {
      callId: fixtureId(this.#random),
      conversationId: contact.conversationId,
      contactId: contact.contactId,
      direction,
      media,
      state: direction === 'out' ? 'outgoing_ringing' : 'incoming_ringing',
      muted: false,
      cameraOn: media === 'video',
      startedAt: this.#clock.now(),
      connectedAt: null,
      endedAt: null,
      endReason: null,
      localDtlsFingerprint:
        'sha-256 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:59:DE:C2:D6:67:89:7A:7F:AF:2A:58:BF',
      remoteDtlsFingerprint: null,
    }
  }

  #endCall(call: CallInfo, reason: NonNullable<CallInfo['endReason']>): CallInfo {
    const now = this.#clock.now()
    const contact = this.#contacts.get(call.contactId)
    if (contact !== undefined) {
      const durationMs = call.connectedAt === null ? 0 : now - call.connectedAt
      this.#append({
        messageId: fixtureId(this.#random),
        conversationId: call.conversationId,
        direction: call.direction,
        body: {
          kind: 'call',
          callId: call.callId,
          media: call.media,
          outcome:
            call.connectedAt !== null ? 'completed' : reason === 'declined' ? 'declined' : 'missed',
          durationMs,
        },
        sentAt: now,
        receivedAt: now,
        delivery: null,
        failure: null,
        readAt: now,
      })
    }
    return { ...call, state: 'ended', endedAt: now, endReason: reason }
  }

  #setCall(call: CallInfo): ClientResponse<{ call: CallInfo }> {
    this.#call = call
    this.#emit({ type: 'call.updated', call })
    return ok({ call })
  }

  #callAction(
    callId: string,
    from: CallInfo['state'][],
    change: (call: CallInfo) => CallInfo,
  ): ClientResponse<{ call: CallInfo }> {
    const call = this.#call
    if (call === null || call.callId !== callId) return fail('not_found', `No call ${callId}`)
    if (!from.includes(call.state)) return fail('invalid_state', `The call is ${call.state}`)
    return this.#setCall(change(call))
  }

  /** With a scheduler, running transfers advance every 500 ms (one loop for all of them). */
  #ensureTransferLoop(): void {
    const schedule = this.#schedule
    if (schedule === undefined || this.#transferLoopScheduled) return
    if (![...this.#transfers.values()].some((t) => t.state === 'transferring')) return
    this.#transferLoopScheduled = true
    schedule(500, () => {
      this.#transferLoopScheduled = false
      this.controls.progressTransfers(500)
    })
  }

  #autoDeliver(messageId: string): void {
    const schedule = this.#schedule
    if (schedule === undefined) return
    const step = (): void => {
      const message = this.#findMessage(messageId)
      if (
        message === undefined ||
        message.delivery === 'failed' ||
        message.delivery === 'delivered'
      )
        return
      this.controls.advanceDelivery(messageId)
      schedule(900, step)
    }
    schedule(300, step)
  }

  // Controls ----------------------------------------------------------------------------------

  #makeControls(): FixtureControls {
    const requireContact = (contactId: ContactId): ContactState => {
      const contact = this.#contacts.get(contactId)
      if (contact === undefined) throw new RangeError(`Fixture has no contact ${contactId}`)
      return contact
    }
    return {
      contactId: (key) => {
        const id = this.#contactKeys.get(key)
        if (id === undefined) throw new RangeError(`Fixture has no contact key ${key}`)
        return id
      },
      receiveText: (contactId, text, options = {}) => {
        const contact = requireContact(contactId)
        const now = this.#clock.now()
        const message: ChatMessage = {
          messageId: fixtureId(this.#random),
          conversationId: contact.conversationId,
          direction: 'in',
          body: { kind: 'text', text },
          sentAt: now - 250,
          receivedAt: now,
          delivery: null,
          failure: null,
          readAt: null,
        }
        this.#append(message)
        const delay = options.listUpdateDelayMs
        if (delay === undefined) this.#emitConversation(contact)
        else setTimeout(() => this.#emitConversation(contact), delay)
        return overPort(message)
      },
      advanceDelivery: (messageId) => {
        const message = this.#findMessage(messageId)
        if (message === undefined || message.direction !== 'out')
          throw new RangeError(`Fixture has no outgoing message ${messageId}`)
        if (this.#failing.delete(messageId)) {
          message.delivery = 'failed'
          message.failure = {
            code: 'peer_unreachable',
            message: 'Contact offline and mailbox unreachable',
          }
        } else {
          const next = {
            queued: 'sent',
            sent: 'delivered',
            delivered: 'read',
            read: 'read',
            failed: 'failed',
          } as const
          message.delivery = next[message.delivery ?? 'queued']
          if (message.delivery === 'read') message.readAt = this.#clock.now()
        }
        this.#emit({ type: 'message.updated', message })
        const contact = this.#contactByConversation(message.conversationId)
        if (!('ok' in contact)) this.#emitConversation(contact)
        return overPort(message)
      },
      failNextSends: (count) => {
        this.#failuresPending = count
      },
      changeContactKey: (contactId) => {
        const contact = requireContact(contactId)
        const now = this.#clock.now()
        contact.keyChanged = true
        contact.verified = false
        contact.keyChangedAt = now
        contact.keyGeneration++
        contact.safetyNumber = this.#safetyNumber()
        this.#append(this.#systemMessage(contact.conversationId, 'key_changed', now))
        this.#contactChanged(contact)
      },
      contactDevicesChanged: (contactId, event) => {
        const contact = requireContact(contactId)
        // A notice only: trust, verification and the safety number stay (ADR 0761).
        this.#append(this.#systemMessage(contact.conversationId, event, this.#clock.now()))
        this.#emitConversation(contact)
      },
      setRelayState: (address, state, error = null) => {
        this.#relays = this.#relays.map((relay) =>
          relay.address !== address
            ? relay
            : {
                ...relay,
                state,
                error,
                reserved: state === 'connected',
                mailboxReady: state === 'connected',
                since: this.#clock.now(),
              },
        )
        this.#emit({ type: 'connectivity.changed', connectivity: this.#connectivity() })
      },
      setDirectPeers: (count) => {
        this.#directPeers = count
        this.#emit({ type: 'connectivity.changed', connectivity: this.#connectivity() })
      },
      progressTransfers: (elapsedMs) => {
        for (const transfer of this.#transfers.values()) {
          if (transfer.state !== 'transferring') continue
          const { progress } = transfer
          progress.bytes = Math.min(
            progress.total,
            progress.bytes + Math.round((progress.rateBytesPerSec * elapsedMs) / 1000),
          )
          const left = progress.total - progress.bytes
          progress.etaSeconds =
            progress.rateBytesPerSec > 0 ? Math.ceil(left / progress.rateBytesPerSec) : null
          if (left === 0) {
            transfer.state = 'completed'
            progress.rateBytesPerSec = 0
            progress.etaSeconds = 0
          }
          transfer.updatedAt = this.#clock.now()
          this.#emit({ type: 'transfer.updated', transfer })
        }
        this.#ensureTransferLoop()
      },
      ringIncomingCall: (contactId, media) => {
        const contact = requireContact(contactId)
        const call = this.#newCall(contact, 'in', media)
        this.#setCall(call)
        return overPort(call)
      },
      answerOutgoingCall: () => {
        const call = this.#call
        if (call === null || call.state !== 'outgoing_ringing')
          throw new RangeError('No outgoing call is ringing')
        const answered: CallInfo = {
          ...call,
          state: 'active',
          connectedAt: this.#clock.now(),
          remoteDtlsFingerprint:
            'sha-256 9C:1E:52:7B:33:0A:F4:6D:88:21:BE:07:C5:19:64:AA:3F:D0:72:E8:4B:96:11:5C:2D:F3:80:6E:A9:17:C4:5B',
        }
        this.#setCall(answered)
        return overPort(answered)
      },
      verificationPayloadOf: (contactId) => this.#verificationPayload(requireContact(contactId)),
      inviteFrom: (displayName) =>
        `${INVITE_PREFIX}new/${++this.#inviteCounter}/${encodeURIComponent(displayName)}`,
      historyLength: (conversationId) => this.#messages.get(conversationId)?.length ?? 0,
      devices: this.#devices.controls(),
    }
  }
}
