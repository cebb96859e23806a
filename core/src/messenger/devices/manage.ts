/**
 * The primary changing its own device list through the client API (issue 19): rename a device,
 * remove one, log out all others. Each issues a new signed list (versions only go up, ADR 0760),
 * publishes it (stored, and queued to every contact in the same transaction: they stop encrypting
 * to a removed device as soon as it arrives) and tells every page (`devices.changed`).
 */
import { ClientApiError, type DevicesView } from '../../client/api.ts'
import type { MessengerContext } from '../context.ts'
import type { OwnChannel } from './own-channel.ts'
import { deviceIdOf } from '../net.ts'
import { issueDeviceList, type ListedDevice, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'
import { logoutOtherDevices, removeDevice } from './list-updates.ts'
import { currentOwnList, devicesView, isPrimary, publishOwnList } from './own-devices.ts'
import { underOwnListLock } from './primary-keys.ts'

export interface ManageDeps {
  ctx: MessengerContext
  kickOutbox(): void
  /** Sends the list to our linked devices, tells removed ones they were removed (own-channel.ts). */
  own: Pick<OwnChannel, 'listPublished'>
}

async function primaryList(ctx: MessengerContext): Promise<VerifiedDeviceList> {
  const list = await currentOwnList(ctx)
  if (!isPrimary(ctx, list))
    throw new ClientApiError('invalid_state', 'only the primary device changes the device list')
  return list
}

function listed(list: VerifiedDeviceList, deviceId: string): ListedDevice {
  const device = list.devices.find((d) => deviceIdOf(d.peerId) === deviceId)
  if (device === undefined) throw new ClientApiError('not_found', `no device ${deviceId}`)
  return device
}

/** Stores and sends `list`, then answers with (and announces) the new view. */
export async function published(d: ManageDeps, list: VerifiedDeviceList): Promise<DevicesView> {
  await publishOwnList(d.ctx, list)
  d.kickOutbox()
  // A removed device that is online erases itself; one that is offline finds it when back. The
  // others take the list: a rename, or a device linked, shows on their devices screen too.
  await d.own.listPublished(list)
  const view = await devicesView(d.ctx, list)
  d.ctx.emit({ type: 'devices.changed', devices: view })
  return view
}

/**
 * Each change reads, builds and publishes under the list lock (primary-keys.ts), so a key renewal
 * running in the background meanwhile neither makes it fail nor is undone by it.
 */
export function renameDevice(d: ManageDeps, deviceId: string, name: string): Promise<DevicesView> {
  return underOwnListLock(d.ctx, () => renameLocked(d, deviceId, name))
}

export function removeOwnDevice(d: ManageDeps, deviceId: string): Promise<DevicesView> {
  return underOwnListLock(d.ctx, () => removeLocked(d, deviceId))
}

export function logoutOthers(d: ManageDeps): Promise<DevicesView> {
  return underOwnListLock(d.ctx, () => logoutLocked(d))
}

async function renameLocked(d: ManageDeps, deviceId: string, name: string): Promise<DevicesView> {
  const list = await primaryList(d.ctx)
  const target = listed(list, deviceId)
  const next = issueDeviceList(d.ctx.local.identity, {
    previousVersion: list.listVersion,
    now: d.ctx.platform.clock(),
    devices: list.devices.map((e) => ({
      bundle: e.bundle,
      name: e === target ? name : e.name,
      role: e.role,
      addedAt: e.addedAt,
    })),
  })
  return published(d, next)
}

async function removeLocked(d: ManageDeps, deviceId: string): Promise<DevicesView> {
  const list = await primaryList(d.ctx)
  const target = listed(list, deviceId)
  if (target.role === DEVICE_ROLE.primary)
    throw new ClientApiError(
      'invalid_state',
      'the primary device cannot remove itself; erase it in Settings instead',
    )
  const update = removeDevice(d.ctx.local.identity, list, target.deviceKey, d.ctx.platform.clock())
  return published(d, update.list)
}

async function logoutLocked(d: ManageDeps): Promise<DevicesView> {
  const list = await primaryList(d.ctx)
  if (list.devices.length === 1) return devicesView(d.ctx, list)
  return published(d, logoutOtherDevices(d.ctx.local.identity, list, d.ctx.platform.clock()).list)
}
