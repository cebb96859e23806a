// One open conversation: a window over its history, loaded page by page from the newest end.
//
// Why a window: the history can hold 10,000+ messages. We keep every loaded message in memory
// (plain objects in a Box, no deep proxies), but render at most WINDOW_MAX of them; scrolling
// near the top shows or loads older ones and drops the newest from the DOM, scrolling back down
// does the reverse. The DOM stays a few hundred rows whatever the history length.
import type {
  ChatMessage,
  ClientErrorBody,
  ClientEvent,
  ConversationId,
  FileTransfer,
  MessageCursor,
  MessengerClient,
  StagedFile,
} from '@hestia/core/client/api.ts'
import { call, errorBody } from './client-call.ts'
import { Box } from './reactive-box.ts'

/** Messages per `messages.page` request (below CLIENT_LIMITS.pageMaxMessages). */
export const PAGE_SIZE = 80
/** Most messages rendered at once. */
export const WINDOW_MAX = 240

/** An incoming message from the contact not read yet (system lines are never "unread"). */
function isUnread(message: ChatMessage): boolean {
  return message.direction === 'in' && message.readAt === null && message.body.kind !== 'system'
}

export class ChatState {
  readonly client: MessengerClient
  readonly conversationId: ConversationId
  /** Every loaded message, oldest first. */
  readonly #messages = new Box<ChatMessage[]>([])
  get messages(): ChatMessage[] {
    return this.#messages.value
  }
  set messages(value: ChatMessage[]) {
    this.#messages.value = value
  }
  /** The rendered slice is messages[windowStart, windowEnd). */
  readonly #windowStart = new Box<number>(0)
  get windowStart(): number {
    return this.#windowStart.value
  }
  set windowStart(value: number) {
    this.#windowStart.value = value
  }
  readonly #windowEnd = new Box<number>(0)
  get windowEnd(): number {
    return this.#windowEnd.value
  }
  set windowEnd(value: number) {
    this.#windowEnd.value = value
  }
  readonly #loading = new Box<boolean>(true)
  get loading(): boolean {
    return this.#loading.value
  }
  set loading(value: boolean) {
    this.#loading.value = value
  }
  readonly #loadingOlder = new Box<boolean>(false)
  get loadingOlder(): boolean {
    return this.#loadingOlder.value
  }
  set loadingOlder(value: boolean) {
    this.#loadingOlder.value = value
  }
  readonly #hasOlder = new Box<boolean>(false)
  get hasOlder(): boolean {
    return this.#hasOlder.value
  }
  set hasOlder(value: boolean) {
    this.#hasOlder.value = value
  }
  readonly #error = new Box<ClientErrorBody | null>(null)
  get error(): ClientErrorBody | null {
    return this.#error.value
  }
  set error(value: ClientErrorBody | null) {
    this.#error.value = value
  }
  /** Why the last send failed before reaching the outbox (key changed, too large, …). */
  readonly #sendError = new Box<ClientErrorBody | null>(null)
  get sendError(): ClientErrorBody | null {
    return this.#sendError.value
  }
  set sendError(value: ClientErrorBody | null) {
    this.#sendError.value = value
  }
  readonly #transfers = new Box<Record<string, FileTransfer>>({})
  get transfers(): Record<string, FileTransfer> {
    return this.#transfers.value
  }
  set transfers(value: Record<string, FileTransfer>) {
    this.#transfers.value = value
  }
  /** The first unread incoming message when the chat opened (an "Unread messages" divider). */
  firstUnreadId: string | null = null
  #olderCursor: MessageCursor | null = null
  #markedUpTo: string | null = null

  constructor(client: MessengerClient, conversationId: ConversationId) {
    this.client = client
    this.conversationId = conversationId
  }

  get visible(): ChatMessage[] {
    return this.messages.slice(this.windowStart, this.windowEnd)
  }

  /** The window shows the newest loaded message. */
  get atLatest(): boolean {
    return this.windowEnd === this.messages.length
  }

  /** There is something above the window (rendered later or still on the node). */
  get canShowOlder(): boolean {
    return this.windowStart > 0 || this.hasOlder
  }

  async load(): Promise<void> {
    this.loading = true
    this.error = null
    try {
      const page = await call(this.client, {
        type: 'messages.page',
        conversationId: this.conversationId,
        before: null,
        limit: PAGE_SIZE,
      })
      const { transfers } = await call(this.client, {
        type: 'transfers.list',
        conversationId: this.conversationId,
      })
      this.transfers = Object.fromEntries(transfers.map((t) => [t.transferId, t]))
      this.#mergeNewest(page.messages)
      this.firstUnreadId = this.messages.find(isUnread)?.messageId ?? null
      this.#olderCursor = page.olderCursor
      this.hasOlder = page.olderCursor !== null
      this.windowEnd = this.messages.length
      this.windowStart = Math.max(0, this.windowEnd - PAGE_SIZE)
    } catch (error) {
      this.error = errorBody(error)
    } finally {
      this.loading = false
    }
  }

  /** Moves the window up one page, fetching older history when needed. */
  async showOlder(): Promise<void> {
    if (this.loadingOlder) return
    if (this.windowStart === 0 && this.hasOlder) {
      this.loadingOlder = true
      try {
        const page = await call(this.client, {
          type: 'messages.page',
          conversationId: this.conversationId,
          before: this.#olderCursor,
          limit: PAGE_SIZE,
        })
        // A plain Set used once for dedupe, not reactive state.
        const known = new Set(this.messages.map((m) => m.messageId))
        const older = page.messages.filter((m) => !known.has(m.messageId))
        this.messages = [...older, ...this.messages]
        this.windowEnd += older.length
        this.#olderCursor = page.olderCursor
        this.hasOlder = page.olderCursor !== null
      } catch (error) {
        this.error = errorBody(error)
      } finally {
        this.loadingOlder = false
      }
    }
    this.windowStart = Math.max(0, this.windowStart - PAGE_SIZE)
    this.windowEnd = Math.min(this.windowEnd, this.windowStart + WINDOW_MAX)
  }

  /** Moves the window down one page (towards the newest message). */
  showNewer(): void {
    this.windowEnd = Math.min(this.messages.length, this.windowEnd + PAGE_SIZE)
    this.windowStart = Math.max(this.windowStart, this.windowEnd - WINDOW_MAX)
  }

  jumpToLatest(): void {
    this.windowEnd = this.messages.length
    this.windowStart = Math.max(0, this.windowEnd - PAGE_SIZE)
  }

  /** Applies an event; returns true when it added a message to this conversation. */
  apply(event: ClientEvent): boolean {
    if (event.type === 'message.added' || event.type === 'message.updated') {
      if (event.message.conversationId !== this.conversationId) return false
      return this.#upsert(event.message)
    }
    if (event.type === 'transfer.updated' && event.transfer.conversationId === this.conversationId)
      this.transfers = { ...this.transfers, [event.transfer.transferId]: event.transfer }
    return false
  }

  async send(text: string): Promise<boolean> {
    this.sendError = null
    try {
      const { message } = await call(this.client, {
        type: 'messages.send',
        conversationId: this.conversationId,
        text,
      })
      this.#upsert(message)
      this.jumpToLatest()
      return true
    } catch (error) {
      this.sendError = errorBody(error)
      return false
    }
  }

  async retry(messageId: string): Promise<void> {
    this.sendError = null
    try {
      const { message } = await call(this.client, {
        type: 'messages.retry',
        conversationId: this.conversationId,
        messageId,
      })
      this.#upsert(message)
    } catch (error) {
      this.sendError = errorBody(error)
    }
  }

  async offerFile(file: StagedFile): Promise<void> {
    this.sendError = null
    try {
      const { transfer } = await call(this.client, {
        type: 'transfer.offer',
        conversationId: this.conversationId,
        file,
      })
      this.transfers = { ...this.transfers, [transfer.transferId]: transfer }
      this.jumpToLatest()
    } catch (error) {
      this.sendError = errorBody(error)
    }
  }

  async transferAction(
    transferId: string,
    action: 'accept' | 'decline' | 'pause' | 'resume' | 'cancel',
  ): Promise<void> {
    try {
      const { transfer } = await call(this.client, { type: `transfer.${action}`, transferId })
      this.transfers = { ...this.transfers, [transfer.transferId]: transfer }
    } catch (error) {
      this.sendError = errorBody(error)
    }
  }

  /** Marks incoming messages up to the newest as read (when the newest is visible). */
  async markRead(): Promise<void> {
    const lastIncoming = this.messages.findLast(isUnread)
    // Scroll events fire often: ask once per newest unread message.
    if (lastIncoming === undefined || lastIncoming.messageId === this.#markedUpTo) return
    this.#markedUpTo = lastIncoming.messageId
    await this.client.request({
      type: 'messages.markRead',
      conversationId: this.conversationId,
      upTo: lastIncoming.messageId,
    })
  }

  #mergeNewest(page: ChatMessage[]): void {
    // A plain Map used once for merging, not reactive state.
    const byId = new Map(this.messages.map((m) => [m.messageId, m]))
    for (const message of page) byId.set(message.messageId, message)
    this.messages = [...byId.values()].sort(
      (a, b) => a.receivedAt - b.receivedAt || a.messageId.localeCompare(b.messageId),
    )
  }

  /** Replaces a known message or appends a new one; returns true when it was new. */
  #upsert(message: ChatMessage): boolean {
    // Updates almost always concern recent messages: search from the end.
    for (let i = this.messages.length - 1; i >= 0; i--) {
      if (this.messages[i]?.messageId === message.messageId) {
        const next = [...this.messages]
        next[i] = message
        this.messages = next
        return false
      }
    }
    const followsWindow = this.atLatest
    this.messages = [...this.messages, message]
    if (followsWindow) {
      this.windowEnd = this.messages.length
      this.windowStart = Math.max(this.windowStart, this.windowEnd - WINDOW_MAX)
    }
    return true
  }
}
