/**
 * Validation of the multi-device requests, results and events (issue 19; devices.ts), spread into
 * the tables of ../validate.ts. A device name is checked here for its storage bound (UTF-16 code
 * units, like every display name); the node checks its 64 graphemes.
 */
import {
  DEVICE_API_LIMITS as D,
  DEVICE_LINK_FAILURES,
  DEVICE_LINK_STATES,
  HISTORY_TRANSFER_STATES,
  type HistorySize,
  type HistoryTransfer,
  type DeviceInfo,
  type DeviceLinkOffer,
  type DeviceLinkStatus,
  type DevicesEvent,
  type DevicesView,
} from './devices.ts'
import type { RequestFor, ResultFor } from './requests.ts'
import { arr, bool, int, lit, nullable, obj, oneOf, str } from '../schema.ts'
import type { Schema } from '../schema.ts'
import { count, displayName } from '../validate-values.ts'

type DevicesRequestType =
  | 'devices.list'
  | 'devices.linkStart'
  | 'devices.linkAccept'
  | 'devices.linkConfirm'
  | 'devices.linkCancel'
  | 'devices.rename'
  | 'devices.remove'
  | 'devices.logoutOthers'
  | 'devices.historySize'
  | 'devices.sendHistory'

const deviceId = str(D.deviceIdMaxChars, 1)
const linkId = str(D.linkIdMaxChars, 1)
const time = int(0, 8.64e15)
const linkText = str(D.linkTextMaxChars, 1)

export const deviceInfo = obj<DeviceInfo>({
  deviceId,
  name: displayName,
  thisDevice: bool,
  primary: bool,
  linkedAt: time,
  lastSeen: nullable(time),
})

export const devicesView = obj<DevicesView>({
  devices: arr(deviceInfo, D.maxDevices),
  canManage: bool,
  max: int(1, D.maxDevices),
  listVersion: count,
})

const linkOffer = obj<DeviceLinkOffer>({
  linkId,
  link: linkText,
  qrPayload: linkText,
  expiresAt: time,
})

export const deviceLinkStatus = obj<DeviceLinkStatus>({
  linkId,
  side: oneOf(['new', 'existing'] as const),
  state: oneOf(DEVICE_LINK_STATES),
  code: nullable(str(6, 6)),
  identity: nullable(obj({ displayName, fingerprint: str(128, 1) })),
  deviceName: nullable(displayName),
  failure: nullable(oneOf(DEVICE_LINK_FAILURES)),
  reason: nullable(str(D.reasonMaxChars, 1)),
})

const historySize = obj<HistorySize>({ messages: count, chats: count, bytes: count })

export const historyTransfer = obj<HistoryTransfer>({
  deviceId,
  direction: oneOf(['out', 'in'] as const),
  state: oneOf(HISTORY_TRANSFER_STATES),
  chunksDone: count,
  chunks: count,
  messages: count,
  reason: nullable(str(D.reasonMaxChars, 1)),
})

export const devicesRequestSchemas: { [K in DevicesRequestType]: Schema<RequestFor<K>> } = {
  'devices.list': obj({ type: lit('devices.list') }),
  'devices.linkStart': obj({ type: lit('devices.linkStart'), deviceName: displayName }),
  'devices.linkAccept': obj({ type: lit('devices.linkAccept'), link: linkText }),
  'devices.linkConfirm': obj({ type: lit('devices.linkConfirm'), linkId }),
  'devices.linkCancel': obj({ type: lit('devices.linkCancel'), linkId }),
  'devices.rename': obj({ type: lit('devices.rename'), deviceId, name: displayName }),
  'devices.remove': obj({ type: lit('devices.remove'), deviceId }),
  'devices.logoutOthers': obj({ type: lit('devices.logoutOthers') }),
  'devices.historySize': obj({ type: lit('devices.historySize'), deviceId }),
  'devices.sendHistory': obj({ type: lit('devices.sendHistory'), deviceId }),
}

export const devicesResultSchemas: { [K in DevicesRequestType]: Schema<ResultFor<K>> } = {
  'devices.list': devicesView,
  'devices.linkStart': linkOffer,
  'devices.linkAccept': deviceLinkStatus,
  'devices.linkConfirm': deviceLinkStatus,
  'devices.linkCancel': deviceLinkStatus,
  'devices.rename': devicesView,
  'devices.remove': devicesView,
  'devices.logoutOthers': devicesView,
  'devices.historySize': historySize,
  'devices.sendHistory': historyTransfer,
}

type DevicesEventType = DevicesEvent['type']

export const devicesEventSchemas: {
  [K in DevicesEventType]: Schema<Extract<DevicesEvent, { type: K }>>
} = {
  'device.link': obj({ type: lit('device.link'), link: deviceLinkStatus }),
  'devices.changed': obj({ type: lit('devices.changed'), devices: devicesView }),
  'device.removed': obj({ type: lit('device.removed'), at: time }),
  'device.history': obj({ type: lit('device.history'), transfer: historyTransfer }),
}
