/**
 * Relays chosen before there is an identity. A new install that links to an existing identity
 * (devices.linkStart) shows its link through a relay before it has an identity of its own; when the
 * build embeds no relay, the user (or a test) adds one first. The choice is stored as the settings
 * the messenger loads once an identity exists, so nothing is asked twice.
 */
import { ok, type ClientEvent, type ClientFailure, type Settings } from '../client/api.ts'
import type { MessengerStore } from '../store/store.ts'
import { relayAddressRefused, settingsFromStore, withRelayAdded } from './settings.ts'

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
      // A bad address is refused before the store is opened: nothing is read or written for it.
      const refused = relayAddressRefused(address)
      if (refused !== null) return refused
      const db = await store()
      // The same merge and the same rule as the messenger's own settings (settings.ts).
      const current = settingsFromStore(await db.getSettings(), defaultRelays)
      const added = withRelayAdded(current, address)
      if (!added.ok || added.value === current) return added
      await db.putSettings(added.value)
      events.emit({ type: 'settings.changed', settings: added.value })
      return ok(added.value)
    },
  }
}
