/**
 * What a backup holds (version 1): the identity, contacts with their verification state, their
 * certified devices, conversations, history and settings. Not ratchet sessions (restoring old
 * ratchet state would reuse message keys; sessions are re-established after a restore), not the
 * outbox, file bytes, transfers or seen-ids.
 *
 * The records are the store's own (core/src/store/records.ts), so export and import are plain
 * reads and writes of the store. checkBackupContents is the shape check applied after decryption:
 * an authentic file can still come from a buggy or hostile writer that knows the passphrase.
 */
import type {
  ContactRecord,
  ConversationRecord,
  DeviceRecord,
  IdentityRecord,
  MessageRecord,
  SettingsRecord,
} from '../store/records.ts'
import { BackupError } from './errors.ts'

export const BACKUP_CONTENTS_VERSION = 1

export interface BackupContents {
  contentsVersion: number
  /** When the backup was made (ms since the epoch). */
  createdAt: number
  identity: IdentityRecord
  /** Our other devices ('self') and contacts' devices. */
  devices: DeviceRecord[]
  /** Including `verified`, `blocked`, pending key changes and refused keys. */
  contacts: ContactRecord[]
  conversations: ConversationRecord[]
  messages: MessageRecord[]
  settings: SettingsRecord | null
}

type Check = (value: unknown) => boolean

const isString: Check = (v) => typeof v === 'string'
const isNumber: Check = (v) => typeof v === 'number' && Number.isFinite(v)
const isBoolean: Check = (v) => typeof v === 'boolean'
const isBytes: Check = (v) => v instanceof Uint8Array
const isObject: Check = (v) =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
const orNull =
  (check: Check): Check =>
  (v) =>
    v === null || check(v)
const arrayOf =
  (check: Check): Check =>
  (v) =>
    Array.isArray(v) && v.every(check)

function shape(fields: Record<string, Check>): Check {
  return (v) =>
    isObject(v) &&
    Object.entries(fields).every(([name, check]) => check((v as Record<string, unknown>)[name]))
}

const identity = shape({
  displayName: isString,
  identityPublicKey: isBytes,
  secretKeys: isBytes,
  deviceId: isString,
  deviceCertificate: isBytes,
  createdAt: isNumber,
})

const device = shape({
  ownerId: isString,
  deviceId: isString,
  certificate: isBytes,
  addedAt: isNumber,
  expiresAt: isNumber,
  lastSeenAt: orNull(isNumber),
})

const contact = shape({
  contactId: isString,
  displayName: isString,
  identityPublicKey: isBytes,
  identityKeyId: isString,
  verified: isBoolean,
  blocked: isBoolean,
  keyChange: orNull(isObject),
  relays: arrayOf(isString),
  inboundMailboxId: orNull(isString),
  outboundMailbox: orNull(isBytes),
  addedAt: isNumber,
  updatedAt: isNumber,
})

const conversation = shape({
  conversationId: isString,
  contactId: isString,
  lastMessageId: orNull(isString),
  lastActivityAt: isNumber,
  unreadCount: isNumber,
})

const message = shape({
  messageId: isString,
  conversationId: isString,
  direction: (v) => v === 'in' || v === 'out',
  senderDeviceId: orNull(isString),
  body: (v) => isObject(v) && isString((v as { kind?: unknown }).kind),
  sentAt: isNumber,
  receivedAt: isNumber,
  delivery: orNull(isString),
  failure: orNull(isObject),
  readAt: orNull(isNumber),
})

const settings = shape({
  relays: arrayOf(isString),
  notifications: shape({ enabled: isBoolean, showNames: isBoolean }),
  readReceipts: isBoolean,
})

const PARTS: [keyof BackupContents, Check][] = [
  ['createdAt', isNumber],
  ['identity', identity],
  ['devices', arrayOf(device)],
  ['contacts', arrayOf(contact)],
  ['conversations', arrayOf(conversation)],
  ['messages', arrayOf(message)],
  ['settings', orNull(settings)],
]

/** Throws BackupError('damaged' | 'unsupported_version') unless `value` is v1 contents. */
export function checkBackupContents(value: unknown): asserts value is BackupContents {
  if (!isObject(value)) throw new BackupError('damaged', 'contents are not a map')
  const version = (value as { contentsVersion?: unknown }).contentsVersion
  if (!isNumber(version)) throw new BackupError('damaged', 'no contents version')
  if (version !== BACKUP_CONTENTS_VERSION)
    throw new BackupError('unsupported_version', `contents ${String(version)}`)
  for (const [name, check] of PARTS) {
    if (!check((value as Record<string, unknown>)[name]))
      throw new BackupError('damaged', `bad ${name}`)
  }
  const contents = value as BackupContents
  const contactIds = new Set(contents.contacts.map((c) => c.contactId))
  if (contactIds.size !== contents.contacts.length)
    throw new BackupError('damaged', 'duplicate contact')
  const conversationIds = new Set(contents.conversations.map((c) => c.conversationId))
  if (contents.conversations.some((c) => !contactIds.has(c.contactId)))
    throw new BackupError('damaged', 'a conversation without its contact')
  if (contents.messages.some((m) => !conversationIds.has(m.conversationId)))
    throw new BackupError('damaged', 'a message without its conversation')
}
