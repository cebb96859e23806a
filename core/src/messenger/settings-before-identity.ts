/**
 * Relays chosen before there is an identity. A new install that links to an existing identity
 * (devices.linkStart) shows its link through a relay before it has an identity of its own; when the
 * build embeds no relay, the user (or a test) adds one first. The choice is stored as the settings
 * the messenger loads once an identity exists, so nothing is asked twice.
 */
import {
  defaultSettings,
  fail,
  ok,
  type ClientEvent,
  type ClientFailure,
  type Settings,
} from '../client/api.ts'
import { checkRelayAddress } from '../client/relay-address.ts'
import type { MessengerStore } from '../store/store.ts'

type Result<V> = { ok: true; value: V } | ClientFailure

export interface SettingsBeforeIdentity {
  addRelay(address: string): Promise<Result<Settings>>
}

export function settingsBeforeIdentity(
  store: () => Promise<MessengerStore>,
  defaultRelays: readonly string[],
  events: { emit(event: ClientEvent): void },
): SettingsBeforeIdentity {
  return {
    async addRelay(address) {
      const checked = checkRelayAddress(address, { allowPlainTcp: true })
      if (!checked.ok) return fail('relay_address_invalid', `${checked.part}: ${checked.hint}`)
      const db = await store()
      const saved = await db.getSettings()
      // As MessengerSettings.load: a field saved before it existed takes its default.
      const current: Settings =
        saved === undefined
          ? defaultSettings([...defaultRelays])
          : { ...defaultSettings(saved.relays), ...saved }
      if (current.relays.includes(address)) return ok(current)
      const next = { ...current, relays: [...current.relays, address] }
      await db.putSettings(next)
      events.emit({ type: 'settings.changed', settings: next })
      return ok(next)
    },
  }
}
