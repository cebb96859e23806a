/**
 * ChatPayload: the plaintext inside every session frame (docs/protocol/messaging.md "Chat frames").
 * decodePayload returns a checked value or throws one ProtocolError.
 */
import { ProtocolError } from '../wire/errors.ts'
import { decodeStrict, requireBytes, requireUint, requireVersion } from '../wire/decode.ts'
import { ChatPayload as ChatPayloadCodec } from './messenger.pb.js'
import { MESSENGER_FORMAT_VERSION, MESSENGER_LIMITS as L, RECEIPT_KIND } from './limits.ts'
import { FILE_LIMITS } from '../files/limits.ts'
import { checkCallSignal, encodeCallSignal, type CallWireSignal } from './calls-wire.ts'
import { cleanDisplayName } from '../text/clean.ts'
import { clampPeerTime } from '../text/caps.ts'
import { DEVICE_CAPS } from './devices/limits.ts'

export interface HelloBody {
  displayName: string
  relays: string[]
  mailboxId: Uint8Array
  mailboxCapability: Uint8Array
  mailboxSealKey: Uint8Array
  reply: boolean
  /**
   * Only from a device restored from a backup (ADR 0524): the device id (PeerId string) of the
   * device it replaces; the contact drops that device's session and record.
   */
  replacesDevice?: string
}

/** A group body's size (an invitation part is ≤ 32 KiB; a direct group message is small). */
const GROUP_BODY_CAP = { min: 1, max: 48 * 1024 }

/** The file engine's encodings, carried opaque (docs/protocol/files.md); capped here. */
export type FilePayloadBody =
  | { kind: 'file_offer'; offer: Uint8Array }
  | { kind: 'file_control'; control: Uint8Array }
  | { kind: 'file_piece'; piece: Uint8Array }

export type PayloadBody =
  | { kind: 'text'; text: string }
  | { kind: 'receipt'; receipt: 'delivered' | 'read'; messageIds: Uint8Array[] }
  | { kind: 'hello'; hello: HelloBody }
  | FilePayloadBody
  | { kind: 'call'; call: CallWireSignal }
  /** Group traffic between two members (core/src/groups/direct.ts decodes it), ≤ 48 KiB. */
  | { kind: 'group'; group: Uint8Array }
  /** The sender's signed device list (issue 19): checked by the receiver against the held one. */
  | { kind: 'device_list'; list: Uint8Array }

/** Caps of the opaque file bodies (the engine's decoders check them again, with their contents). */
export const FILE_BODY_CAPS = {
  file_offer: FILE_LIMITS.offerBytes,
  file_control: FILE_LIMITS.controlBytes,
  file_piece: FILE_LIMITS.mailboxPieceBytes,
} as const

export interface Payload {
  messageId: Uint8Array
  sentAt: number
  body: PayloadBody
}

const utf8 = new TextEncoder()

export function encodePayload(p: Payload): Uint8Array {
  const base = {
    version: MESSENGER_FORMAT_VERSION,
    messageId: copy(p.messageId),
    sentAt: BigInt(p.sentAt),
  }
  const b = p.body
  if (b.kind === 'text') return ChatPayloadCodec.encode({ ...base, text: { text: b.text } })
  if (b.kind === 'file_offer') return ChatPayloadCodec.encode({ ...base, fileOffer: copy(b.offer) })
  if (b.kind === 'file_control')
    return ChatPayloadCodec.encode({ ...base, fileControl: copy(b.control) })
  if (b.kind === 'file_piece') return ChatPayloadCodec.encode({ ...base, filePiece: copy(b.piece) })
  if (b.kind === 'call') return ChatPayloadCodec.encode({ ...base, call: encodeCallSignal(b.call) })
  if (b.kind === 'group') return ChatPayloadCodec.encode({ ...base, group: copy(b.group) })
  if (b.kind === 'device_list')
    return ChatPayloadCodec.encode({ ...base, deviceList: copy(b.list) })
  if (b.kind === 'receipt') {
    return ChatPayloadCodec.encode({
      ...base,
      receipt: { kind: RECEIPT_KIND[b.receipt], messageIds: b.messageIds.map(copy) },
    })
  }
  return ChatPayloadCodec.encode({
    ...base,
    hello: {
      ...b.hello,
      relays: [...b.hello.relays],
      mailboxId: copy(b.hello.mailboxId),
      mailboxCapability: copy(b.hello.mailboxCapability),
      mailboxSealKey: copy(b.hello.mailboxSealKey),
      replacesDevice: b.hello.replacesDevice ?? '',
    },
  })
}

export function decodePayload(bytes: unknown): Payload {
  const raw = decodeStrict(bytes, L.payloadBytes, ChatPayloadCodec, 'chat payload')
  requireVersion(raw.version, MESSENGER_FORMAT_VERSION, 'chat payload')
  const messageId = requireBytes(raw.messageId, 'chat payload message_id', {
    exact: L.messageIdBytes,
  })
  const sentAt = requireUint(raw.sentAt, 'chat payload sent_at')
  const set = [
    raw.text,
    raw.receipt,
    raw.hello,
    raw.fileOffer,
    raw.fileControl,
    raw.filePiece,
    raw.call,
    raw.deviceList,
    raw.group,
  ].filter((x) => x !== undefined).length
  if (set !== 1) {
    throw new ProtocolError(
      'malformed',
      'chat payload: exactly one of text, receipt, hello, file_offer, file_control, file_piece, call, device_list, group',
    )
  }
  let body: PayloadBody
  if (raw.group !== undefined) {
    body = { kind: 'group', group: requireBytes(raw.group, 'chat payload group', GROUP_BODY_CAP) }
  } else if (raw.deviceList !== undefined) {
    // Only the size here: the signature, version and devices are checked against the held list.
    const list = requireBytes(raw.deviceList, 'chat payload device_list', {
      min: 1,
      max: DEVICE_CAPS.deviceList,
    })
    body = { kind: 'device_list', list }
  } else if (raw.call !== undefined) {
    body = { kind: 'call', call: checkCallSignal(raw.call) }
  } else if (raw.fileOffer !== undefined) {
    body = { kind: 'file_offer', offer: fileBody(raw.fileOffer, 'file_offer') }
  } else if (raw.fileControl !== undefined) {
    body = { kind: 'file_control', control: fileBody(raw.fileControl, 'file_control') }
  } else if (raw.filePiece !== undefined) {
    body = { kind: 'file_piece', piece: fileBody(raw.filePiece, 'file_piece') }
  } else if (raw.text !== undefined) {
    // Counted as the client API counts it (UTF-16 code units), so what we store always loads.
    if (raw.text.text.length > L.textCodeUnits) {
      throw new ProtocolError('oversize', `chat text longer than ${L.textCodeUnits} characters`)
    }
    body = { kind: 'text', text: raw.text.text }
  } else if (raw.receipt !== undefined) {
    const r = raw.receipt
    const receipt =
      r.kind === RECEIPT_KIND.delivered ? 'delivered' : r.kind === RECEIPT_KIND.read ? 'read' : null
    if (receipt === null) throw new ProtocolError('malformed', 'receipt: unknown kind')
    if (r.messageIds.length === 0 || r.messageIds.length > L.receiptIds) {
      throw new ProtocolError('limit_exceeded', `receipt: 1..${L.receiptIds} message ids`)
    }
    const messageIds = r.messageIds.map((id) =>
      requireBytes(id, 'receipt message id', { exact: L.messageIdBytes }),
    )
    body = { kind: 'receipt', receipt, messageIds }
  } else {
    body = { kind: 'hello', hello: checkHello(raw.hello!) }
  }
  return { messageId, sentAt, body }
}

/**
 * The payload with its sent_at moved into the window we accept around `now`
 * (core/src/text/caps.ts PEER_TIME_WINDOW): a sender's clock decides nothing beyond that.
 */
export function atPeerTime(p: Payload, now: number): Payload {
  return { ...p, sentAt: clampPeerTime(p.sentAt, now) }
}

function fileBody(bytes: Uint8Array, kind: keyof typeof FILE_BODY_CAPS): Uint8Array {
  return requireBytes(bytes, `chat payload ${kind}`, { min: 1, max: FILE_BODY_CAPS[kind] })
}

export function checkHello(h: HelloBody): HelloBody {
  return {
    displayName: checkDisplayName(h.displayName, 'hello display_name'),
    relays: checkRelays(h.relays, 'hello relays'),
    mailboxId: requireBytes(h.mailboxId, 'hello mailbox_id', { exact: L.mailboxIdBytes }),
    mailboxCapability: requireBytes(h.mailboxCapability, 'hello mailbox_capability', {
      min: L.capabilityMinBytes,
      max: L.capabilityMaxBytes,
    }),
    mailboxSealKey: requireBytes(h.mailboxSealKey, 'hello mailbox_seal_key', {
      exact: L.sealKeyBytes,
    }),
    reply: h.reply,
    ...(h.replacesDevice === undefined || h.replacesDevice === ''
      ? {}
      : { replacesDevice: checkDeviceId(h.replacesDevice, 'hello replaces_device') }),
  }
}

/** A libp2p PeerId in its string form (base58btc): what a device id is. */
function checkDeviceId(id: string, what: string): string {
  if (!/^[1-9A-HJ-NP-Za-km-z]{32,64}$/.test(id)) {
    throw new ProtocolError('malformed', `${what}: not a device id`)
  }
  return id
}

/**
 * A peer's display name, cleaned (no control, bidi or zero-width characters; NFC; at most
 * PEER_VALUE_CAPS.displayNameGraphemes graphemes). May come back empty: callers fall back to a
 * neutral name (displayNameOr).
 */
export function checkDisplayName(name: string, what: string): string {
  if (utf8.encode(name).length > L.displayNameBytes) {
    throw new ProtocolError('oversize', `${what}: longer than ${L.displayNameBytes} bytes`)
  }
  return cleanDisplayName(name)
}

export function checkRelays(relays: string[], what: string): string[] {
  if (relays.length === 0 || relays.length > L.relays) {
    throw new ProtocolError('limit_exceeded', `${what}: 1..${L.relays} relays`)
  }
  for (const r of relays) {
    if (utf8.encode(r).length > L.relayAddressBytes || !r.startsWith('/') || !r.includes('/p2p/')) {
      throw new ProtocolError('malformed', `${what}: not a relay multiaddr with /p2p/`)
    }
  }
  return [...relays]
}

function copy(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b)
}
