/**
 * What the messenger keeps on the device. Records are plain data (structured-clone safe: bytes are
 * Uint8Array, never class instances), because IndexedDB stores them by structured clone.
 *
 * Fields the store indexes are named in the MessengerStore docs; everything marked "opaque" is
 * encoded and understood by another module (crypto, messenger) and only kept here.
 */
import type {
  ClientErrorBody,
  ContactId,
  ConversationId,
  DeliveryState,
  MessageBody,
  MessageDirection,
  MessageId,
  RelayAddress,
  Settings,
  Timestamp,
  TransferRoute,
  TransferState,
} from '../client/api.ts'

/** Our own identity on this device (exactly one record). */
export interface IdentityRecord {
  displayName: string
  /** Ed25519 identity public key. */
  identityPublicKey: Uint8Array
  /** Opaque: the crypto module's encoding of our private identity and device keys. */
  secretKeys: Uint8Array
  /** This device's libp2p PeerId (string form). */
  deviceId: string
  /** Opaque: our device certificate signed by the identity key. */
  deviceCertificate: Uint8Array
  createdAt: Timestamp
  /**
   * Opaque: our signed device list (issue 19, docs/protocol/devices.md), the newest this device
   * issued or took. Absent until this identity first has more than one device.
   */
  deviceList?: Uint8Array
}

/** 'self' (DEVICE_OWNER_SELF) for our own other devices, else the contact id. */
export type DeviceOwner = string
export const DEVICE_OWNER_SELF = 'self'

/**
 * A certified device of us or a contact. Keyed by (ownerId, deviceId): a contact's certificate
 * naming another person's PeerId cannot overwrite that person's device record.
 */
export interface DeviceRecord {
  ownerId: DeviceOwner
  /** The device's libp2p PeerId. */
  deviceId: string
  /** Opaque: the device certificate (identity signature over the device keys). */
  certificate: Uint8Array
  addedAt: Timestamp
  expiresAt: Timestamp
  lastSeenAt: Timestamp | null
  /**
   * Opaque: where this device of a contact receives, from the Hello of its own session, when it
   * is not the device the contact's route leads to (a companion, ADR 0762). Absent otherwise.
   */
  route?: Uint8Array
}

/** A payload that arrived under a not-yet-accepted identity key (ADR 0720). */
export interface HeldPayload {
  /** Opaque: the decrypted ChatPayload bytes (a text, a file offer or a Hello). */
  payload: Uint8Array
  /** The device (PeerId) of the new identity that sent it. */
  senderDeviceId: string
  /** When it arrived; released messages keep this place in history. */
  receivedAt: Timestamp
}

/** A device certificate presented under the pending identity: recorded only if it is accepted. */
export interface HeldDevice {
  deviceId: string
  /** Opaque: the device certificate. */
  certificate: Uint8Array
  expiresAt: Timestamp
}

export interface PendingKeyChange {
  /** The new identity key the contact presented. */
  identityPublicKey: Uint8Array
  seenAt: Timestamp
  /**
   * Texts and file offers under the new key, oldest first: not in the thread, not counted, not
   * notified until the user accepts or verifies the key; deleted if the user keeps the old key.
   * Absent in records written before ADR 0720 (read as empty).
   */
  held?: HeldPayload[]
  /** The newest Hello under the new key (routing): applied only when the key is accepted. */
  hello?: HeldPayload | null
  /** Certified devices of the new identity, recorded as the contact's devices on acceptance. */
  devices?: HeldDevice[]
}

/** Last-writer-wins state of a contact between our own devices (devices/sync-state.ts). */
export interface ContactSyncState {
  /** Stamp of the user's choices below. */
  stamp: number
  displayName: string
  verified: boolean
  blocked: boolean
  /** Stamp of the route (outboundMailbox) the primary last sent or took; 0: none yet. */
  routeStamp: number
  route: Uint8Array | null
  /** Not yet handed to every linked device: sent again at the next start. */
  pending?: boolean
  /**
   * The identity key our devices agreed on for the contact; absent in older records (read as the
   * pinned key). A pinned key other than this one was accepted here (devices/sync-key.ts).
   */
  key?: Uint8Array
  /** The key this device's acceptance replaced, until every linked device was told of it. */
  replaced?: Uint8Array
  /**
   * The newest key refused (`ContactRecord.refusedKeys`' last) our devices agreed on; a newer
   * refusal than this one was made here (devices/sync-refuse.ts). Absent: none refused.
   */
  refused?: Uint8Array
  /** The key this device's refusal kept out, until every linked device was told of it. */
  refusing?: Uint8Array
}

export interface ContactRecord {
  contactId: ContactId
  /** Cleaned (core/src/text/clean.ts); the UI still renders it isolated. */
  displayName: string
  /**
   * Set when the name was confusable with another contact's when it was given (messenger/names.ts):
   * a short tag from the key, shown next to the name. Absent in older records.
   */
  nameTag?: string
  /** The identity key we trust (TOFU or verified). */
  identityPublicKey: Uint8Array
  /** base64url of identityPublicKey: the unique lookup key for "who sent this?". */
  identityKeyId: string
  verified: boolean
  blocked: boolean
  /** A different identity key was seen; sending is blocked until re-verified or accepted. */
  keyChange: PendingKeyChange | null
  /**
   * Identity keys the user refused ("keep the old key"): frames under them are dropped until the
   * user allows new keys again. Absent in older records (read as none).
   */
  refusedKeys?: Uint8Array[]
  /** Device certificates seen under refused keys, kept for a change of mind (ADR 0720). */
  refusedDevices?: HeldDevice[]
  /** Relays the contact is reachable through. */
  relays: RelayAddress[]
  /** Id of the mailbox we opened for this contact on our relay (unique when set). */
  inboundMailboxId: string | null
  /** When the current inbound mailbox was made (rotation schedule, ADR 0755); absent: addedAt. */
  mailboxSince?: Timestamp
  /** Our previous inbound mailboxes for this contact, read until it has switched (ADR 0755). */
  retiringMailboxes?: RetiringMailbox[]
  /** Opaque: how to deposit into the contact's mailbox (mailbox id, capability, relay). */
  outboundMailbox: Uint8Array | null
  /**
   * Opaque: the contact's newest signed device list (issue 19) that we accepted; absent until
   * they send one. Once held, frames from devices it does not name are refused.
   */
  deviceList?: Uint8Array
  /**
   * What our own devices last agreed on for this contact (issue 19, ADR 0785): a change from it
   * here is the user's and goes to our other devices. Absent in older records and before the
   * first sync (read as nothing agreed yet).
   */
  ownSync?: ContactSyncState
  addedAt: Timestamp
  updatedAt: Timestamp
}

/** A rotated-out mailbox: still watched until the contact uses the new one, then closed. */
export interface RetiringMailbox {
  mailboxId: string
  relay: string
  /** When it was replaced. */
  since: Timestamp
}

/** Double Ratchet state with one device of a contact. `version` guards concurrent updates. */
export interface SessionRecord {
  contactId: ContactId
  deviceId: string
  /** Opaque: the crypto module's serialised session. */
  state: Uint8Array
  /** Incremented on every update; putSession compares it (see StoreConflictError). */
  version: number
  updatedAt: Timestamp
}

export interface ConversationRecord {
  conversationId: ConversationId
  /** Unique: one 1:1 conversation per contact. */
  contactId: ContactId
  lastMessageId: MessageId | null
  /** Sort key of the conversation list (newest first). */
  lastActivityAt: Timestamp
  unreadCount: number
}

export interface MessageRecord {
  /** 128-bit id from inside the ciphertext, base64url; globally unique, the dedupe key. */
  messageId: MessageId
  conversationId: ConversationId
  direction: MessageDirection
  /** The contact device that sent it (incoming), else null. */
  senderDeviceId: string | null
  body: MessageBody
  sentAt: Timestamp
  /** When this device stored it; history is ordered by (receivedAt, messageId). */
  receivedAt: Timestamp
  delivery: DeliveryState | null
  failure: ClientErrorBody | null
  readAt: Timestamp | null
}

/** A position in a conversation's history (the order key of a message). */
export interface MessageKey {
  receivedAt: Timestamp
  messageId: MessageId
}

/** A durable outgoing item; items of one conversation are sent strictly in `seq` order. */
export interface OutboxRecord {
  /** Assigned by the store on enqueue, increasing across the whole outbox. */
  seq: number
  conversationId: ConversationId
  /** The chat message this item carries, or null for receipts and control messages. */
  messageId: MessageId | null
  kind: 'message' | 'receipt' | 'control'
  /** Opaque: the plaintext envelope, encrypted per device at send time. */
  payload: Uint8Array
  attempts: number
  nextAttemptAt: Timestamp
  createdAt: Timestamp
  lastError: string | null
}

export type NewOutboxRecord = Omit<OutboxRecord, 'seq'>

/**
 * Settings as stored (and in backups): fields added after a user first saved may be missing; the
 * messenger fills them from defaultSettings on load (issue 18: delayReceipts, relayOnly).
 */
export type SettingsRecord = Omit<Settings, 'delayReceipts' | 'relayOnly'> &
  Partial<Pick<Settings, 'delayReceipts' | 'relayOnly'>>

/**
 * The relay instances each home relay advertised (ADR 0231, 0234), kept so an owner whose process
 * starts while its home instance is down can still move to another one. One record for all home
 * relays; `learntAt` says when each list was last answered.
 */
export interface RelayInstancesRecord {
  lists: { home: string; instances: string[]; learntAt: Timestamp }[]
}

export interface FileTransferRecord {
  transferId: string
  conversationId: ConversationId
  messageId: MessageId
  direction: MessageDirection
  name: string
  size: number
  mimeType: string
  state: TransferState
  route: TransferRoute | null
  /** Bytes covered by verified chunks: resume starts here. */
  bytesVerified: number
  chunkSize: number
  /** Opaque: the share record (file key, nonce prefix) from inside the E2EE channel. */
  shareRecord: Uint8Array | null
  /** SHA-256 of the whole ciphertext, checked before the file counts as received. */
  ciphertextSha256: Uint8Array | null
  /** Sender side: the host's staging id of the File. */
  stagedFileId: string | null
  error: ClientErrorBody | null
  createdAt: Timestamp
  updatedAt: Timestamp
  /**
   * The contact's device this transfer is bound to (issue 19, ADR 0766): the device that offered
   * it (incoming), the device whose accept was taken (outgoing). Absent in older records and
   * before an accept: the device we heard from last.
   */
  peer?: string
  /** State `elsewhere`: the name of our device that received it instead. */
  takenBy?: string
  /** State `declined` by another device of ours (ADR 0787): that device's name. */
  declinedOn?: string
  /**
   * Sender, mailbox route: every piece was handed to the durable outbox. Set once, never cleared:
   * the pieces go once per transfer, whatever controls the contact sends afterwards (review RF-8).
   */
  mailboxQueued?: true
}

/** Transfer states that may still move bytes (listTransfers({ active: true })). */
export const ACTIVE_TRANSFER_STATES: readonly TransferState[] = [
  'preparing',
  'offered',
  'waiting',
  'transferring',
  'paused',
  'verifying',
]

/** True if the message counts as unread: incoming, shown to the user, not read yet. */
export function isUnread(message: MessageRecord): boolean {
  return message.direction === 'in' && message.body.kind !== 'system' && message.readAt === null
}

/** Total order of history: receivedAt, then messageId (ties are common for batch fetches). */
export function compareMessageKeys(a: MessageKey, b: MessageKey): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? -1 : 1
  return a.messageId < b.messageId ? -1 : a.messageId > b.messageId ? 1 : 0
}

/**
 * A group this device is (or was) a member of (issue 20, docs/protocol/groups.md "What each
 * party stores"). Rewritten after every group step: the MLS state moves on with each message.
 */
export interface GroupRecord {
  /** The MLS group id, hex. */
  groupId: string
  name: string
  /** Opaque: the MLS group state (RFC 9420 epoch secrets, ratchet tree, our leaf's private keys). */
  mlsState: Uint8Array
  /** The group mailbox on the home relay and its credentials (every member holds them). */
  mailbox: {
    relays: string[]
    mailboxId: Uint8Array
    authSecret: Uint8Array
    capability: Uint8Array
  }
  /** Decimal: the last group mailbox id this member applied. */
  cursor: string
  /** Decimal: the id the relay said the next deposit gets (ADR 0132). */
  knownNext: string
  /** Contacts asked for a KeyPackage and not yet added. */
  asked: string[]
  /** 'removed' or 'left': kept for its history, nothing is sent or read any more. */
  status: 'member' | 'removed' | 'left'
  createdAt: Timestamp
  updatedAt: Timestamp
  /**
   * Names members declared for themselves (group `profile` content, ADR 0781), cleaned, by
   * identity key id (base64url). Absent in records stored before it.
   */
  memberNames?: Record<string, string>
  /**
   * This device's last update of its own leaf in the group and the messages it sent since
   * (ADR 0136: an update after 500 messages or 7 days). Absent in records stored before it.
   */
  leafUpdate?: { at: Timestamp; sent: number }
  /**
   * Set when this device removed a member and the group's move to a new mailbox (ADR 0770) has
   * not succeeded yet: retried until it does (review rg-8). Absent otherwise.
   */
  moveDue?: true
}

/** A line of a group's history written by the messenger (ADR 0782): who joined, left, … */
export interface GroupSystemRecord {
  kind: 'joined' | 'removed' | 'left' | 'renamed' | 'key_changed'
  /** The member it is about (identity key id, base64url); null: this device's user. */
  member: string | null
  /** Who did it (removed, renamed): identity key id; null: this device's user. */
  by?: string | null
  /** The group's new name ('renamed'). */
  name?: string
}

/** One message of a group's history, as shown (sent by us or read from the group). */
export interface GroupMessageRecord {
  /** Random id, base64url (the dedupe key). */
  messageId: string
  groupId: string
  /** The contact that sent it; null when we sent it or the member is not a contact of ours. */
  senderContactId: string | null
  /** The sender's identity key id (base64url) as its MLS credential names it; null for ours. */
  senderKeyId: string | null
  outgoing: boolean
  text: string
  /** 'held': the sender's key changed and is not accepted yet (shown as held, not as theirs). */
  state: 'shown' | 'held'
  via: 'direct' | 'mailbox' | 'sent'
  receivedAt: Timestamp
  /** A line written by the messenger, not by a member (`text` is empty then). */
  system?: GroupSystemRecord
  /** Ours: the other members when it was sent (identity key ids), the "of m" (ADR 0780). */
  recipients?: string[]
  /** Ours: the members (identity key ids, among `recipients`) that acknowledged it. */
  deliveredTo?: string[]
  /**
   * A member's: its delivery receipt was still waiting when the messenger stopped; the next start
   * sends it, then the mark goes (ADR 0780).
   */
  receiptDue?: true
}

/** This device's group keys (one record): its MLS signing key and KeyPackages handed out. */
export interface GroupDeviceRecord {
  /** Opaque: the Ed25519 MLS signing key pair every leaf of this device uses. */
  signingSecret: Uint8Array
  signingPublic: Uint8Array
  /** KeyPackages offered to a contact for a group, kept until the invitation arrives. */
  offers: {
    /** `${contactId}/${groupId}` */
    key: string
    /** MLSMessage bytes of the public KeyPackage. */
    keyPackage: Uint8Array
    initPrivateKey: Uint8Array
    hpkePrivateKey: Uint8Array
    offeredAt: Timestamp
  }[]
}
