/**
 * Trust rules for incoming frames and the user's decision on a key change (ADRs 0720, 0721):
 * who a frame's sender is relative to the contact's pinned identity, the per-contact caps on
 * devices and sessions, the refusal of a replayed older certificate, holding what arrives under a
 * pending key, and releasing it (in arrival order) or dropping it when the user decides.
 */
import type { ClientEvent } from '../client/api.ts'
import { bytesEqual, toHex } from '../crypto/bytes.ts'
import { decodeDeviceCert, decodeDeviceCertBody } from '../crypto/codecs.ts'
import type { DeviceCertificate } from '../crypto/identity.ts'
import { checkKeyChange, type PinnedIdentity } from '../crypto/key-change.ts'
import { decodeOffer } from '../files/codec.ts'
import type {
  ContactRecord,
  HeldDevice,
  HeldPayload,
  MessageRecord,
  PendingKeyChange,
} from '../store/records.ts'
import type { StoreOperations } from '../store/store.ts'
import { ProtocolError } from '../wire/errors.ts'
import type { CryptoPlatform } from '../crypto/platform.ts'
import { TRUST_LIMITS } from './limits.ts'
import {
  decodePayload,
  encodePayload,
  type FilePayloadBody,
  type HelloBody,
  type Payload,
} from './payload.ts'
import { queueHello, queueReceipts } from './outbox-rows.ts'
import { encodeOutbound, sessionIdentityKey, toBase64Url } from './records.ts'
import { chatMessage } from './views.ts'

/**
 * - pinned: the identity we trust (TOFU or verified): everything is applied as usual
 * - pending: the new identity of the current key change: held
 * - refused: the user kept the old key against this identity: dropped
 * - new_key: any other identity: raises (or replaces) the key change, then held
 */
export type SenderStanding = 'pinned' | 'pending' | 'refused' | 'new_key'

export function standingOf(c: ContactRecord, identityKey: Uint8Array): SenderStanding {
  if (bytesEqual(identityKey, c.identityPublicKey)) return 'pinned'
  if ((c.refusedKeys ?? []).some((k) => bytesEqual(k, identityKey))) return 'refused'
  if (c.keyChange !== null && bytesEqual(c.keyChange.identityPublicKey, identityKey))
    return 'pending'
  return 'new_key'
}

/** Held texts and file offers (the count the chat shows). */
export function heldCount(c: ContactRecord): number {
  return c.keyChange?.held?.length ?? 0
}

function certFields(bytes: Uint8Array) {
  try {
    return decodeDeviceCertBody(decodeDeviceCert(bytes).body)
  } catch {
    return undefined
  }
}

/**
 * A new session from the pinned identity: the certificate is checked against the contact's known
 * devices (checkKeyChange). An older certificate for a known device (or another key under the same
 * serial) is refused; a new device beyond TRUST_LIMITS.devicesPerContact is refused after expired
 * devices (and their sessions) are dropped. Throws ProtocolError; the transaction then stores
 * nothing.
 */
export async function admitPinnedDevice(
  tx: StoreOperations,
  c: ContactRecord,
  cert: DeviceCertificate,
  now: number,
): Promise<void> {
  const devices = await tx.listDevices(c.contactId)
  const pinned: PinnedIdentity = { identityKey: c.identityKeyId, verified: c.verified, devices: {} }
  for (const dev of devices) {
    const fields = certFields(dev.certificate)
    if (fields === undefined || !bytesEqual(fields.identityKey, c.identityPublicKey)) continue
    pinned.devices[toBase64Url(fields.peerId)] = {
      serial: fields.serial,
      deviceKey: toBase64Url(fields.deviceKey),
    }
  }
  const check = checkKeyChange(pinned, cert)
  if (check.status === 'stale') {
    throw new ProtocolError('replay', 'an older certificate for a known device')
  }
  if (check.status === 'blocked') throw new Error('admitPinnedDevice: not the pinned identity')
  if (check.status !== 'new_device') return
  let live = devices
  if (live.length >= TRUST_LIMITS.devicesPerContact) {
    for (const dev of devices.filter((x) => x.expiresAt <= now)) {
      await tx.deleteDevice(c.contactId, dev.deviceId)
      await tx.deleteSession(c.contactId, dev.deviceId)
    }
    live = devices.filter((x) => x.expiresAt > now)
  }
  if (live.length >= TRUST_LIMITS.devicesPerContact) {
    throw new ProtocolError(
      'limit_exceeded',
      `a contact has at most ${TRUST_LIMITS.devicesPerContact} devices`,
    )
  }
}

/** A new session from another identity than the pinned one: at most a few per contact. */
export async function admitOtherKeySession(tx: StoreOperations, c: ContactRecord): Promise<void> {
  const others = (await tx.listSessions(c.contactId)).filter(
    (s) => sessionIdentityKey(s) !== c.identityKeyId,
  )
  if (others.length >= TRUST_LIMITS.otherKeySessionsPerContact) {
    throw new ProtocolError(
      'limit_exceeded',
      `at most ${TRUST_LIMITS.otherKeySessionsPerContact} sessions with unaccepted keys`,
    )
  }
}

/**
 * Starts (or replaces) the pending key change for `identityKey`; the previous one's held messages
 * and Hello are gone. Device certificates seen under unaccepted keys are kept (their sessions are
 * too): a replaced key that writes again over its existing session becomes pending once more.
 */
export function newKeyChange(
  identityKey: Uint8Array,
  now: number,
  previous: PendingKeyChange | null,
): PendingKeyChange {
  const devices = previous?.devices ?? []
  return { identityPublicKey: identityKey, seenAt: now, held: [], hello: null, devices }
}

/**
 * Another identity wrote: it becomes the pending key change (replacing any earlier one, whose held
 * messages go). Device certificates seen under unaccepted or refused keys carry over, capped.
 */
export function raiseKeyChange(c: ContactRecord, identityKey: Uint8Array, now: number): void {
  const known = [...(c.refusedDevices ?? []), ...(c.keyChange?.devices ?? [])]
  const devices = known
    .filter((d, i) => known.findIndex((x) => x.deviceId === d.deviceId) === i)
    .slice(-TRUST_LIMITS.otherKeySessionsPerContact)
  c.keyChange = { ...newKeyChange(identityKey, now, null), devices }
}

/** Records a device certificate presented under the pending key (kept for acceptance). */
export function holdDevice(change: PendingKeyChange, deviceId: string, cert: DeviceCertificate) {
  const devices = (change.devices ?? []).filter((d) => d.deviceId !== deviceId)
  devices.push({ deviceId, certificate: cert.bytes, expiresAt: cert.expiresAt })
  change.devices = devices.slice(-TRUST_LIMITS.otherKeySessionsPerContact)
}

/**
 * Holds what a payload under the pending key would have done: texts and file offers wait (in
 * arrival order, deduped by message id), the newest Hello waits; receipts, file controls and
 * pieces and call signals have no effect. Returns true when a message was added to the hold.
 * Throws ProtocolError('limit_exceeded') beyond the hold's caps.
 */
export function holdPayload(
  change: PendingKeyChange,
  payload: Payload,
  senderDeviceId: string,
  now: number,
): boolean {
  const body = payload.body
  const item: HeldPayload = {
    payload: encodePayload(payload),
    senderDeviceId,
    receivedAt: now,
  }
  if (body.kind === 'hello') {
    change.hello = item
    return false
  }
  if (body.kind !== 'text' && body.kind !== 'file_offer') return false
  const held = change.held ?? []
  const id = toBase64Url(payload.messageId)
  if (held.some((h) => toBase64Url(decodePayload(h.payload).messageId) === id)) return false
  const bytes = held.reduce((sum, h) => sum + h.payload.length, item.payload.length)
  if (held.length >= TRUST_LIMITS.heldMessages || bytes > TRUST_LIMITS.heldBytes) {
    throw new ProtocolError('limit_exceeded', 'too many messages held under an unaccepted key')
  }
  change.held = [...held, item]
  return true
}

export interface AdoptDeps {
  platform: CryptoPlatform
  /** Our Hello for the contact (null when we have no relay or mailbox for them yet). */
  helloFor(c: ContactRecord, reply: boolean): HelloBody | null
}

export interface Adopted {
  /** Released file offers, for the file engine once the transaction committed. */
  files: { conversationId: string; messageId: string; body: FilePayloadBody }[]
  released: number
}

/**
 * Sessions and devices of any identity but the newly pinned one go; the devices the pending key
 * brought (certified by that identity) take their place.
 */
async function keepOnlyPinnedDevices(
  tx: StoreOperations,
  c: ContactRecord,
  pending: readonly HeldDevice[],
  now: number,
): Promise<void> {
  for (const s of await tx.listSessions(c.contactId)) {
    if (sessionIdentityKey(s) !== c.identityKeyId) await tx.deleteSession(c.contactId, s.deviceId)
  }
  for (const dev of await tx.listDevices(c.contactId)) {
    const fields = certFields(dev.certificate)
    if (fields === undefined || !bytesEqual(fields.identityKey, c.identityPublicKey))
      await tx.deleteDevice(c.contactId, dev.deviceId)
  }
  for (const dev of pending) {
    const fields = certFields(dev.certificate)
    if (fields === undefined || !bytesEqual(fields.identityKey, c.identityPublicKey)) continue
    await tx.putDevice({
      ownerId: c.contactId,
      deviceId: dev.deviceId,
      certificate: dev.certificate,
      addedAt: now,
      expiresAt: dev.expiresAt,
      lastSeenAt: now,
    })
  }
}

/**
 * The user trusts the pending key (verified or accepted): it becomes the pinned identity, sessions
 * and devices of other identities go, the held Hello is applied (routes now come from the pinned
 * identity), and held texts and file offers enter the thread in arrival order, unread and
 * receipted, without a notification (the user is looking at the chat).
 */
export async function adoptPendingKey(
  tx: StoreOperations,
  c: ContactRecord,
  deps: AdoptDeps,
  events: ClientEvent[],
): Promise<Adopted> {
  const out: Adopted = { files: [], released: 0 }
  const change = c.keyChange
  if (change === null) return out
  const now = deps.platform.clock()
  c.identityPublicKey = change.identityPublicKey
  c.identityKeyId = toBase64Url(change.identityPublicKey)
  c.keyChange = null
  c.refusedKeys = (c.refusedKeys ?? []).filter((k) => !bytesEqual(k, change.identityPublicKey))
  c.refusedDevices = []
  await keepOnlyPinnedDevices(tx, c, change.devices ?? [], now)
  const conv = await tx.getConversationByContact(c.contactId)
  if (conv === undefined) return out
  if (change.hello !== undefined && change.hello !== null) {
    const p = decodePayload(change.hello.payload)
    if (p.body.kind === 'hello') {
      const hello = p.body.hello
      c.outboundMailbox = encodeOutbound(hello)
      c.relays = [...hello.relays]
      const mine = hello.reply ? null : deps.helloFor(c, true)
      if (mine !== null) await queueHello(tx, conv.conversationId, mine, deps.platform, now)
    }
  }
  const delivered: Uint8Array[] = []
  for (const h of change.held ?? []) {
    const p = decodePayload(h.payload)
    const messageId = toBase64Url(p.messageId)
    const offer = p.body.kind === 'file_offer' ? decodeOffer(p.body.offer) : null
    if (p.body.kind !== 'text' && offer === null) continue
    const record: MessageRecord = {
      messageId,
      conversationId: conv.conversationId,
      direction: 'in',
      senderDeviceId: h.senderDeviceId,
      body:
        offer !== null
          ? {
              kind: 'file',
              transferId: toHex(offer.transferId),
              name: offer.name,
              size: offer.size,
              mimeType: offer.mimeType,
            }
          : { kind: 'text', text: p.body.kind === 'text' ? p.body.text : '' },
      sentAt: p.sentAt,
      receivedAt: h.receivedAt,
      delivery: null,
      failure: null,
      readAt: null,
    }
    delivered.push(p.messageId)
    if (!(await tx.addMessage(record))) continue
    out.released += 1
    conv.unreadCount += 1
    events.push({ type: 'message.added', message: chatMessage(record) })
    if (p.body.kind === 'file_offer')
      out.files.push({ conversationId: conv.conversationId, messageId, body: p.body })
  }
  await queueReceipts(tx, conv.conversationId, 'delivered', delivered, deps.platform, now)
  await tx.putConversation(conv)
  return out
}

/**
 * The user keeps the old key: the pending key's held messages are deleted and the key is refused
 * until the user allows new keys again. Its sessions stay, so that a change of mind catches its
 * next frame (which then raises the key change again).
 */
export function refusePendingKey(c: ContactRecord): number {
  const change = c.keyChange
  if (change === null) return 0
  const dropped = change.held?.length ?? 0
  c.keyChange = null
  c.refusedKeys = [...(c.refusedKeys ?? []), change.identityPublicKey].slice(
    -TRUST_LIMITS.refusedKeys,
  )
  c.refusedDevices = [...(c.refusedDevices ?? []), ...(change.devices ?? [])].slice(
    -TRUST_LIMITS.otherKeySessionsPerContact,
  )
  return dropped
}
