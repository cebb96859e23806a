/**
 * Multi-device (issue 19, ADR 0760, ADR 0110, docs/protocol/devices.md): this identity's devices,
 * linking a new browser to it, renaming and removing devices.
 * Part of the client API: import it from `core/src/client/api.ts`, which re-exports every area.
 *
 * Linking, seen from the two devices:
 *
 * 1. New install (no identity): `devices.linkStart` → a link and QR payload to show; the device
 *    then waits (`device.link` events carry its state).
 * 2. The existing device (the primary) scans or pastes it: `devices.linkAccept` → the six-digit
 *    code. The new device gets `device.link` with state `compare` and the same code.
 * 3. The user compares the codes and confirms on both: `devices.linkConfirm` (either may be
 *    first). The primary signs the new device's certificate; both get `device.link` `done`.
 *    A wrong or refused code: `failed`.
 *
 * Not built yet (ADR 0761): the new install running as a companion. The node stops after `done`
 * and stores no identity (identity.status stays `none`); the fixture client plays the designed
 * end state (an `identity.changed` to the joined identity).
 */
import type { Timestamp } from './scalars.ts'

export const DEVICE_API_LIMITS = {
  /** Devices per identity, the primary included (ADR 0760's MAX_DEVICES_PER_IDENTITY). */
  maxDevices: 5,
  /** Device ids are PeerId strings. */
  deviceIdMaxChars: 128,
  /** A pasted or scanned link (`hestia:link/…` is at most 695 characters). */
  linkTextMaxChars: 1_024,
  /** Link ids are node-made. */
  linkIdMaxChars: 64,
  /** A failure sentence. */
  reasonMaxChars: 512,
} as const

/** A device id: the device's PeerId string (stable for the device's lifetime). */
export type DeviceId = string
/** One link attempt, made by `devices.linkStart` or `devices.linkAccept`. */
export type LinkId = string

export interface DeviceInfo {
  deviceId: DeviceId
  /** The name given when it was linked (1..64 graphemes), or by `devices.rename`. */
  name: string
  /** The device this page runs on. */
  thisDevice: boolean
  /** The primary holds the identity key: only it links, renames and removes devices. */
  primary: boolean
  linkedAt: Timestamp
  /** Last time this device heard from it (null: never, or this device). */
  lastSeen: Timestamp | null
}

export interface DevicesView {
  /** The primary first, then by linkedAt. */
  devices: DeviceInfo[]
  /** Whether this device is the primary (may link, rename and remove). */
  canManage: boolean
  /** The cap (5): a UI disables "Link a device" at it. */
  max: number
  /** The signed list's version; goes up with every change. */
  listVersion: number
}

/** What the new device shows: the same offer as a link to paste and a QR payload. */
export interface DeviceLinkOffer {
  linkId: LinkId
  /** `hestia:link/…` (at most 695 characters). */
  link: string
  /** The same offer for the QR code. */
  qrPayload: string
  /** The offer is refused after this (10 minutes). */
  expiresAt: Timestamp
}

export const DEVICE_LINK_STATES = [
  /** New device: showing the offer, nobody connected yet. */
  'waiting',
  /** Both devices show `code`: the user compares them and confirms on each. */
  'compare',
  /** Confirmed on this device; waiting for the other one. */
  'confirmed',
  /** Linked: the primary's list has the device (the new install's companion runtime: ADR 0761). */
  'done',
  /** Ended without a link: `failure` says why, `reason` in words. */
  'failed',
] as const
export type DeviceLinkState = (typeof DEVICE_LINK_STATES)[number]

export const DEVICE_LINK_FAILURES = [
  /** The user cancelled on this device (`devices.linkCancel`). */
  'cancelled',
  /** The other device cancelled or declined the code. */
  'declined',
  /** The offer's ten minutes passed. */
  'expired',
  /** The new device could not be reached through the offer's relay. */
  'unreachable',
  /** The identity already has 5 devices. */
  'device_limit',
  /** The other side broke the protocol (a device other than the one in the offer answered, …). */
  'refused',
] as const
export type DeviceLinkFailure = (typeof DEVICE_LINK_FAILURES)[number]

export interface DeviceLinkStatus {
  linkId: LinkId
  /** `new`: this device is being linked; `existing`: this device (the primary) links another. */
  side: 'new' | 'existing'
  state: DeviceLinkState
  /** The six digits to compare, from `compare` on; null before. */
  code: string | null
  /**
   * On the new device from `compare` on: the identity's short fingerprint and name, so the user
   * sees whose identity it joins. Null on the primary and before `compare`.
   */
  identity: { displayName: string; fingerprint: string } | null
  /** On the primary: the new device's name (from its request). Null before `compare`. */
  deviceName: string | null
  failure: DeviceLinkFailure | null
  /** The failure in words for the user; null unless `failed`. */
  reason: string | null
}

export interface DevicesRequestTable {
  /** This identity's devices. On a device without identity: `no_identity`. */
  'devices.list': { params: Record<never, never>; result: DevicesView }
  /**
   * On a new install only (`identity_exists` otherwise): starts the node with this device's fresh
   * keys and shows an offer. `deviceName` is how the other devices list this one.
   */
  'devices.linkStart': { params: { deviceName: string }; result: DeviceLinkOffer }
  /**
   * On the primary: the scanned or pasted link. Dials the new device, returns the code to compare
   * (state `compare`). `link_invalid` for text that is not a device link, `link_expired`,
   * `device_limit` at 5 devices, `invalid_state` on a companion, `peer_unreachable` when the new
   * device cannot be dialled.
   */
  'devices.linkAccept': { params: { link: string }; result: DeviceLinkStatus }
  /** The user saw the same code on both devices. On the primary this signs the new device in. */
  'devices.linkConfirm': { params: { linkId: LinkId }; result: DeviceLinkStatus }
  /** Ends the link attempt on this device (the other one sees `declined`). */
  'devices.linkCancel': { params: { linkId: LinkId }; result: DeviceLinkStatus }
  /** Primary only; the new name goes to every device and contact in a new list. */
  'devices.rename': { params: { deviceId: DeviceId; name: string }; result: DevicesView }
  /**
   * Primary only: revokes one companion (not this device). Contacts stop encrypting to it at once;
   * its mailboxes are closed; if online it erases itself.
   */
  'devices.remove': { params: { deviceId: DeviceId }; result: DevicesView }
  /** Primary only: "Log out all other devices" — the list keeps only this device. */
  'devices.logoutOthers': { params: Record<never, never>; result: DevicesView }
  /**
   * What `devices.sendHistory` would send to that linked device (ADR 0790): text messages of the
   * 1:1 chats. `not_found` for a device we hold no link with (not ours, or removed).
   */
  'devices.historySize': { params: { deviceId: DeviceId }; result: HistorySize }
  /**
   * Sends this device's message history to a linked device of ours, end-to-end encrypted over the
   * own-device channel, in chunks (progress in `device.history` events). Starting it again sends
   * it again; the other device stores nothing twice. `not_found` as above, `invalid_state` while
   * a transfer to that device runs.
   */
  'devices.sendHistory': { params: { deviceId: DeviceId }; result: HistoryTransfer }
}

/** What a history transfer holds ("1,234 messages in 12 chats, about 2.3 MB"). */
export interface HistorySize {
  messages: number
  chats: number
  /** Encoded size of the transfer, before encryption. */
  bytes: number
}

export const HISTORY_TRANSFER_STATES = ['running', 'done', 'failed'] as const
export type HistoryTransferState = (typeof HISTORY_TRANSFER_STATES)[number]

/** A history transfer as one end sees it. */
export interface HistoryTransfer {
  /** The other device. */
  deviceId: DeviceId
  /** `out`: this device sends; `in`: this device receives. */
  direction: 'out' | 'in'
  state: HistoryTransferState
  /** Chunks acknowledged (out) or taken in (in), of `chunks`. */
  chunksDone: number
  chunks: number
  /** Messages sent (out) or newly stored (in; those already here are not counted). */
  messages: number
  /** Why it failed, in words; null otherwise. */
  reason: string | null
}

export type DevicesEvent =
  /** A link attempt moved (code to compare, confirmed, done, failed). */
  | { type: 'device.link'; link: DeviceLinkStatus }
  /** This identity's device list changed (linked, renamed, removed, from another device too). */
  | { type: 'devices.changed'; devices: DevicesView }
  /**
   * This device was removed from the identity by the primary: it has erased its identity, keys,
   * contacts and history (an `identity.changed` to `none` follows). The UI says so.
   */
  | { type: 'device.removed'; at: Timestamp }
  /** A history transfer to or from another device of ours moved (ADR 0790). */
  | { type: 'device.history'; transfer: HistoryTransfer }
