// The popup's state: identity, conversations, connectivity, settings and the current screen.
// Filled from the client API and kept current by its events; screens only read it and call the
// methods below, so every screen can also be rendered from a hand-made state in tests.
import type {
  ClientErrorBody,
  ClientEvent,
  ConnectivityStatus,
  ContactId,
  ContactInfo,
  ContactSummary,
  ConversationId,
  ConversationSummary,
  IdentityStatus,
  Invite,
  MessengerClient,
  Settings,
  SettingsPatch,
} from '@hestia/core/client/api.ts'
import { call, errorBody } from './client-call.ts'
import { Box } from './reactive-box.ts'

export type Route =
  | { name: 'home' }
  | { name: 'chat'; conversationId: ConversationId }
  | { name: 'add' }
  | { name: 'contact'; contactId: ContactId }
  | { name: 'settings' }
  | { name: 'about' }
  // Groups (issue 20): the chat, New group, and Add members of one group.
  | { name: 'group'; groupId: string }
  | { name: 'newGroup' }
  | { name: 'groupAdd'; groupId: string }

/** Data that loads: idle/loading, then a value or an error. */
export type Loadable<T> =
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: ClientErrorBody }

/** How long a screen may show "loading" before we show the error instead. */
export const LOAD_TIMEOUT_MS = 10_000

/** While the host starts: asks for the list again this many times, waiting 0.25 s, 0.5 s, … (~10 s). */
const STARTING_RETRIES = 8
const STARTING_RETRY_MS = 250

export class AppState {
  readonly client: MessengerClient
  readonly #identity = new Box<Loadable<IdentityStatus>>({ status: 'loading' })
  get identity(): Loadable<IdentityStatus> {
    return this.#identity.value
  }
  set identity(value: Loadable<IdentityStatus>) {
    this.#identity.value = value
  }
  readonly #conversations = new Box<Loadable<ConversationSummary[]>>({ status: 'loading' })
  get conversations(): Loadable<ConversationSummary[]> {
    return this.#conversations.value
  }
  set conversations(value: Loadable<ConversationSummary[]>) {
    this.#conversations.value = value
  }
  readonly #connectivity = new Box<ConnectivityStatus | null>(null)
  get connectivity(): ConnectivityStatus | null {
    return this.#connectivity.value
  }
  set connectivity(value: ConnectivityStatus | null) {
    this.#connectivity.value = value
  }
  readonly #settings = new Box<Loadable<Settings>>({ status: 'loading' })
  get settings(): Loadable<Settings> {
    return this.#settings.value
  }
  set settings(value: Loadable<Settings>) {
    this.#settings.value = value
  }
  readonly #contactInfo = new Box<Loadable<ContactInfo>>({ status: 'loading' })
  get contactInfo(): Loadable<ContactInfo> {
    return this.#contactInfo.value
  }
  set contactInfo(value: Loadable<ContactInfo>) {
    this.#contactInfo.value = value
  }
  readonly #invite = new Box<Loadable<Invite>>({ status: 'loading' })
  get invite(): Loadable<Invite> {
    return this.#invite.value
  }
  set invite(value: Loadable<Invite>) {
    this.#invite.value = value
  }
  readonly #route = new Box<Route>({ name: 'home' })
  get route(): Route {
    return this.#route.value
  }
  set route(value: Route) {
    this.#route.value = value
  }
  /** Search text of the conversation list. */
  readonly #query = new Box<string>('')
  get query(): string {
    return this.#query.value
  }
  set query(value: string) {
    this.#query.value = value
  }
  /** The app-wide notice (an action failed), shown until dismissed. */
  readonly #notice = new Box<ClientErrorBody | null>(null)
  get notice(): ClientErrorBody | null {
    return this.#notice.value
  }
  set notice(value: ClientErrorBody | null) {
    this.#notice.value = value
  }
  readonly #now = new Box<number>(Date.now())
  get now(): number {
    return this.#now.value
  }
  set now(value: number) {
    this.#now.value = value
  }

  constructor(client: MessengerClient) {
    this.client = client
  }

  /** Loads everything the first screen needs and follows events; returns the stop function. */
  start(): () => void {
    const unsubscribe = this.client.subscribe((event) => this.apply(event))
    const ticker = setInterval(() => (this.now = Date.now()), 30_000)
    void this.loadIdentity()
    return () => {
      unsubscribe()
      clearInterval(ticker)
    }
  }

  async loadIdentity(): Promise<void> {
    this.identity = { status: 'loading' }
    // The list goes out right behind the identity question (one round trip less before the
    // first paint); without an identity its answer (no_identity) is dropped.
    const identityAnswer = call(this.client, { type: 'identity.status' })
    const list = this.#fetchConversations()
    list.catch(() => undefined)
    try {
      const identity = await identityAnswer
      if (identity.state === 'ready') {
        const conversations = this.loadConversations(list)
        this.identity = { status: 'ready', value: identity }
        // Connectivity and settings after the list: they would compete with it for the host's
        // store, and the list is what the first screen shows.
        await conversations
        await Promise.all([this.loadConnectivity(), this.loadSettings()])
      } else {
        this.identity = { status: 'ready', value: identity }
      }
    } catch (error) {
      this.identity = { status: 'error', error: errorBody(error) }
    }
  }

  async loadAll(): Promise<void> {
    await Promise.all([this.loadConversations(), this.loadConnectivity(), this.loadSettings()])
  }

  #fetchConversations(): Promise<ConversationSummary[]> {
    return call(this.client, { type: 'conversations.list', query: null }).then(
      (r) => r.conversations,
    )
  }

  /**
   * Loads the list (or takes the answer of a request already sent). A host that already knows the
   * identity may still be starting its messenger (`unavailable`) when the popup opens right after
   * the browser starts: the list asks again by itself for a few seconds before it shows the error
   * and its "Try again".
   */
  async loadConversations(pending?: Promise<ConversationSummary[]>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const answer = attempt === 0 && pending ? pending : this.#fetchConversations()
        this.conversations = { status: 'ready', value: await answer }
        return
      } catch (error) {
        const body = errorBody(error)
        if (body.code !== 'unavailable' || attempt >= STARTING_RETRIES) {
          this.conversations = { status: 'error', error: body }
          return
        }
        await new Promise((resolve) => setTimeout(resolve, STARTING_RETRY_MS * (attempt + 1)))
      }
    }
  }

  async loadConnectivity(): Promise<void> {
    try {
      this.connectivity = await call(this.client, { type: 'connectivity.status' })
    } catch {
      this.connectivity = { nodeRunning: false, relays: [], directPeers: 0 }
    }
  }

  async loadSettings(): Promise<void> {
    try {
      this.settings = { status: 'ready', value: await call(this.client, { type: 'settings.get' }) }
    } catch (error) {
      this.settings = { status: 'error', error: errorBody(error) }
    }
  }

  async loadContactInfo(contactId: ContactId): Promise<void> {
    this.contactInfo = { status: 'loading' }
    try {
      const info = await call(this.client, { type: 'contact.info', contactId })
      this.contactInfo = { status: 'ready', value: info }
    } catch (error) {
      this.contactInfo = { status: 'error', error: errorBody(error) }
    }
  }

  async loadInvite(): Promise<void> {
    this.invite = { status: 'loading' }
    try {
      this.invite = { status: 'ready', value: await call(this.client, { type: 'invite.mine' }) }
    } catch (error) {
      this.invite = { status: 'error', error: errorBody(error) }
    }
  }

  /** Withdraws every unused invite (its link stops working at the relay) and shows a new one. */
  async renewInvite(): Promise<void> {
    this.invite = { status: 'loading' }
    try {
      this.invite = { status: 'ready', value: await call(this.client, { type: 'invite.renew' }) }
    } catch (error) {
      this.invite = { status: 'error', error: errorBody(error) }
    }
  }

  // Events ------------------------------------------------------------------------------------

  apply(event: ClientEvent): void {
    switch (event.type) {
      case 'identity.changed':
        this.identity = { status: 'ready', value: event.identity }
        if (event.identity.state === 'ready' && this.conversations.status !== 'ready')
          void this.loadAll()
        break
      case 'connectivity.changed':
        this.connectivity = event.connectivity
        break
      case 'conversation.updated':
        this.upsertConversation(event.conversation)
        break
      case 'conversation.removed':
        if (this.conversations.status === 'ready')
          this.conversations = {
            status: 'ready',
            value: this.conversations.value.filter(
              (c) => c.conversationId !== event.conversationId,
            ),
          }
        break
      case 'contact.updated':
        this.updateContact(event.contact)
        break
      case 'settings.changed':
        this.settings = { status: 'ready', value: event.settings }
        break
      default:
        break
    }
  }

  upsertConversation(conversation: ConversationSummary): void {
    if (this.conversations.status !== 'ready') return
    const rest = this.conversations.value.filter(
      (c) => c.conversationId !== conversation.conversationId,
    )
    rest.push(conversation)
    rest.sort((a, b) => b.lastActivityAt - a.lastActivityAt)
    this.conversations = { status: 'ready', value: rest }
  }

  updateContact(contact: ContactSummary): void {
    if (this.conversations.status === 'ready')
      this.conversations = {
        status: 'ready',
        value: this.conversations.value.map((c) =>
          c.contact.contactId === contact.contactId ? { ...c, contact } : c,
        ),
      }
    if (
      this.contactInfo.status === 'ready' &&
      this.contactInfo.value.contact.contactId === contact.contactId
    )
      void this.loadContactInfo(contact.contactId)
  }

  // Derived -----------------------------------------------------------------------------------

  conversation(conversationId: ConversationId): ConversationSummary | undefined {
    if (this.conversations.status !== 'ready') return undefined
    return this.conversations.value.find((c) => c.conversationId === conversationId)
  }

  /** Conversations whose contact name or last message contains the search text. */
  visibleConversations(): ConversationSummary[] {
    if (this.conversations.status !== 'ready') return []
    const needle = this.query.trim().toLocaleLowerCase()
    if (needle === '') return this.conversations.value
    return this.conversations.value.filter(
      (c) =>
        c.contact.displayName.toLocaleLowerCase().includes(needle) ||
        (c.lastMessage?.text.toLocaleLowerCase().includes(needle) ?? false),
    )
  }

  // Navigation --------------------------------------------------------------------------------

  navigate(route: Route): void {
    this.route = route
    this.notice = null
    if (route.name === 'contact') void this.loadContactInfo(route.contactId)
    if (route.name === 'add') void this.loadInvite()
  }

  // Actions (each reports failure through `notice` or its return value) -----------------------

  async run<T>(action: () => Promise<T>): Promise<T | undefined> {
    try {
      return await action()
    } catch (error) {
      this.notice = errorBody(error)
      return undefined
    }
  }

  async createIdentity(displayName: string): Promise<IdentityStatus> {
    const identity = await call(this.client, { type: 'identity.create', displayName })
    await this.loadAll()
    this.identity = { status: 'ready', value: identity }
    return identity
  }

  /** Restores a backup on this fresh install (issue 17); throws ClientApiError (backup_*, …). */
  async restoreBackup(file: string, passphrase: string): Promise<IdentityStatus> {
    const { identity } = await call(this.client, { type: 'backup.import', file, passphrase })
    await this.loadAll()
    this.identity = { status: 'ready', value: identity }
    return identity
  }

  /** Accepts an invite; throws ClientApiError (invite_invalid, invite_expired, …). */
  async acceptInvite(invite: string): Promise<{ contact: ContactSummary; created: boolean }> {
    const result = await call(this.client, { type: 'invite.accept', invite: invite.trim() })
    await this.loadConversations()
    return result
  }

  async verifyContact(
    contactId: ContactId,
    method: 'safety_number' | 'qr',
    scannedPayload: string | null,
  ): Promise<ContactSummary> {
    const { contact } = await call(this.client, {
      type: 'contact.verify',
      contactId,
      method,
      scannedPayload,
    })
    this.updateContact(contact)
    return contact
  }

  /** A new mailbox for this contact now (ADR 0755); rejects with ClientApiError (e.g. busy). */
  async rotateMailbox(contactId: ContactId): Promise<void> {
    const { contact } = await call(this.client, { type: 'contact.rotateMailbox', contactId })
    this.updateContact(contact)
  }

  async acceptNewKey(contactId: ContactId): Promise<void> {
    await this.run(async () => {
      const { contact } = await call(this.client, { type: 'contact.acceptNewKey', contactId })
      this.updateContact(contact)
    })
  }

  /** Keeps the old key: the held messages are deleted and the new key is refused (ADR 0720). */
  async keepOldKey(contactId: ContactId): Promise<void> {
    await this.run(async () => {
      const { contact } = await call(this.client, { type: 'contact.keepOldKey', contactId })
      this.updateContact(contact)
    })
  }

  /** The user changed their mind: a refused key may raise a key-change notice again. */
  async allowNewKeys(contactId: ContactId): Promise<void> {
    await this.run(async () => {
      const { contact } = await call(this.client, { type: 'contact.allowNewKeys', contactId })
      this.updateContact(contact)
    })
  }

  async setBlocked(contactId: ContactId, blocked: boolean): Promise<void> {
    await this.run(async () => {
      const { contact } = await call(this.client, {
        type: 'contact.setBlocked',
        contactId,
        blocked,
      })
      this.updateContact(contact)
    })
  }

  async renameContact(contactId: ContactId, displayName: string): Promise<void> {
    await this.run(async () => {
      const { contact } = await call(this.client, {
        type: 'contact.rename',
        contactId,
        displayName,
      })
      this.updateContact(contact)
    })
  }

  async deleteContact(contactId: ContactId): Promise<void> {
    await this.run(async () => {
      await call(this.client, { type: 'contact.delete', contactId })
      this.route = { name: 'home' }
      await this.loadConversations()
    })
  }

  async updateSettings(patch: SettingsPatch): Promise<void> {
    await this.run(async () => {
      const settings = await call(this.client, { type: 'settings.update', patch })
      this.settings = { status: 'ready', value: settings }
    })
  }

  /** Adds a relay; throws ClientApiError (relay_address_invalid, too_large). */
  async addRelay(address: string): Promise<void> {
    const settings = await call(this.client, { type: 'settings.addRelay', address })
    this.settings = { status: 'ready', value: settings }
    void this.loadConnectivity()
  }

  /** Tries a relay again now; the answer and later events carry its new state. */
  async retryRelay(address: string): Promise<void> {
    await this.run(async () => {
      this.connectivity = await call(this.client, { type: 'connectivity.retryRelay', address })
    })
  }

  async removeRelay(address: string): Promise<void> {
    await this.run(async () => {
      const settings = await call(this.client, { type: 'settings.removeRelay', address })
      this.settings = { status: 'ready', value: settings }
      void this.loadConnectivity()
    })
  }
}
