/**
 * Person-wide settings between our own devices, both ways (issue 19, ADR 0785): read receipts,
 * delayed receipts and relay-only follow the person to every device; relays and notifications
 * stay with the device. A change on one device goes out stamped (kind 8, sync-state.ts) and is
 * taken where its stamp is newer than the agreement held (`LocalSecrets.personalSync`); a stale or
 * replayed frame is refused as a replay and changes nothing.
 */
import type { Settings, SettingsPatch } from '../../client/api.ts'
import { ProtocolError } from '../../wire/errors.ts'
import type { MessengerContext } from '../context.ts'
import type { LocalSecrets } from '../secrets.ts'
import {
  decodeSettingsState,
  encodeSettingsState,
  nextStamp,
  orderOf,
  personalFlags,
} from './sync-state.ts'

export type PersonalSync = NonNullable<LocalSecrets['personalSync']>

export interface SettingsSyncDeps {
  ctx: MessengerContext
  current(): Settings
  /** Saves the settings as the user would (emits settings.changed). */
  update(patch: SettingsPatch): Promise<unknown>
  /** Records the agreement in our stored secrets. */
  saveAgreement(sync: PersonalSync): Promise<void>
}

/**
 * The settings frame to send after our settings changed, or null when the person-wide ones are
 * what our devices already agree on. `always`: send the agreement even so (a companion announced
 * itself and may not hold it yet; a stop left it unsent). A new agreement is saved `pending`
 * until the caller has handed it to every linked device.
 */
export async function stampSettingsChange(
  d: SettingsSyncDeps,
  always = false,
): Promise<Uint8Array | null> {
  const held = d.ctx.secrets.personalSync
  const current = d.current()
  const flags = personalFlags(current)
  if (held !== undefined && held.flags === flags)
    return always ? encodeSettingsState(held.stamp, current) : null
  const stamp = nextStamp(held?.stamp ?? 0, d.ctx.platform.clock())
  await d.saveAgreement({ stamp, flags, pending: true })
  return encodeSettingsState(stamp, current)
}

/** Takes a settings frame from our other device; true when the settings changed. */
export async function applySettingsState(d: SettingsSyncDeps, body: Uint8Array): Promise<boolean> {
  const f = decodeSettingsState(body)
  const flags = personalFlags(f.settings)
  const held = d.ctx.secrets.personalSync ?? { stamp: 0, flags: personalFlags(d.current()) }
  const order = orderOf(f.stamp, Uint8Array.of(flags), held.stamp, Uint8Array.of(held.flags))
  if (order === 'older') throw new ProtocolError('replay', 'settings: older than the state held')
  if (order === 'same') return false
  // The agreement first: the settings.changed that follows then sends nothing back.
  await d.saveAgreement({ stamp: f.stamp, flags })
  await d.update({ ...f.settings })
  return true
}
