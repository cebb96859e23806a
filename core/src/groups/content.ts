/**
 * What a group application message carries (docs/protocol/groups.md "Application content"): one
 * kind byte, then the kind's body. MLS authenticates the whole (the sender's leaf signs it).
 *
 *   0x01 text    UTF-8 text (the rest)
 *   0x02 rename  UTF-8 new group name (the rest), 1..128 UTF-16 code units
 *   0x03 leave   empty: the sender leaves; whoever reads it first commits its removal
 *   0x04 mailbox the group moved to a new group mailbox (after a removal, ADR 0770):
 *                mailbox id (32) || auth secret (32) || capability (32) || relay (UTF-8, the rest)
 *                Acted on only when read from the group mailbox, at its place in the order.
 *   0x05 receipt delivery acknowledgement (ADR 0780): 1..100 message ids of 16 bytes each (the
 *                AEAD tags that name group messages), nothing else
 *   0x06 profile the sender's own display name as it declares it (ADR 0781), UTF-8, 1..256
 *                UTF-16 code units; shown only for members who are not the reader's contacts
 *
 * Strict: an unknown kind, bad UTF-8, a body over its cap or trailing bytes after `leave` are
 * ProtocolError('malformed'), and the message changes nothing.
 */
import { ProtocolError } from '../wire/errors.ts'

export const GROUP_CONTENT_KIND = {
  text: 1,
  rename: 2,
  leave: 3,
  mailbox: 4,
  receipt: 5,
  profile: 6,
} as const

export const GROUP_CONTENT_LIMITS = {
  /** UTF-16 code units, as the client API counts them. */
  textMaxChars: 4_000,
  nameMaxChars: 128,
  relayMaxChars: 512,
  /** Message ids in one receipt (the 1:1 receipt cap). */
  receiptMaxIds: 100,
  receiptIdBytes: 16,
  profileMaxChars: 256,
} as const

/** A group mailbox's address and credentials, as members hold them. */
export interface GroupMailboxMove {
  mailboxId: Uint8Array
  authSecret: Uint8Array
  capability: Uint8Array
  relay: string
}

export type GroupContent =
  | { kind: 'text'; text: string }
  | { kind: 'rename'; name: string }
  | { kind: 'leave' }
  | ({ kind: 'mailbox' } & GroupMailboxMove)
  | { kind: 'receipt'; ids: Uint8Array[] }
  | { kind: 'profile'; name: string }

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder('utf-8', { fatal: true })

export function encodeGroupContent(c: GroupContent): Uint8Array {
  if (c.kind === 'mailbox') {
    const relay = utf8.encode(c.relay)
    const out = new Uint8Array(1 + 96 + relay.length)
    out[0] = GROUP_CONTENT_KIND.mailbox
    out.set(c.mailboxId, 1)
    out.set(c.authSecret, 33)
    out.set(c.capability, 65)
    out.set(relay, 97)
    return out
  }
  if (c.kind === 'receipt') return encodeReceipt(c.ids)
  const body = c.kind === 'text' ? c.text : c.kind === 'leave' ? '' : c.name
  const bytes = utf8.encode(body)
  const out = new Uint8Array(1 + bytes.length)
  out[0] = GROUP_CONTENT_KIND[c.kind]
  out.set(bytes, 1)
  return out
}

export function decodeGroupContent(bytes: Uint8Array): GroupContent {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) {
    throw new ProtocolError('malformed', 'empty group content')
  }
  const kind = bytes[0]
  if (kind === GROUP_CONTENT_KIND.mailbox) return decodeMove(bytes)
  if (kind === GROUP_CONTENT_KIND.receipt) return decodeReceipt(bytes)
  let body: string
  try {
    body = fromUtf8.decode(bytes.subarray(1))
  } catch (err) {
    throw new ProtocolError('malformed', 'group content is not UTF-8', { cause: err })
  }
  if (kind === GROUP_CONTENT_KIND.text) {
    if (body.length === 0 || body.length > GROUP_CONTENT_LIMITS.textMaxChars)
      throw new ProtocolError('malformed', 'group text empty or too long')
    return { kind: 'text', text: body }
  }
  if (kind === GROUP_CONTENT_KIND.rename) {
    if (body.length === 0 || body.length > GROUP_CONTENT_LIMITS.nameMaxChars)
      throw new ProtocolError('malformed', 'group name empty or too long')
    return { kind: 'rename', name: body }
  }
  if (kind === GROUP_CONTENT_KIND.profile) {
    if (body.length === 0 || body.length > GROUP_CONTENT_LIMITS.profileMaxChars)
      throw new ProtocolError('malformed', 'group profile name empty or too long')
    return { kind: 'profile', name: body }
  }
  if (kind === GROUP_CONTENT_KIND.leave) {
    if (bytes.length !== 1) throw new ProtocolError('malformed', 'leave carries no body')
    return { kind: 'leave' }
  }
  throw new ProtocolError('malformed', `unknown group content kind ${String(kind)}`)
}

function decodeMove(bytes: Uint8Array): GroupContent {
  if (bytes.length < 98) throw new ProtocolError('malformed', 'group mailbox move too short')
  let relay: string
  try {
    relay = fromUtf8.decode(bytes.subarray(97))
  } catch (err) {
    throw new ProtocolError('malformed', 'group mailbox relay is not UTF-8', { cause: err })
  }
  if (relay.length > GROUP_CONTENT_LIMITS.relayMaxChars)
    throw new ProtocolError('malformed', 'group mailbox relay too long')
  return {
    kind: 'mailbox',
    mailboxId: bytes.slice(1, 33),
    authSecret: bytes.slice(33, 65),
    capability: bytes.slice(65, 97),
    relay,
  }
}

function encodeReceipt(ids: Uint8Array[]): Uint8Array {
  const size = GROUP_CONTENT_LIMITS.receiptIdBytes
  if (ids.length === 0 || ids.length > GROUP_CONTENT_LIMITS.receiptMaxIds)
    throw new RangeError('a receipt names 1..100 messages')
  const out = new Uint8Array(1 + ids.length * size)
  out[0] = GROUP_CONTENT_KIND.receipt
  ids.forEach((id, i) => {
    if (id.length !== size) throw new RangeError('a message id is 16 bytes')
    out.set(id, 1 + i * size)
  })
  return out
}

function decodeReceipt(bytes: Uint8Array): GroupContent {
  const size = GROUP_CONTENT_LIMITS.receiptIdBytes
  const n = (bytes.length - 1) / size
  if (!Number.isInteger(n) || n < 1 || n > GROUP_CONTENT_LIMITS.receiptMaxIds)
    throw new ProtocolError('malformed', 'a group receipt names 1..100 ids of 16 bytes')
  const ids: Uint8Array[] = []
  for (let i = 0; i < n; i++) ids.push(bytes.slice(1 + i * size, 1 + (i + 1) * size))
  return { kind: 'receipt', ids }
}
