/**
 * The messenger's storage interface. Implementations: MemoryStore (core/src/store/memory-store.ts,
 * Node tests and the CLI) and DexieStore (extension/src/store/dexie-store.ts, the browser). Both
 * pass the same compliance suite (core/test-support/store-compliance.ts).
 *
 * Every method is atomic on its own. `transaction(work)` makes a group of them atomic and isolated:
 * if `work` throws, nothing it wrote is kept. Inside `work`, use only the `tx` argument and await
 * nothing but its methods (IndexedDB commits a transaction as soon as it has nothing to do, so an
 * unrelated await, e.g. a network call or crypto on a timer, ends it early). Do the slow work
 * (decryption) before, then commit its results in one transaction:
 *
 * ```ts
 * const plain = await ratchet.decrypt(session.state, envelope) // outside: may await anything
 * await store.transaction(async (tx) => {
 *   if (!(await tx.addMessage(message))) return // duplicate (arrived directly and via mailbox)
 *   await tx.putSession({ ...session, state: plain.nextState, version: session.version + 1 }, session.version)
 *   await tx.putConversation({ ...conversation, unreadCount: conversation.unreadCount + 1 })
 * })
 * ```
 */
import type {
  ContactRecord,
  ConversationRecord,
  DeviceOwner,
  DeviceRecord,
  FileTransferRecord,
  GroupDeviceRecord,
  GroupMessageRecord,
  GroupRecord,
  IdentityRecord,
  MessageKey,
  MessageRecord,
  NewOutboxRecord,
  OutboxRecord,
  SessionRecord,
  RelayInstancesRecord,
  SettingsRecord,
} from './records.ts'

/** Caps on what one call may ask for, so a caller bug cannot load the whole history at once. */
export const STORE_LIMITS = {
  pageMaxMessages: 500,
  conversationsMax: 10_000,
  batchMaxMessages: 1_000,
} as const

export interface MessagePageQuery {
  /** Return messages strictly older than this key; null = from the newest. */
  before: MessageKey | null
  /** 1..STORE_LIMITS.pageMaxMessages */
  limit: number
}

export interface TransferQuery {
  conversationId?: string
  /** Only transfers in ACTIVE_TRANSFER_STATES. */
  active?: boolean
}

/** Every operation; also the type of the `tx` handed to `transaction`. */
export interface StoreOperations {
  // Identity (one record)
  getIdentity(): Promise<IdentityRecord | undefined>
  putIdentity(identity: IdentityRecord): Promise<void>

  // Devices, keyed by (ownerId, deviceId)
  putDevice(device: DeviceRecord): Promise<void>
  getDevice(ownerId: DeviceOwner, deviceId: string): Promise<DeviceRecord | undefined>
  listDevices(ownerId: DeviceOwner): Promise<DeviceRecord[]>
  deleteDevice(ownerId: DeviceOwner, deviceId: string): Promise<void>

  // Contacts. identityKeyId and inboundMailboxId (when not null) are unique: a put that would
  // duplicate one under another contactId throws StoreConstraintError.
  putContact(contact: ContactRecord): Promise<void>
  getContact(contactId: string): Promise<ContactRecord | undefined>
  getContactByIdentityKey(identityKeyId: string): Promise<ContactRecord | undefined>
  getContactByInboundMailbox(mailboxId: string): Promise<ContactRecord | undefined>
  listContacts(): Promise<ContactRecord[]>
  /**
   * Deletes the contact and everything about them: devices, sessions, the conversation, its
   * messages, outbox items and transfers.
   */
  deleteContact(contactId: string): Promise<void>

  // Sessions, keyed by (contactId, deviceId)
  getSession(contactId: string, deviceId: string): Promise<SessionRecord | undefined>
  listSessions(contactId: string): Promise<SessionRecord[]>
  /**
   * Compare-and-set: writes only if the stored version equals `expectedVersion` (null: no session
   * stored yet), else throws StoreConflictError and writes nothing. Two decryptions racing on the
   * same session therefore cannot both commit.
   */
  putSession(session: SessionRecord, expectedVersion: number | null): Promise<void>
  deleteSession(contactId: string, deviceId: string): Promise<void>

  // Conversations (contactId unique)
  putConversation(conversation: ConversationRecord): Promise<void>
  getConversation(conversationId: string): Promise<ConversationRecord | undefined>
  getConversationByContact(contactId: string): Promise<ConversationRecord | undefined>
  /** Newest lastActivityAt first. */
  listConversations(limit: number): Promise<ConversationRecord[]>

  // Messages
  getMessage(messageId: string): Promise<MessageRecord | undefined>
  /**
   * Several messages by id in one read (the conversation list's last messages), in the order
   * asked, undefined where none is stored; at most STORE_LIMITS.conversationsMax ids.
   */
  getMessages(messageIds: readonly string[]): Promise<(MessageRecord | undefined)[]>
  /** Stores a new message; returns false and writes nothing if its id is already stored. */
  addMessage(message: MessageRecord): Promise<boolean>
  /** addMessage for a batch (a mailbox fetch); returns the ids that were new. */
  addMessages(messages: MessageRecord[]): Promise<string[]>
  /** Inserts or replaces (delivery state, failure, readAt changes). */
  putMessage(message: MessageRecord): Promise<void>
  /** Newest first. O(log n + limit) in both implementations. */
  pageMessages(conversationId: string, query: MessagePageQuery): Promise<MessageRecord[]>
  countUnread(conversationId: string): Promise<number>
  /** Sets readAt on every unread message up to and including `upTo`; returns them (oldest first). */
  markRead(conversationId: string, upTo: MessageKey, readAt: number): Promise<MessageRecord[]>

  // Outbox
  /** Appends; returns the assigned seq. */
  enqueueOutbox(item: NewOutboxRecord): Promise<number>
  getOutbox(seq: number): Promise<OutboxRecord | undefined>
  /** One conversation's items in send order. */
  listOutbox(conversationId: string): Promise<OutboxRecord[]>
  /** The first item of every conversation that has one, by seq: the only items ready to send. */
  outboxHeads(): Promise<OutboxRecord[]>
  /** Replaces an existing item (attempts, nextAttemptAt, lastError); throws StoreNotFoundError. */
  updateOutbox(item: OutboxRecord): Promise<void>
  deleteOutbox(seq: number): Promise<void>

  // Settings (one record; undefined before first save: the messenger applies defaults)
  getSettings(): Promise<SettingsRecord | undefined>
  putSettings(settings: SettingsRecord): Promise<void>

  // Relay instances learnt from our home relays (one record; undefined before the first is learnt)
  getRelayInstances(): Promise<RelayInstancesRecord | undefined>
  putRelayInstances(record: RelayInstancesRecord): Promise<void>

  // File transfers
  putTransfer(transfer: FileTransferRecord): Promise<void>
  getTransfer(transferId: string): Promise<FileTransferRecord | undefined>
  listTransfers(query: TransferQuery): Promise<FileTransferRecord[]>

  // Envelope ids seen (receipts, control messages, replays) for dedupe beyond stored messages
  /** Records the id; returns false if it was already recorded. */
  markSeen(id: string, seenAt: number): Promise<boolean>
  /** Forgets ids seen before `before`; returns how many. */
  pruneSeen(before: number): Promise<number>

  // Groups (issue 20): state per group, its history, and this device's group keys (one record)
  putGroup(group: GroupRecord): Promise<void>
  getGroup(groupId: string): Promise<GroupRecord | undefined>
  /** Every group, by group id. */
  listGroups(): Promise<GroupRecord[]>
  /** Deletes the group and its history. */
  deleteGroup(groupId: string): Promise<void>
  /** Adds a message to a group's history; false if its id is already stored (nothing changes). */
  addGroupMessage(message: GroupMessageRecord): Promise<boolean>
  /** The newest `limit` (1..STORE_LIMITS.pageMaxMessages) of a group, oldest first. */
  pageGroupMessages(groupId: string, limit: number): Promise<GroupMessageRecord[]>
  getGroupMessage(messageId: string): Promise<GroupMessageRecord | undefined>
  /**
   * Replaces a stored group message (its delivery moved on); false when no message has its id.
   * Its group and time stay those stored (its place in the history does not move).
   */
  putGroupMessage(message: GroupMessageRecord): Promise<boolean>
  getGroupDevice(): Promise<GroupDeviceRecord | undefined>
  putGroupDevice(record: GroupDeviceRecord): Promise<void>
}

export interface MessengerStore extends StoreOperations {
  /** Runs `work` atomically and isolated from other transactions; rethrows what it throws. */
  transaction<T>(work: (tx: StoreOperations) => Promise<T>): Promise<T>
  /**
   * `work`'s result, read in a read-only transaction and kept until the store is next written
   * (read-cache.ts says why that is safe). `work` must only read; callers share the kept value
   * and must not change it. `refresh`: read it again in the background once writes pause.
   */
  cachedRead<T>(
    key: string,
    work: (tx: StoreOperations) => Promise<T>,
    options?: { refresh?: boolean },
  ): Promise<T>
  close(): Promise<void>
  /**
   * Deletes every record (identity, keys, contacts, sessions, history, outbox, settings, groups):
   * a companion removed from its identity erases itself (issue 19, ADR 0762). The store stays
   * open and empty, like a new install's; an at-rest data key (ADR 0520) is kept.
   */
  erase(): Promise<void>
}

// Errors --------------------------------------------------------------------------------------

export const STORE_ERROR_CODES = [
  'conflict',
  'constraint',
  'not_found',
  'invalid_argument',
  'storage_full',
  'closed',
  'failed',
] as const
export type StoreErrorCode = (typeof STORE_ERROR_CODES)[number]

export class StoreError extends Error {
  override readonly name: string = 'StoreError'
  readonly code: StoreErrorCode

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
  }
}

/** A compare-and-set lost a race: re-read, redo the work, try again. */
export class StoreConflictError extends StoreError {
  override readonly name = 'StoreConflictError'
  constructor(message: string) {
    super('conflict', `${message}. Another update won the race: re-read the record and retry.`)
  }
}

/** A unique key (identity key, mailbox id, contact of a conversation) is already taken. */
export class StoreConstraintError extends StoreError {
  override readonly name = 'StoreConstraintError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(
      'constraint',
      `${message}. Look up the existing record instead of adding another.`,
      options,
    )
  }
}

export class StoreNotFoundError extends StoreError {
  override readonly name = 'StoreNotFoundError'
  constructor(message: string) {
    super('not_found', message)
  }
}

/** A caller passed a value the store cannot take (limit out of range, …): a bug in the caller. */
export class StoreArgumentError extends StoreError {
  override readonly name = 'StoreArgumentError'
  constructor(message: string) {
    super('invalid_argument', message)
  }
}

/** The browser refused to store more (quota). Maps to the client error `storage_full`. */
export class StoreFullError extends StoreError {
  override readonly name = 'StoreFullError'
  constructor(options?: { cause?: unknown }) {
    super('storage_full', 'Device storage is full: free some space, then retry.', options)
  }
}

export class StoreClosedError extends StoreError {
  override readonly name = 'StoreClosedError'
  constructor() {
    super('closed', 'The store was closed: open it again before use.')
  }
}

export function checkLimit(limit: number, max: number, what: string): void {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > max)
    throw new StoreArgumentError(`${what} must be an integer in 1..${max}, got ${limit}`)
}
