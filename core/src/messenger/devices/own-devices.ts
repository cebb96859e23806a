/**
 * This identity's own device list inside the running messenger (issue 19, ADR 0760): the list the
 * primary holds (IdentityRecord.deviceList), the view the client API shows, and publishing a new
 * list — stored with our identity and queued, inside the end-to-end channel, to every contact in
 * the same transaction (a `device_list` control payload), so contacts stop encrypting to a removed
 * device as soon as the outbox reaches them.
 */
import type { DevicesView, DeviceInfo } from '../../client/api.ts'
import { DEVICE_API_LIMITS, ClientApiError } from '../../client/api.ts'
import { bytesEqual } from '../../crypto/bytes.ts'
import { DEVICE_OWNER_SELF, type IdentityRecord } from '../../store/records.ts'
import type { StoreOperations } from '../../store/store.ts'
import { isProtocolError } from '../../wire/errors.ts'
import { randomId, type MessengerContext } from '../context.ts'
import { prekeyBundle } from '../identity.ts'
import { deviceIdOf } from '../net.ts'
import { queueControl } from '../outbox-rows.ts'
import { issueDeviceList, verifyDeviceList, type VerifiedDeviceList } from './device-list.ts'
import { DEVICE_ROLE } from './limits.ts'
import { decodeDeviceList, decodeDeviceListBody } from './list-codec.ts'
import { planDeviceStore } from './store-plan.ts'

/** How the primary names itself in its first list (renamed in Settings → Devices). */
export const FIRST_DEVICE_NAME = 'First device'

/**
 * The list this device holds, if it names this device (a list restored from a backup names the
 * old device: it is not ours to extend, ADR 0760 "lost primary → backup, companions relink").
 */
function heldList(ctx: MessengerContext, record: IdentityRecord): VerifiedDeviceList | null {
  if (record.deviceList === undefined) return null
  try {
    const list = verifyDeviceList(record.deviceList, { identityKey: ctx.local.identity.publicKey })
    const me = list.devices.find((d) => bytesEqual(d.deviceKey, ctx.local.cert.deviceKey))
    return me === undefined ? null : list
  } catch (err) {
    if (isProtocolError(err)) return null
    throw err
  }
}

/**
 * Our current list. Before the first link there is none stored: a list naming only this device as
 * primary is made (not stored or sent: nothing changed for anyone until a device is added).
 */
export async function currentOwnList(ctx: MessengerContext): Promise<VerifiedDeviceList> {
  const record = await ctx.store.getIdentity()
  if (record === undefined) throw new ClientApiError('no_identity', 'no identity on this device')
  const held = heldList(ctx, record)
  if (held !== null) return held
  // Made once per running messenger, so its version does not move between two reads.
  const made = unsaved.get(ctx)
  if (made !== undefined) return made
  const previous = record.deviceList === undefined ? 0 : versionOf(record.deviceList)
  const list = issueDeviceList(ctx.local.identity, {
    previousVersion: previous,
    now: ctx.platform.clock(),
    devices: [
      {
        bundle: prekeyBundle(ctx.local, ctx.secrets),
        name: FIRST_DEVICE_NAME,
        role: DEVICE_ROLE.primary,
        addedAt: record.createdAt,
      },
    ],
  })
  unsaved.set(ctx, list)
  return list
}

/** The on-demand list of each running messenger until one is stored. */
const unsaved = new WeakMap<MessengerContext, VerifiedDeviceList>()

/** Our keys were renewed (primary-keys.ts): an on-demand list is made again with them. */
export function forgetUnsavedList(ctx: MessengerContext): void {
  unsaved.delete(ctx)
}

/** A stored list's version even when it no longer names us (so a new one goes above it). */
function versionOf(bytes: Uint8Array): number {
  try {
    return decodeDeviceListBody(decodeDeviceList(bytes).body).listVersion
  } catch {
    return 0
  }
}

/** Whether this device is the list's primary (holds the identity key and may change the list). */
export function isPrimary(ctx: MessengerContext, list: VerifiedDeviceList): boolean {
  return list.devices.some(
    (d) => d.role === DEVICE_ROLE.primary && bytesEqual(d.deviceKey, ctx.local.cert.deviceKey),
  )
}

/** The client API's view of a list (primary first, then by when each was linked). */
export async function devicesView(
  ctx: MessengerContext,
  list: VerifiedDeviceList,
): Promise<DevicesView> {
  const seen = new Map(
    (await ctx.store.listDevices(DEVICE_OWNER_SELF)).map((r) => [r.deviceId, r.lastSeenAt]),
  )
  const devices: DeviceInfo[] = list.devices
    .map((d) => {
      const deviceId = deviceIdOf(d.peerId)
      const thisDevice = deviceId === ctx.local.deviceId
      return {
        deviceId,
        name: d.name,
        thisDevice,
        primary: d.role === DEVICE_ROLE.primary,
        linkedAt: d.addedAt,
        lastSeen: thisDevice ? null : (seen.get(deviceId) ?? null),
      }
    })
    .sort((a, b) => Number(b.primary) - Number(a.primary) || a.linkedAt - b.linkedAt)
  return {
    devices,
    canManage: isPrimary(ctx, list),
    max: DEVICE_API_LIMITS.maxDevices,
    listVersion: list.listVersion,
  }
}

/**
 * Stores `list` as ours, records our other devices (store-plan.ts with owner 'self'), and queues
 * it to every contact in the same transaction. The caller kicks the outbox and emits the view.
 */
export async function publishOwnList(
  ctx: MessengerContext,
  list: VerifiedDeviceList,
): Promise<void> {
  const now = ctx.platform.clock()
  await ctx.store.transaction(async (tx) => {
    const record = await tx.getIdentity()
    if (record === undefined) throw new ClientApiError('no_identity', 'no identity on this device')
    const held = heldList(ctx, record)
    if (held !== null && held.listVersion >= list.listVersion)
      throw new ClientApiError('invalid_state', 'a newer device list was published meanwhile')
    await tx.putIdentity({ ...record, deviceList: list.bytes })
    await recordOwnDevices(tx, ctx, list)
    for (const contact of await tx.listContacts()) {
      const conversation = await tx.getConversationByContact(contact.contactId)
      if (conversation === undefined) continue
      const body = { kind: 'device_list', list: list.bytes } as const
      await queueControl(
        tx,
        conversation.conversationId,
        { messageId: randomId(ctx.platform), sentAt: now, body },
        now,
      )
    }
  })
}

async function recordOwnDevices(
  tx: StoreOperations,
  ctx: MessengerContext,
  list: VerifiedDeviceList,
): Promise<void> {
  const plan = planDeviceStore({
    owner: DEVICE_OWNER_SELF,
    list,
    devices: await tx.listDevices(DEVICE_OWNER_SELF),
    sessions: [],
    thisDeviceId: ctx.local.deviceId,
  })
  for (const d of plan.putDevices) await tx.putDevice(d)
  for (const id of plan.deleteDevices) await tx.deleteDevice(DEVICE_OWNER_SELF, id)
}
