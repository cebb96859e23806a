/**
 * The bridge from a newly accepted device list to the messenger's store (records.ts): which
 * device records to write or delete for the owner (a contact, or DEVICE_OWNER_SELF), which
 * sessions end (their device left the list: nothing is encrypted to it again, ADR 0760), and
 * which listed devices still need a session (started from the bundle in the list). Pure: the
 * caller applies the plan in one store transaction.
 */
import { bytesEqual } from '../../crypto/bytes.ts'
import type { DeviceOwner, DeviceRecord, SessionRecord } from '../../store/records.ts'
import { deviceIdOf } from '../net.ts'
import type { ListedDevice, VerifiedDeviceList } from './device-list.ts'

export interface DeviceStorePlan {
  /** Device records to write (new devices, or a changed certificate). */
  putDevices: DeviceRecord[]
  /** Device ids (PeerId strings) of records to delete: no longer listed. */
  deleteDevices: string[]
  /** Device ids whose sessions to delete now. */
  endSessions: string[]
  /** Listed devices (other than this one) with no session yet. */
  needSession: ListedDevice[]
}

export interface PlanInput {
  owner: DeviceOwner
  list: VerifiedDeviceList
  devices: readonly DeviceRecord[]
  sessions: readonly SessionRecord[]
  /** This device's PeerId string, never a target (for our own list). */
  thisDeviceId?: string
}

export function planDeviceStore(input: PlanInput): DeviceStorePlan {
  const listed = new Map(
    input.list.devices
      .map((d) => [deviceIdOf(d.peerId), d] as const)
      .filter(([id]) => id !== input.thisDeviceId),
  )
  const putDevices: DeviceRecord[] = []
  for (const [deviceId, d] of listed) {
    const certificate = d.certificate
    const stored = input.devices.find((r) => r.deviceId === deviceId)
    if (stored !== undefined && bytesEqual(stored.certificate, certificate)) continue
    putDevices.push({
      ownerId: input.owner,
      deviceId,
      certificate,
      addedAt: stored?.addedAt ?? d.addedAt,
      expiresAt: d.certExpiresAt,
      lastSeenAt: stored?.lastSeenAt ?? null,
    })
  }
  const deleteDevices = input.devices
    .map((r) => r.deviceId)
    .filter((id) => !listed.has(id) && id !== input.thisDeviceId)
  const endSessions = input.sessions.map((s) => s.deviceId).filter((id) => !listed.has(id))
  const withSession = new Set(input.sessions.map((s) => s.deviceId))
  const needSession = [...listed].filter(([id]) => !withSession.has(id)).map(([, d]) => d)
  return { putDevices, deleteDevices, endSessions, needSession }
}
