/**
 * Multi-device (issue 19, docs/adr/0760, docs/protocol/devices.md): the signed device list, the
 * link handshake and its stream protocol, the grant, fan-out sessions, list updates, own-device
 * sync formats, companion refresh and the store plan. The messenger's entry point to all of it.
 */
export * from './limits.ts'
export {
  acceptDeviceList,
  addedDevices,
  issueDeviceList,
  nextListVersion,
  removedDevices,
  verifyDeviceList,
  type DeviceEntryFields,
  type ListedDevice,
  type VerifiedDeviceList,
} from './device-list.ts'
export { NewDeviceLink, ExistingDeviceLink, linkCommitment } from './link.ts'
export { decodeLinkText, encodeLinkText, LINK_TEXT_PREFIX } from './link-text.ts'
export {
  awaitLink,
  DEVICE_LINK_PROTOCOL,
  LinkError,
  linkAddress,
  linkNewDevice,
  type ExistingDeviceHooks,
  type LinkNode,
  type NewDeviceHooks,
} from './link-stream.ts'
export type { LinkGrantFields, LinkRequestFields } from './link-codec.ts'
export {
  acceptLinkGrant,
  buildLinkGrant,
  checkRoomForDevice,
  type AcceptedGrant,
} from './link-grant.ts'
export { companionPrekeySecrets, createCompanionKeys, type CompanionKeys } from './companion.ts'
export { buildRefreshGrant } from './refresh.ts'
export {
  DeviceSessions,
  fanOutTargets,
  type DeviceFrame,
  type ReceivedFromDevice,
} from './fanout.ts'
export {
  addedDeviceNotice,
  logoutOtherDevices,
  receiveContactList,
  receiveOwnList,
  removeDevice,
  type ListUpdate,
  type OwnListUpdate,
} from './list-updates.ts'
export {
  acceptSentCopy,
  decodeSentCopy,
  decodeSyncSnapshot,
  encodeSentCopy,
  encodeSyncSnapshot,
  type SentCopyFields,
  type SyncedContactFields,
} from './sync.ts'
export { planDeviceStore, type DeviceStorePlan } from './store-plan.ts'
